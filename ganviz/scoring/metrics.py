"""GAN evaluation metrics: IS, FID, KID, precision/recall, class histogram, FID-infinity.

All metrics take *features* and *class probabilities* of a classifier (see ganviz.scoring.classifier), never images:
there are no Inception weights offline, so ganviz measures in the feature space of small classifiers it trains
itself (the approach of TF-GAN's ``mnist_score`` / ``mnist_frechet_distance``). Values are therefore
comparable within ganviz only, not with papers' Inception-space numbers.

Pure numpy/scipy/torch; no streamlit. Sources:
- IS: Salimans et al. 2016, "Improved Techniques for Training GANs"; split/seed conventions of torch-fidelity.
- FID: Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule"; trace-sqrt recipe of TF-GAN.
- KID: Bińkowski et al. 2018, "Demystifying MMD GANs".
- Precision/recall: Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for Assessing Generative Models".
- FID-infinity: Chong & Forsyth 2020, "Effectively Unbiased FID and Inception Score and where to find them".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np
import torch
from scipy.special import xlogy

Progress = Callable[[float, str], None] | None


def _report(progress: Progress, fraction: float, text: str) -> None:
    if progress is not None:
        progress(float(min(max(fraction, 0.0), 1.0)), text)


# --------------------------------------------------------------------------------------------------- IS
def inception_score(probs: np.ndarray, splits: int = 10, seed: int = 0) -> tuple[float, float]:
    """Inception score IS = exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the mean of p(y|x) over the split.

    Salimans et al. 2016, eq. in §4. torch-fidelity conventions: rows shuffled with ``seed``, cut into ``splits``
    contiguous parts, float64, returns (mean, population std) over the parts. Range [1, C] for C classes:
    1 when every sample gets the same p(y|x), C when predictions are confident and classes balanced.
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] < splits or splits < 1:
        raise ValueError(f"need a (N, C) probability array with N ≥ splits={splits}; got shape {p.shape}")
    p = p[np.random.RandomState(seed).permutation(p.shape[0])]
    n = p.shape[0]
    scores = []
    for k in range(splits):
        part = p[k * n // splits:(k + 1) * n // splits]
        p_y = part.mean(axis=0, keepdims=True)
        kl = (xlogy(part, part) - xlogy(part, p_y)).sum(axis=1).mean()
        scores.append(math.exp(kl))
    return float(np.mean(scores)), float(np.std(scores))


# -------------------------------------------------------------------------------------------------- FID
def feature_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean μ and covariance Σ (unbiased, N − 1, as np.cov / pytorch-fid) of features (N, d), in float64."""
    f = np.asarray(features, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] < 2:
        raise ValueError(f"need at least 2 feature vectors of shape (N, d); got shape {f.shape}")
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _clamp_eigenvalues(w: np.ndarray) -> np.ndarray:
    """Eigenvalues of a PSD matrix with round-off removed: those below max|λ|·d·ε (the numerical-rank tolerance
    of np.linalg.matrix_rank) set to 0, so a singular Σ (N < d) adds no √(round-off) terms."""
    tol = np.abs(w).max(initial=0.0) * w.size * np.finfo(np.float64).eps
    return np.where(w > tol, w, 0.0)


def _sqrt_psd(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a PSD matrix by eigh, eigenvalues clamped (see _clamp_eigenvalues)."""
    w, v = np.linalg.eigh((sigma + sigma.T) / 2)
    return (v * np.sqrt(_clamp_eigenvalues(w))) @ v.T


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr sqrt(Σ1 Σ2) = Σ_i sqrt(λ_i(A Σ2 A)), A = sqrt(Σ1) — symmetric, so eigvalsh is exact and real.

    Σ1Σ2 and AΣ2A are similar (A⁻¹(AΣ2A)A = Σ1Σ2 when A is invertible; by continuity otherwise), so their
    eigenvalues agree and are ≥ 0. TF-GAN ``trace_sqrt_product``; round-off eigenvalues clamped to 0.
    """
    a = _sqrt_psd(np.asarray(sigma1, dtype=np.float64))
    m = a @ np.asarray(sigma2, dtype=np.float64) @ a
    ev = np.linalg.eigvalsh((m + m.T) / 2)
    return float(np.sqrt(_clamp_eigenvalues(ev)).sum())


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet distance of N(μ1, Σ1) and N(μ2, Σ2) (= squared 2-Wasserstein distance of the two Gaussians):

        d² = ‖μ1 − μ2‖² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^½)

    Heusel et al. 2017. Robust for singular Σ (N < d): float64, symmetric eigh square roots, no complex numbers.
    Clamped at 0 (the true value is ≥ 0; round-off can make it −1e-12).
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    s1, s2 = np.asarray(sigma1, np.float64), np.asarray(sigma2, np.float64)
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"shapes differ: μ {mu1.shape} vs {mu2.shape}, Σ {s1.shape} vs {s2.shape}")
    if not all(np.isfinite(a).all() for a in (mu1, mu2, s1, s2)):
        raise ValueError("feature statistics contain NaN or infinite values")
    diff = mu1 - mu2
    d2 = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt_product(s1, s2)
    return float(max(d2, 0.0))


def fid(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID between two feature sets (N1, d), (N2, d): frechet_distance of their means and np.cov covariances."""
    return frechet_distance(*feature_stats(features1), *feature_stats(features2))


def fid_vs_n(features: np.ndarray, mu_ref: np.ndarray, sigma_ref: np.ndarray, sizes: Sequence[int],
             seed: int = 0, progress: Progress = None) -> tuple[np.ndarray, np.ndarray]:
    """FID_N of random subsets of N samples (without replacement) against fixed reference statistics.

    FID is biased upward by a term ≈ c/N (Chong & Forsyth 2020): smaller N, larger FID for the same model.
    Returns (sizes, fids) as arrays; sizes above len(features) are dropped.
    """
    f = np.asarray(features)
    rng = np.random.default_rng(seed)
    ns = np.array([int(n) for n in sizes if 2 <= int(n) <= f.shape[0]], dtype=np.int64)
    fids = np.empty(len(ns))
    for i, n in enumerate(ns):
        fids[i] = frechet_distance(*feature_stats(f[rng.choice(f.shape[0], n, replace=False)]), mu_ref, sigma_ref)
        _report(progress, (i + 1) / len(ns), f"FID at N = {n}")
    return ns, fids


def fid_infinity(sizes: Sequence[int], fids: Sequence[float]) -> tuple[float, float]:
    """FID∞: fit FID_N = FID∞ + slope / N by least squares and return (FID∞, slope).

    Chong & Forsyth 2020, §3: the bias of FID_N is linear in 1/N, so the intercept at 1/N = 0 estimates the
    FID of an infinite sample. Needs ≥ 2 distinct N.
    """
    x = 1.0 / np.asarray(sizes, dtype=np.float64)
    y = np.asarray(fids, dtype=np.float64)
    if x.size < 2 or np.unique(x).size < 2:
        raise ValueError("FID∞ needs FID at two or more different sample sizes")
    slope, intercept = np.polyfit(x, y, 1)
    return float(intercept), float(slope)


# -------------------------------------------------------------------------------------------------- KID
def _polynomial_mmd2(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Unbiased MMD² with k(a, b) = (a·b / d + 1)³ for a batch of subset pairs x, y of shape (B, m, d)
    (Bińkowski et al. 2018, eq. 2 / torch-fidelity ``mmd2``). Gram matrices in float32 by batched matmul (one call
    for B subsets keeps thread synchronisation low on busy CPUs); kernel sums accumulated in float64."""
    _, m, d = x.shape
    f64 = torch.float64

    def kernel(a, b):
        return torch.baddbmm(torch.ones((), dtype=a.dtype), a, b.transpose(1, 2), alpha=1.0 / d).pow_(3)

    k_xx, k_yy, k_xy = kernel(x, x), kernel(y, y), kernel(x, y)
    off_diag = (k_xx.sum((1, 2), dtype=f64) - k_xx.diagonal(dim1=1, dim2=2).sum(1, dtype=f64)
                + k_yy.sum((1, 2), dtype=f64) - k_yy.diagonal(dim1=1, dim2=2).sum(1, dtype=f64))
    return off_diag / (m * (m - 1)) - 2 * k_xy.sum((1, 2), dtype=f64) / m ** 2


def kid(features1: np.ndarray, features2: np.ndarray, subsets: int = 100, subset_size: int = 1000,
        seed: int = 0, progress: Progress = None) -> tuple[float, float]:
    """Kernel Inception Distance: unbiased MMD² between feature sets, cubic polynomial kernel (x·y/d + 1)³.

        MMD²_u = 1/(m(m−1)) Σ_{i≠j} [k(x_i,x_j) + k(y_i,y_j)] − 2/m² Σ_{i,j} k(x_i,y_j)

    Bińkowski et al. 2018. Averaged over ``subsets`` random subsets of m = min(subset_size, N1, N2) drawn without
    replacement (seeded, as torch-fidelity); returns (mean, population std). Unbiased: ≈ 0 (can be slightly
    negative) when both sets come from one distribution. Subsets are processed in batches of ≤ 5·10⁶ kernel
    entries per Gram matrix (memory bounded).
    """
    f1 = torch.as_tensor(np.asarray(features1), dtype=torch.float32)
    f2 = torch.as_tensor(np.asarray(features2), dtype=torch.float32)
    m = min(subset_size, f1.shape[0], f2.shape[0])
    if m < 2 or subsets < 1:
        raise ValueError("KID needs at least 2 samples in each set and one subset")
    rng = np.random.RandomState(seed)
    chunk = max(1, 5_000_000 // (m * m))
    values = []
    for start in range(0, subsets, chunk):
        pairs = [(rng.choice(f1.shape[0], m, replace=False), rng.choice(f2.shape[0], m, replace=False))
                 for _ in range(min(chunk, subsets - start))]
        idx1 = torch.from_numpy(np.stack([i for i, _ in pairs]))
        idx2 = torch.from_numpy(np.stack([j for _, j in pairs]))
        values.append(_polynomial_mmd2(f1[idx1], f2[idx2]))
        _report(progress, (start + len(pairs)) / subsets, "KID subsets")
    v = torch.cat(values).numpy()
    return float(v.mean()), float(v.std())


# -------------------------------------------------------------------------------------- precision / recall
def _sq_dists(a: torch.Tensor, b: torch.Tensor, b_sq: torch.Tensor | None = None) -> torch.Tensor:
    """Squared Euclidean distances ‖a_i − b_j‖² = ‖a_i‖² + ‖b_j‖² − 2 a_i·b_j (one fused addmm), clamped ≥ 0."""
    b_sq = (b * b).sum(1) if b_sq is None else b_sq
    return torch.addmm(b_sq[None, :], a, b.T, alpha=-2.0).add_((a * a).sum(1, keepdim=True)).clamp_min_(0.0)


def knn_radii(features, k: int = 3, batch_size: int = 1024) -> torch.Tensor:
    """Squared distance of each point to its k-th nearest neighbour in the same set (itself excluded)."""
    features = torch.as_tensor(np.asarray(features), dtype=torch.float32)
    n = features.shape[0]
    if n <= k:
        raise ValueError(f"k-NN radii need more than k={k} points; got {n}")
    sq = (features * features).sum(1)
    out = torch.empty(n, dtype=features.dtype)
    for s in range(0, n, batch_size):
        d = _sq_dists(features[s:s + batch_size], features, sq)
        # the k+1 smallest include the point itself (distance 0); topk is much faster than kthvalue here
        out[s:s + batch_size] = d.topk(k + 1, dim=1, largest=False).values[:, k]
    return out


def _coverage(queries: torch.Tensor, points: torch.Tensor, radii: torch.Tensor, batch_size: int) -> float:
    """Share of queries that lie inside at least one ball B(points_j, radii_j)."""
    inside = 0
    sq = (points * points).sum(1)
    for s in range(0, queries.shape[0], batch_size):
        d = _sq_dists(queries[s:s + batch_size], points, sq)
        inside += int((d <= radii[None, :]).any(dim=1).sum())
    return inside / queries.shape[0]


def precision_recall(real_features: np.ndarray, fake_features: np.ndarray, k: int = 3,
                     batch_size: int = 1024, real_radii: np.ndarray | None = None,
                     progress: Progress = None) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019), k-NN manifold estimates:

        precision = 1/M Σ_j f(φ_g,j, Φ_r),  recall = 1/N Σ_i f(φ_r,i, Φ_g),
        f(φ, Φ) = 1 if ‖φ − φ'‖ ≤ ‖φ' − NN_k(φ', Φ)‖ for some φ' ∈ Φ, else 0.

    Precision: share of fakes inside the real manifold (quality). Recall: share of reals inside the fake manifold
    (coverage; falls under mode dropping). Distances in row blocks of ``batch_size`` (memory O(batch · N)).
    ``real_radii``: squared k-NN radii of the real set from knn_radii (cached with a Reference), else computed.
    """
    real = torch.as_tensor(np.asarray(real_features), dtype=torch.float32)
    fake = torch.as_tensor(np.asarray(fake_features), dtype=torch.float32)
    if real_radii is not None and len(real_radii) != len(real):
        raise ValueError("real_radii must have one entry per real feature vector")
    r_real = knn_radii(real, k, batch_size) if real_radii is None else torch.as_tensor(real_radii, dtype=torch.float32)
    _report(progress, 0.25, "k-NN radii of real features")
    r_fake = knn_radii(fake, k, batch_size)
    _report(progress, 0.5, "k-NN radii of generated features")
    precision = _coverage(fake, real, r_real, batch_size)
    _report(progress, 0.75, "precision")
    recall = _coverage(real, fake, r_fake, batch_size)
    _report(progress, 1.0, "recall")
    return precision, recall


# ------------------------------------------------------------------------------------- class histogram
def class_histogram(probs: np.ndarray) -> np.ndarray:
    """Share q_c of samples whose predicted class (argmax p(y|x)) is c; sums to 1. Mode dropping shows as q_c ≈ 0."""
    p = np.asarray(probs)
    counts = np.bincount(p.argmax(axis=1), minlength=p.shape[1])
    return counts / counts.sum()


def kl_to_uniform(hist: np.ndarray) -> float:
    """KL(q ‖ uniform) = Σ_c q_c log(C q_c) in nats: 0 for balanced classes, log C when all samples are one class."""
    q = np.asarray(hist, dtype=np.float64)
    q = q / q.sum()
    return float(xlogy(q, q * q.size).sum())


# ------------------------------------------------------------------------------------------- all at once
@dataclass(frozen=True)
class Reference:
    """Real-data reference in classifier feature space: μ, Σ over ``n`` images, plus a feature subset for KID/PR."""
    mu: np.ndarray
    sigma: np.ndarray
    features: np.ndarray
    n: int
    name: str = "real"
    radii: np.ndarray | None = field(default=None, repr=False)  # squared k-NN radii of features (k = radii_k)
    radii_k: int = 3

    def with_radii(self, k: int = 3) -> "Reference":
        """A copy with the real k-NN radii computed once (they do not depend on the generated set)."""
        if self.radii is not None and self.radii_k == k:
            return self
        return replace(self, radii=knn_radii(self.features, k).numpy(), radii_k=k)


def reference_from_features(features: np.ndarray, name: str = "real") -> Reference:
    """Reference built from real features (all of them serve for μ, Σ, KID and PR)."""
    mu, sigma = feature_stats(features)
    return Reference(mu=mu, sigma=sigma, features=np.asarray(features, np.float32), n=len(features), name=name)


@dataclass(frozen=True)
class Scores:
    """All metrics of one sample set against one reference."""
    n: int
    is_mean: float
    is_std: float
    fid: float
    kid_mean: float
    kid_std: float
    precision: float
    recall: float
    class_hist: np.ndarray = field(repr=False)
    kl_uniform: float = 0.0

    def row(self) -> dict:
        """Flat dict for tables: IS, FID, KID, precision, recall, KL to uniform."""
        return {"N": self.n, "IS": self.is_mean, "IS ±": self.is_std, "FID": self.fid,
                "KID": self.kid_mean, "KID ±": self.kid_std,
                "precision": self.precision, "recall": self.recall, "KL(classes‖uniform)": self.kl_uniform}


def evaluate(features: np.ndarray, probs: np.ndarray, reference: Reference, *, splits: int = 10,
             kid_subsets: int = 100, kid_subset_size: int = 1000, k: int = 3, seed: int = 0,
             progress: Progress = None) -> Scores:
    """IS of ``probs``; FID against reference μ, Σ; KID and precision/recall against reference features."""
    feats = np.asarray(features, dtype=np.float32)
    if feats.shape[0] != np.asarray(probs).shape[0]:
        raise ValueError("features and probs must have one row per sample")
    n = feats.shape[0]
    if n <= max(k, 1) or n < splits:
        raise ValueError(f"too few samples ({n}) to evaluate; need more than {max(k, splits)}")
    _report(progress, 0.0, "Inception score")
    is_mean, is_std = inception_score(probs, splits=splits, seed=seed)
    _report(progress, 0.05, "FID")
    fd = frechet_distance(*feature_stats(feats), reference.mu, reference.sigma)
    kid_mean, kid_std = kid(feats, reference.features, subsets=kid_subsets, subset_size=kid_subset_size, seed=seed,
                            progress=None if progress is None else lambda f, t: progress(0.1 + 0.4 * f, t))
    radii = reference.radii if reference.radii is not None and reference.radii_k == k else None
    prec, rec = precision_recall(reference.features, feats, k=k, real_radii=radii,
                                 progress=None if progress is None else lambda f, t: progress(0.5 + 0.5 * f, t))
    hist = class_histogram(probs)
    return Scores(n=n, is_mean=is_mean, is_std=is_std, fid=fd, kid_mean=kid_mean, kid_std=kid_std,
                  precision=prec, recall=rec, class_hist=hist, kl_uniform=kl_to_uniform(hist))


# ------------------------------------------------------------------------------- tracking during training
class MetricTracker:
    """IS and FID of a live Trainer's generator on ``n`` fixed latent vectors drawn from the tracker's own seed
    (the trainer's RNG is untouched; class-conditional G gets balanced labels 0, 1, …, C−1, 0, …). Use:

        tracker = make_tracker(classifier, reference, n=2000)
        trainer.add_metric("quality", tracker, every=500)     # records history keys "IS" and "FID"

    FID at n samples is biased upward by ≈ c/n (see fid_vs_n): compare values of one tracker only.
    """

    def __init__(self, classifier, reference: Reference, n: int = 2000, seed: int = 0, batch_size: int = 500):
        if n < 10:
            raise ValueError("the tracker needs at least 10 samples")
        self.classifier, self.reference = classifier, reference
        self.n, self.seed, self.batch_size = int(n), int(seed), int(batch_size)
        self._z: torch.Tensor | None = None

    def _latent(self, trainer) -> torch.Tensor:
        z_dim = int(trainer.fixed_z.shape[1])
        if self._z is None or self._z.shape[1] != z_dim:
            g = torch.Generator().manual_seed(self.seed)
            latent = getattr(trainer, "latent", None)  # the Trainer's prior (ganviz.engine.priors.LatentPrior)
            self._z = latent.sample(self.n, g) if latent is not None else torch.randn(self.n, z_dim, generator=g)
        return self._z

    def __call__(self, trainer) -> dict[str, float]:
        z = self._latent(trainer)
        k = getattr(trainer, "num_classes", None)
        y = torch.arange(self.n) % k if k else None
        images = torch.cat([trainer.generate(z[s:s + self.batch_size], None if y is None else y[s:s + self.batch_size])
                            for s in range(0, self.n, self.batch_size)])
        if not bool(torch.isfinite(images).all()):
            return {}  # a diverged G: nothing to record (the trainer reports the NaN itself)
        feats, probs = self.classifier.extract(images, batch_size=self.batch_size, device=trainer.device)
        return {"IS": inception_score(probs, splits=10, seed=self.seed)[0],
                "FID": frechet_distance(*feature_stats(feats), self.reference.mu, self.reference.sigma)}


def make_tracker(classifier, reference: Reference, n: int = 2000, seed: int = 0) -> MetricTracker:
    """A MetricTracker for ``trainer.add_metric(name, tracker, every)``; see its docstring."""
    return MetricTracker(classifier, reference, n=n, seed=seed)
