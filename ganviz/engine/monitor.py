"""Failure detectors that label a run's timeline (ganhacks, Chintala et al. 2016).

Each detector looks at the recent history and fires once when its condition starts to hold; it re-arms
once the condition has cleared. Events are data (step, kind, message) for the UI to mark on charts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganviz.engine.history import History


@dataclass(frozen=True)
class Event:
    step: int
    kind: str  # "nan" | "d_wins" | "mode_collapse" | "oscillation"
    message: str


def d_wins(history: History, window: int = 200, hi: float = 0.99, lo: float = 0.01) -> bool:
    """D(x) > 0.99 and D(G(z)) < 0.01 for each of the last ``window`` steps: G gets no signal."""
    real, fake = history.tail("d_real", window), history.tail("d_fake", window)
    return len(real) == window and bool(np.all(real > hi) and np.all(fake < lo))


def mode_collapse(history: History, drop: float = 0.5, min_modes: int = 4, min_diversity: float = 0.25,
                  healthy_diversity: float = 0.5) -> bool:
    """A collapse is a *loss* of variety, not its absence at the start: modes covered fell to ≤ ``drop`` × their
    best so far (once that best reached ``min_modes``), or the fakes' spread (mean per-feature std, fake / real)
    stayed below ``min_diversity`` for three records after having reached ``healthy_diversity``."""
    modes = history.tail("modes_covered", 10_000)
    if len(modes) >= 2 and modes.max() >= min_modes and modes[-1] <= drop * modes.max():
        return True
    div = history.tail("diversity", 10_000)
    return len(div) > 3 and div[:-3].max() >= healthy_diversity and bool(np.all(div[-3:] < min_diversity))


def oscillation(history: History, window: int = 400, min_lag: int = 10, threshold: float = 0.5,
                min_std: float = 0.05) -> bool:
    """D(G(z)) swings periodically: its detrended autocorrelation has a peak ≥ ``threshold`` at a lag in
    [min_lag, window/2] and its std over the window exceeds ``min_std`` (a rotating or cycling game)."""
    y = history.tail("d_fake", window)
    if len(y) < window or y.std() < min_std:
        return False
    t = np.arange(window)
    y = y - np.polyval(np.polyfit(t, y, 1), t)
    f = np.fft.rfft(y, 2 * window)
    ac = np.fft.irfft(f * np.conj(f))[: window // 2]
    if ac[0] <= 0:
        return False
    ac = ac / ac[0]
    seg = ac[min_lag:]
    # a true period shows a local maximum after the first zero crossing
    below = np.nonzero(seg < 0)[0]
    if not len(below):
        return False
    return bool(seg[below[0]:].max() >= threshold)


DETECTORS = {
    "d_wins": (d_wins, "D wins: D(x) > 0.99 and D(G(z)) < 0.01 for 200 steps — G's gradient is vanishing."),
    "mode_collapse": (mode_collapse, "Mode collapse: the generated samples lost most of their modes or spread."),
    "oscillation": (oscillation, "Oscillation: D(G(z)) swings periodically — the game is cycling, not converging."),
}


class Monitor:
    """Runs the detectors every ``every`` steps; each fires once per episode."""

    def __init__(self, every: int = 50):
        self.every = every
        self.active: set[str] = set()

    def check(self, step: int, history: History, probabilistic: bool = True) -> list[Event]:
        """``probabilistic``: D's output is σ(a) (2014 losses); "D wins" is only defined then."""
        if step % self.every:
            return []
        events = []
        for kind, (detect, message) in DETECTORS.items():
            if detect(history) and (probabilistic or kind != "d_wins"):
                if kind not in self.active:
                    self.active.add(kind)
                    events.append(Event(step, kind, message))
            else:
                self.active.discard(kind)
        return events
