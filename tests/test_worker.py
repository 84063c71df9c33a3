"""WorkerRun: the LiveRun interface with the Trainer in a worker process — exact stepping against a headless
Trainer, crash and kill -9, no orphan processes, the job cap counting processes, death with the server."""
import multiprocessing as mp
import operator
import os
import signal
import subprocess
import sys
import textwrap
import time
from functools import partial
from multiprocessing import forkserver, resource_tracker

import numpy as np
import pytest
import torch

from ganviz.engine import live
from ganviz.engine.live import Busy
from ganviz.engine.worker import WorkerRun
from tests.helpers import toy_trainer, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def cap():
    old = live.job_cap()
    live.set_job_cap(2)
    yield
    live.set_job_cap(old)


def _descendants(pid: int) -> set[int]:
    """Every live process below ``pid``, read from /proc (zombies count: an unreaped worker is an orphan too)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - out
        out |= frontier
    return out


def workers() -> set[int]:
    """Our worker processes: descendants except multiprocessing's own helpers (forkserver, resource tracker)."""
    helpers = {forkserver._forkserver._forkserver_pid, resource_tracker._resource_tracker._pid}
    return _descendants(os.getpid()) - helpers


def headless(steps: int, **cfg):
    t = toy_trainer(**cfg)
    for _ in range(steps):
        t.step()
    return t


def g_params(trainer) -> list:
    return [p.detach().clone() for p in trainer.G.parameters()]


class NaNAfter:
    """Real data that turns to NaN after ``n`` draws (picklable: the worker gets its own copy)."""

    def __init__(self, n: int):
        self.n, self.calls = n, 0

    def __call__(self, n, g):
        self.calls += 1
        x = torch.randn(n, 2, generator=g)
        return x * float("nan") if self.calls > self.n else x


class BadView:
    """A view that fails after a few steps, like a bug in a page's view."""

    def __call__(self, trainer):
        if trainer.step_count > 5:
            raise KeyError("boom")
        return trainer.step_count


def test_steps_match_a_headless_trainer_exactly():
    run = WorkerRun(toy_trainer)
    assert run.snapshot().step == 0 and run.state == "idle" and not run.alive()
    run.step(15)
    snap = run.snapshot()
    assert snap.step == 15 and snap.state == "paused" and run.alive()
    ref = headless(15)
    np.testing.assert_array_equal(snap.history["loss_d"][1], ref.history.arrays()["loss_d"][1])
    run.step_d()
    run.step_g()
    ref.d_step(), ref.g_step()
    snap = run.snapshot()
    assert snap.step == ref.step_count
    np.testing.assert_array_equal(snap.history["loss_g"][1], ref.history.arrays()["loss_g"][1])
    run.stop()
    assert run.snapshot().state == "stopped" and not run.alive() and live.active_jobs() == 0


def test_start_pause_resume_stop_and_reset_reproduces():
    run = WorkerRun(toy_trainer, publish_every_s=0.05)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 5)
    run.pause()
    s = run.with_trainer(operator.attrgetter("step_count"))
    time.sleep(0.2)
    assert run.with_trainer(operator.attrgetter("step_count")) == s and run.state == "paused"
    run.resume()
    assert wait_for(lambda: run.snapshot().step > s + 3)
    run.reset()
    assert run.snapshot().step == 0 and run.state == "idle" and not run.alive() and live.active_jobs() == 0
    run.step(15)
    np.testing.assert_array_equal(run.snapshot().history["loss_d"][1], headless(15).history.arrays()["loss_d"][1])
    run.stop()
    with pytest.raises(RuntimeError, match="reset"):
        run.start()


def test_play_with_pause_at_stops_there_once_and_play_trains_on():
    """start(pause_at=n): the run pauses at exactly step n, with the numbers of n headless steps; Play again
    (no pause_at) trains past it; a second stop is counted from the step Play starts at."""
    run = WorkerRun(toy_trainer, publish_every_s=0.05)
    run.start(pause_at=40)
    assert wait_for(lambda: run.snapshot().state == "paused", timeout=30)
    snap = run.snapshot()
    assert snap.step == 40
    np.testing.assert_array_equal(snap.history["loss_d"][1], headless(40).history.arrays()["loss_d"][1])
    run.start()
    assert wait_for(lambda: run.snapshot().step > 60, timeout=30)
    run.pause()
    s = run.with_trainer(operator.attrgetter("step_count"))
    run.start(pause_at=s + 25)
    assert wait_for(lambda: run.snapshot().state == "paused" and run.snapshot().step == s + 25, timeout=30)
    run.stop()


def test_live_update_before_and_during_the_worker():
    run = WorkerRun(toy_trainer, mode="d")
    g0 = g_params(run._local)
    run.update(lr_d=0.01)  # before the worker exists: replayed into it
    run.step(5)
    assert all(torch.equal(a, b) for a, b in zip(g0, run.with_trainer(g_params), strict=True))
    assert run.with_trainer(lambda_free_lr) == 0.01
    run.update(lr_d=0.02, k=2)
    assert run.snapshot().config.k == 2
    assert run.with_trainer(lambda_free_lr) == 0.02
    with pytest.raises(ValueError, match="cannot change"):
        run.update(z_dim=3)
    run.stop()


def lambda_free_lr(trainer) -> float:
    return trainer.opt_d.param_groups[0]["lr"]


def test_kill_9_is_one_sentence_and_frees_the_slot():
    run = WorkerRun(toy_trainer)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    os.kill(run.pid, signal.SIGKILL)
    assert wait_for(lambda: run.snapshot().error is not None)
    snap = run.snapshot()
    assert snap.state == "stopped" and "killed (SIGKILL" in snap.error and snap.error.count(".") == 1
    assert live.active_jobs() == 0 and not run.alive()
    run.reset()  # the server is fine: the same run trains again
    run.step(3)
    assert run.snapshot().step == 3 and run.snapshot().error is None
    run.stop()


def test_a_bug_in_the_view_stops_the_run_with_a_sentence():
    run = WorkerRun(toy_trainer, view=BadView(), publish_every_s=0.0)
    run.start()
    assert wait_for(lambda: run.snapshot().error is not None)
    assert run.snapshot().error == "Training stopped: KeyError: 'boom'"
    assert wait_for(lambda: not run.alive()) and live.active_jobs() == 0


def test_nan_pauses_with_message_and_keeps_the_worker():
    run = WorkerRun(partial(toy_trainer, real=NaNAfter(20)))
    run.start()
    assert wait_for(lambda: run.snapshot().error is not None)
    snap = run.snapshot()
    assert snap.state == "paused" and "diverged" in snap.error
    assert "nan" not in snap.error.lower() and "lr_d" in snap.error
    assert run.alive()  # paused, not dead: the trainer's state is still there
    run.stop()


def test_failing_call_raises_its_sentence_and_the_run_goes_on():
    run = WorkerRun(toy_trainer)
    run.step(2)
    with pytest.raises(RuntimeError, match="AttributeError"):
        run.with_trainer(operator.attrgetter("no_such_field"))
    run.step(1)
    assert run.snapshot().step == 3
    run.stop()


def test_cap_counts_processes_and_frees_on_stop():
    before = workers()  # e.g. a browser the session's e2e tests started
    runs = [WorkerRun(toy_trainer) for _ in range(3)]
    runs[0].start(), runs[1].step(1)
    runs[0].pause()  # a paused worker still holds its process, so its slot
    with pytest.raises(Busy, match="server is busy.*limit is 2"):
        runs[2].start()
    assert len(workers() - before) == 2
    runs[0].stop()
    runs[2].start()
    assert wait_for(lambda: runs[2].snapshot().step > 0)
    for r in runs:
        r.stop()
    assert live.active_jobs() == 0


def test_fifty_start_close_cycles_leave_no_processes():
    before = workers()
    for i in range(50):
        run = WorkerRun(toy_trainer)
        run.start() if i % 2 else run.step(1)
        run.stop()
    assert wait_for(lambda: workers() == before, 10), workers() - before
    assert mp.active_children() == [] and live.active_jobs() == 0


@pytest.mark.parametrize("value, nice", [("17", 17), (None, 10), ("0", 0), ("-5", 10), ("20", 10), ("x", 10)])
def test_a_worker_runs_at_the_os_priority_of_the_setting(monkeypatch, value, nice):
    """GANVIZ_WORKER_NICE (default 10) is the worker's nice value as the OS reports it; a bad value is one sentence
    and the default. Only root may lower a nice value: a server that is niced itself (the tests run at nice 15)
    keeps its own for the worker."""
    from ganviz import settings
    if value is None:
        monkeypatch.delenv("GANVIZ_WORKER_NICE", raising=False)
    else:
        monkeypatch.setenv("GANVIZ_WORKER_NICE", value)
    bad = [m for m in settings.problems() if m.startswith("GANVIZ_WORKER_NICE")]
    assert bad == ([] if nice != 10 or value is None else
                   [f"GANVIZ_WORKER_NICE={value!r} is not a whole number from 0 to 19 (the training workers' OS "
                    "priority); using the default 10."])
    run = WorkerRun(toy_trainer)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    want = max(nice, os.getpriority(os.PRIO_PROCESS, 0))
    assert os.getpriority(os.PRIO_PROCESS, run.pid) == want
    if os.path.exists("/proc/self/autogroup") and nice > 0:  # Linux autogroups: the worker's session has it too
        with open(f"/proc/{run.pid}/autogroup") as f, open("/proc/self/autogroup") as own:
            theirs, ours = f.read().split(), own.read().split()
        switch = "/proc/sys/kernel/sched_autogroup_enabled"
        enabled = os.path.exists(switch) and open(switch).read().strip() == "1"
        if enabled:  # a process in the root group (a container's first session) reads nothing: nice 0
            assert theirs and theirs[0] != (ours or [None])[0], (theirs, ours)
            assert theirs[-1] == str(max(nice, int(ours[-1]) if ours else 0)), (theirs, ours)
    assert os.getpriority(os.PRIO_PROCESS, 0) == own_nice  # the server's own priority is untouched
    run.stop()


own_nice = os.getpriority(os.PRIO_PROCESS, 0)


SERVER = textwrap.dedent("""
    import sys, time
    sys.path.insert(0, {root!r})
    from ganviz.engine.worker import WorkerRun
    from tests.helpers import toy_trainer
    if __name__ == "__main__":
        run = WorkerRun(toy_trainer)
        run.start()
        print(run.pid, flush=True)
        time.sleep(600)
""")


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_workers_die_with_the_server(tmp_path):
    script = tmp_path / "server.py"
    script.write_text(SERVER.format(root=ROOT))
    server = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pid = int(server.stdout.readline())
        assert not _gone(pid)
        server.kill()  # SIGKILL: no atexit, no cleanup in the server
        server.wait(10)
        assert wait_for(lambda: _gone(pid), 15)
    finally:
        server.kill()


@pytest.mark.parametrize("name", ["ring-8", "grid-25", "spiral", "two-moons", "two-gaussians", "csv"])
def test_datasets_pickle_into_a_worker_and_draw_the_same_points(name):
    import pickle

    from ganviz.plane import toy
    ds = toy.point_cloud(np.random.default_rng(0).normal(size=(50, 2))) if name == "csv" else toy.DATASETS[name]()
    copy = pickle.loads(pickle.dumps(ds))
    a = ds.sample(300, torch.Generator().manual_seed(3))
    b = copy.sample(300, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and a.shape == (300, 2)


def test_read_only_arrays_cross_the_pipe_once_and_both_caches_agree():
    from ganviz.engine.worker import decode_snapshot, encode_snapshot
    frame = np.arange(100_000, dtype=np.uint8)
    frame.setflags(write=False)
    live_arr = np.ones(10_000)  # writeable: always sent in full
    sent, got = {}, {}
    first = encode_snapshot(("snap", (frame, live_arr)), sent)
    second = encode_snapshot(("snap", (frame, frame, live_arr)), sent)
    assert len(first) > 100_000 + 80_000 and len(second) < 80_000 + 1_000
    one, two = decode_snapshot(first, got), decode_snapshot(second, got)
    assert np.array_equal(one[1][0], frame) and two[1][0] is one[1][0] and two[1][1] is one[1][0]
    assert np.array_equal(two[1][2], live_arr) and set(got) == set(sent) and len(sent) == 1
    third = encode_snapshot(("snap", (live_arr,)), sent)  # the frame is no longer shown: both ends drop it
    decode_snapshot(third, got)
    assert sent == {} and got == {}


def test_a_run_dropped_without_stop_frees_its_slot_and_process():
    import gc
    before = workers()
    run = WorkerRun(toy_trainer)
    run.step(2)
    assert live.active_jobs() == 1
    del run
    gc.collect()
    assert live.active_jobs() == 0
    assert wait_for(lambda: workers() == before, 10)


def test_worker_messages_build_only_the_wire_types():
    """The server reads its workers' messages with an unpickler that builds numpy/torch/ganviz values and plain
    containers, and refuses anything that names another callable (e.g. os.system)."""
    import os
    import pickle

    import numpy as np
    import torch

    from ganviz.engine import worker

    ok = ("result", 3, True, {"w": torch.ones(2), "a": np.arange(3), "t": (1.5, "x")})
    back = worker.decode_message(pickle.dumps(ok))
    assert back[:3] == ("result", 3, True) and torch.equal(back[3]["w"], torch.ones(2))
    np.testing.assert_array_equal(back[3]["a"], np.arange(3))

    class Evil:
        def __reduce__(self):
            return (os.system, ("true",))

    with pytest.raises(pickle.UnpicklingError, match="may not contain"):
        worker.decode_message(pickle.dumps(("result", 1, True, Evil())))
    with pytest.raises(pickle.UnpicklingError, match="builtins.eval"):
        worker.decode_message(pickle.dumps(("result", 1, True, eval)))
    with pytest.raises(pickle.UnpicklingError, match="may not contain"):
        worker.decode_snapshot(pickle.dumps(Evil()), {})
