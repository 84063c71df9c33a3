"""Failure detectors on synthetic histories with known answers."""
import numpy as np

from ganviz.engine.history import History
from ganviz.engine.monitor import Monitor, d_wins, mode_collapse, oscillation


def history(**series):
    h = History(100_000)
    n = len(next(iter(series.values())))
    for i in range(n):
        h.record(i + 1, {k: float(v[i]) for k, v in series.items()})
    return h


def test_d_wins():
    assert d_wins(history(d_real=np.full(300, 0.995), d_fake=np.full(300, 0.005)))
    assert not d_wins(history(d_real=np.full(300, 0.995), d_fake=np.r_[np.full(299, 0.005), 0.2]))
    assert not d_wins(history(d_real=np.full(100, 0.995), d_fake=np.full(100, 0.005)))


def test_oscillation_sinusoid_yes_noise_no():
    t = np.arange(1000)
    rng = np.random.default_rng(0)
    assert oscillation(history(d_fake=0.5 + 0.3 * np.sin(2 * np.pi * t / 60)))
    assert not oscillation(history(d_fake=0.5 + 0.1 * rng.standard_normal(1000)))
    assert not oscillation(history(d_fake=np.linspace(0.1, 0.6, 1000)))  # a trend is not a cycle


def test_mode_collapse_is_a_loss_of_variety():
    def h_of(**series):
        h = History(1000)
        n = len(next(iter(series.values())))
        for i in range(n):
            h.record(i, {k: v[i] for k, v in series.items()})
        return h
    assert mode_collapse(h_of(modes_covered=[8, 8, 7, 3]))
    assert not mode_collapse(h_of(modes_covered=[2, 5, 8, 8]))
    assert not mode_collapse(h_of(modes_covered=[3, 2, 1, 1]))  # a small, noisy count is not a collapse
    assert mode_collapse(h_of(diversity=[0.9, 1.0, 0.1, 0.1, 0.1]))
    assert not mode_collapse(h_of(diversity=[0.05, 0.1, 0.1, 0.2]))  # G starts as a point: not a collapse


def test_monitor_fires_once_per_episode_and_rearms():
    m = Monitor(every=1)
    h = History(10_000)
    events = []
    for step in range(1, 1201):
        win = step <= 400 or step > 800
        h.record(step, {"d_real": 0.999 if win else 0.6, "d_fake": 0.001 if win else 0.4})
        events += m.check(step, h)
    kinds = [e.kind for e in events if e.kind == "d_wins"]
    assert len(kinds) == 2
    assert not [e for e in Monitor(every=1).check(300, h, probabilistic=False) if e.kind == "d_wins"]
