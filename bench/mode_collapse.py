"""Mode-collapse benchmark on ring-8 and grid-25: the published 2-D protocol (Srivastava et al. 2017, VEEGAN).

Each method trains with ganviz.engine.trainer.Trainer (the one training loop; built by
ganviz.plane.playground.build_trainer),
then 2,500 fresh samples are scored with ganviz.plane.toy.mode_metrics: modes covered (≥ 1 sample within 3σ, the
published definition), modes with ≥ 1 % of the samples, % high quality (within 3σ) and reverse KL over modes.
Mean ± sd over seeds, next to the published rows (VEEGAN, GDPP and PacGAN Tables 1).

Protocol nets (VEEGAN): G z 256-d N(0, I) → FC128 tanh → FC128 tanh → 2; D FC128 tanh ×2 → 1; Adam β1 = 0.5,
lr 1e-4 (D) / 1e-3 (G), batch 512, 25k iterations. The loss and remedy rows change only what their name says.

    python bench/mode_collapse.py --quick            # smoke: 1 seed, 2,000 steps, a few methods
    python bench/mode_collapse.py --jobs 16          # full: 5 seeds, 25k steps, every method (≈ CPU-hours)
    python bench/mode_collapse.py --methods best --seeds 5 --jobs 2
    python bench/mode_collapse.py --methods best --seed-list 0,1,17 # explicit seeds
    python bench/mode_collapse.py --budget --seed-list 0-9 --jobs 2 # every remedy preset at its 30-s step budget
    python bench/mode_collapse.py --speed                           # the presets' steps/s → their 30-s budgets

Tables give the mean ± sd over seeds and the worst seed (fewest modes; lowest % HQ).
"""
from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from ganviz.plane import toy
from ganviz.plane.playground import BEST_PRESET, IN_APP_RATIO, PRESETS, STEP_BUDGETS, PlaygroundConfig, build_trainer

N_EVAL = 2500
PROTOCOL = PlaygroundConfig(z_dim=256, hidden_layers=2, width=128, activation="tanh", loss="nonsaturating",
                            optimizer="adam", lr_g=1e-3, lr_d=1e-4, beta1=0.5, batch_size=512)

PUBLISHED = [  # (method, ring modes, ring % HQ, grid modes, grid % HQ, source) — VEEGAN, GDPP and PacGAN Table 1
    ("GAN", 1, 99.3, 3.3, 0.5, "VEEGAN Table 1"),
    ("ALI", 2.8, 0.13, 15.8, 1.6, "VEEGAN Table 1"),
    ("Unrolled GAN", 7.6, 35.6, 23.6, 16, "VEEGAN Table 1"),
    ("VEEGAN", 8, 52.9, 24.6, 40, "VEEGAN Table 1"),
    ("WGAN-GP", 6.8, 59.6, 24.2, 28.7, "GDPP Table 1"),
    ("GDPP", 8.0, 71.7, 24.8, 68.5, "GDPP Table 1"),
    ("PacGAN4 (other nets)", 7.8, 95.9, 24.8, 93.6, "PacGAN Table 1"),
]


@dataclass(frozen=True)
class Method:
    """A benchmark row: a PlaygroundConfig per dataset, its step budget, and an optional lr schedule (both
    learning rates decay linearly to ~0 from ``decay_from`` × steps to the last step: TrainConfig.lr_factor)."""

    label: str
    configs: dict = field(default_factory=dict)  # dataset -> PlaygroundConfig
    steps: int = 25_000
    decay_from: float | None = None

    def config(self, dataset: str) -> PlaygroundConfig:
        return replace(self.configs.get(dataset, self.configs.get("*", PROTOCOL)), dataset=dataset)


def _protocol(**changes) -> dict:
    return {"*": replace(PROTOCOL, **changes)}


METHODS = {
    "gan": Method("GAN (non-saturating)", _protocol()),
    "minimax": Method("GAN (minimax, saturating)", _protocol(loss="minimax")),
    "lsgan": Method("LSGAN", _protocol(loss="lsgan")),
    "hinge": Method("Hinge", _protocol(loss="hinge")),
    "wgan-gp": Method("WGAN-GP (k = 1, protocol lrs)", _protocol(remedy="wgan-gp")),
    "wgan-gp5": Method("WGAN-GP (k = 5, Adam 1e-4, β = (0, 0.9), Gulrajani et al.)",
                       _protocol(remedy="wgan-gp", lr_g=1e-4, lr_d=1e-4, beta1=0.0, k=5)),
    "pacgan2": Method("PacGAN2", _protocol(remedy="pacgan", remedy_param=2)),
    "pacgan4": Method("PacGAN4", _protocol(remedy="pacgan", remedy_param=4)),
    "unrolled5": Method("Unrolled D, 5 steps (first-order)", _protocol(remedy="unrolled", remedy_param=5)),
    "sn": Method("Spectral norm D", _protocol(remedy="spectral_norm")),
    # our best nets and schedule (exploration log: bench/results_mode_collapse.md): ring — the protocol nets with a
    # linear lr decay to ~0 over the last 40 % of the steps; grid — deeper leaky-ReLU nets with an 8-d z and one
    # lr (5e-4) for both players, same decay
    "best-gaussian": Method("ours: best nets + lr decay, Gaussian z", {
        "ring-8": PROTOCOL,
        "grid-25": PlaygroundConfig(z_dim=8, hidden_layers=3, width=128, activation="leaky_relu",
                                    loss="nonsaturating", lr_g=5e-4, lr_d=5e-4, beta1=0.5, batch_size=256)},
        steps=25_000, decay_from=0.6),
    # … and a disconnected latent: z from a mixture of K = 50 Gaussians (ganviz.engine.priors.LatentPrior), so G need
    # not
    # spend mass on bridges between modes; one config for both datasets (the grid's nets above)
    "best": Method("ours: best config (mixture latent K = 50)", {
        "*": PlaygroundConfig(z_dim=8, prior="mixture", mixture_k=50, hidden_layers=3, width=128,
                              activation="leaky_relu", loss="nonsaturating", lr_g=5e-4, lr_d=5e-4, beta1=0.5,
                              batch_size=256)},
        steps=25_000, decay_from=0.6),
    # the same nets in 10k steps (issue 20): the playground's best preset (Adam 1e-3, batch 512, both learning rates
    # decaying linearly to ~0 from step 6k to 10k, K = 35 blobs; K = 50 left grid seeds at 94.6–96.7 %)
    "best10k": Method("ours: mixture latent K = 35, 10k steps", {"*": PRESETS[BEST_PRESET][1]}, steps=10_000),
}
QUICK = ("gan", "wgan-gp", "pacgan4", "best")


def _preset_methods() -> dict:
    """One method per remedy preset of the playground (ganviz.plane.playground.STEP_BUDGETS): the preset's own
    settings on each dataset, at its 30-second step budget."""
    return {f"preset:{name}": Method(f"preset “{name}”", {"*": PRESETS[name][1]}, steps=steps)
            for name, steps in STEP_BUDGETS.items()}


METHODS.update(_preset_methods())


def run_one(args: tuple) -> dict:
    """Train one (method, dataset, seed) and score 2,500 fresh samples."""
    key, dataset_name, seed, steps, threads = args
    torch.set_num_threads(threads)
    method = METHODS[key]
    method = replace(method, steps=steps or method.steps)
    cfg = replace(method.config(dataset_name), seed=seed)
    if method.decay_from is not None:  # the Trainer's own linear schedule (TrainConfig.decay_start/decay_steps)
        start = int(method.decay_from * method.steps)
        cfg = replace(cfg, decay_start=start, decay_steps=method.steps - start)
    dataset = toy.DATASETS[dataset_name]()
    trainer = build_trainer(cfg, dataset, fixed_n=8, metric_every=0)
    t0 = time.perf_counter()
    error = None
    try:
        for _ in range(method.steps):
            trainer.step()
    except RuntimeError as err:  # Diverged: report it as a row, not a crash
        error = str(err)
    wall = time.perf_counter() - t0
    z_gen = torch.Generator().manual_seed(10_000 + seed)
    z = trainer.latent.sample(N_EVAL, z_gen)
    fake = trainer.generate(z).numpy()
    if np.isfinite(fake).any():
        m = toy.mode_metrics(fake, dataset.centres, dataset.sigma)
    else:
        m = {"modes_covered": 0, "modes_covered_strict": 0, "hq_fraction": 0.0,
             "reverse_kl": float(np.log(len(dataset.centres)))}
    return {"method": key, "dataset": dataset_name, "seed": seed, "steps": trainer.step_count, "wall_s": wall,
            "error": error, **m}


def mean_sd(values) -> str:
    values = list(values)
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def table(results: list[dict], datasets: list[str]) -> str:
    lines = []
    for ds in datasets:
        k = len(toy.DATASETS[ds]().centres)
        lines += [f"\n### {ds} ({k} modes; 2,500 samples; HQ = within 3σ; mean ± sd over seeds)\n",
                  "| Method | seeds | modes | worst modes | modes ≥ 1 % | % HQ | worst % HQ | reverse KL | steps | "
                  "s / run |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for key in dict.fromkeys(r["method"] for r in results):
            rows = [r for r in results if r["method"] == key and r["dataset"] == ds]
            if not rows:
                continue
            note = " (diverged in %d)" % sum(bool(r["error"]) for r in rows) if any(r["error"] for r in rows) else ""
            lines.append(
                f"| {METHODS[key].label}{note} | {len(rows)} | {mean_sd(r['modes_covered'] for r in rows)} | "
                f"{min(r['modes_covered'] for r in rows)} | {mean_sd(r['modes_covered_strict'] for r in rows)} | "
                f"{mean_sd(100 * r['hq_fraction'] for r in rows)} | {min(100 * r['hq_fraction'] for r in rows):.1f} | "
                f"{mean_sd(r['reverse_kl'] for r in rows)} | "
                f"{rows[0]['steps']:,} | {statistics.mean(r['wall_s'] for r in rows):.0f} |")
        col = 1 if ds == "ring-8" else 3
        for name, *vals, source in PUBLISHED:
            lines.append(f"| *published: {name}* ({source}) | | {vals[col - 1]} | | | {vals[col]} | | | 25,000 | |")
        lines.append("\nPer seed (seed: modes / % HQ): " + "; ".join(
            f"{METHODS[key].label}: " + ", ".join(f"{r['seed']}: {r['modes_covered']} / {100 * r['hq_fraction']:.1f}"
                                               for r in results if r["method"] == key and r["dataset"] == ds)
            for key in dict.fromkeys(r["method"] for r in results if r["dataset"] == ds)))
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 seed, 2,000 steps, methods " + ", ".join(QUICK))
    ap.add_argument("--methods", default=None, help="comma list of " + ", ".join(METHODS) + " (default: all)")
    ap.add_argument("--datasets", default="ring-8,grid-25")
    ap.add_argument("--seeds", type=int, default=None, help="seeds 0 … N−1 (default 5; --quick: 1)")
    ap.add_argument("--seed-list", default=None, help="explicit seeds, e.g. 0,1,17 or 0-9 (overrides --seeds)")
    ap.add_argument("--budget", action="store_true",
                    help="every remedy preset at its 30-s step budget (" + "; ".join(STEP_BUDGETS) + ")")
    ap.add_argument("--speed", action="store_true",
                    help="measure each preset's headless steps/s and print its 30-s step budget, then exit")
    ap.add_argument("--steps", type=int, default=None, help="override every method's step budget")
    ap.add_argument("--jobs", type=int, default=1, help="runs in parallel (processes, 1 torch thread each)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads per run")
    ap.add_argument("--out", default=None, help="also write the table (markdown) to this file")
    a = ap.parse_args(argv)
    if a.speed:
        print(speed_table())
        return
    presets = [f"preset:{name}" for name in STEP_BUDGETS]
    methods = a.methods.split(",") if a.methods else (
        presets if a.budget else list(QUICK) if a.quick else [m for m in METHODS if m not in presets])
    unknown = set(methods) - set(METHODS)
    if unknown:
        ap.error(f"unknown methods: {', '.join(sorted(unknown))}")
    datasets = a.datasets.split(",")
    seeds = parse_seeds(a.seed_list) if a.seed_list else list(range(a.seeds or (1 if a.quick else 5)))
    steps = a.steps or (2000 if a.quick else None)
    jobs = [(m, ds, s, steps, a.threads) for m in methods for ds in datasets for s in seeds]
    print(f"{len(jobs)} runs ({len(methods)} methods × {len(datasets)} datasets × {len(seeds)} seeds: "
          f"{', '.join(map(str, seeds))}), "
          f"{a.jobs} in parallel, {a.threads} torch thread(s) each, on {os.cpu_count()} cores", flush=True)
    t0 = time.perf_counter()
    results = []
    if a.jobs > 1:
        import multiprocessing as mp
        with mp.get_context("spawn").Pool(a.jobs) as pool:
            for r in pool.imap_unordered(run_one, jobs):
                results.append(r)
                _progress(r, len(results), len(jobs))
    else:
        for job in jobs:
            r = run_one(job)
            results.append(r)
            _progress(r, len(results), len(jobs))
    order = {m: i for i, m in enumerate(methods)}
    results.sort(key=lambda r: (order[r["method"]], r["dataset"], r["seed"]))
    text = table(results, datasets)
    best = [r for r in results if r["method"] == "best"]
    if best:
        text += "\n\nTarget for ours (issue 3): ring 8/8 with ≥ 96 % HQ, grid 25/25 with ≥ 94 % HQ, ≤ 25k steps, " \
                "≤ 5 min per run on 2 CPU cores."
        for ds, target_hq, pub_hq in (("ring-8", 96.0, 95.9), ("grid-25", 94.0, 93.6)):
            rows = [r for r in best if r["dataset"] == ds]
            if rows:
                hq = statistics.mean(100 * r["hq_fraction"] for r in rows)
                modes = statistics.mean(r["modes_covered"] for r in rows)
                text += (f"\n- {ds}: {modes:.2f} modes, {hq:.1f} % HQ — ratio to the best published HQ "
                         f"(PacGAN4 {pub_hq}): {hq / pub_hq:.3f}; target {target_hq} % "
                         f"{'met' if hq >= target_hq and modes == len(toy.DATASETS[ds]().centres) else 'NOT met'}.")
    text += f"\n\nTotal wall time {time.perf_counter() - t0:.0f} s for {len(jobs)} runs."
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n")


def parse_seeds(text: str) -> list[int]:
    """"0,1,17" or "0-9" or "0-4,17" → sorted distinct seeds."""
    seeds = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        seeds.update(range(int(lo), int(hi or lo) + 1))
    return sorted(seeds)


def speed_table(seconds: float = 3.0) -> str:
    """Headless steps/s of each remedy preset (its Trainer as the app builds it, mode metrics every 50
    steps), × IN_APP_RATIO (the in-app / headless ratio measured with Chromium attached) × 30 s = its budget."""
    torch.set_num_threads(1)
    lines = [f"load average {os.getloadavg()[0]:.2f}; in-app / headless ratio {IN_APP_RATIO}",
             "| preset | headless steps/s | steps per CPU-s | 30-s budget (× ratio × 30) | STEP_BUDGETS |",
             "|---|---|---|---|---|"]
    for name, budget in STEP_BUDGETS.items():
        trainer = build_trainer(PRESETS[name][1])
        for _ in range(50):
            trainer.step()
        w0, c0, n = time.perf_counter(), time.thread_time(), 0
        while time.perf_counter() - w0 < seconds:
            trainer.step()
            n += 1
        wall, cpu = time.perf_counter() - w0, time.thread_time() - c0
        lines.append(f"| {name} | {n / wall:.0f} | {n / cpu:.0f} | {int(n / cpu * IN_APP_RATIO * 30):,} | "
                     f"{budget:,} |")
    return "\n".join(lines)


def _progress(r: dict, done: int, total: int) -> None:
    print(f"[{done}/{total}] {r['method']:10s} {r['dataset']:8s} seed {r['seed']}: modes {r['modes_covered']} "
          f"(≥1 % {r['modes_covered_strict']}), HQ {100 * r['hq_fraction']:.1f} %, rKL {r['reverse_kl']:.3f}, "
          f"{r['steps']} steps in {r['wall_s']:.0f} s" + (f" — {r['error']}" if r["error"] else ""), flush=True)


if __name__ == "__main__":
    main()
