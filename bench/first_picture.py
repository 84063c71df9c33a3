"""Time from Play to the first useful picture on the Dirac-GAN and CycleGAN pages, on this machine's CPU.

Dirac-GAN: the page computes the whole run in numpy when the settings change (iterates, field grid, detector) and
then only reveals it; the figure is useful at once. Measured: that computation plus both figures, per preset
(median of ``--repeats``), the largest over the presets.

CycleGAN: the "With the cycle loss" preset trained as the page does (a LiveRun: the one Trainer in its worker
thread) while a reader takes a snapshot every second as the page's live panel does; the picture is useful when
the map has formed — G(x) covers ≥ 6 of the 8 square modes and the cycle error ‖F(G(x)) − x‖₁ is below 0.5 (it
starts near 2.5). For "Without the cycle loss", when G(x) covers ≥ 6 modes (its cycle error stays large: that is
the contrast). Wall time from start() to the first snapshot that shows it.

Prints a RESULT line per page (JSON, read by bench/run_all.py); goal: ≤ 30 s, ratio = time / 30 s.

    python bench/first_picture.py [--repeats 5] [--limit 120]
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import torch  # noqa: E402

from ganviz.beyond import cyclegan as cg  # noqa: E402
from ganviz.beyond import dirac  # noqa: E402
from ganviz.engine.live import LiveRun  # noqa: E402
from ganviz.plots import dirac as dirac_plots  # noqa: E402

GOAL_S = 30.0


def dirac_seconds(repeats: int) -> dict[str, float]:
    out = {}
    for name, (_, changes) in dirac.PRESETS.items():
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            cfg = dirac.DiracConfig(**changes)
            traj = dirac.trajectory(cfg)
            extent = dirac.view_extent(traj)
            grid = dirac.field_grid(cfg, extent)
            dirac.oscillation_detected(cfg, traj)
            d_fake = dirac.d_on_fake(cfg, traj)
            dirac_plots.plane_figure(grid, traj[:1], extent, whole=traj).to_json()
            dirac_plots.iterates_figure(traj[:1], d_fake[:1], "D", cfg.steps).to_json()
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times)
    return out


def cyclegan_seconds(cfg: cg.CycleConfig, useful, limit: float) -> tuple[float | None, int]:
    x, y = cfg.domains
    run = LiveRun(functools.partial(cg.build_trainer, cfg), view=cg.CycleView(x, y, seed=cfg.seed),
                  publish_every_s=0.25)
    t0 = time.perf_counter()
    run.start()
    try:
        while time.perf_counter() - t0 < limit:
            time.sleep(1.0)
            snap = run.snapshot()
            if snap.view is not None and useful(snap.view["metrics"]):
                return time.perf_counter() - t0, snap.step
        return None, run.trainer.step_count
    finally:
        run.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--limit", type=float, default=120.0)
    args = ap.parse_args()
    torch.set_num_threads(1)  # as app.py
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    times = dirac_seconds(args.repeats)
    for name, s in times.items():
        print(f"dirac  {name:<32} {1000 * s:8.1f} ms")
    worst = max(times.values())
    print(f"dirac: slowest preset {1000 * worst:.1f} ms; ratio to the {GOAL_S:g} s budget: {worst / GOAL_S:.4f}")
    print("RESULT " + json.dumps({"name": "dirac first picture", "figure": f"{1000 * worst:.0f} ms (slowest preset)",
                                  "ratio": round(worst / GOAL_S, 5), "goal": f"<= {GOAL_S:g} s",
                                  "pass": worst <= GOAL_S}))

    cases = {
        "With the cycle loss (λ = 10)": lambda m: m.get("modes_y", 0) >= 6 and m["cycle_x"] < 0.5,
        "Without the cycle loss (λ = 0)": lambda m: m.get("modes_y", 0) >= 6,
    }
    for name, useful in cases.items():
        _, cfg = cg.PRESETS[name]
        s, steps = cyclegan_seconds(cfg, useful, args.limit)
        shown = "not within the limit" if s is None else f"{s:.1f} s (step {steps:,})"
        print(f"cyclegan {name}: first useful picture after {shown}; ratio to the {GOAL_S:g} s budget: "
              f"{(s if s is not None else float('inf')) / GOAL_S:.3f}")
        print("RESULT " + json.dumps({"name": f"cyclegan first picture, {name}", "figure": shown,
                                      "ratio": None if s is None else round(s / GOAL_S, 3),
                                      "goal": f"<= {GOAL_S:g} s", "pass": s is not None and s <= GOAL_S}))


if __name__ == "__main__":
    main()
