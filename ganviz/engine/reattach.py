"""Runs that outlive a closed tab for a grace period, so a reload (a lecturer's accidental F5) reattaches to
the training run instead of starting over.

A page's run carries an id in the view's URL (``?run=<id>``). When its session ends, the run is detached
here rather than stopped; a new session opening that URL within the grace period takes it back (its step
count continues); after the grace period the run is stopped and its worker process ends.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from ganviz import settings

DEFAULT_GRACE_S = settings.DEFAULT_REATTACH_S


def grace_from_env() -> float:
    """Seconds a detached run is kept: GANVIZ_REATTACH_S, validated by ganviz.settings (default 120)."""
    return settings.reattach_s()


def new_run_id() -> str:
    """An unguessable id for a run's URL (only a detached run can be taken, and only by its id)."""
    return secrets.token_urlsafe(9)


@dataclass
class Detached:
    page: str
    key: Any
    run: Any
    deadline: float


class Registry:
    """Detached runs by id: :meth:`detach` on session end, :meth:`reattach` on a reload, :meth:`sweep` stops
    those past their grace period (a daemon thread sweeps while any are held, unless ``reaper=False``)."""

    def __init__(self, grace_s: float = DEFAULT_GRACE_S, clock: Callable[[], float] = time.monotonic,
                 reaper: bool = True):
        self.grace_s, self.clock, self.reaper = grace_s, clock, reaper
        self._lock = threading.Lock()
        self._held: dict[str, Detached] = {}
        self._thread: threading.Thread | None = None

    def detach(self, run_id: str, page: str, key, run) -> None:
        """Keep ``run`` (a stoppable run of ``page`` built for ``key``) for the grace period; 0 s stops it now."""
        if self.grace_s <= 0:
            run.stop()
            return
        with self._lock:
            old = self._held.pop(run_id, None)
            self._held[run_id] = Detached(page, key, run, self.clock() + self.grace_s)
            start = self.reaper and self._thread is None
            if start:
                self._thread = threading.Thread(target=self._reap, name="ganviz-reattach", daemon=True)
        if old is not None and old.run is not run:
            old.run.stop()
        if start:
            self._thread.start()

    def reattach(self, run_id: str, page: str):
        """``(key, run)`` of the run detached under ``run_id`` from ``page`` within its grace period, or None."""
        with self._lock:
            held = self._held.get(run_id)
            if held is None or held.page != page or self.clock() >= held.deadline:
                return None
            del self._held[run_id]
        return held.key, held.run

    def sweep(self) -> int:
        """Stop the runs past their grace period; returns how many."""
        now = self.clock()
        with self._lock:
            expired = [rid for rid, h in self._held.items() if now >= h.deadline]
            runs = [self._held.pop(rid).run for rid in expired]
        for run in runs:
            run.stop()
        return len(runs)

    def __len__(self) -> int:
        with self._lock:
            return len(self._held)

    def _reap(self) -> None:
        while True:
            time.sleep(min(1.0, self.grace_s))
            self.sweep()
            with self._lock:
                if not self._held:
                    self._thread = None
                    return


REGISTRY = Registry(grace_from_env())
