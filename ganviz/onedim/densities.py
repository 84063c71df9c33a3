"""1-D target densities for the theory pages: Gaussian, mixture, uniform, skew-normal, affine images, a KDE of a
user's samples, and the parser for that user's CSV. Each has pdf, cdf, ppf, seeded inverse-CDF sampling and a
plotting range; silent adjustments (a clamped σ) are listed in ``notes`` for the page to show.
"""
from __future__ import annotations

import re

import numpy as np
import torch
from scipy import special, stats
from scipy.signal import fftconvolve

SIGMA_MIN = 1e-3  # narrower Gaussians cannot be resolved on a plotting grid; σ is clamped up to this
_PPF_TABLE = 20001


def trapz(y: np.ndarray, x: np.ndarray) -> float:
    """∫ y dx by the trapezoid rule."""
    return float(np.trapezoid(y, x))


def cumtrapz(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Running ∫ y dx (trapezoid), starting at 0."""
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
        parts = zip(self.weights, self.mus, self.sigmas, strict=True)
        return " + ".join(f"{w:.2g}·N({m:g}, {s:g}²)" for w, m, s in parts if w > 0)

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
        dens /= trapz(dens, grid)
        self._grid, self._dens = grid, dens
        self._cum = cumtrapz(dens, grid)

    @property
    def label(self) -> str:
        return f"KDE of {self.n:,} samples (h = {self.h:.3g})"

    def pdf(self, x):
        return np.interp(x, self._grid, self._dens, left=0.0, right=0.0)

    def cdf(self, x):
        return np.interp(x, self._grid, self._cum, left=0.0, right=1.0)

    def support(self):
        return (float(self._grid[0]), float(self._grid[-1]))


def _first_field(line: str) -> str:
    return re.split(r"[,;\t ]", line.strip(), maxsplit=1)[0]


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


MAX_ABS_VALUE = 1e18  # |x| beyond which x² overflows float32 (3.4e38)


def parse_samples_csv(data: bytes | str, max_rows: int = 1_000_000, max_bytes: int = 32 * 2**20,
                      notes: list[str] | None = None) -> np.ndarray:
    """Parse a user's CSV of 1-D samples (first column; one optional header line) into a float64 array.

    Caps instead of hanging: only the first ``max_bytes`` bytes and the first ``max_rows`` rows are read.
    NaN/inf entries are dropped. Every such adjustment appends one sentence to ``notes`` (if given).
    Raises ValueError with one sentence for empty files, non-UTF-8 bytes, text in a data row, fewer than 2
    finite values, values beyond ±MAX_ABS_VALUE, or values that are all equal.
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
    fields = [_first_field(ln) for ln in text.splitlines() if ln.strip()]
    if not fields:
        raise ValueError("The file is empty; upload a CSV with one number per line.")
    header = not _is_number(fields[0])
    if header:
        notes.append(f"Skipped the header {fields[0][:30]!r}.")
        fields = fields[1:]
    if len(fields) > max_rows:
        notes.append(f"Used the first {max_rows:,} of {len(fields):,} rows.")
        fields = fields[:max_rows]
    try:
        x = np.array(fields, dtype=np.float64)
    except ValueError:
        first = next(f for f in fields if not _is_number(f))
        line = next(i for i, ln in enumerate(text.splitlines(), 1)
                    if ln.strip() and _first_field(ln) == first and i > (1 if header else 0))
        raise ValueError(f"Line {line} is not a number: {first[:30]!r}.") from None
    bad = ~np.isfinite(x)
    if bad.any():
        notes.append(f"Dropped {int(bad.sum()):,} NaN or infinite values.")
        x = x[~bad]
    if x.size and np.abs(x).max() > MAX_ABS_VALUE:
        big = float(x[np.argmax(np.abs(x) > MAX_ABS_VALUE)])
        raise ValueError(f"The first column holds {big:.3g}; values must lie within ±{MAX_ABS_VALUE:.0e}, or their "
                         "squares overflow float32 training.")
    if x.size < 2:
        raise ValueError(f"The file holds {x.size} usable number(s); a density needs at least 2.")
    if np.all(x == x[0]):
        raise ValueError(f"All values are equal ({x[0]:g}); a density needs some spread.")
    return x
