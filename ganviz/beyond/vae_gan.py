"""VAE vs GAN, measured: each row of the classic comparison table as a number.

- Image quality: IS, FID, precision/recall in the shipped classifier's feature space (:mod:`ganviz.scoring.metrics`),
  and sharpness = the mean over images of the variance of the discrete Laplacian ∇²x = x(i−1,j) + x(i+1,j) +
  x(i,j−1) + x(i,j+1) − 4x(i,j) on intensities in [0, 1] (edges repeated, as scipy.ndimage.laplace's default
  'reflect'); the variance-of-Laplacian focus measure of Pech-Pacheco et al. 2000. Blur lowers it.
- Generalisation: the Euclidean pixel distance (intensities in [0, 1]) of each sample to its nearest training
  image, against the same distance for held-out real test images. A model that copies its training set has
  samples much nearer to training images than unseen real images are.
- Optimisation: the trend of a recorded loss — Kendall's τ between step and the loss's chunk means (−1: falls
  steadily) and the share of chunk-to-chunk changes that are falls.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy.stats import kendalltau

from ganviz.scoring import metrics

__all__ = ["unit_images", "laplacian_variance", "nearest_distances", "trend", "score_set", "copy_threshold",
           "ROWS", "table_rows"]

Progress = Callable[[float, str], None] | None
LAPLACE = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]).view(1, 1, 3, 3)


def unit_images(images) -> torch.Tensor:
    """uint8 (N, 28, 28) → float32 (N, 1, 28, 28) in [0, 1]; float tensors/arrays in [−1, 1] are mapped too."""
    if isinstance(images, np.ndarray) and images.dtype == np.uint8:
        x = torch.from_numpy(images.astype(np.float32) / 255.0)
    else:
        x = (torch.as_tensor(images, dtype=torch.float32) + 1.0) * 0.5
    return x.reshape(len(x), 1, x.shape[-2], x.shape[-1])


def laplacian_variance(images, batch_size: int = 2000) -> np.ndarray:
    """Per image: the variance (population, over all pixels) of its discrete Laplacian on [0, 1] intensities,
    edges repeated (scipy.ndimage.laplace, mode 'reflect'). float64 (N,)."""
    x = unit_images(images)
    out = []
    for s in range(0, len(x), batch_size):
        lap = F.conv2d(F.pad(x[s:s + batch_size], (1, 1, 1, 1), mode="replicate"), LAPLACE)
        out.append(lap.flatten(1).double().var(1, unbiased=False))
    return torch.cat(out).numpy()


@torch.no_grad()
def nearest_distances(queries, reference, batch_size: int = 1000, progress: Progress = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index) of each query's nearest reference image: min_j ‖q − r_j‖₂ over pixel intensities in
    [0, 1]. ‖q − r‖² = ‖q‖² − 2 q·r + ‖r‖² in float64 (so near-duplicates are not lost to round-off)."""
    q = unit_images(queries).flatten(1).double()
    r = unit_images(reference).flatten(1).double()
    r_sq = (r * r).sum(1)
    dists, idx = [], []
    for s in range(0, len(q), batch_size):
        qb = q[s:s + batch_size]
        d2 = (qb * qb).sum(1, keepdim=True) - 2.0 * qb @ r.T + r_sq
        m, i = d2.min(1)
        dists.append(m.clamp_min(0).sqrt())
        idx.append(i)
        if progress is not None:
            progress(min(1.0, (s + len(qb)) / len(q)), "nearest training images …")
    return torch.cat(dists).numpy(), torch.cat(idx).numpy()


def trend(values, chunks: int = 20) -> dict:
    """How steadily a recorded loss falls: the series cut into ``chunks`` equal parts; Kendall's τ between
    the chunk index and the chunk means (−1: every chunk lower than the one before, +1: every chunk higher),
    ``falls``: the share of consecutive chunk means that fall; the first and last chunk means."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) < 2 * chunks:
        raise ValueError(f"A trend needs at least {2 * chunks} recorded values, got {len(v)}.")
    means = np.array([c.mean() for c in np.array_split(v, chunks)])
    tau = kendalltau(np.arange(chunks), means).statistic
    return {"tau": float(tau), "falls": float((np.diff(means) < 0).mean()),
            "first": float(means[0]), "last": float(means[-1])}


def copy_threshold(test_distances: np.ndarray, quantile: float = 0.05) -> float:
    """The distance below which only ``quantile`` of unseen real test images lie from the training set."""
    return float(np.quantile(np.asarray(test_distances, np.float64), quantile))


def score_set(images, train_images, classifier, reference: metrics.Reference, threshold: float | None = None,
              seed: int = 0, progress: Progress = None, nearest: bool = True) -> dict:
    """Every image-quality and generalisation number of one set of images (uint8 or [−1, 1] floats).

    IS, FID, precision and recall (k = 3) against ``reference`` (with radii), the mean Laplacian variance, and the
    median nearest-training-image distance; with ``threshold`` also the share of images nearer to a training
    image than that (see :func:`copy_threshold`). ``nearest=False`` skips the distances (for real training images,
    whose nearest training image is themselves)."""
    def part(lo, hi):
        return (lambda f, t: progress(lo + (hi - lo) * f, t)) if progress else None

    x = unit_images(images) * 2.0 - 1.0
    feats, probs = classifier.extract(x, progress=part(0.0, 0.25))
    is_mean, _ = metrics.inception_score(probs, 10, seed)
    fid = metrics.frechet_distance(*metrics.feature_stats(feats), reference.mu, reference.sigma)
    ref = reference if reference.radii is not None else reference.with_radii(3)
    precision, recall = metrics.precision_recall(ref.features, feats, k=3, real_radii=ref.radii)
    if progress:
        progress(0.4, "sharpness …")
    sharp = laplacian_variance(images)
    out = {"n": int(len(x)), "IS": is_mean, "FID": fid, "precision": precision, "recall": recall,
           "sharpness": float(sharp.mean())}
    if nearest:
        nn_d, _ = nearest_distances(images, train_images, progress=part(0.4, 1.0))
        out.update(nn_median=float(np.median(nn_d)), nn_mean=float(nn_d.mean()))
        if threshold is not None:
            out["nn_below"] = float((nn_d < threshold).mean())
    if progress:
        progress(1.0, "done")
    return out


# The table: (row group, measure, key in a scored set, format, what the course material says)
ROWS = (
    ("Image quality", "Inception Score (↑)", "IS", ".2f", "VAE: smooth / blurry; GAN: sharp, some artifacts"),
    ("Image quality", "FID to held-out real (↓)", "FID", ".1f", ""),
    ("Image quality", "Precision (↑)", "precision", ".3f", ""),
    ("Image quality", "Recall (↑)", "recall", ".3f", ""),
    ("Image quality", "Sharpness: mean Laplacian variance", "sharpness", ".4f", ""),
    ("Generalisation", "Median distance to nearest training image", "nn_median", ".2f",
     "VAE: tends to remember inputs; GAN: new unseen images"),
    ("Generalisation", "Share nearer than 95 % of real test images", "nn_below", ".1%", ""),
)
OPT_ROWS = (
    ("Optimisation", "Kendall τ of loss vs step (−1: falls steadily)", "tau", "+.2f",
     "VAE: SGD to a local minimum; GAN: alternating SGD to a saddle point"),
    ("Optimisation", "Share of chunk-to-chunk changes that fall", "falls", ".0%", ""),
)


def table_rows(result: dict) -> list[dict]:
    """The measured table of one dataset's result (scripts/vae_vs_gan.py's JSON entry) as rows of strings:
    columns Row, Measure, Real data, VAE, DCGAN, Course says. Optimisation rows: the VAE's −ELBO vs the GAN's
    D and G losses."""
    def f(v, spec):
        if v is None or (isinstance(v, float) and not np.isfinite(v)):
            return "—"
        return format(v, spec)

    sets = result["sets"]
    rows = []
    for group, measure, key, spec, says in ROWS:
        rows.append({"Row": group, "Measure": measure, "Real data": f(sets["real"].get(key), spec),
                     "VAE": f(sets["vae"].get(key), spec), "DCGAN": f(sets["gan"].get(key), spec),
                     "Course says": says})
    opt = result["optimisation"]
    for group, measure, key, spec, says in OPT_ROWS:
        rows.append({"Row": group, "Measure": measure, "Real data": "",
                     "VAE": f"{f(opt['vae'][key], spec)} (−ELBO)",
                     "DCGAN": f"D {f(opt['gan_d'][key], spec)} · G {f(opt['gan_g'][key], spec)}",
                     "Course says": says})
    return rows
