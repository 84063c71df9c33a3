"""1-D theory of GANs on a grid: target densities, the pushforward of p_z through G, D*, V(G, D), KL, JSD, W1.

Everything is numpy/scipy and vectorised over grids of >= 2,000 points; only sampling returns torch tensors.
Densities handed to the divergences are renormalised on the grid (trapezoid rule, so that ∫p = ∫q = 1 there);
reporting mass that falls outside the plotted grid is the caller's job (see ``mass_on_grid``).

Sources: Goodfellow et al. 2014, "Generative Adversarial Nets" (Prop. 1, Thm. 1, Prop. 2);
Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN" (JSD vs W1 for disjoint supports).
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np
import torch
from scipy import optimize, special, stats
from scipy.signal import fftconvolve

LOG2 = float(np.log(2.0))
LOG4 = float(np.log(4.0))
SIGMA_MIN = 1e-3  # narrower Gaussians cannot be resolved on a plotting grid; σ is clamped up to this
PRIORS = ("normal", "uniform")
_Z_LIMIT = 8.5  # N(0,1) mass beyond ±8.5 is ~2e-17
_PPF_TABLE = 20001


def make_grid(lo: float, hi: float, n: int = 2001) -> np.ndarray:
    """Uniform grid of n points on [lo, hi] (float64)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise ValueError(f"The grid needs finite bounds with lo < hi (got lo={lo}, hi={hi}).")
    if n < 2:
        raise ValueError(f"The grid needs at least 2 points (got {n}).")
    return np.linspace(float(lo), float(hi), int(n))


def _trapz(y: np.ndarray, x: np.ndarray) -> float:
    return float(np.trapezoid(y, x))


def _cumtrapz(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.concatenate(([0.0], np.cumsum(0.5 * (y[1:] + y[:-1]) * np.diff(x))))


# ----------------------------------------------------------------------------------------------------------
# Target densities
# ----------------------------------------------------------------------------------------------------------
class Density:
    """A 1-D density with pdf, cdf, ppf (inverse cdf), seeded inverse-CDF sampling and a plotting range.

    ``notes`` lists sentences about silent adjustments (e.g. a clamped σ) for the page to show.
    """

    name = "density"

    def __init__(self) -> None:
        self.notes: list[str] = []
        self._table: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def label(self) -> str:
        return self.name

    def pdf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def cdf(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def support(self) -> tuple[float, float]:
        """Suggested plotting range holding essentially all the mass."""
        raise NotImplementedError

    def _cdf_table(self) -> tuple[np.ndarray, np.ndarray]:
        if self._table is None:
            lo, hi = self.support()
            pad = 0.5 * (hi - lo)  # beyond the plotting range, so the tails are not piled up at its ends
            x = np.linspace(lo - pad, hi + pad, _PPF_TABLE)
            c = np.clip(self.cdf(x), 0.0, 1.0)
            c = np.maximum.accumulate(c)
            keep = np.concatenate(([True], np.diff(c) > 0))  # strictly increasing for np.interp
            self._table = (c[keep], x[keep])
        return self._table

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse cdf F⁻¹(u) by linear interpolation of a 20,001-point cdf table over support() widened 2×."""
        c, x = self._cdf_table()
        return np.interp(np.asarray(u, dtype=np.float64), c, x)

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n samples of shape (n, 1), float32, by inverse-CDF sampling x = F⁻¹(u), u ~ U(0,1) from generator."""
        u = torch.rand(int(n), generator=generator, dtype=torch.float64).numpy()
        return torch.from_numpy(self.ppf(u)).float().reshape(-1, 1)


def _clamp_sigma(sigma: float, notes: list[str]) -> float:
    sigma = float(sigma)
    if not np.isfinite(sigma) or sigma < 0:
        raise ValueError(f"σ must be a non-negative number (got {sigma}).")
    if sigma < SIGMA_MIN:
        notes.append(f"σ = {sigma:g} was raised to the minimum {SIGMA_MIN:g} the grid can resolve.")
        return SIGMA_MIN
    return sigma


def _finite(value: float, what: str) -> float:
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{what} must be a finite number (got {value}).")
    return value


class Gaussian(Density):
    """N(mu, sigma²); σ below SIGMA_MIN is clamped to SIGMA_MIN (noted in ``notes``)."""

    name = "Gaussian"

    def __init__(self, mu: float = 0.0, sigma: float = 1.0) -> None:
        super().__init__()
        self.mu = _finite(mu, "The mean")
        self.sigma = _clamp_sigma(sigma, self.notes)

    @property
    def label(self) -> str:
        return f"N({self.mu:g}, {self.sigma:g}²)"

    def pdf(self, x):
        return stats.norm.pdf(x, self.mu, self.sigma)

    def cdf(self, x):
        return stats.norm.cdf(x, self.mu, self.sigma)

    def ppf(self, u):
        return stats.norm.ppf(np.clip(u, 1e-15, 1 - 1e-15), self.mu, self.sigma)

    def support(self):
        return (self.mu - 5 * self.sigma, self.mu + 5 * self.sigma)


class Mixture(Density):
    """Σ_k w_k N(mu_k, sigma_k²) with weights renormalised to sum to 1 (1–5 components)."""

    name = "Gaussian mixture"

    def __init__(self, weights, mus, sigmas) -> None:
        super().__init__()
        w = np.asarray(weights, dtype=np.float64).ravel()
        m = np.asarray(mus, dtype=np.float64).ravel()
        s = np.asarray(sigmas, dtype=np.float64).ravel()
        if not (len(w) == len(m) == len(s)) or not 1 <= len(w) <= 5:
            raise ValueError("A mixture needs 1 to 5 components with one weight, mean and σ each.")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("Mixture weights must be finite and non-negative.")
        if w.sum() <= 0:
            raise ValueError("mixture weights must not all be zero")
        if not np.all(np.isfinite(m)):
            raise ValueError("Mixture means must be finite numbers.")
        self.weights = w / w.sum()
        self.mus = m
        self.sigmas = np.array([_clamp_sigma(v, self.notes) for v in s])

    @property
    def label(self) -> str:
        return " + ".join(f"{w:.2g}·N({m:g}, {s:g}²)" for w, m, s in zip(self.weights, self.mus, self.sigmas) if w > 0)

    def pdf(self, x):
        x = np.asarray(x, dtype=np.float64)[..., None]
        return np.sum(self.weights * stats.norm.pdf(x, self.mus, self.sigmas), axis=-1)

    def cdf(self, x):
        x = np.asarray(x, dtype=np.float64)[..., None]
        return np.sum(self.weights * stats.norm.cdf(x, self.mus, self.sigmas), axis=-1)

    def support(self):
        on = self.weights > 0
        return (float(np.min(self.mus[on] - 5 * self.sigmas[on])), float(np.max(self.mus[on] + 5 * self.sigmas[on])))


class Uniform(Density):
    """U(a, b): density 1/(b − a) on [a, b] — compact support, so disjointness is exact."""

    name = "Uniform"

    def __init__(self, a: float = -1.0, b: float = 1.0) -> None:
        super().__init__()
        self.a, self.b = _finite(a, "a"), _finite(b, "b")
        if self.a >= self.b:
            raise ValueError(f"A uniform density needs a < b (got a={self.a:g}, b={self.b:g}).")

    @property
    def label(self) -> str:
        return f"U({self.a:g}, {self.b:g})"

    def pdf(self, x):
        x = np.asarray(x, dtype=np.float64)
        return np.where((x >= self.a) & (x <= self.b), 1.0 / (self.b - self.a), 0.0)

    def cdf(self, x):
        return np.clip((np.asarray(x, dtype=np.float64) - self.a) / (self.b - self.a), 0.0, 1.0)

    def ppf(self, u):
        return self.a + np.asarray(u, dtype=np.float64) * (self.b - self.a)

    def support(self):
        pad = 0.25 * (self.b - self.a)
        return (self.a - pad, self.b + pad)


class Skewed(Density):
    """Skew-normal (Azzalini 1985): p(x) = (2/ω) φ(t) Φ(α t), t = (x − ξ)/ω; α > 0 skews right."""

    name = "Skew-normal"

    def __init__(self, alpha: float = 5.0, loc: float = -1.0, scale: float = 2.0) -> None:
        super().__init__()
        self.alpha = _finite(alpha, "The skewness α")
        self.loc = _finite(loc, "The location")
        self.scale = _clamp_sigma(scale, self.notes)

    @property
    def label(self) -> str:
        return f"SkewNormal(α={self.alpha:g}, ξ={self.loc:g}, ω={self.scale:g})"

    def pdf(self, x):
        return stats.skewnorm.pdf(x, self.alpha, self.loc, self.scale)

    def cdf(self, x):
        """F(x) = Φ(t) − 2·T(t, α) with Owen's T function (scipy.special.owens_t; fast, unlike skewnorm.cdf)."""
        t = (np.asarray(x, dtype=np.float64) - self.loc) / self.scale
        return np.clip(special.ndtr(t) - 2 * special.owens_t(t, self.alpha), 0.0, 1.0)

    def support(self):
        delta = self.alpha / np.sqrt(1 + self.alpha**2)
        mean = self.loc + self.scale * delta * np.sqrt(2 / np.pi)
        sd = self.scale * np.sqrt(1 - 2 * delta**2 / np.pi)
        return (float(mean - 6 * sd), float(mean + 6 * sd))


class Affine(Density):
    """Law of shift + scale·X for X ~ base: p(x) = base.pdf((x − shift)/scale)/scale (scale > 0)."""

    def __init__(self, base: Density, shift: float = 0.0, scale: float = 1.0) -> None:
        super().__init__()
        self.base, self.shift = base, _finite(shift, "The shift")
        self.scale = _clamp_sigma(scale, self.notes)
        self.notes = base.notes + self.notes
        self.name = base.name

    @property
    def label(self) -> str:
        return f"{self.shift:+g} + {self.scale:g}·[{self.base.label}]"

    def pdf(self, x):
        return self.base.pdf((np.asarray(x, dtype=np.float64) - self.shift) / self.scale) / self.scale

    def cdf(self, x):
        return self.base.cdf((np.asarray(x, dtype=np.float64) - self.shift) / self.scale)

    def ppf(self, u):
        return self.shift + self.scale * self.base.ppf(u)

    def support(self):
        lo, hi = self.base.support()
        return (self.shift + self.scale * lo, self.shift + self.scale * hi)


class KDE(Density):
    """Gaussian kernel density estimate of 1-D samples: p(x) = (1/n) Σ_i N(x; x_i, h²).

    Bandwidth as scipy.stats.gaussian_kde: "scott" h = s·n^(−1/5), "silverman" h = s·(3n/4)^(−1/5), s the sample
    standard deviation (ddof = 1). Evaluated by linear binning on a fine grid and an FFT convolution
    (Silverman 1982), so a million samples cost milliseconds; the table spacing is at most h/4.
    """

    name = "KDE of your samples"

    def __init__(self, samples, bandwidth: str = "scott") -> None:
        super().__init__()
        x = np.asarray(samples, dtype=np.float64).ravel()
        if x.size < 2:
            raise ValueError(f"A density estimate needs at least 2 samples (got {x.size}).")
        if not np.all(np.isfinite(x)):
            raise ValueError("The samples contain NaN or infinite values.")
        s = float(np.std(x, ddof=1))
        if s <= 0:
            raise ValueError(f"All samples are equal ({x[0]:g}); a density estimate needs some spread.")
        n = x.size
        if bandwidth == "scott":
            factor = n ** (-1 / 5)
        elif bandwidth == "silverman":
            factor = (n * 3 / 4) ** (-1 / 5)
        else:
            raise ValueError(f"Unknown bandwidth rule {bandwidth!r}; use 'scott' or 'silverman'.")
        self.n, self.h = n, s * factor
        lo, hi = float(x.min()) - 5 * self.h, float(x.max()) + 5 * self.h
        m = int(min(max(4097, np.ceil((hi - lo) / (self.h / 4))), 2**20))
        if (hi - lo) / m > self.h / 4:
            self.notes.append("Your samples span a very wide range; the density estimate is smoothed to fit 2^20 bins.")
        grid = np.linspace(lo, hi, m)
        dx = grid[1] - grid[0]
        pos = (x - lo) / dx
        i = np.clip(np.floor(pos).astype(np.int64), 0, m - 2)
        frac = pos - i
        counts = np.bincount(i, 1 - frac, minlength=m) + np.bincount(i + 1, frac, minlength=m)
        half = int(np.ceil(5 * self.h / dx))
        kernel = stats.norm.pdf(np.arange(-half, half + 1) * dx, 0.0, self.h)
        dens = np.clip(fftconvolve(counts, kernel, mode="same"), 0.0, None) / n
        dens /= _trapz(dens, grid)
        self._grid, self._dens = grid, dens
        self._cum = _cumtrapz(dens, grid)

    @property
    def label(self) -> str:
        return f"KDE of {self.n:,} samples (h = {self.h:.3g})"

    def pdf(self, x):
        return np.interp(x, self._grid, self._dens, left=0.0, right=0.0)

    def cdf(self, x):
        return np.interp(x, self._grid, self._cum, left=0.0, right=1.0)

    def support(self):
        return (float(self._grid[0]), float(self._grid[-1]))


def parse_samples_csv(data: bytes | str, max_rows: int = 1_000_000, max_bytes: int = 32 * 2**20,
                      notes: list[str] | None = None) -> np.ndarray:
    """Parse a user's CSV of 1-D samples (first column; one optional header line) into a float64 array.

    Caps instead of hanging: only the first ``max_bytes`` bytes and the first ``max_rows`` rows are read.
    NaN/inf entries are dropped. Every such adjustment appends one sentence to ``notes`` (if given).
    Raises ValueError with one sentence for empty files, non-UTF-8 bytes, text in a data row, fewer than 2
    finite values, or values that are all equal.
    """
    notes = notes if notes is not None else []
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        notes.append(f"Only the first {max_bytes / 2**20:.0f} MB of the {len(data) / 2**20:.0f} MB file were read.")
        data = data[:max_bytes]
        data = data[: data.rfind(b"\n") + 1] if b"\n" in data else data
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("The file is not UTF-8 text; upload a CSV with one number per line.") from None
    fields = [re.split(r"[,;\t ]", ln.strip(), maxsplit=1)[0] for ln in text.splitlines() if ln.strip()]
    if not fields:
        raise ValueError("The file is empty; upload a CSV with one number per line.")
    try:
        float(fields[0])
    except ValueError:
        notes.append(f"Skipped the header {fields[0][:30]!r}.")
        fields = fields[1:]
    if len(fields) > max_rows:
        notes.append(f"Used the first {max_rows:,} of {len(fields):,} rows.")
        fields = fields[:max_rows]
    try:
        x = np.array(fields, dtype=np.float64)
    except ValueError:
        for row, f in enumerate(fields):
            try:
                float(f)
            except ValueError:
                raise ValueError(f"Row {row + 1} is not a number: {f[:30]!r}.") from None
        raise
    bad = ~np.isfinite(x)
    if bad.any():
        notes.append(f"Dropped {int(bad.sum()):,} NaN or infinite values.")
        x = x[~bad]
    if x.size < 2:
        raise ValueError(f"The file holds {x.size} usable number(s); a density needs at least 2.")
    if np.all(x == x[0]):
        raise ValueError(f"All values are equal ({x[0]:g}); a density needs some spread.")
    return x


# ----------------------------------------------------------------------------------------------------------
# Prior, pushforward, optimal map
# ----------------------------------------------------------------------------------------------------------
def _check_prior(prior: str) -> None:
    if prior not in PRIORS:
        raise ValueError(f"Unknown prior {prior!r}; use 'normal' or 'uniform'.")


def prior_pdf(z, prior: str = "normal") -> np.ndarray:
    """p_z: N(0, 1) or U(−1, 1)."""
    _check_prior(prior)
    z = np.asarray(z, dtype=np.float64)
    return stats.norm.pdf(z) if prior == "normal" else np.where(np.abs(z) <= 1, 0.5, 0.0)


def prior_cdf(z, prior: str = "normal") -> np.ndarray:
    """F_z: Φ(z) or clip((z + 1)/2, 0, 1)."""
    _check_prior(prior)
    z = np.asarray(z, dtype=np.float64)
    return special.ndtr(z) if prior == "normal" else np.clip((z + 1) / 2, 0.0, 1.0)


def prior_range(prior: str = "normal") -> tuple[float, float]:
    """z-interval holding all the prior mass used in computations: [−8.5, 8.5] (normal) or [−1, 1]."""
    _check_prior(prior)
    return (-_Z_LIMIT, _Z_LIMIT) if prior == "normal" else (-1.0, 1.0)


def sample_prior(n: int, prior: str, generator: torch.Generator) -> np.ndarray:
    """n seeded draws of z ~ p_z (float64)."""
    _check_prior(prior)
    if prior == "normal":
        return torch.randn(int(n), generator=generator, dtype=torch.float64).numpy()
    return (2 * torch.rand(int(n), generator=generator, dtype=torch.float64) - 1).numpy()


def pushforward_density(G: Callable[[np.ndarray], np.ndarray], x_grid: np.ndarray, prior: str = "normal",
                        n_z: int = 200_001) -> np.ndarray:
    """p_g = G#p_z on x_grid by change of variables, summed over all preimages: p_g(x) = Σ_{z: G(z)=x} p_z(z)/|G'(z)|.

    G is treated as piecewise linear on a fine z-grid: segment [z_i, z_{i+1}] carries the exact prior mass
    F_z(z_{i+1}) − F_z(z_i), spread uniformly over [G(z_i), G(z_{i+1})] (in whichever order), so non-monotone G
    works. The result is the exact cell average of that density over cells centred on x_grid (edges at the
    mid-points), so Σ p_g·Δx equals the mass on the grid. A flat G (constant on a segment) is a point mass; it
    lands in the one cell that holds it (height mass/Δx), the narrow-bin limit. Mass outside the grid is lost.
    """
    x = np.asarray(x_grid, dtype=np.float64)
    z = np.linspace(*prior_range(prior), int(n_z))
    g = np.asarray(G(z), dtype=np.float64).reshape(-1)
    if g.shape != z.shape:
        raise ValueError("G must map an array of z values to an array of the same length.")
    if not np.all(np.isfinite(g)):
        raise ValueError("G returned NaN or infinite values.")
    mass = np.diff(prior_cdf(z, prior))
    lo, hi = np.minimum(g[:-1], g[1:]), np.maximum(g[:-1], g[1:])
    mid = 0.5 * (x[1:] + x[:-1])
    edges = np.concatenate(([x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]))
    n_e = edges.size
    # F_g(e_k) = Σ_i m_i·clip((e_k − lo_i)/(hi_i − lo_i), 0, 1): whole segments below e_k, plus straddling parts.
    first_full = np.searchsorted(edges, hi, side="left")  # edges e_k >= hi_i count segment i in full
    cdf = np.cumsum(np.bincount(first_full, mass, minlength=n_e + 1))[:n_e]
    ka = np.searchsorted(edges, lo, side="right")  # first edge > lo_i
    count = np.maximum(first_full - ka, 0)  # edges strictly inside (lo_i, hi_i)
    if count.sum() > 0:
        seg = np.repeat(np.arange(lo.size), count)
        k = ka[seg] + np.arange(seg.size) - np.repeat(np.cumsum(count) - count, count)
        part = mass[seg] * (edges[k] - lo[seg]) / (hi[seg] - lo[seg])
        cdf = cdf + np.bincount(k, part, minlength=n_e)
    return np.diff(cdf) / np.diff(edges)


def optimal_map(target: Density, prior: str = "normal") -> Callable[[np.ndarray], np.ndarray]:
    """The monotone transport map G* = F_data⁻¹ ∘ F_z, which pushes p_z exactly onto p_data (computed numerically)."""
    _check_prior(prior)
    return lambda z: target.ppf(prior_cdf(z, prior))


def mass_on_grid(x: np.ndarray, p: np.ndarray) -> float:
    """∫ p dx over the grid (trapezoid) — 1 minus the mass outside the plotted range."""
    return _trapz(np.asarray(p, dtype=np.float64), x)


# ----------------------------------------------------------------------------------------------------------
# Discriminator, value, divergences
# ----------------------------------------------------------------------------------------------------------
def _normalise(x: np.ndarray, p: np.ndarray, what: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.shape != np.shape(x) or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{what} must be finite, non-negative and given on the grid.")
    total = _trapz(p, x)
    if not total > 0:
        raise ValueError(f"{what} has no mass on the grid.")
    return p / total


def d_star(p_data, p_g) -> np.ndarray:
    """Optimal discriminator D*(x) = p_data(x) / (p_data(x) + p_g(x)) (Goodfellow et al. 2014, Prop. 1).

    Where both densities are 0 any D is optimal; we return 1/2 there.
    """
    p_data, p_g = np.asarray(p_data, dtype=np.float64), np.asarray(p_g, dtype=np.float64)
    s = p_data + p_g
    return np.where(s > 0, p_data / np.where(s > 0, s, 1.0), 0.5)


def value(x, p_data, p_g, d) -> float:
    """V(G, D) = ∫ p_data log D + p_g log(1 − D) dx (Goodfellow et al. 2014, eq. 1), trapezoid rule.

    0·log 0 = 0 (scipy.special.xlogy), so D may be 0 or 1 where the matching density is 0; it is −inf if
    D = 0 where p_data > 0 (or D = 1 where p_g > 0). Densities are renormalised on the grid.
    """
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p_data, "p_data"), _normalise(x, p_g, "p_g")
    d = np.asarray(d, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return _trapz(special.xlogy(p, d) + special.xlogy(q, 1.0 - d), x)


def c_of_g(x, p_data, p_g) -> float:
    """C(G) = max_D V(G, D) = V(G, D*), by numerical integration (Goodfellow et al. 2014, Thm. 1).

    Theory: C(G) = −log 4 + 2·JSD(p_data ‖ p_g); computed here independently of ``jsd``. The integrand is
    written as p_data log(p_data/s) + p_g log(p_g/s), s = p_data + p_g, i.e. log D* and log(1 − D*) without
    forming 1 − D* (which rounds to 0 where p_g ≪ p_data and would give −inf).
    """
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p_data, "p_data"), _normalise(x, p_g, "p_g")
    s = np.where(p + q > 0, p + q, 1.0)
    return _trapz(special.xlogy(p, p / s) + special.xlogy(q, q / s), x)


def kl(x, p, q) -> float:
    """KL(p ‖ q) = ∫ p log(p/q) dx (nats; scipy.special.rel_entr); inf if p > 0 where q = 0."""
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p, "p"), _normalise(x, q, "q")
    return _trapz(special.rel_entr(p, q), x)


def jsd(x, p, q) -> float:
    """JSD(p ‖ q) = ½KL(p ‖ m) + ½KL(q ‖ m), m = (p + q)/2, in nats, 0 ≤ JSD ≤ log 2.

    Written as log 2 − ½∫[p log((p+q)/p) + q log((p+q)/q)] dx with each log a difference of logs (xlogy):
    where the supports do not meet the bracket is exactly 0, so disjoint supports give exactly log 2, and it
    is never negative, so the result never exceeds log 2 (Goodfellow et al. 2014, Thm. 1; Arjovsky et al.
    2017, Example 1).
    """
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p, "p"), _normalise(x, q, "q")
    s = p + q
    bracket = (special.xlogy(p, s) - special.xlogy(p, p)) + (special.xlogy(q, s) - special.xlogy(q, q))
    return float(np.clip(LOG2 - 0.5 * _trapz(bracket, x), 0.0, LOG2))


def w1(x, p, q) -> float:
    """Wasserstein-1 distance W1(p, q) = ∫ |F_p(x) − F_q(x)| dx (Arjovsky et al. 2017); cdfs by trapezoid."""
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p, "p"), _normalise(x, q, "q")
    return _trapz(np.abs(_cumtrapz(p, x) - _cumtrapz(q, x)), x)


def shift_sweep(x, p_data: Density, p_g: Density, shifts, scale: float = 1.0) -> dict[str, np.ndarray]:
    """JSD, W1 and C(G) between p_data and shift + scale·p_g for each shift (Arjovsky et al. 2017, Example 1)."""
    x = np.asarray(x, dtype=np.float64)
    pd = p_data.pdf(x)
    out = {"shift": np.asarray(shifts, dtype=np.float64), "jsd": [], "w1": [], "c": []}
    for s in out["shift"]:
        q = Affine(p_g, shift=s, scale=scale).pdf(x)
        out["jsd"].append(jsd(x, pd, q))
        out["w1"].append(w1(x, pd, q))
        out["c"].append(c_of_g(x, pd, q))
    return {k: np.asarray(v) for k, v in out.items()}


def fit_gaussian(x, p, direction: str = "forward") -> tuple[float, float, float]:
    """Best single Gaussian q = N(mu, σ²) for a density p on the grid; returns (mu, σ, divergence).

    forward: argmin KL(p ‖ q) — mode covering; the solution is moment matching (mu = E_p x, σ² = Var_p x).
    reverse: argmin KL(q ‖ p) — mode seeking; bounded truncated Newton (scipy TNC, analytic gradient) over
    (mu, log σ), started at every local maximum of p (at most 5, σ0 = forward σ / 2) and at the forward fit;
    the lowest local optimum wins. σ is kept
    ≥ 2Δx so q stays resolved on the grid; log p is floored at log(1e-300) during the search only.
    """
    if direction not in ("forward", "reverse"):
        raise ValueError(f"Unknown direction {direction!r}; use 'forward' or 'reverse'.")
    x = np.asarray(x, dtype=np.float64)
    p = _normalise(x, p, "p")
    mu = _trapz(x * p, x)
    sigma = max(float(np.sqrt(max(_trapz((x - mu) ** 2 * p, x), 0.0))), 2 * (x[1] - x[0]))
    if direction == "forward":
        return mu, sigma, kl(x, p, stats.norm.pdf(x, mu, sigma))
    log_p = np.log(np.maximum(p, 1e-300))
    sig_min = 2 * (x[1] - x[0])

    def objective(theta):  # KL(q‖p) = −H(q) − E_q[log p], and its gradient in (mu, log σ)
        m, log_s = theta
        s = np.exp(log_s)
        t = (x - m) / s
        qlp = np.exp(-0.5 * t * t) / (s * np.sqrt(2 * np.pi)) * log_p
        value = -0.5 * np.log(2 * np.pi * np.e * s * s) - _trapz(qlp, x)
        return value, np.array([-_trapz(qlp * t / s, x), -1.0 - _trapz(qlp * (t * t - 1), x)])

    peaks = np.flatnonzero((p[1:-1] > p[:-2]) & (p[1:-1] >= p[2:])) + 1
    peaks = peaks[np.argsort(p[peaks])[::-1][:5]]
    starts = [(x[i], np.log(max(sigma / 2, sig_min))) for i in peaks] + [(mu, np.log(sigma))]
    bounds = [(x[0], x[-1]), (np.log(sig_min), np.log(x[-1] - x[0]))]
    best = min((optimize.minimize(objective, s0, jac=True, method="TNC", bounds=bounds) for s0 in starts),
               key=lambda r: r.fun)
    m, s = float(best.x[0]), float(np.exp(best.x[1]))
    return m, s, kl(x, stats.norm.pdf(x, m, s), p)


# ----------------------------------------------------------------------------------------------------------
# Proposition 2: gradient descent on C(G) over non-parametric p_g
# ----------------------------------------------------------------------------------------------------------
def prop2_step(x, p_data, p_g, lr: float = 0.5) -> np.ndarray:
    """One mirror-descent (exponentiated-gradient) step on C(G) over densities p_g on the grid.

    The functional gradient of C(p_g) = ∫ p_data log(p_data/(p_data+p_g)) + p_g log(p_g/(p_data+p_g)) is
    δC/δp_g(x) = log(p_g/(p_data+p_g)) = log(1 − D*(x)). The step p_g ← p_g·exp(−lr·δC/δp_g), renormalised,
    i.e. p_g ∝ p_g^(1−lr)·(p_data+p_g)^lr, stays a density and converges to p_data for 0 < lr ≤ 1
    (Goodfellow et al. 2014, Prop. 2: with D at its optimum, improving C moves p_g to p_data).
    """
    if not 0 < lr <= 1:
        raise ValueError(f"The step size must lie in (0, 1] (got {lr}).")
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p_data, "p_data"), _normalise(x, p_g, "p_g")
    return _normalise(x, q ** (1 - lr) * (p + q) ** lr, "p_g")


def prop2_path(x, p_data, p_g0, lr: float = 0.5, steps: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Run ``steps`` prop2_step's; returns (p_g path of shape (steps+1, n), C(G) per step → −log 4)."""
    x = np.asarray(x, dtype=np.float64)
    path = [_normalise(x, p_g0, "p_g")]
    for _ in range(int(steps)):
        path.append(prop2_step(x, p_data, path[-1], lr))
    return np.stack(path), np.array([c_of_g(x, p_data, q) for q in path])


# ----------------------------------------------------------------------------------------------------------
# Generators for the "noise → data" page
# ----------------------------------------------------------------------------------------------------------
#: Non-monotone example maps f(z) (used as G(z) = a·f(z) + b): several z share one x, so p_g sums preimages.
EXAMPLE_MAPS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "z²  (fold: two preimages)": lambda z: z**2,
    "2·sin(2z)  (many preimages)": lambda z: 2 * np.sin(2 * z),
    "z³ − 3z  (S-curve: up to three)": lambda z: z**3 - 3 * z,
}


def numpy_map(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[[np.ndarray], np.ndarray]:
    """Wrap a torch map (N, 1) → (N, 1), e.g. Trainer.generate, as a numpy map of 1-D float64 arrays."""
    def G(z: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            out = fn(torch.from_numpy(np.asarray(z, dtype=np.float32).reshape(-1, 1)))
        return out.double().numpy().reshape(-1)
    return G


def curve_z(prior: str = "normal", n: int = 801) -> np.ndarray:
    """z-values for drawing the curve x = G(z): [−4, 4] for N(0, 1) (all but 6e-5 of the mass), [−1, 1] for U."""
    _check_prior(prior)
    return np.linspace(-4.0, 4.0, n) if prior == "normal" else np.linspace(-1.0, 1.0, n)


def generator_views(G: Callable[[np.ndarray], np.ndarray], x, prior: str, z_samples, p_data=None,
                    n_z: int = 200_001, n_curve: int = 801) -> dict:
    """Everything the three generator views need: the curve x = G(z), G on the sample z's, the exact p_g on x,
    the mass of p_g on the grid, and (given p_data) KL(p_data‖p_g), JSD and W1 between p_data and p_g."""
    x = np.asarray(x, dtype=np.float64)
    z_curve = curve_z(prior, n_curve)
    z_samples = np.asarray(z_samples, dtype=np.float64)
    out = {"z_curve": z_curve, "g_curve": np.asarray(G(z_curve), dtype=np.float64), "z_samples": z_samples,
           "g_samples": np.asarray(G(z_samples), dtype=np.float64)}
    p_g = pushforward_density(G, x, prior, n_z)
    out["p_g"], out["mass"] = p_g, float(np.sum(p_g) * (x[1] - x[0]))
    if p_data is not None:
        if out["mass"] < 1e-9:
            out.update(kl=np.inf, jsd=LOG2, w1=np.nan)
        else:
            out.update(kl=kl(x, p_data, p_g), jsd=jsd(x, p_data, p_g), w1=w1(x, p_data, p_g))
    return out


def plot_grid(target: Density, G: Callable[[np.ndarray], np.ndarray] | None = None, prior: str = "normal",
              n: int = 2001, max_width: float = 80.0) -> np.ndarray:
    """A grid covering target.support() and G's values on the central prior mass (|z| ≤ 3.5 or U(−1, 1)),
    at most ``max_width`` wide around the target (mass of p_g beyond it is reported, not plotted)."""
    lo, hi = target.support()
    if G is not None:
        z = np.linspace(-3.5, 3.5, 701) if prior == "normal" else np.linspace(-1, 1, 201)
        g = np.asarray(G(z), dtype=np.float64)
        g = g[np.isfinite(g)]
        if g.size:
            pad = 0.05 * (max(hi, g.max()) - min(lo, g.min()))
            lo, hi = min(lo, g.min() - pad), max(hi, g.max() + pad)
    centre = 0.5 * sum(target.support())
    lo, hi = max(lo, centre - max_width / 2), min(hi, centre + max_width / 2)
    return make_grid(lo, hi, n)


class PushforwardMetric:
    """Trainer metric: JSD and W1 between p_data and the exact pushforward of the trainer's generator.

    Call as ``trainer.add_metric("divergence", PushforwardMetric(x, p_data, prior), every)``.
    """

    def __init__(self, x, p_data, prior: str = "normal", n_z: int = 5001):
        self.x, self.p_data, self.prior, self.n_z = np.asarray(x, dtype=np.float64), np.asarray(p_data), prior, n_z

    def __call__(self, trainer) -> dict[str, float]:
        p_g = pushforward_density(numpy_map(trainer.generate), self.x, self.prior, self.n_z)
        if not np.sum(p_g) > 0:
            return {"jsd": LOG2}
        return {"jsd": jsd(self.x, self.p_data, p_g), "w1": w1(self.x, self.p_data, p_g)}
