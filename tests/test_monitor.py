"""Failure detectors on synthetic histories with known answers."""
import numpy as np

from ganviz.history import History
from ganviz.monitor import Monitor, d_wins, mode_collapse, oscillation


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


def test_mode_collapse():
    h = History(1000)
    for i, m in enumerate([8, 8, 7, 3]):
        h.record(i, {"modes_covered": m})
    assert mode_collapse(h)
    h = History(1000)
    for i, m in enumerate([2, 5, 8, 8]):
        h.record(i, {"modes_covered": m})
    assert not mode_collapse(h)
    h = History(1000)
    for i in range(3):
        h.record(i, {"diversity": 0.1})
    assert mode_collapse(h)


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
