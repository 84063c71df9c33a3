"""Evaluation plumbing shared by the CLI (``python -m ganviz eval``) and the "Evaluating GANs" page: sampling a
generator for evaluation, building "degraded real" sets, scoring image sets against a shipped real reference with
the metrics of :mod:`ganviz.scoring.metrics`, and FID against N with the FID∞ fit. Generators are listed and loaded by
:mod:`ganviz.images.pretrained`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ganviz.images import pretrained
from ganviz.scoring import metrics
from ganviz.scoring.classifier import Classifier

MAX_EVAL_SAMPLES = 50_000


# ------------------------------------------------------------------------------------------ generators
# Listing and loading GANs (shipped pairs in models/, run folders, zips, uploads) is ganviz.images.pretrained's job.

def gan_dataset(config: dict) -> str | None:
    """The dataset a GAN checkpoint was trained on (its config's ``data.name``), if known."""
    return pretrained.info_from_config(config, "", "run").dataset


@torch.no_grad()
def sample_generator(G: torch.nn.Module, config: dict, n: int, seed: int = 0, device: str | torch.device = "cpu",
                     batch_size: int = 1000, truncation: float | None = None) -> torch.Tensor:
    """n images G(z) in [−1, 1], (n, 1, 28, 28) on CPU, z ~ G's prior (N(0, I) or its mixture) from ``seed``
    (ganviz.images.pretrained.sample_z; its N(0, 1) draws truncated to [−ψ, ψ] when ``truncation`` ψ is given);
    a class-conditional G gets balanced labels 0, 1, …, C−1, 0, …. BatchNorm in eval mode. ValueError for a
    diverged G (NaN/inf pixels) or n outside 1..MAX_EVAL_SAMPLES."""
    if not 1 <= n <= MAX_EVAL_SAMPLES:
        raise ValueError(f"the number of samples must be between 1 and {MAX_EVAL_SAMPLES:,}")
    model = config.get("model", {})
    z = pretrained.sample_z(n, int(model.get("z_dim", 100)), seed, truncation,
                            pretrained.latent_prior(config)).to(device)
    y = pretrained.labels_for(n, int(model.get("num_classes", 0) or 0))
    G = G.to(device)
    try:
        x = pretrained.generate(G, z, None if y is None else y.to(device), batch_size=batch_size)
    finally:
        G.cpu()
    return x.cpu().reshape(-1, 1, 28, 28)


# ------------------------------------------------------------------------------------- degraded real sets
def kept_count(labels: np.ndarray, drop_classes: Sequence[int] = ()) -> int:
    """How many images remain after dropping ``drop_classes``."""
    labels = np.asarray(labels)
    return int((~np.isin(labels, np.asarray(list(drop_classes), dtype=labels.dtype))).sum())


def degrade(images: np.ndarray, labels: np.ndarray, n: int, drop_classes: Sequence[int] = (), noise: float = 0.0,
            blur: float = 0.0, seed: int = 0) -> tuple[torch.Tensor, bool]:
    """A "degraded real" set of n images in [−1, 1], (n, 1, 28, 28):

    - drop_classes: images of these classes are removed (mode dropping); n are drawn from the rest, without
      replacement when enough remain, else with replacement;
    - blur: Gaussian blur with standard deviation ``blur`` pixels (separable, 'reflect' edges);
    - noise: additive N(0, noise²) pixel noise in [−1, 1] units, clipped to [−1, 1].

    Returns (images, drawn_with_replacement). ValueError when every class is dropped.
    """
    labels = np.asarray(labels)
    keep = np.flatnonzero(~np.isin(labels, np.asarray(list(drop_classes), dtype=labels.dtype)))
    if keep.size == 0:
        raise ValueError("every class is dropped: keep at least one class")
    if noise < 0 or blur < 0:
        raise ValueError("noise and blur must be ≥ 0")
    rng = np.random.default_rng(seed)
    replace = keep.size < n
    idx = rng.choice(keep, n, replace=replace)  # random order: any prefix is a fair sample
    x = torch.from_numpy(np.asarray(images)[idx].astype(np.float32)).div_(127.5).sub_(1.0).unsqueeze(1)
    if blur > 0:
        x = gaussian_blur(x, blur)
    if noise > 0:
        g = torch.Generator().manual_seed(seed + 1)
        x = (x + noise * torch.randn(x.shape, generator=g)).clamp_(-1.0, 1.0)
    return x, replace


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (N, 1, H, W) with kernel radius ⌈3σ⌉, reflect padding."""
    r = max(1, int(np.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1))


# --------------------------------------------------------------------------------------------- scoring
def score_images(classifier: Classifier, images, reference: metrics.Reference, seed: int = 0,
                 device: str | torch.device | None = None, kid_subsets: int = 100,
                 progress: metrics.Progress = None) -> metrics.Scores:
    """Features of ``images`` (any format classifier.extract takes), then metrics.evaluate against ``reference``."""
    step = (lambda f, t: progress(0.3 * f, t)) if progress else None
    feats, probs = classifier.extract(images, device=device, progress=step)
    step = (lambda f, t: progress(0.3 + 0.7 * f, t)) if progress else None
    return metrics.evaluate(feats, probs, reference, seed=seed, kid_subsets=kid_subsets, progress=step)


def fid_curve(classifier: Classifier, reference: metrics.Reference, images: np.ndarray, labels: np.ndarray,
              drop_classes: Sequence[int] = (), noise: float = 0.0, blur: float = 0.0, seed: int = 0,
              n_max: int = 5000, points: int = 8, n_min: int = 500):
    """FID_N of a (degraded) real set at ``points`` sizes from n_min to min(n_max, images left) against the
    reference, and the FID∞ fit: (sizes, fids, fid_inf, slope); None when fewer than 2·n_min images remain."""
    top = min(kept_count(labels, drop_classes), n_max)
    if top < 2 * n_min:
        return None
    x, _ = degrade(images, labels, top, drop_classes, noise, blur, seed)
    feats, _ = classifier.extract(x)
    ns, fids = metrics.fid_vs_n(feats, reference.mu, reference.sigma,
                                np.linspace(n_min, top, points).astype(int), seed)
    inf, slope = metrics.fid_infinity(ns, fids)
    return ns, fids, inf, slope
