"""2-D toy distributions for the playground and the mode-collapse benchmark, and their mode metrics.

Every dataset is a sampler ``sample(n, generator) -> Tensor (n, 2)`` driven by a seeded
``torch.Generator`` (same seed, same points). Mixtures of Gaussians also expose their mode
``centres`` and ``sigma`` so that mode coverage can be measured:

- ring-8: 8 Gaussians at radius 2, angles 2πk/8, k = 0..7, σ = 0.02 (VEEGAN / PacGAN / GDPP).
- grid-25: 25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05 (VEEGAN / PacGAN / GDPP).
"""

from __future__ import annotations

import csv
import io
import math
from array import array
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch

from ganviz.safety import UploadError

MAX_CSV_ROWS = 1_000_000
MAX_ABS_VALUE = 1e18  # |x| beyond which x² overflows float32 (3.4e38) in a loss or a gradient penalty
MAX_CSV_BYTES = 32 * 1024 * 1024
CSV_BOX = 4.0  # user points are rescaled so that the largest |coordinate| equals this
HQ_SIGMAS = 3.0  # a high-quality sample lies within 3σ of its nearest mode (VEEGAN)
STRICT_SHARE = 0.01  # stricter coverage: a mode needs ≥ 1 % of all samples as HQ samples


@dataclass(frozen=True)
class Toy2D:
    """A 2-D distribution: ``sample(n, generator)`` draws n points as a float32 (n, 2) tensor.

    ``centres`` (K, 2) and ``sigma`` are set for equal-weight isotropic Gaussian mixtures, None otherwise.
    ``extent`` is a square plotting window (lo, hi) that holds the data with a margin.
    """

    name: str
    label: str
    story: str
    sampler: Callable[[int, torch.Generator], torch.Tensor] = field(repr=False)
    extent: tuple[float, float]
    centres: np.ndarray | None = field(default=None, repr=False)
    sigma: float | None = None

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if n < 0:
            raise ValueError("The number of samples must be zero or more.")
        return self.sampler(int(n), generator)

    @property
    def has_modes(self) -> bool:
        return self.centres is not None and self.sigma is not None


def gaussian_mixture(name: str, label: str, story: str, centres: np.ndarray, sigma: float,
                     extent: tuple[float, float]) -> Toy2D:
    """Equal-weight mixture p(x) = (1/K) Σ_k N(x; μ_k, σ² I)."""
    centres = np.asarray(centres, dtype=np.float64)
    sample = _MixtureSampler(torch.as_tensor(centres, dtype=torch.float32), float(sigma))
    return Toy2D(name, label, story, sample, extent, centres, float(sigma))


# The samplers are module-level classes, not closures, so a dataset pickles into a training worker process.
class _MixtureSampler:
    def __init__(self, mu: torch.Tensor, sigma: float):
        self.mu, self.sigma = mu, sigma

    def __call__(self, n: int, generator: torch.Generator) -> torch.Tensor:
        k = torch.randint(len(self.mu), (n,), generator=generator)
        return self.mu[k] + self.sigma * torch.randn(n, 2, generator=generator)


class _SpiralSampler:
    def __init__(self, noise: float):
        self.noise = noise

    def __call__(self, n: int, generator: torch.Generator) -> torch.Tensor:
        theta = 3 * math.pi * torch.rand(n, generator=generator).sqrt()
        r = 0.5 + theta / math.pi
        x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)
        return x + self.noise * torch.randn(n, 2, generator=generator)


class _MoonsSampler:
    def __init__(self, noise: float):
        self.noise = noise

    def __call__(self, n: int, generator: torch.Generator) -> torch.Tensor:
        theta = math.pi * torch.rand(n, generator=generator)
        upper = torch.rand(n, generator=generator) < 0.5
        x = torch.where(upper, torch.cos(theta), 1 - torch.cos(theta))
        y = torch.where(upper, torch.sin(theta), 0.5 - torch.sin(theta))
        pts = 2 * torch.stack([x - 0.5, y - 0.25], dim=1)
        return pts + self.noise * torch.randn(n, 2, generator=generator)


class _PointsSampler:
    def __init__(self, data: torch.Tensor):
        self.data = data

    def __call__(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return self.data[torch.randint(len(self.data), (n,), generator=generator)]


def ring8() -> Toy2D:
    """Ring-8: 8 Gaussians at radius 2, angles 2πk/8 for k = 0..7, σ = 0.02 (VEEGAN, Srivastava et al. 2017)."""
    angles = 2 * np.pi * np.arange(8) / 8  # not linspace(0, 2π, 8): that repeats the mode at angle 0
    centres = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return gaussian_mixture("ring-8", "Ring of 8 Gaussians",
                            "8 tight modes on a circle: the classic mode-collapse test.", centres, 0.02, (-3.0, 3.0))


def grid25() -> Toy2D:
    """Grid-25: 25 Gaussians at {−4, −2, 0, 2, 4}², σ = 0.05 (VEEGAN, Srivastava et al. 2017)."""
    ticks = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    centres = np.array([(x, y) for x in ticks for y in ticks])
    return gaussian_mixture("grid-25", "Grid of 25 Gaussians",
                            "25 modes on a 5×5 grid: harder, the generator must split its noise 25 ways.",
                            centres, 0.05, (-5.5, 5.5))


def two_gaussians() -> Toy2D:
    """Two Gaussians at (±2, 0), σ = 0.4: the smallest multimodal target."""
    return gaussian_mixture("two-gaussians", "Two Gaussians",
                            "Two separated blobs: a single connected generator must stretch across the gap.",
                            np.array([[-2.0, 0.0], [2.0, 0.0]]), 0.4, (-4.0, 4.0))


def spiral(noise: float = 0.05) -> Toy2D:
    """Archimedean spiral of 1.5 turns: θ = 3π·√u, r = 0.5 + θ/π, u ~ U(0, 1), plus N(0, noise²) jitter."""
    return Toy2D("spiral", "Spiral", "A thin curved 1-D manifold: G must bend its noise along it.",
                 _SpiralSampler(noise),
                 (-4.5, 4.5))


def two_moons(noise: float = 0.05) -> Toy2D:
    """Two interleaved half circles (scikit-learn's make_moons, scaled ×2 and centred), plus jitter."""
    return Toy2D("two-moons", "Two moons", "Two interlocking crescents: disconnected and curved.", _MoonsSampler(noise),
                 (-4.0, 4.0))


DATASETS: dict[str, Callable[[], Toy2D]] = {
    "ring-8": ring8,
    "grid-25": grid25,
    "spiral": spiral,
    "two-moons": two_moons,
    "two-gaussians": two_gaussians,
}


def point_cloud(points: np.ndarray, name: str = "csv", label: str = "Your CSV points") -> Toy2D:
    """Empirical distribution of given points, drawn with replacement.

    Points are centred on their mean and scaled so that the largest |coordinate| is CSV_BOX (4), the
    range the default nets are tuned for.
    """
    pts = np.asarray(points, dtype=np.float64)
    pts = pts - pts.mean(axis=0)
    scale = np.abs(pts).max()
    if scale > 0:
        pts = pts * (CSV_BOX / scale)
    sample = _PointsSampler(torch.as_tensor(pts, dtype=torch.float32))
    return Toy2D(name, label, f"{len(pts):,} points from your file (centred, scaled to ±{CSV_BOX:g}).", sample,
                 (-CSV_BOX - 1.0, CSV_BOX + 1.0))


def parse_points_csv(data: bytes | str, max_rows: int = MAX_CSV_ROWS, max_bytes: int = MAX_CSV_BYTES) -> np.ndarray:
    """Parse a CSV of 2-D points (x, y per row; one optional header line) into a float64 (n, 2) array.

    Streams the rows (decoding as it reads) and stops at the first row past ``max_rows``, so memory stays
    near the file size plus 16 bytes per point. Raises ValueError with one sentence for: binary / non-UTF-8
    data, an empty file, too many bytes or rows, a row without exactly 2 columns, a value that is not a
    number, NaN or infinity, or |value| > MAX_ABS_VALUE (the message names the column).
    """
    if isinstance(data, bytes):
        if len(data) > max_bytes:
            raise UploadError(f"The file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB.")
        if b"\x00" in data:
            raise UploadError("The file is not a text CSV file (it contains binary data).")
        stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    else:
        stream = io.StringIO(data, newline="")
    values = array("d")
    n = 0
    first = True
    header = False
    names = ("x", "y")
    try:
        for row in csv.reader(stream):
            if not any(c.strip() for c in row):
                continue
            if first:  # one header line is allowed
                first = False
                if not _is_number(row[0].strip()):
                    header = True
                    if len(row) == 2 and all(c.strip() for c in row):
                        names = tuple(c.strip()[:20] for c in row)
                    continue
            n += 1
            if n > max_rows:
                raise UploadError(f"The CSV has more than {max_rows:,} rows; the limit is {max_rows:,} rows.")
            if len(row) != 2:
                raise UploadError(f"Data row {n} has {len(row)} columns; each row must be exactly two numbers x, y.")
            for cell in row:
                try:
                    values.append(float(cell.strip()))
                except ValueError:
                    raise UploadError(f"Data row {n} has a value that is not a number: "
                                      f"{cell.strip()[:20]!r}.") from None
    except UnicodeDecodeError:
        raise UploadError("The file is not a UTF-8 text CSV file.") from None
    if n == 0:
        raise UploadError("The CSV file has a header but no data rows." if header else
                         "The CSV file is empty: it needs rows of two numbers x, y.")
    points = np.frombuffer(values, dtype=np.float64).reshape(-1, 2).copy()
    for j, name in enumerate(names):
        col = points[:, j]
        if not np.isfinite(col).all():
            bad = int(np.flatnonzero(~np.isfinite(col))[0]) + 1
            raise UploadError(f"Column {name!r} holds NaN or infinity (data row {bad}); every value must be a "
                              "finite number.")
        if np.abs(col).max() > MAX_ABS_VALUE:
            bad = int(np.flatnonzero(np.abs(col) > MAX_ABS_VALUE)[0]) + 1
            raise UploadError(f"Column {name!r} holds {col[bad - 1]:.3g} (data row {bad}); values must lie within "
                              f"±{MAX_ABS_VALUE:.0e}, or their squares overflow float32 training.")
    if len(points) < 2:
        raise UploadError("The CSV needs at least 2 points.")
    return points


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def load_points_csv(data: bytes | str, max_rows: int = MAX_CSV_ROWS) -> Toy2D:
    """A Toy2D dataset from a user's CSV (validated by parse_points_csv)."""
    return point_cloud(parse_points_csv(data, max_rows=max_rows))


# ----------------------------------------------------------------------------------------------------------
# Mode metrics (VEEGAN, Srivastava et al. 2017 §5; PacGAN, Lin et al. 2018 §5)


def nearest_mode(samples: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each sample's nearest mode centre and the Euclidean distance to it."""
    x = np.asarray(samples, dtype=np.float64)
    c = np.asarray(centres, dtype=np.float64)
    d2 = ((x[:, None, :] - c[None, :, :]) ** 2).sum(axis=-1)
    idx = d2.argmin(axis=1)
    return idx, np.sqrt(d2[np.arange(len(x)), idx])


def mode_metrics(samples, centres, sigma: float, strict_share: float = STRICT_SHARE) -> dict[str, float]:
    """Mode coverage and sample quality of generated points against a Gaussian mixture's modes.

    - hq_fraction: share of samples within 3σ of their nearest mode ("high quality", VEEGAN).
    - modes_covered: modes that are the nearest mode of ≥ 1 HQ sample (the published definition).
    - modes_covered_strict: modes holding ≥ strict_share (1 %) of all samples as HQ samples.
    - reverse_kl: KL(q ‖ uniform) = Σ_k q_k log(K q_k), q_k = share of ALL samples whose nearest mode is k
      (PacGAN §5: every sample is assigned to its nearest mode, HQ or not). 0 when the samples
      spread evenly over the modes, log K when they all sit at one mode.
    Non-finite samples count as low quality and are left out of q; at least one must be finite.
    """
    x = np.asarray(samples, dtype=np.float64).reshape(-1, 2)
    c = np.asarray(centres, dtype=np.float64).reshape(-1, 2)
    if len(x) == 0:
        raise ValueError("Mode metrics need at least one sample.")
    finite = np.isfinite(x).all(axis=1)
    if not finite.any():
        raise ValueError("Mode metrics need finite samples; the generator produced only NaN or infinity.")
    n, k = len(x), len(c)
    idx, dist = nearest_mode(x[finite], c)
    hq = dist <= HQ_SIGMAS * sigma
    hq_counts = np.bincount(idx[hq], minlength=k)
    q = np.bincount(idx, minlength=k) / len(idx)
    nz = q > 0
    return {
        "modes_covered": int((hq_counts > 0).sum()),
        "modes_covered_strict": int((hq_counts >= strict_share * n).sum()),
        "hq_fraction": float(hq.sum() / n),
        "reverse_kl": float(max(0.0, (q[nz] * np.log(q[nz] * k)).sum())),
        "n_modes": k,
    }


def sample_spread(samples) -> float:
    """RMS distance of the samples to their mean, sqrt(E‖x − E x‖²): it falls towards 0 when G collapses."""
    x = np.asarray(samples, dtype=np.float64).reshape(-1, 2)
    x = x[np.isfinite(x).all(axis=1)]
    if len(x) == 0:
        return 0.0
    return float(np.sqrt(((x - x.mean(axis=0)) ** 2).sum(axis=1).mean()))


def diversity(fake, real) -> float:
    """Mean per-coordinate standard deviation of the fakes over that of the real data (1 ≈ same spread,
    → 0 when G collapses); the ``diversity`` series the mode-collapse detector (ganviz.engine.monitor) reads."""
    f = np.asarray(fake, dtype=np.float64).reshape(-1, 2)
    f = f[np.isfinite(f).all(axis=1)]
    r = np.asarray(real, dtype=np.float64).reshape(-1, 2)
    ref = r.std(axis=0).mean()
    if len(f) < 2 or ref == 0:
        return 0.0
    return float(f.std(axis=0).mean() / ref)
