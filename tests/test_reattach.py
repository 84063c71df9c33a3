"""The reattach registry with a fake clock: a detached run is taken back within its grace period, stopped after."""
import threading

import pytest

from ganviz.engine import live, reattach
from ganviz.engine.reattach import Registry
from ganviz.engine.worker import WorkerRun
from tests.helpers import toy_trainer, wait_for


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class FakeRun:
    def __init__(self):
        self.stopped = 0

    def stop(self):
        self.stopped += 1


@pytest.fixture
def clock():
    return Clock()


def test_reattach_within_grace_returns_the_same_run(clock):
    reg = Registry(120, clock, reaper=False)
    run = FakeRun()
    reg.detach("abc", "playground", ("k",), run)
    clock.t += 119.9
    assert reg.sweep() == 0
    assert reg.reattach("abc", "playground") == (("k",), run)
    assert run.stopped == 0 and len(reg) == 0
    assert reg.reattach("abc", "playground") is None  # taken once


def test_after_grace_the_run_is_stopped_and_gone(clock):
    reg = Registry(120, clock, reaper=False)
    run, other = FakeRun(), FakeRun()
    reg.detach("abc", "playground", 1, run)
    clock.t += 60
    reg.detach("def", "playground", 1, other)
    clock.t += 60  # "abc" is now exactly at its deadline, "def" halfway
    assert reg.reattach("abc", "playground") is None
    assert reg.sweep() == 1 and run.stopped == 1 and other.stopped == 0
    clock.t += 60
    assert reg.sweep() == 1 and other.stopped == 1 and len(reg) == 0


def test_wrong_page_or_unknown_id_gets_nothing(clock):
    reg = Registry(120, clock, reaper=False)
    run = FakeRun()
    reg.detach("abc", "playground", 1, run)
    assert reg.reattach("abc", "train_images") is None and reg.reattach("zzz", "playground") is None
    assert reg.reattach("abc", "playground") == (1, run)


def test_zero_grace_stops_at_once_and_a_replaced_entry_is_stopped(clock):
    assert_stopped = FakeRun()
    Registry(0, clock, reaper=False).detach("a", "p", 1, assert_stopped)
    assert assert_stopped.stopped == 1
    reg = Registry(120, clock, reaper=False)
    first, second = FakeRun(), FakeRun()
    reg.detach("a", "p", 1, first)
    reg.detach("a", "p", 1, second)
    assert first.stopped == 1 and reg.reattach("a", "p") == (1, second)


@pytest.mark.parametrize("value, expected", [("30", 30.0), ("0", 0.0), ("-1", 120.0), ("soon", 120.0),
                                             (None, 120.0)])
def test_grace_from_env(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("GANVIZ_REATTACH_S", raising=False)
    else:
        monkeypatch.setenv("GANVIZ_REATTACH_S", value)
    assert reattach.grace_from_env() == expected


def test_run_ids_are_distinct_and_url_safe():
    ids = {reattach.new_run_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(i.replace("-", "").replace("_", "").isalnum() for i in ids)


def test_a_worker_run_keeps_training_while_detached_then_its_worker_stops(clock):
    reg = Registry(120, clock, reaper=False)
    run = WorkerRun(toy_trainer)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    reg.detach(run.run_id, "playground", 1, run)
    s = run.snapshot().step
    key, back = reg.reattach(run.run_id, "playground")
    assert back is run and wait_for(lambda: back.snapshot().step > s)  # the step count continues
    reg.detach(run.run_id, "playground", 1, run)
    clock.t += 121
    assert reg.sweep() == 1
    assert not run.alive() and run.state == "stopped" and live.active_jobs() == 0


def test_the_reaper_thread_sweeps_and_exits():
    reg = Registry(0.05)
    run = FakeRun()
    base = threading.active_count()
    reg.detach("a", "p", 1, run)
    assert wait_for(lambda: run.stopped == 1, 10)
    assert wait_for(lambda: threading.active_count() == base, 10) and len(reg) == 0
