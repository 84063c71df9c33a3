"""Where should a live run train: a thread of the server (LiveRun) or its own process (WorkerRun)?

For each run, interleaved rounds in one process, with and without a "server" thread that keeps the
interpreter busy with pure Python 30 % of the time (a page building figures for other students):
  * the D* page's short experiment: time from Play to its 5,000 D-steps done (max_steps), ratio thread / worker;
  * the Generator page's live 1-D GAN and the playground's 2-D GAN: steps/s over a few seconds, ratio worker / thread;
  * a worker's start: the first step's latency after Play.
A ratio > 1 means the worker is faster. A UI-like reader snapshots every 0.5 s in every case.

    python bench/worker_vs_thread.py [--seconds 4] [--rounds 2]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.engine.live import LiveRun  # noqa: E402
from ganviz.engine.worker import WorkerRun  # noqa: E402
from ganviz.onedim import theory
from ganviz.onedim import theory_live as tl  # noqa: E402
from ganviz.plane import playground, toy  # noqa: E402


class ServerLoad:
    """A thread that runs pure Python ``duty`` of the time (in 10 ms bursts), as the server does for other pages."""

    def __init__(self, duty: float):
        self.duty, self._stop = duty, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self):
        while not self._stop.is_set():
            t0 = time.perf_counter()
            # busy b, then idle 10 ms: b / (b + 10 ms) = duty
            while time.perf_counter() - t0 < 0.01 * self.duty / (1 - self.duty):
                sum(i * i for i in range(200))
            time.sleep(0.01)

    def __enter__(self):
        if self.duty > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


def read_every(run, period: float, until) -> None:
    while not until():
        run.snapshot()
        time.sleep(period)


def time_to_done(cls, exp) -> float:
    run = cls(exp.make_trainer, exp.view, mode="d", max_steps=5_000)
    t0 = time.perf_counter()
    run.start()
    read_every(run, 0.5, lambda: run.snapshot().step >= 5_000 or time.perf_counter() - t0 > 120)
    dt = time.perf_counter() - t0
    run.stop()
    return dt


def rate(cls, make, view, seconds: float) -> tuple[float, float]:
    """(steps/s while training, seconds from Play to the first published step)."""
    run = cls(make, view)
    t0 = time.perf_counter()
    run.start()
    read_every(run, 0.01, lambda: run.snapshot().step > 0 or time.perf_counter() - t0 > 60)
    first = time.perf_counter() - t0
    t1, s1 = time.perf_counter(), run.snapshot().step
    end = t1 + seconds
    read_every(run, 0.5, lambda: time.perf_counter() > end)
    s2, t2 = run.snapshot().step, time.perf_counter()
    run.stop()
    return (s2 - s1) / (t2 - t1), first


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=4.0)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    exp = tl.DStarExperiment(tl.DStarSetup())
    gen = tl.LiveGenerator(theory.Mixture([0.5, 0.5], [-2.0, 2.0], [0.5, 0.5]), "normal", 0, 1e-3)
    ds = toy.ring8()
    cfg = playground.PlaygroundConfig(dataset="ring-8")
    pg = (partial(playground.build_trainer, cfg, ds), playground.PlaygroundView(ds, seed=0))
    WorkerRun(exp.make_trainer).step(1)  # the forkserver starts once per server, before any student arrives
    for duty in (0.0, 0.3):
        res: dict = {}
        for _ in range(args.rounds):
            with ServerLoad(duty):
                for cls in (LiveRun, WorkerRun):
                    res.setdefault(("dstar", cls), []).append(time_to_done(cls, exp))
                    for name, (make, view) in (("generator", (gen.make_trainer, gen.view)), ("playground", pg)):
                        r, first = rate(cls, make, view, args.seconds)
                        res.setdefault((name, cls), []).append(r)
                        res.setdefault((name + "_first", cls), []).append(first)
        med = {k: statistics.median(v) for k, v in res.items()}
        print(f"--- server thread busy {duty:.0%} of the time ---")
        t, w = med[("dstar", LiveRun)], med[("dstar", WorkerRun)]
        print(f"D* page, 5,000 D-steps: thread {t:6.2f} s | worker {w:6.2f} s | ratio thread/worker {t / w:.2f}")
        for name in ("generator", "playground"):
            t, w = med[(name, LiveRun)], med[(name, WorkerRun)]
            ft, fw = med[(name + "_first", LiveRun)], med[(name + "_first", WorkerRun)]
            print(f"{name:10s} steps/s: thread {t:7,.0f} | worker {w:7,.0f} | ratio worker/thread {w / t:.2f}"
                  f" | first step after Play: thread {ft * 1e3:5.0f} ms, worker {fw * 1e3:5.0f} ms")


if __name__ == "__main__":
    main()
