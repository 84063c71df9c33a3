"""LiveRun: a Trainer stepped in a background thread, read by the UI through immutable snapshots.

The worker thread exists only while there is work (playing, or queued steps); it never calls streamlit.
The page reads :meth:`LiveRun.snapshot` (cheap, lock-protected) and flips state with the methods below;
nothing waits for the trainer except the single-step buttons, which wait for their one step.
A process-wide cap limits how many runs train at once.
"""
from __future__ import annotations

import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

import torch

from ganviz import settings
from ganviz.engine.monitor import Event
from ganviz.engine.trainer import Diverged, Trainer


class Busy(RuntimeError):
    """The process-wide cap on concurrent training runs is reached; str() is a sentence for users."""


_cap_lock = threading.Lock()
_active = 0
_cap = settings.job_cap()  # GANVIZ_JOB_CAP, validated (a bad value is reported and the default used)

# A trainer thread gives up the GIL inside every torch op and must win it back afterwards; while another thread
# runs Python (the server building a page's figures) each win-back waits up to sys.getswitchinterval() — 5 ms by
# default, far longer than a small net's op. Measured: a 2-D run beside a thread busy 30 % of the time fell to
# 37 % of its speed at 5 ms and kept 86 % at 0.5 ms. LiveRun shortens the interval when its first worker starts.
GIL_SWITCH_INTERVAL_S = 0.0005


def _short_gil_switch() -> None:
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)


def set_job_cap(n: int) -> None:
    global _cap
    _cap = max(1, int(n))


def job_cap() -> int:
    return _cap


def active_jobs() -> int:
    return _active


def _acquire() -> None:
    global _active
    with _cap_lock:
        if _active >= _cap:
            raise Busy(f"The server is busy: {_active} training runs are active and the limit is {_cap}. "
                       "Try again in a minute, or stop a run in another tab.")
        _active += 1


def _release() -> None:
    global _active
    with _cap_lock:
        _active = max(0, _active - 1)


@dataclass(frozen=True)
class Snapshot:
    """What the UI may read: nothing here is shared with the worker."""
    step: int
    state: str  # "idle" (never started) | "running" | "paused" | "stopped"
    history: dict = field(default_factory=dict)  # name -> (steps, values) numpy copies
    view: Any = None
    events: tuple[Event, ...] = ()
    error: str | None = None
    steps_per_s: float = 0.0
    config: Any = None


class LiveRun:
    """A Trainer in a background thread: start / pause / resume / step(n) / step_d / step_g / stop / reset.

    ``make_trainer()`` builds a fresh, seeded Trainer (reset calls it again: same seed ⇒ same run).
    ``view(trainer)`` is computed in the worker when a snapshot is wanted (e.g. samples on fixed noise).
    ``mode="d"`` trains only the discriminator (the D* page). ``max_steps`` pauses the run there.
    """

    def __init__(self, make_trainer: Callable[[], Trainer], view: Callable[[Trainer], Any] | None = None,
                 mode: str = "gan", publish_every_s: float = 0.2, max_steps: int | None = None):
        if mode not in ("gan", "d"):
            raise ValueError("mode must be 'gan' or 'd'")
        self._make, self._view, self.mode = make_trainer, view, mode
        self.publish_every_s, self.max_steps = publish_every_s, max_steps
        self._lock = threading.Lock()  # guards the fields below
        self._trainer_lock = threading.Lock()  # held while the trainer is used
        self._commands: deque = deque()
        self._running = False
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._state = "idle"
        self._error: str | None = None
        self._wanted = True
        self._last_publish = 0.0
        self._rate = (time.perf_counter(), 0)
        self._steps_per_s = 0.0
        self._pause_at: int | None = None  # Play's one-shot stop (start(pause_at=…))
        self.trainer = make_trainer()
        self._snapshot = self._build_snapshot()

    # ---- controls ----------------------------------------------------------------------------
    def start(self, pause_at: int | None = None) -> None:
        """Play (or resume); with ``pause_at``, the run pauses once at that step (Play again trains on). Raises
        Busy when the process-wide cap is reached."""
        with self._lock:
            if self._state == "stopped":
                raise RuntimeError("This run was stopped; reset it to train again.")
            self._ensure_thread()  # first: on Busy the run stays as it was (not "running" without a thread)
            self._running, self._error = True, None
            self._pause_at = None if pause_at is None else int(pause_at)
            self._state = "running"
        self._want_publish()

    resume = start

    def pause(self) -> None:
        with self._lock:
            self._running = False
            self._pending = 0
            self._pause_at = None  # no stale stop for later Steps
            if self._state == "running":
                self._state = "paused"
        self._want_publish()

    def step(self, n: int = 1, wait: float | None = 30.0) -> None:
        """Advance exactly ``n`` iterations (waits up to ``wait`` seconds for them)."""
        self._submit(lambda: self._pending_add(n), wait, count=n)

    def step_d(self, wait: float | None = 30.0) -> None:
        self._submit(self._command(lambda t: t.d_step()), wait)

    def step_g(self, wait: float | None = 30.0) -> None:
        self._submit(self._command(lambda t: t.g_step()), wait)

    def update(self, **changes) -> None:
        """Live changes (lr, loss, k, …) applied between two steps."""
        with self._trainer_lock:
            self.trainer.update(**changes)
        self._want_publish()

    def stop(self, timeout: float = 10.0) -> None:
        """End the run for good and join its thread (called when the session ends)."""
        with self._lock:
            self._running, self._pending = False, 0
            self._commands.clear()
            self._state = "stopped"
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._want_publish()

    def reset(self) -> None:
        """Stop, then rebuild the trainer from its seed (same seed ⇒ same run)."""
        self.stop()
        with self._trainer_lock:
            self.trainer = self._make()
        with self._lock:
            self._state, self._error = "idle", None
            self._rate = (time.perf_counter(), 0)
            self._steps_per_s = 0.0
        self._want_publish()

    def with_trainer(self, fn: Callable[[Trainer], Any]) -> Any:
        """Run ``fn(trainer)`` between two steps (e.g. save a checkpoint while the run trains)."""
        with self._trainer_lock:
            return fn(self.trainer)

    # ---- reading -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The latest published state; asks the worker for a fresh one (or builds it when idle)."""
        with self._lock:
            self._wanted = True
            idle = self._thread is None
        if idle:
            self._publish()
        return self._snapshot

    @property
    def state(self) -> str:
        return self._state

    def alive(self) -> bool:
        with self._lock:
            return self._thread is not None

    # ---- internals ---------------------------------------------------------------------------
    def _pending_add(self, n: int) -> None:
        self._pending += int(n)

    def _command(self, fn):
        def enqueue():
            self._commands.append(fn)
        return enqueue

    def _submit(self, enqueue, wait: float | None, count: int = 1) -> None:
        with self._lock:
            if self._state == "stopped":
                raise RuntimeError("This run was stopped; reset it to train again.")
            target = self.trainer.step_count + (0 if self._running else count)
            self._ensure_thread()  # first: on Busy nothing is queued
            enqueue()
            if self._state == "idle":
                self._state = "paused"
            self._error = None
            thread = self._thread
        if wait and thread is not None and not self._running:
            deadline = time.perf_counter() + wait
            while thread.is_alive() and time.perf_counter() < deadline and self.trainer.step_count < target:
                thread.join(0.005)
            thread.join(max(0.0, deadline - time.perf_counter()))
        self._want_publish()

    def _ensure_thread(self) -> None:  # called with self._lock held
        if self._thread is None:
            _acquire()
            _short_gil_switch()
            self._thread = threading.Thread(target=self._loop, name="ganviz-liverun", daemon=True)
            self._thread.start()

    def _want_publish(self) -> None:
        with self._lock:
            self._wanted = True
            idle = self._thread is None
        if idle:
            self._publish()

    def _next(self):
        """Called with self._lock held: the next unit of work, or None to exit."""
        if self._state == "stopped":
            return None
        if self._commands:
            return self._commands.popleft()
        if self._pending > 0:
            self._pending -= 1
            return self._iteration
        if self._running:
            return self._iteration
        return None

    def _iteration(self, trainer: Trainer) -> None:
        trainer.d_step() if self.mode == "d" else trainer.step()

    def _loop(self) -> None:
        if self.trainer.cpu_threads:  # OpenMP's thread count is per calling thread: set it for this worker
            torch.set_num_threads(self.trainer.cpu_threads)
        try:
            while True:
                with self._lock:
                    work = self._next()
                if work is None:
                    self._publish()
                    with self._lock:
                        work = self._next()
                        if work is None:
                            self._thread = None
                            if self._state == "running":
                                self._state = "paused"
                            _release()
                            break
                try:
                    with self._trainer_lock:
                        work(self.trainer)
                except Diverged as err:
                    with self._lock:
                        self._running, self._pending = False, 0
                        self._commands.clear()
                        self._state, self._error = "paused", str(err)
                    self._wanted = True
                if self.max_steps is not None and self.trainer.step_count >= self.max_steps:
                    with self._lock:
                        self._running, self._pending = False, 0
                        if self._state == "running":
                            self._state = "paused"
                if self._pause_at is not None and self.trainer.step_count >= self._pause_at:
                    with self._lock:
                        self._running, self._pause_at = False, None
                        if self._state == "running":
                            self._state = "paused"
                if self._wanted and time.perf_counter() - self._last_publish >= self.publish_every_s:
                    self._publish()
        except BaseException as err:  # a bug in a view or a net: surface it as a sentence, free the slot
            with self._lock:
                self._running, self._pending = False, 0
                self._state, self._error = "paused", f"Training stopped: {type(err).__name__}: {err}"
                if self._thread is threading.current_thread():
                    self._thread = None
                    _release()
            self._publish()

    def _publish(self) -> None:
        with self._trainer_lock:
            snap = self._build_snapshot()
        with self._lock:
            self._snapshot = snap
            self._wanted = False
            self._last_publish = time.perf_counter()

    def _build_snapshot(self) -> Snapshot:  # called with the trainer lock held (or before the thread exists)
        t = self.trainer
        now = time.perf_counter()
        t0, s0 = self._rate
        if now - t0 >= 0.5:
            self._steps_per_s = (t.step_count - s0) / (now - t0) if self._state == "running" else 0.0
            self._rate = (now, t.step_count)
        view = self._view(t) if self._view is not None else None
        return Snapshot(step=t.step_count, state=self._state, history=t.history.arrays(), view=view,
                        events=tuple(t.events), error=self._error, steps_per_s=self._steps_per_s,
                        config=t.config)


class RunSlot:
    """One page's run in one session: a new ``key`` (new nets) stops the old run and builds a new one."""

    def __init__(self):
        self.key = None
        self.run: LiveRun | None = None

    def get(self, key, factory: Callable[[], LiveRun]) -> LiveRun:
        if self.run is None or key != self.key:
            self.release()
            self.run, self.key = factory(), key
        return self.run

    def release(self) -> None:
        if self.run is not None:
            self.run.stop()
            self.run = None
