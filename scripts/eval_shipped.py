"""Score GAN checkpoints against the issue's quality bars with the shipped evaluation classifiers.

    python scripts/eval_shipped.py runs/shipped/* --device cuda --n 10000 --json runs/shipped/eval.json

For each run folder (or models/ stem): 10,000 samples (z ~ N(0, I) from seed 0; balanced labels for conditional
nets), then IS, FID, KID, precision/recall against the held-out real test reference (ganviz.scoring.metrics.evaluate),
the real test IS, the class histogram's max/min ratio, and for conditional nets the share of samples the
classifier assigns to the asked class. Bars (issue 6): MNIST IS ≥ 0.95 × real, all 10 classes, max/min ≤ 1.5;
Fashion IS ≥ 0.9 × real; conditional accuracy ≥ 95 %.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from ganviz.engine.device import resolve_device
from ganviz.images import pretrained
from ganviz.scoring import classifier as C
from ganviz.scoring import evaluation as E
from ganviz.scoring import metrics as M

IS_BAR = {"mnist": 0.95, "fashion-mnist": 0.9}


def score(path: str, n: int, device, seed: int = 0, quick: bool = False, truncation: float | None = None) -> dict:
    """Scores of one checkpoint; ``quick`` skips KID and precision/recall (for choosing among many runs);
    ``truncation`` ψ samples z from N(0, I) truncated to [−ψ, ψ] (the pages' slider) instead of N(0, I)."""
    G, config = pretrained.load(path)
    dataset = E.gan_dataset(config)
    k = int(config["model"].get("num_classes", 0) or 0)
    t0 = time.perf_counter()
    x = E.sample_generator(G, config, n, seed=seed, device=device, truncation=truncation)
    clf = C.load_classifier(dataset, device=device)
    feats, probs = clf.extract(x, device=device)
    ref = C.load_reference(dataset, "test")
    if quick:
        hist = M.class_histogram(probs)
        is_mean, is_std = M.inception_score(probs, 10, seed)
        s = M.Scores(n, is_mean, is_std, M.frechet_distance(*M.feature_stats(feats), ref.mu, ref.sigma),
                     float("nan"), float("nan"), float("nan"), float("nan"), hist, M.kl_to_uniform(hist))
    else:
        s = M.evaluate(feats, probs, ref, seed=seed)
    real_is = C.reference_inception_score(dataset, "test")[0]
    hist = s.class_hist
    out = {"run": str(path), "truncation": truncation, "dataset": dataset, "conditional": bool(k), "n": n,
           "IS": s.is_mean, "IS_std": s.is_std,
           "real_IS": real_is, "IS_ratio": s.is_mean / real_is, "FID": s.fid, "KID_x1e3": 1e3 * s.kid_mean,
           "precision": s.precision, "recall": s.recall, "class_hist": [float(q) for q in hist],
           "classes_generated": int((hist > 0).sum()),
           "class_max_min": float(hist.max() / hist.min()) if hist.min() > 0 else float("inf")}
    if k:
        asked = (torch.arange(n) % k).numpy()
        out["cond_accuracy"] = float((probs.argmax(1) == asked).mean())
    bars = {"IS": out["IS_ratio"] >= IS_BAR.get(dataset, 0.9)}
    if dataset == "mnist" and not k:
        bars.update(all_classes=out["classes_generated"] == 10, balance=out["class_max_min"] <= 1.5)
    if k:
        bars["cond_accuracy"] = out["cond_accuracy"] >= 0.95
    out["bars"] = bars
    out["passes"] = all(bars.values())
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", default=None)
    ap.add_argument("--quick", action="store_true", help="IS, FID, classes only (no KID, precision/recall)")
    ap.add_argument("--truncation", type=float, default=None, help="ψ: z truncated to [−ψ, ψ] (default: none)")
    args = ap.parse_args()
    device = resolve_device(args.device)
    results = []
    for r in args.runs:
        try:
            res = score(r, args.n, device, quick=args.quick, truncation=args.truncation)
        except (ValueError, FileNotFoundError) as e:
            res = {"run": r, "error": str(e)}
        results.append(res)
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in res.items()
                          if k != "class_hist"}), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
