"""Fork and compare: steps/s of a compared pair (two playground runs in lockstep, one worker process) against a
single run of the same settings in the same kind of worker, measured in interleaved rounds in one run.

A pair's "step" is one iteration of each run; its ratio to a single run is ≈ 0.5 when the second run costs what
the first does (k = 5 costs more). The playground's view (both pictures) is published every 0.25 s, as the page
asks, with a reader snapshotting every 0.5 s.

    python bench/compare.py [--seconds 6] [--rounds 2]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.engine.worker import WorkerRun  # noqa: E402
from ganviz.plane import compare, playground, toy  # noqa: E402


def steps_per_s(run: WorkerRun, seconds: float) -> float:
    """Play for ``seconds`` after the first step; steps/s from the snapshots' step counts."""
    run.start()
    while run.snapshot().step < 1:
        time.sleep(0.05)
    s0, t0 = run.snapshot().step, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        time.sleep(0.5)
        snap = run.snapshot()
    s1, t1 = snap.step, time.perf_counter()
    run.stop()
    return (s1 - s0) / (t1 - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    cfg = playground.PRESETS[playground.DEFAULT_PRESET][1]
    data = toy.DATASETS[cfg.dataset]()
    print(f"preset {playground.DEFAULT_PRESET!r} (dataset {cfg.dataset}, batch {cfg.batch_size}, "
          f"{cfg.hidden_layers}×{cfg.width}), {args.rounds} interleaved rounds of {args.seconds:g} s")
    print(f"{'contrast':32s} {'single steps/s':>15s} {'pair steps/s':>13s} {'ratio pair/single':>18s}")
    for name, contrast in compare.PRESETS.items():
        fork = compare.contrast_fork(cfg, contrast)
        single, pair = [], []
        for _ in range(args.rounds):
            single.append(steps_per_s(WorkerRun(partial(playground.build_trainer, cfg, data),
                                                 view=playground.PlaygroundView(data, seed=cfg.seed),
                                                 publish_every_s=0.25), args.seconds))
            pair.append(steps_per_s(WorkerRun(partial(compare.build_pair, cfg, fork, data),
                                              view=compare.PairView(data, seed=cfg.seed), publish_every_s=0.25),
                                    args.seconds))
        s, p = statistics.median(single), statistics.median(pair)
        print(f"{name:32s} {s:15.1f} {p:13.1f} {p / s:18.2f}")


if __name__ == "__main__":
    main()
