"""Benchmark: the Generator page's live-MLP view (LiveGenerator.view, built in the worker every ~0.3 s).

Times, in process CPU seconds (one thread; robust on a shared machine), the view with its exact numbers (the MLP's
pushforward cut into monotone pieces, pushforward.divergences) against the grid view it replaced
(theory.generator_views with p_data: KL, JSD, W1 by the trapezoid rule on the 2,001-point plot grid), for MLPs
trained 0, 300 and 1,500 steps toward the page's default mixture and a Gaussian, from both priors. Prints each
median, their ratio, and the share of one 0.3 s publishing period the exact view takes.

    python bench/live_generator_view.py [--repeats 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from ganviz.onedim import theory  # noqa: E402
from ganviz.onedim import theory_live as tl  # noqa: E402

PERIOD_S = 0.3  # pages/generator.py: WorkerRun(..., publish_every_s=0.3)


def cpu_ms(fn, repeats: int, *args) -> float:
    ts = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn(*args)
        ts.append(time.process_time() - t0)
    return 1e3 * float(np.median(ts))


def grid_view(live: tl.LiveGenerator, trainer) -> dict:
    """The view before: the same curve, samples and plotted p_g, with KL, JSD, W1 on the plot grid."""
    return theory.generator_views(theory.numpy_map(trainer.generate), live.x, live.prior, live.z, live.p_data,
                                  n_z=live.n_z)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    targets = {"mixture": theory.Mixture([0.5, 0.5], [-2.0, 2.0], [0.5, 0.5]), "gaussian": theory.Gaussian(2, 0.5)}
    print(f"load average {os.getloadavg()[0]:.1f}; CPU ms per view (median of {args.repeats})")
    print("| target | prior | step | pieces | grid view | exact view | exact / grid | exact / 0.3 s |")
    print("|---|---|---|---|---|---|---|---|")
    ratios = []
    for name, target in targets.items():
        for prior in ("normal", "uniform"):
            live = tl.LiveGenerator(target, prior, 0, 1e-3, n_hist=20_000)
            with tl.one_thread(), threadpool_limits(1, user_api="blas"):
                trainer = live.make_trainer()
                for steps in (0, 300, 1500):
                    while trainer.step_count < steps:
                        trainer.step()
                    old = cpu_ms(grid_view, args.repeats, live, trainer)
                    new = cpu_ms(live.view, args.repeats, trainer)
                    pieces = len(tl.mlp_pushforward(trainer.sampling_G, prior).pieces)
                    ratios.append(new / old)
                    print(f"| {name} | {prior} | {steps} | {pieces} | {old:.1f} | {new:.1f} | {new / old:.2f} "
                          f"| {new / 1e3 / PERIOD_S:.2f} |")
    print(f"median exact / grid: {np.median(ratios):.2f} (max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
