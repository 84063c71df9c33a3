"""LiveRun: controls, exact stepping, reset reproducibility, thread hygiene, the job cap, NaN pauses."""
import threading
import time

import numpy as np
import pytest
import torch

from ganviz.engine import live
from ganviz.engine.live import Busy, LiveRun, RunSlot
from tests.helpers import toy_trainer, wait_for


@pytest.fixture(autouse=True)
def cap():
    old = live.job_cap()
    live.set_job_cap(2)
    yield
    live.set_job_cap(old)


def test_step_advances_exactly_n_and_returns_after():
    run = LiveRun(toy_trainer)
    assert run.snapshot().step == 0 and run.snapshot().state == "idle"
    run.step(7)
    assert run.trainer.step_count == 7 and run.snapshot().step == 7
    run.step_d()
    run.step_g()
    assert run.snapshot().step == 9
    assert wait_for(lambda: not run.alive()) and live.active_jobs() == 0


def test_start_pause_resume_stop():
    run = LiveRun(toy_trainer)
    run.start()
    assert wait_for(lambda: run.trainer.step_count > 5)
    run.pause()
    assert wait_for(lambda: not run.alive())
    s = run.trainer.step_count
    time.sleep(0.1)
    assert run.trainer.step_count == s and run.snapshot().state == "paused"
    run.resume()
    assert wait_for(lambda: run.trainer.step_count > s + 3)
    run.stop()
    assert not run.alive() and run.snapshot().state == "stopped"
    with pytest.raises(RuntimeError, match="reset"):
        run.start()


def test_reset_reproduces_the_run():
    run = LiveRun(toy_trainer)
    run.step(15)
    first = run.snapshot().history["loss_d"][1]
    run.reset()
    assert run.snapshot().step == 0
    run.step(15)
    assert np.array_equal(first, run.snapshot().history["loss_d"][1])


def test_fifty_start_stop_cycles_leave_no_threads():
    base = threading.active_count()
    for _ in range(50):
        run = LiveRun(toy_trainer)
        run.start()
        run.stop()
    assert wait_for(lambda: threading.active_count() == base, 5)
    assert live.active_jobs() == 0


def test_cap_refuses_with_a_sentence_and_frees_on_stop():
    runs = [LiveRun(toy_trainer) for _ in range(3)]
    runs[0].start(), runs[1].start()
    with pytest.raises(Busy, match="server is busy.*limit is 2"):
        runs[2].start()
    runs[0].stop()
    runs[2].start()
    assert wait_for(lambda: runs[2].trainer.step_count > 0)
    for r in runs:
        r.stop()
    assert live.active_jobs() == 0


def test_nan_pauses_with_message():
    calls = {"n": 0}

    def real(n, g):
        calls["n"] += 1
        x = torch.randn(n, 2, generator=g)
        return x * float("nan") if calls["n"] > 20 else x

    run = LiveRun(lambda: toy_trainer(real=real))
    run.start()
    assert wait_for(lambda: run.snapshot().error is not None)
    snap = run.snapshot()
    assert snap.state == "paused" and "loss diverged" in snap.error and "nan" not in snap.error and "lr_d" in snap.error
    assert wait_for(lambda: not run.alive()) and live.active_jobs() == 0


def test_d_mode_trains_only_d_and_update_is_live():
    run = LiveRun(toy_trainer, mode="d")
    g0 = [p.clone() for p in run.trainer.G.parameters()]
    run.update(lr_d=0.01)
    run.step(5)
    assert all(torch.equal(a, b) for a, b in zip(g0, run.trainer.G.parameters(), strict=True))
    assert run.trainer.opt_d.param_groups[0]["lr"] == 0.01
    assert "loss_g" not in run.snapshot().history


def test_view_is_computed_in_snapshot_and_max_steps_pauses():
    run = LiveRun(toy_trainer, view=lambda t: t.generate().mean().item(), max_steps=12)
    run.start()
    assert wait_for(lambda: not run.alive())
    snap = run.snapshot()
    assert snap.step == 12 and snap.state == "paused"
    assert snap.view == pytest.approx(run.trainer.generate().mean().item())


def test_play_with_pause_at_stops_there_once_and_play_trains_on():
    run = LiveRun(toy_trainer, publish_every_s=0.05)
    run.start(pause_at=30)
    assert wait_for(lambda: not run.alive())
    assert run.trainer.step_count == 30 and run.snapshot().step == 30 and run.snapshot().state == "paused"
    run.start()  # no stop now: past 30
    assert wait_for(lambda: run.trainer.step_count > 50)
    run.pause()
    assert wait_for(lambda: not run.alive())
    s = run.trainer.step_count
    run.start(pause_at=s + 10)
    assert wait_for(lambda: not run.alive())
    assert run.trainer.step_count == s + 10


def test_run_slot_replaces_run_when_nets_change():
    slot = RunSlot()
    a = slot.get(("mlp", 16), lambda: LiveRun(toy_trainer))
    assert slot.get(("mlp", 16), lambda: LiveRun(toy_trainer)) is a
    a.start()
    b = slot.get(("mlp", 32), lambda: LiveRun(toy_trainer))
    assert b is not a and a.snapshot().state == "stopped" and not a.alive()
    slot.release()
    assert b.snapshot().state == "stopped"


def test_with_trainer_runs_between_steps():
    run = LiveRun(toy_trainer)
    run.start()
    assert wait_for(lambda: run.trainer.step_count > 3)
    n_params = run.with_trainer(lambda t: sum(p.numel() for p in t.G.parameters()))
    assert n_params == (2 * 16 + 16) + (16 * 16 + 16) + (16 * 2 + 2)  # MLPGenerator(2, 2, (16, 16)): 354 weights
    run.stop()


def test_worker_shortens_the_gil_switch_interval():
    """A trainer thread must win the GIL back after every torch op; LiveRun caps the wait at 0.5 ms."""
    import sys
    old = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        run = LiveRun(toy_trainer)
        run.step(2)
        assert sys.getswitchinterval() == pytest.approx(live.GIL_SWITCH_INTERVAL_S)
        run.stop()
    finally:
        sys.setswitchinterval(old)
