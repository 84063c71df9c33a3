"""Bounded training history: series that never outgrow a fixed capacity, however long the run.

When a buffer fills, every other point is dropped and from then on only every second step is kept
(the stride doubles). Memory stays bounded and the whole timeline stays visible at a coarser grain.
"""
from __future__ import annotations

import numpy as np


class Series:
    """One decimating buffer of (step, value) pairs."""

    def __init__(self, capacity: int):
        if capacity < 4:
            raise ValueError("history capacity must be at least 4")
        self.capacity = capacity
        self.steps = np.empty(capacity, dtype=np.int64)
        self.values = np.empty(capacity, dtype=np.float64)
        self.size = 0
        self.stride = 1

    def append(self, step: int, value: float) -> None:
        if step % self.stride:
            return
        if self.size == self.capacity:
            half = self.capacity // 2
            self.steps[:half] = self.steps[: 2 * half : 2]
            self.values[:half] = self.values[: 2 * half : 2]
            self.size = half
            self.stride *= 2
            if step % self.stride:
                return
        self.steps[self.size] = step
        self.values[self.size] = value
        self.size += 1

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        return self.steps[: self.size].copy(), self.values[: self.size].copy()


class History:
    """Named series. ``record(step, dict)`` appends each value; ``arrays()`` returns copies.

    ``arrays()`` → {name: (steps, values)}; series recorded every step share their steps, metrics
    recorded every N steps have their own.
    """

    def __init__(self, capacity: int = 20_000):
        self.capacity = capacity
        self._series: dict[str, Series] = {}

    def record(self, step: int, values: dict[str, float]) -> None:
        for name, value in values.items():
            series = self._series.get(name)
            if series is None:
                series = self._series[name] = Series(self.capacity)
            series.append(step, value)

    def arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {name: s.arrays() for name, s in self._series.items()}

    def last(self, name: str, default: float = float("nan")) -> float:
        s = self._series.get(name)
        return float(s.values[s.size - 1]) if s is not None and s.size else default

    def tail(self, name: str, n: int) -> np.ndarray:
        s = self._series.get(name)
        if s is None:
            return np.empty(0)
        return s.values[max(0, s.size - n) : s.size].copy()

    def __contains__(self, name: str) -> bool:
        return name in self._series
