"""WorkerRun: a LiveRun whose Trainer steps in its own process, off the server's interpreter (and its GIL).

Same controls and :class:`ganviz.engine.live.Snapshot` as :class:`ganviz.engine.live.LiveRun`. The run is built in the
server while idle (its step-0 view costs no process); the first start / step starts one worker process,
which builds the same seeded Trainer from the same picklable ``make_trainer`` and owns it until the run is
stopped or reset. Commands go to the worker through a pipe; the worker answers with snapshots, the latest
only, and only while someone reads them. The worker holds one slot of the process-wide job cap.

A worker runs at a lower OS priority (``GANVIZ_WORKER_NICE``, default 10): when the CPU is short, the server's
page reruns for the people in the room go first, and training takes what is left.

A worker that dies (killed, out of memory) turns into one sentence in ``snapshot().error``; the server is
unharmed. A worker exits when its pipe closes, so it never outlives the server.
"""
from __future__ import annotations

import io
import itertools
import os
import pickle
import signal
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
import torch

from ganviz import settings
from ganviz.engine import live
from ganviz.engine.live import Snapshot
from ganviz.engine.processes import WORKER_NAME, context
from ganviz.engine.reattach import new_run_id
from ganviz.engine.trainer import LIVE_FIELDS, Diverged, Trainer

PUBLISH_SHARE = 0.05  # at most this share of the worker's time goes to building snapshots (views, copies)
IDLE_POLL_S = 1.0


@dataclass(frozen=True)
class WorkerSpec:
    """What the worker needs to rebuild the run: all picklable (module-level functions, frozen configs)."""
    make_trainer: Callable[[], Trainer]
    view: Callable[[Trainer], Any] | None
    mode: str
    publish_every_s: float
    max_steps: int | None
    threads: int | None  # torch CPU threads in the worker; None: the trainer's own choice (Trainer.cpu_threads)
    nice: int = 0  # the worker's OS priority (nice value; never below the server's own)


# ---------------------------------------------------------------------------------------------- the wire
class _SnapshotPickler(pickle.Pickler):
    """Pickles a snapshot sending each read-only numpy array (e.g. a timeline's frames) once: later snapshots
    carry only its key. Both ends drop the keys a message does not use, so the caches stay equal and small."""

    def __init__(self, file, cache: dict):
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.cache, self.used, self._inflight = cache, set(), None

    def persistent_id(self, obj):
        if type(obj) is not np.ndarray or obj.flags.writeable or obj.nbytes < 4096 or obj is self._inflight:
            return None
        key = id(obj)  # unique while the cache holds obj
        self.used.add(key)
        if key in self.cache:
            return ("ref", key)
        self.cache[key], self._inflight = obj, obj
        return ("new", key, obj)


# What the worker's messages are made of: the snapshot and result types of ganviz, numpy arrays, torch tensors
# (a forked run's state) and plain containers. The pipe is private to our own child process; refusing any other
# class as well means even a corrupted or foreign message cannot name a callable to run.
_WIRE_MODULES = ("ganviz", "numpy", "torch", "collections", "builtins", "copyreg", "_codecs", "datetime")
_UNSAFE_BUILTINS = frozenset({"eval", "exec", "compile", "open", "__import__", "getattr", "setattr", "delattr",
                              "globals", "locals", "vars", "input", "breakpoint", "exit", "quit"})


class _WireUnpickler(pickle.Unpickler):
    """An unpickler that builds only the classes a worker sends (see _WIRE_MODULES)."""

    def find_class(self, module, name):
        top = module.split(".")[0]
        if top not in _WIRE_MODULES or (top == "builtins" and name in _UNSAFE_BUILTINS):
            raise pickle.UnpicklingError(f"a worker message may not contain {module}.{name}")
        return super().find_class(module, name)


def decode_message(data: bytes):
    """A result or event message from a worker (``_WireUnpickler``)."""
    return _WireUnpickler(io.BytesIO(data)).load()


class _SnapshotUnpickler(_WireUnpickler):
    def __init__(self, file, cache: dict):
        super().__init__(file)
        self.cache, self.used = cache, set()

    def persistent_load(self, pid):
        key = pid[1]
        self.used.add(key)
        if pid[0] == "new":
            self.cache[key] = pid[2]
        return self.cache[key]


def _evict(cache: dict, used: set) -> None:
    for key in set(cache) - used:
        del cache[key]


def encode_snapshot(msg, cache: dict) -> bytes:
    buf = io.BytesIO()
    p = _SnapshotPickler(buf, cache)
    p.dump(msg)
    _evict(cache, p.used)
    return buf.getvalue()


def decode_snapshot(data: bytes, cache: dict):
    u = _SnapshotUnpickler(io.BytesIO(data), cache)
    msg = u.load()
    _evict(cache, u.used)
    return msg


# ---------------------------------------------------------------------------------------------- the worker
class _Outbox:
    """The worker's sending thread: results in order, snapshots latest-only (a newer one replaces an unsent one),
    so a server that reads slowly never stalls training."""

    def __init__(self, conn):
        self.conn, self._cv = conn, threading.Condition()
        self._results: deque = deque()
        self._snap = None
        self._sent: dict = {}  # read-only arrays the server already has (see _SnapshotPickler)
        self._sending = False
        threading.Thread(target=self._send_loop, name="ganviz-outbox", daemon=True).start()

    def put(self, msg, snapshot: bool = False) -> None:
        with self._cv:
            if snapshot:
                self._snap = msg
            else:
                self._results.append(msg)
            self._cv.notify()

    def _send_loop(self) -> None:
        while True:
            with self._cv:
                self._sending = False
                self._cv.notify_all()
                while not (self._results or self._snap is not None):
                    self._cv.wait()
                if self._results:
                    msg = self._results.popleft()
                else:
                    msg, self._snap = self._snap, None
                self._sending = True
            try:
                if msg[0] == "snap":
                    self.conn.send_bytes(b"S" + encode_snapshot(msg, self._sent))
                else:
                    self.conn.send_bytes(b"P" + pickle.dumps(msg, pickle.HIGHEST_PROTOCOL))
            except (OSError, EOFError):  # the server is gone
                os._exit(0)

    def flush(self, timeout: float) -> None:
        """Wait (up to ``timeout`` s) until everything put has been sent."""
        with self._cv:
            self._cv.wait_for(lambda: not (self._results or self._snap is not None or self._sending), timeout)


class _Worker:
    """The worker process's loop: commands between steps, one unit of work at a time (LiveRun's semantics)."""

    def __init__(self, conn, spec: WorkerSpec, updates: dict, out: _Outbox):
        self.conn, self.spec, self.out = conn, spec, out
        self.trainer = spec.make_trainer()
        if updates:
            self.trainer.update(**updates)
        torch.set_num_threads(spec.threads or self.trainer.cpu_threads or 1)
        self.running, self.pending, self.commands = False, 0, deque()
        self.pause_at: int | None = None  # Play's one-shot stop (start(pause_at=…))
        self.state, self.error, self.seq = "paused", None, 0
        self.wanted = True  # the server asked for a snapshot since the last one
        self.next_publish, self.rate, self.steps_per_s = 0.0, (time.perf_counter(), 0), 0.0

    def busy(self) -> bool:
        return bool(self.commands or self.pending or self.running)

    def serve(self) -> None:
        self.publish()
        while True:
            changed = False
            timeout = 0.0 if self.busy() else IDLE_POLL_S
            while self.conn.poll(timeout):
                try:
                    msg = self.conn.recv()
                except EOFError:  # the server closed the pipe or died
                    return
                if msg[1] == "stop":
                    return
                self.seq = msg[0]
                self.handle(msg[1:])
                changed, timeout = True, 0.0
            if self.busy():
                self.work()
            elif changed:
                self.publish()

    def handle(self, msg) -> None:
        kind = msg[0]
        if kind == "want":
            self.wanted = True
            if not self.busy():
                self.publish()
            return
        if kind == "start":
            self.running, self.state, self.error = True, "running", None
            self.pause_at = msg[1] if len(msg) > 1 else None
        elif kind == "pause":
            self.running, self.pending, self.pause_at = False, 0, None  # no stale stop for later Steps
            self.state = "paused"
        elif kind == "step":
            self.pending += msg[1]
            self.error = None
        elif kind in ("d", "g"):
            self.commands.append(kind)
            self.error = None
        elif kind == "update":
            self.trainer.update(**msg[1])
        elif kind == "call":
            token, fn = self.seq, msg[1]
            try:
                self.out.put(("result", token, True, fn(self.trainer)))
            except Exception as err:  # the caller gets the sentence, the run goes on
                self.out.put(("result", token, False, f"{type(err).__name__}: {err}"))

    def work(self) -> None:
        t = self.trainer
        try:
            if self.commands:
                t.d_step() if self.commands.popleft() == "d" else t.g_step()
            else:
                if self.pending:
                    self.pending -= 1
                t.d_step() if self.spec.mode == "d" else t.step()
        except Diverged as err:
            self.running, self.pending = False, 0
            self.commands.clear()
            self.state, self.error = "paused", str(err)
            self.publish()
            return
        if self.spec.max_steps is not None and t.step_count >= self.spec.max_steps:
            self.running, self.pending = False, 0
        if self.pause_at is not None and t.step_count >= self.pause_at:
            self.running, self.pause_at = False, None
        if not self.busy():
            if self.state == "running":
                self.state = "paused"
            self.publish()
        elif self.wanted and time.perf_counter() >= self.next_publish:
            self.publish()

    def publish(self) -> None:
        t = self.trainer
        now = time.perf_counter()
        t0, s0 = self.rate
        if now - t0 >= 0.5:
            self.steps_per_s = (t.step_count - s0) / (now - t0) if self.state == "running" else 0.0
            self.rate = (now, t.step_count)
        view = self.spec.view(t) if self.spec.view is not None else None
        snap = Snapshot(step=t.step_count, state=self.state, history=t.history.arrays(), view=view,
                        events=tuple(t.events), error=self.error, steps_per_s=self.steps_per_s, config=t.config)
        self.out.put(("snap", self.seq, not self.busy(), snap), snapshot=True)
        self.wanted = False
        done = time.perf_counter()
        self.next_publish = done + max(self.spec.publish_every_s, (done - now) / PUBLISH_SHARE)


AUTOGROUP = "/proc/self/autogroup"


def lower_priority(nice: int) -> None:
    """This process at OS priority ``nice`` (or its current one if lower already: only root may raise it).

    Linux with autogroup scheduling (the desktop default) shares the CPU fairly between sessions first and
    applies nice values only within one; a worker therefore starts its own session (setsid) and gives that
    session's group the same nice value, so it yields to the server and to everything else on the machine."""
    if not hasattr(os, "setpriority"):  # not POSIX
        return
    if nice > os.getpriority(os.PRIO_PROCESS, 0):
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    if nice > 0 and os.path.exists(AUTOGROUP):
        try:
            with open(AUTOGROUP) as f:  # "/autogroup-155 nice 0": the server's session, never undercut
                words = f.read().split()  # nothing: the server is in the root group (nice 0)
            nice = max(nice, int(words[-1]) if words else 0)
            os.setsid()
            with open(AUTOGROUP, "w") as f:
                f.write(str(nice))
        except (OSError, ValueError, IndexError):  # the kernel's own choice stands
            pass


def _serve(conn, spec: WorkerSpec, updates: dict) -> None:
    """The worker process's entry point."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal is the server's to handle
    lower_priority(spec.nice)
    out = _Outbox(conn)
    try:
        _Worker(conn, spec, updates, out).serve()
    except BaseException as err:  # a bug in a net or a view: one sentence for the page
        out.put(("fatal", f"Training stopped: {type(err).__name__}: {err}"))
        out.flush(5.0)
    os._exit(0)  # skip interpreter teardown: no hang on the outbox thread


def _abandon(proc, conn) -> None:
    """A run garbage-collected without stop(): its worker sees the pipe close and exits; free its slot."""
    conn.close()
    proc.join(5.0)
    if proc.is_alive():
        proc.kill()
        proc.join(5.0)
    live._release()


def _death_sentence(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else str(-exitcode)
        why = ", most likely out of memory" if -exitcode == signal.SIGKILL else ""
        return f"The training process was killed ({name}{why}); Reset starts the run again."
    return f"The training process ended unexpectedly (exit code {exitcode}); Reset starts the run again."


# ---------------------------------------------------------------------------------------------- the server side
_ids = itertools.count(1)
_runs: "weakref.WeakSet[WorkerRun]" = weakref.WeakSet()


def stop_all() -> None:
    """Stop every run of this process (tests that open pages without ending their sessions)."""
    for run in list(_runs):
        run.stop()


class WorkerRun:
    """A Trainer in a worker process: start / pause / resume / step(n) / step_d / step_g / update / stop / reset,
    ``snapshot()`` and ``with_trainer(fn)`` — the interface of :class:`ganviz.engine.live.LiveRun`.

    ``make_trainer`` and ``view`` must be picklable (module-level functions, or functools.partial of one over
    frozen configs); so must ``fn`` of ``with_trainer``. ``threads``: torch CPU threads of the worker.
    """

    def __init__(self, make_trainer: Callable[[], Trainer], view: Callable[[Trainer], Any] | None = None,
                 mode: str = "gan", publish_every_s: float = 0.2, max_steps: int | None = None,
                 threads: int | None = None):
        if mode not in ("gan", "d"):
            raise ValueError("mode must be 'gan' or 'd'")
        self.spec = WorkerSpec(make_trainer, view, mode, publish_every_s, max_steps, threads, settings.worker_nice())
        self.mode, self.max_steps = mode, max_steps
        self.run_id = new_run_id()  # for the view's URL: a reload reattaches (ganviz.engine.reattach)
        self._lock = threading.RLock()  # guards everything below; pages of one session call from several threads
        self._proc = None
        self._conn = None
        self._updates: dict = {}
        self._want_pending = False  # a "want" was posted and no snapshot has come since
        self._seq = 0  # of the last command posted; the worker echoes the last it handled in each snapshot
        self._settled = True  # the latest snapshot came after all posted commands, with no work left
        self._results: dict = {}
        self._arrays: dict = {}  # read-only arrays the worker sent once (see _SnapshotPickler)
        self._stopped = False
        self._build_local()
        _runs.add(self)

    # ---- controls ----------------------------------------------------------------------------
    def start(self, pause_at: int | None = None) -> None:
        """Play (or resume); with ``pause_at``, the run pauses once at that step (Play again trains on). Raises
        live.Busy when the process-wide cap is reached."""
        self._send(("start",) if pause_at is None else ("start", int(pause_at)))

    resume = start

    def pause(self) -> None:
        with self._lock:
            if self._proc is not None:
                self._send(("pause",))
                self._set_state("paused")

    def step(self, n: int = 1, wait: float | None = 30.0) -> None:
        """Advance exactly ``n`` iterations (waits up to ``wait`` seconds for them)."""
        self._wait(self._send(("step", int(n))), wait)

    def step_d(self, wait: float | None = 30.0) -> None:
        self._one("d", wait)

    def step_g(self, wait: float | None = 30.0) -> None:
        self._one("g", wait)

    def update(self, **changes) -> None:
        """Live changes (lr, loss, k, …) applied by the worker between two steps."""
        bad = set(changes) - set(LIVE_FIELDS)
        if bad:
            raise ValueError(f"{', '.join(sorted(bad))} cannot change during a run; reset with new settings.")
        with self._lock:
            self._config = replace(self._config, **changes)  # validates (ValueError) before anything is sent
            if self._proc is None:
                self._local.update(**changes)
                self._updates.update(changes)
                self._publish_local()
            else:
                self._send(("update", changes))

    def stop(self, timeout: float = 10.0) -> None:
        """End the run for good: the worker exits and its job slot is freed (called when the session ends)."""
        with self._lock:
            self._stopped = True
            self._end_worker(timeout)
            self._local = None
            self._set_state("stopped")

    def reset(self) -> None:
        """Stop, then rebuild the trainer from its seed (same seed ⇒ same run)."""
        with self._lock:
            self._end_worker()
            self._stopped = False
            self._updates = {}
            self._build_local()

    def with_trainer(self, fn: Callable[[Trainer], Any], timeout: float = 60.0) -> Any:
        """``fn(trainer)`` between two steps, in the worker (``fn`` picklable; its result is sent back)."""
        with self._lock:
            if self._proc is None:
                if self._local is None:
                    raise RuntimeError("This run was stopped; reset it to train again.")
                return fn(self._local)
            token = self._send(("call", fn))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if token in self._results:
                    ok, value = self._results.pop(token)
                    if not ok:
                        raise RuntimeError(value)
                    return value
                if not self._drain(0.05):
                    raise RuntimeError(self._snap.error or "The training process is gone.")
        raise TimeoutError("The training process did not answer in time.")

    # ---- reading -----------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The latest snapshot the worker sent (never waits for it); asks for a fresh one, which the worker
        builds between two steps (after at least ``publish_every_s``) — as LiveRun does."""
        with self._lock:
            if self._proc is not None:
                self._drain(0.0)
                if self._proc is not None and not self._want_pending:
                    self._want_pending = True
                    self._post(("want",))
            snap = self._snap
            return snap if snap.config == self._config else replace(snap, config=self._config)

    @property
    def state(self) -> str:
        with self._lock:
            if self._proc is not None:
                self._drain(0.0)
            return self._snap.state

    def alive(self) -> bool:
        """True while a worker process holds the run."""
        with self._lock:
            return self._proc is not None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # ---- internals ---------------------------------------------------------------------------
    def _build_local(self) -> None:
        self._local = self.spec.make_trainer()
        self._config = self._local.config
        self._publish_local()

    def _publish_local(self) -> None:
        t = self._local
        view = self.spec.view(t) if self.spec.view is not None else None
        self._snap = Snapshot(step=t.step_count, state="idle", history=t.history.arrays(), view=view,
                              events=tuple(t.events), config=t.config)

    def _set_state(self, state: str) -> None:
        self._snap = replace(self._snap, state=state, steps_per_s=0.0)

    def _one(self, kind: str, wait: float | None) -> None:
        self._wait(self._send((kind,)), wait)

    def _send(self, msg) -> int:
        """Post a command, starting the worker first if there is none (raises live.Busy at the cap);
        returns the command's sequence number."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("This run was stopped; reset it to train again.")
            if self._proc is None:
                self._start_worker()
            if msg[0] == "start":
                self._snap = replace(self._snap, state="running", error=None)
            elif self._snap.state == "idle":
                self._snap = replace(self._snap, state="paused")
            return self._post(msg)

    def _post(self, msg) -> int:
        self._seq += 1
        self._settled = False
        try:
            self._conn.send((self._seq, *msg))
        except (OSError, EOFError, BrokenPipeError):
            self._worker_died()
        return self._seq

    def _start_worker(self) -> None:
        live._acquire()
        try:
            ctx = context()
            parent, child = ctx.Pipe(duplex=True)
            proc = ctx.Process(target=_serve, args=(child, self.spec, dict(self._updates)),
                               name=f"{WORKER_NAME}{next(_ids)}", daemon=True)
            proc.start()
        except BaseException:
            live._release()
            raise
        child.close()
        self._proc, self._conn = proc, parent
        self._finalizer = weakref.finalize(self, _abandon, proc, parent)  # a run dropped without stop()
        self._arrays = {}
        self._local = None  # the worker owns the run now
        self._want_pending = False

    def _drain(self, timeout: float) -> bool:
        """Read what the worker sent (waiting up to ``timeout`` for the first message); False once it is gone."""
        conn = self._conn
        if conn is None:
            return False
        try:
            while conn.poll(timeout):
                timeout = 0.0
                data = conn.recv_bytes()  # from our own worker process over a private pipe, never a user's file
                msg = decode_snapshot(data[1:], self._arrays) if data[:1] == b"S" else decode_message(data[1:])
                if msg[0] == "snap":
                    _, seq, idle, snap = msg
                    if seq < self._seq:  # sent before the latest command: its state may be stale
                        snap = replace(snap, state=self._snap.state)
                    self._snap, self._settled = snap, seq == self._seq and idle
                    self._want_pending = False
                elif msg[0] == "result":
                    self._results[msg[1]] = (msg[2], msg[3])
                elif msg[0] == "fatal":
                    self._snap = replace(self._snap, state="stopped", error=msg[1], steps_per_s=0.0)
                    self._stopped = True
                    self._end_worker()
                    return False
        except (EOFError, OSError):
            self._worker_died()
            return False
        return True

    def _wait(self, seq: int, wait: float | None) -> None:
        """Until the worker has done command ``seq`` and all work before it (or ``wait`` seconds pass)."""
        if not wait or self._snap.state == "running":
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with self._lock:
                if self._seq > seq or self._settled or self._snap.error or not self._drain(0.01):
                    return

    def _worker_died(self) -> None:
        proc = self._proc
        if proc is None:
            return
        proc.join(2.0)
        self._snap = replace(self._snap, state="stopped", error=_death_sentence(proc.exitcode), steps_per_s=0.0)
        self._stopped = True
        self._end_worker()

    def _end_worker(self, timeout: float = 10.0) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        self._finalizer.detach()
        try:
            try:
                conn.send(("stop",))
            except (OSError, EOFError):
                pass
            proc.join(timeout)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout)
            conn.close()
            proc.close()
        finally:
            live._release()
