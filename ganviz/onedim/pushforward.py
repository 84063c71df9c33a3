"""Exact pushforward p_g = G#p_z for the Generator page's closed-form maps, and KL, JSD, W1 to a target.

G(z) = a·f(z) + b with f(z) = z, z², 2·sin(2z) or z³ − 3z and p_z = N(0, 1) or U(−1, 1). The z-line is cut at
the critical points of f into monotone pieces; on each piece the inverse f⁻¹ is a closed form, so
p_g(x) = Σ_pieces p_z(z_i)/|a·f′(z_i)| (change of variables over every preimage z_i, Goodfellow et al. 2014
§3 for p_g = G#p_z) and F_g(x) = Σ_pieces P_z(z in the piece, G(z) ≤ x) are exact, the latter from Φ in the
left tail and the survival function in the right tail, so nothing cancels.

The divergences are integrals over x by composite 16-point Gauss–Legendre on panels whose ends are every
place the integrands are not smooth or change scale: the images G(z_k) of a z-grid (so the panels follow
where p_g's mass is), each target component's μ ± kσ (or its edges), the edges of G's range and the folds
G(critical z) with panels shrinking geometrically towards them (p_g ~ 1/√|x − fold| there), and for W1 the
points where F_data = F_g. Densities enter as logs (no underflow in the tails), so KL is ∞ only where it is:
p_data has mass outside the closure of G's range, or p_g is a point mass.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ganviz.onedim.densities import KDE, Density, Gaussian, Mixture, Skewed, Uniform

LOG2 = float(np.log(2.0))
MAPS = ("identity", "square", "sine", "cubic")
_Z_MAX = 12.0  # N(0,1) mass beyond ±12 is 3.6e-33
_Z_SINE = 9.0  # sine: pieces (of width π/2) cover |z| ≤ 9; N(0,1) mass beyond is 2e-19
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


def interval_mass(z0, z1, prior: str) -> np.ndarray:
    """P_z(z0 ≤ z ≤ z1) for z0 ≤ z1: Φ(z1) − Φ(z0) left of 0, Φ̄(z0) − Φ̄(z1) right of 0 (no cancellation)."""
    z0, z1 = np.asarray(z0, dtype=np.float64), np.asarray(z1, dtype=np.float64)
    if prior == "uniform":
        return np.clip((np.clip(z1, -1, 1) - np.clip(z0, -1, 1)) / 2, 0.0, None)
    right = z0 >= 0
    m = np.where(right, special.ndtr(-z0) - special.ndtr(-z1), special.ndtr(z1) - special.ndtr(z0))
    return np.clip(m, 0.0, None)


@dataclass(frozen=True)
class _Piece:
    z0: float
    z1: float
    inc: bool  # f increasing on [z0, z1]
    c: int  # sine: the centre jπ/2 of the piece


class Pushforward:
    """Law of G(z) = a·f(z) + b for z ~ p_z, f one of MAPS. a = 0 is a point mass at b."""

    def __init__(self, f: str, a: float, b: float, prior: str = "normal"):
        if f not in MAPS:
            raise ValueError(f"Unknown map {f!r}.")
        if prior not in ("normal", "uniform"):
            raise ValueError(f"Unknown prior {prior!r}; use 'normal' or 'uniform'.")
        self.f, self.a, self.b, self.prior = f, float(a), float(b), prior
        self.point = self.a == 0
        lo, hi = (-np.inf, np.inf) if prior == "normal" else (-1.0, 1.0)
        crit = {"identity": [], "square": [0.0], "cubic": [-1.0, 1.0]}.get(f)
        if f == "sine":
            k = np.arange(-12, 13)
            crit = list(np.pi / 4 + k * np.pi / 2)
        crit = [c for c in crit if lo < c < hi]
        zlo, zhi = (-_Z_SINE, _Z_SINE) if (f == "sine" and prior == "normal") else (lo, hi)
        ends = [zlo, *[c for c in crit if zlo < c < zhi], zhi]
        self.pieces = []
        for z0, z1 in zip(ends[:-1], ends[1:], strict=True):
            mid = 0.5 * (z0 + z1) if np.isfinite(z0 + z1) else (z1 - 1 if np.isfinite(z1) else z0 + 1)
            c = int(np.round(2 * mid / np.pi)) if f == "sine" else 0
            inc = bool(self._fp(np.array([mid]), c)[0] > 0)
            self.pieces.append(_Piece(z0, z1, inc, c))
        self.folds = sorted({float(self.G(np.array([z]))[0]) for z in crit}) if not self.point else []
        vals = [v for p in self.pieces for v in (self._f_end(p.z0), self._f_end(p.z1))]
        flo, fhi = min(vals), max(vals)
        g = sorted((self.a * flo + self.b, self.a * fhi + self.b)) if not self.point else [self.b, self.b]
        self.range = (float(g[0]), float(g[1]))  # closure of G's range

    # -- f, f′, inverses (y = (x − b)/a) -----------------------------------------------------------------
    def _f(self, z):
        return {"identity": lambda: z, "square": lambda: z**2, "sine": lambda: 2 * np.sin(2 * z),
                "cubic": lambda: z**3 - 3 * z}[self.f]()

    def _fp(self, z, c=0):
        return {"identity": lambda: np.ones_like(z), "square": lambda: 2 * z, "sine": lambda: 4 * np.cos(2 * z),
                "cubic": lambda: 3 * z**2 - 3}[self.f]()

    def _f_end(self, z):
        if np.isfinite(z):
            return float(self._f(np.array([z]))[0])
        if self.f == "square":
            return np.inf
        return float(np.sign(z) * np.inf)

    def G(self, z):
        return self.a * self._f(np.asarray(z, dtype=np.float64)) + self.b

    def _inverse(self, p: _Piece, y):
        """The z in piece p with f(z) = y (y clipped to the piece's image), and log|f′(z)| there."""
        f0, f1 = self._f_end(p.z0), self._f_end(p.z1)
        y = np.clip(y, min(f0, f1), max(f0, f1))
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.f == "identity":
                z, lfp = y, np.zeros_like(y)
            elif self.f == "square":
                r = np.sqrt(y)
                z, lfp = (r if p.inc else -r), np.log(2 * r)
            elif self.f == "sine":
                s = np.clip(y / 2, -1, 1)
                sign = 1 if p.c % 2 == 0 else -1
                z = p.c * np.pi / 2 + 0.5 * np.arcsin(sign * s)
                lfp = np.log(4 * np.sqrt((1 - s) * (1 + s)))
            else:  # z³ − 3z: trigonometric roots on |y| ≤ 2 (Viète), Cardano outside
                if p.inc:
                    sgn = 1.0 if p.z0 >= 1 else -1.0  # [1, ∞) or (−∞, −1] (odd symmetry)
                    t = sgn * y
                    big = t > 2
                    th = np.arccos(np.clip(t / 2, -1, 1))
                    u = np.cbrt((t + np.sqrt(np.where(big, t * t - 4, 0.0))) / 2)
                    z = sgn * np.where(big, u + 1 / np.where(big, u, 1.0), 2 * np.cos(th / 3))
                else:
                    th = np.arccos(np.clip(y / 2, -1, 1))
                    z = 2 * np.cos(th / 3 - 2 * np.pi / 3)
                lfp = np.log(3 * np.abs((z - 1) * (z + 1)))
        return np.clip(z, p.z0, p.z1), lfp

    # -- density and distribution ------------------------------------------------------------------------
    def logpdf(self, x) -> np.ndarray:
        """log p_g(x) = logsumexp over preimages of log p_z(z_i) − log|a·f′(z_i)| (−inf off G's range)."""
        x = np.asarray(x, dtype=np.float64)
        if self.point:
            return np.where(x == self.b, np.inf, -np.inf)
        y = (x - self.b) / self.a
        terms = []
        for p in self.pieces:
            f0, f1 = self._f_end(p.z0), self._f_end(p.z1)
            inside = (y >= min(f0, f1)) & (y <= max(f0, f1))
            z, lfp = self._inverse(p, y)
            lpz = stats.norm.logpdf(z) if self.prior == "normal" else np.full_like(z, -LOG2)
            terms.append(np.where(inside, lpz - lfp, -np.inf))
        with np.errstate(divide="ignore"):
            return special.logsumexp(np.stack(terms), axis=0) - np.log(abs(self.a))

    def _below(self, y, below: bool) -> np.ndarray:
        """P(f(z) ≤ y) (below) or P(f(z) ≥ y), summed over pieces."""
        out = np.zeros_like(y)
        for p in self.pieces:
            r, _ = self._inverse(p, y)
            low = p.inc == below  # the set is [z0, r] when f increases and we want f ≤ y
            out = out + (interval_mass(p.z0, r, self.prior) if low else interval_mass(r, p.z1, self.prior))
        return out

    def cdf(self, x) -> np.ndarray:
        """F_g(x) = P(G(z) ≤ x)."""
        x = np.asarray(x, dtype=np.float64)
        if self.point:
            return (x >= self.b).astype(np.float64)
        y = (x - self.b) / self.a
        return self._below(y, True) if self.a > 0 else self._below(y, False)

    def sf(self, x) -> np.ndarray:
        """1 − F_g(x) = P(G(z) > x), without forming 1 − F_g."""
        x = np.asarray(x, dtype=np.float64)
        if self.point:
            return (x < self.b).astype(np.float64)
        y = (x - self.b) / self.a
        return self._below(y, False) if self.a > 0 else self._below(y, True)

    def mass_in(self, lo: float, hi: float) -> float:
        """P(lo ≤ G(z) ≤ hi) = 1 − F_g(lo) − (1 − F_g(hi)), each tail from its own side."""
        return float(np.clip(1.0 - self.cdf(np.array([lo]))[0] - self.sf(np.array([hi]))[0], 0.0, 1.0))

    def breakpoints(self) -> np.ndarray:
        """Images of a z-grid (step 0.25 over the prior's mass), G's range ends, and the folds."""
        zlo, zhi = (-_Z_MAX, _Z_MAX) if self.prior == "normal" else (-1.0, 1.0)
        z = np.linspace(zlo, zhi, int(round((zhi - zlo) / 0.25)) + 1)
        pts = [self.G(z), [v for v in self.range if np.isfinite(v)], self.folds]
        return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in pts])


# ----------------------------------------------------------------------------------------------------------
# Target densities in log form, with their breakpoints
# ----------------------------------------------------------------------------------------------------------
def target_logpdf(target: Density, x) -> np.ndarray:
    """log p_data(x), exact for the analytic targets (−inf where p_data = 0)."""
    x = np.asarray(x, dtype=np.float64)
    if isinstance(target, Gaussian):
        return stats.norm.logpdf(x, target.mu, target.sigma)
    if isinstance(target, Mixture):
        on = target.weights > 0
        lp = stats.norm.logpdf(x[..., None], target.mus[on], target.sigmas[on])
        return special.logsumexp(lp, b=target.weights[on], axis=-1)
    if isinstance(target, Skewed):
        return stats.skewnorm.logpdf(x, target.alpha, target.loc, target.scale)
    with np.errstate(divide="ignore"):
        return np.log(target.pdf(x))


def target_support(target: Density) -> tuple[float, float]:
    """Closure of {p_data > 0}."""
    if isinstance(target, Uniform):
        return target.a, target.b
    if isinstance(target, KDE):
        return target.support()
    return -np.inf, np.inf


def target_breakpoints(target: Density) -> np.ndarray:
    """Panel ends that resolve p_data: μ + kσ (k = −12…12) per component, edges for U, a fine lattice else."""
    if isinstance(target, Gaussian):
        return target.mu + target.sigma * np.arange(-12, 13)
    if isinstance(target, Mixture):
        on = target.weights > 0
        return (target.mus[on, None] + target.sigmas[on, None] * np.arange(-12, 13)).ravel()
    if isinstance(target, Uniform):
        return np.linspace(target.a, target.b, 9)
    if isinstance(target, Skewed):
        return target.loc + target.scale * np.arange(-12, 12.01, 0.25)
    lo, hi = target.support()
    return np.linspace(lo, hi, 801)


# ----------------------------------------------------------------------------------------------------------
# Quadrature and the three numbers
# ----------------------------------------------------------------------------------------------------------
def _graded(points) -> np.ndarray:
    """Each point e ± 4^(−j), j = 0…20, down to ~1e-12·max(1, |e|): panels shrink geometrically towards a
    singularity of p_g (1/√|x − e| at a fold); the few 1e-6 of p_g's mass closer to e are added analytically."""
    out = []
    for e in np.asarray(points, dtype=np.float64):
        d = 4.0 ** -np.arange(21)
        d = d[d >= 1e-12 * max(1.0, abs(e))]
        out.append(np.concatenate([e - d, e + d]))
    return np.concatenate(out) if out else np.zeros(0)


def _nodes(breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """16-point Gauss–Legendre nodes and weights on every panel between consecutive distinct breaks."""
    e = np.unique(breaks[np.isfinite(breaks)])
    lo, hi = e[:-1], e[1:]
    keep = hi - lo > 1e-13 * np.maximum(1.0, np.abs(lo))  # no panels inside round-off (e.g. at a fold)
    lo, hi = lo[keep], hi[keep]
    half, mid = (hi - lo) / 2, (hi + lo) / 2
    return (mid[:, None] + half[:, None] * _GL_X).ravel(), (half[:, None] * _GL_W).ravel()


def _crossings(x: np.ndarray, diff, h: np.ndarray) -> np.ndarray:
    """Roots of diff between consecutive sorted x where h changes sign: 8 vectorised Illinois (regula falsi)
    steps; the brackets are one Gauss node apart and diff is smooth there, so this converges to round-off."""
    i = np.flatnonzero(np.sign(h[:-1]) * np.sign(h[1:]) < 0)
    a, b, ha, hb = x[i], x[i + 1], h[i], h[i + 1]
    for _ in range(8):
        if not a.size:
            break
        c = b - hb * (b - a) / (hb - ha)
        c = np.where(np.isfinite(c) & (c > a) & (c < b), c, 0.5 * (a + b))
        hc = diff(c)
        same = np.sign(hc) == np.sign(hb)  # root in [a, c]: keep a, halve its value (Illinois)
        a, ha = np.where(same, a, b), np.where(same, ha / 2, hb)
        b, hb = c, hc
        a, b, ha, hb = np.minimum(a, b), np.maximum(a, b), np.where(a < b, ha, hb), np.where(a < b, hb, ha)
    return b if not a.size else np.where(np.abs(hb) <= np.abs(ha), b, a)


@dataclass
class Metrics:
    kl: float
    jsd: float
    w1: float
    kl_reason: str  # why KL is ∞ ('' when finite)


def divergences(target: Density, pf: Pushforward) -> Metrics:
    """KL(p_data ‖ p_g), JSD(p_data ‖ p_g) (nats) and W1(p_data, p_g) = ∫|F_data − F_g| dx, see the module doc."""
    s_lo, s_hi = target_support(target)
    tb = target_breakpoints(target)
    tb = np.concatenate([tb, [v for v in (s_lo, s_hi) if np.isfinite(v)]])
    if pf.point:
        breaks = np.concatenate([tb, [pf.b]])
        span = (breaks.min() - 1, breaks.max() + 1)
        x, w = _nodes(np.concatenate([breaks, span]))
        w1 = float(np.sum(w * np.abs(target.cdf(x) - pf.cdf(x))))
        return Metrics(np.inf, LOG2, w1, f"p_g is a point mass at {pf.b:g}: it has no density where p_data has.")
    gb = pf.breakpoints()
    sing = np.concatenate([pf.folds, [v for v in pf.range if np.isfinite(v)]])
    base = np.concatenate([tb, gb])
    lo, hi = base.min(), base.max()
    graded = _graded(sing)
    breaks = np.concatenate([base, graded[(graded > lo) & (graded < hi)]])
    x, w = _nodes(breaks)
    lp, lq = target_logpdf(target, x), pf.logpdf(x)
    p, q = np.exp(lp), np.exp(lq)
    g_lo, g_hi = pf.range
    if s_lo < g_lo or s_hi > g_hi:
        kl = np.inf
        reach = (f"x ≥ {g_lo:.4g}" if not np.isfinite(g_hi) else f"x ≤ {g_hi:.4g}" if not np.isfinite(g_lo)
                 else f"[{g_lo:.4g}, {g_hi:.4g}]")
        reason = f"p_data has mass where p_g = 0 (G(z) only reaches {reach})."
    else:
        with np.errstate(invalid="ignore"):
            kl = float(max(np.sum(w * np.where(p > 0, p * (lp - lq), 0.0)), 0.0))
        reason = ""
    lm = np.logaddexp(lp, lq) - LOG2
    with np.errstate(invalid="ignore"):
        terms = np.where(p > 0, p * (lp - lm), 0.0) + np.where(q > 0, q * (lq - lm), 0.0)
    # p_g's mass the nodes miss sits within 1e-12 of a fold or an edge where p_g ~ 1/√|x − e| ≫ p_data, and
    # there q·log(q/m) → q·log 2
    missing = max(1.0 - float(np.sum(w * q)), 0.0)
    jsd = float(np.clip(0.5 * (np.sum(w * terms) + missing * LOG2), 0.0, LOG2))
    # W1: add the points where F_data = F_g as panel ends (|F_data − F_g| has a kink there)
    def diff(t):
        return target.cdf(t) - pf.cdf(t)
    h = diff(x)
    xw, ww = _nodes(np.concatenate([breaks, _crossings(x, diff, h)]))
    w1 = float(np.sum(ww * np.abs(diff(xw))))
    return Metrics(kl, jsd, w1, reason)
