"""Exact pushforward p_g = G#p_z for the Generator page's maps, and KL, JSD, W1 to a target.

:class:`Pushforward`: G(z) = a·f(z) + b with f(z) = z, z², 2·sin(2z) or z³ − 3z and p_z = N(0, 1) or U(−1, 1).
The z-line is cut at the critical points of f into monotone pieces; on each piece the inverse f⁻¹ is a closed
form. :class:`MLPPushforward`: the page's live MLP G, cut at its folds G′ = 0 (found on a z-grid, refined by
bisection), inverted by safeguarded Newton steps to round-off. Either way (:class:`MonotonePieces`)
p_g(x) = Σ_pieces p_z(z_i)/|G′(z_i)| (change of variables over every preimage z_i, Goodfellow et al. 2014
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
    inc: bool  # the piece's map (f for Pushforward, G for MLPPushforward) increases on [z0, z1]
    c: int = 0  # sine: the centre jπ/2 of the piece


class MonotonePieces:
    """The law of G(z), z ~ p_z, for a G whose z-line is cut into monotone pieces with exact inverses.

    A subclass sets ``prior``, ``pieces``, ``point`` (G constant), ``range`` (closure of G's range; (c, c) for a
    point mass at c) and ``folds`` (G at its critical points), and gives G (:meth:`G`), the inverse on a piece
    (:meth:`_preimage`) and whether G increases there (:meth:`_g_inc`). Then
    p_g(x) = Σ_pieces p_z(z_i)/|G′(z_i)| and F_g(x) = Σ_pieces P_z(z in the piece, G(z) ≤ x) (Goodfellow et al.
    2014 §3 for p_g = G#p_z), each prior mass from Φ or Φ̄ (:func:`interval_mass`), so nothing cancels.
    """

    prior: str
    pieces: list
    point: bool
    range: tuple
    folds: list

    def G(self, z) -> np.ndarray:
        raise NotImplementedError

    def _preimage(self, p: _Piece, x) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x in p's image, the z in p with G(z) = x clipped to p, log|G′(z)| there)."""
        raise NotImplementedError

    def _g_inc(self, p: _Piece) -> bool:
        return p.inc

    def _extra_breaks(self) -> list:
        return []

    def logpdf(self, x) -> np.ndarray:
        """log p_g(x) = logsumexp over preimages of log p_z(z_i) − log|G′(z_i)| (−inf off G's range)."""
        x = np.asarray(x, dtype=np.float64)
        if self.point:
            return np.where(x == self.range[0], np.inf, -np.inf)
        terms = [np.full_like(x, -np.inf)]
        for p in self.pieces:
            inside, z, lgp = self._preimage(p, x)
            lpz = stats.norm.logpdf(z) if self.prior == "normal" else np.full_like(z, -LOG2)
            terms.append(np.where(inside, lpz - lgp, -np.inf))
        with np.errstate(divide="ignore"):
            return special.logsumexp(np.stack(terms), axis=0)

    def _tail(self, x, below: bool) -> np.ndarray:
        """P(G(z) ≤ x) (below) or P(G(z) ≥ x), summed over pieces."""
        out = np.zeros_like(x)
        for p in self.pieces:
            _, r, _ = self._preimage(p, x)
            low = self._g_inc(p) == below  # the set is [z0, r] when G increases and we want G ≤ x
            out = out + (interval_mass(p.z0, r, self.prior) if low else interval_mass(r, p.z1, self.prior))
        return out

    def cdf(self, x) -> np.ndarray:
        """F_g(x) = P(G(z) ≤ x)."""
        x = np.asarray(x, dtype=np.float64)
        if self.point:
            return (x >= self.range[0]).astype(np.float64)
        return self._tail(x, True)

    def sf(self, x) -> np.ndarray:
        """1 − F_g(x) = P(G(z) > x), without forming 1 − F_g."""
        x = np.asarray(x, dtype=np.float64)
        if self.point:
            return (x < self.range[0]).astype(np.float64)
        return self._tail(x, False)

    def mass_in(self, lo: float, hi: float) -> float:
        """P(lo ≤ G(z) ≤ hi) = 1 − F_g(lo) − (1 − F_g(hi)), each tail from its own side."""
        return float(np.clip(1.0 - self.cdf(np.array([lo]))[0] - self.sf(np.array([hi]))[0], 0.0, 1.0))

    def breakpoints(self) -> np.ndarray:
        """Images of a z-grid (step 0.25 over the prior's mass), G's range ends, the folds (and the subclass's
        places where p_g is not smooth)."""
        zlo, zhi = (-_Z_MAX, _Z_MAX) if self.prior == "normal" else (-1.0, 1.0)
        z = np.linspace(zlo, zhi, int(round((zhi - zlo) / 0.25)) + 1)
        pts = [self.G(z), [v for v in self.range if np.isfinite(v)], self.folds, self._extra_breaks()]
        return np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in pts])


def _check_prior(prior: str) -> None:
    if prior not in ("normal", "uniform"):
        raise ValueError(f"Unknown prior {prior!r}; use 'normal' or 'uniform'.")


class Pushforward(MonotonePieces):
    """Law of G(z) = a·f(z) + b for z ~ p_z, f one of MAPS. a = 0 is a point mass at b."""

    def __init__(self, f: str, a: float, b: float, prior: str = "normal"):
        if f not in MAPS:
            raise ValueError(f"Unknown map {f!r}.")
        _check_prior(prior)
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

    def _g_inc(self, p: _Piece) -> bool:
        return p.inc == (self.a > 0)

    def _preimage(self, p: _Piece, x):
        y = (x - self.b) / self.a
        f0, f1 = self._f_end(p.z0), self._f_end(p.z1)
        z, lfp = self._inverse(p, y)
        return (y >= min(f0, f1)) & (y <= max(f0, f1)), z, lfp + np.log(abs(self.a))

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


ACTIVATIONS = ("elu", "relu", "leaky_relu", "tanh")
_KINKED = ("elu", "relu", "leaky_relu")  # not smooth at 0: where a unit's input crosses 0, p_g has a kink
_Z_FAR = 1e4  # the z-grid of an MLP reaches |z| = 10⁴; beyond, G is affine (or constant) up to e^(−|w|·10⁴)


def _act(h: np.ndarray, kind: str, slope: float) -> tuple[np.ndarray, np.ndarray]:
    """σ(h) and σ′(h) for ELU (α = 1), ReLU, LeakyReLU(slope) and tanh."""
    if kind == "tanh":
        t = np.tanh(h)
        return t, 1 - t * t
    pos = h > 0
    if kind == "elu":
        e = np.exp(np.minimum(h, 0.0))
        return np.where(pos, h, e - 1.0), np.where(pos, 1.0, e)
    s = 0.0 if kind == "relu" else slope
    return np.where(pos, h, s * h), np.where(pos, 1.0, s)


def _bisect(fn, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Where fn (vectorised, one value per bracket) changes sign in each [lo, hi]: bisection to round-off (it
    also finds a jump of sign, e.g. G′ of a ReLU net at a kink)."""
    s_lo = np.sign(fn(lo))
    for _ in range(64):
        if np.all(hi - lo <= 2.5e-16 * np.maximum(1.0, np.abs(lo))):
            break
        mid = 0.5 * (lo + hi)
        s = np.sign(fn(mid))
        lo, hi = np.where(s == s_lo, mid, lo), np.where((s == s_lo) & (s != 0), hi, mid)
    return 0.5 * (lo + hi)


def _sign_changes(v: np.ndarray) -> np.ndarray:
    """Indices (i, j) of consecutive nonzero entries of each column of v whose signs differ, as rows [i, j, col]."""
    v = v.reshape(v.shape[0], -1)
    out = []
    for col in range(v.shape[1]):
        nz = np.flatnonzero(v[:, col])
        flip = np.flatnonzero(np.sign(v[nz[:-1], col]) != np.sign(v[nz[1:], col]))
        out.append(np.stack([nz[flip], nz[flip + 1], np.full(flip.size, col)], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 3), dtype=int)


@dataclass(frozen=True)
class _Table:
    z: np.ndarray  # the piece's z-grid (its finite ends included)
    g: np.ndarray  # G there, made monotone
    dg: np.ndarray  # G′ there
    lo: float  # the piece's image [lo, hi] (limits of G at infinite ends)
    hi: float
    slope0: float  # G′ at z → −∞ / +∞ (asymptotic slope) for infinite ends, else nan
    slope1: float


class MLPPushforward(MonotonePieces):
    """Law of G(z), z ~ p_z, for an MLP G: R → R, G(z) = W_L σ(… σ(W_1 z + b_1) …) + b_L with σ ELU, ReLU,
    LeakyReLU or tanh (one per layer; None for the output layer).

    G and G′ are evaluated in float64 by forward-mode differentiation. The z-line is cut at the folds G′(z) = 0:
    sign changes of G′ on a z-grid (step 0.01 on |z| ≤ 12 for N(0, 1), 0.001 on U(−1, 1), geometric out to
    |z| = 10⁴, every kink z = −b/w of the first layer included exactly, the deeper layers' kinks located by
    bisection), each fold located by bisection to round-off, then approached by grid points 2^(−j) closer. On
    each monotone piece G(z) = x is inverted by Newton's method from a cubic Hermite guess, safeguarded by the
    grid's bracket (exact in one step where G is linear, i.e. for ReLU nets); beyond the grid G's affine
    asymptote (slope from the active units' weights) gives z. The kinks' images are panel ends of the
    quadrature (p_g is not smooth there). The limits of G at ±∞ (±∞, or a finite value once every path
    saturates) close G's range. Flat stretches of positive prior mass (dead ReLU zones: atoms of p_g) are not
    supported.
    """

    def __init__(self, layers, prior: str = "normal"):
        _check_prior(prior)
        self.prior = prior
        self.layers = []
        for W, b, act, slope in layers:
            if act is not None and act not in ACTIVATIONS:
                raise ValueError(f"Unknown activation {act!r}; use one of {', '.join(ACTIVATIONS)}.")
            self.layers.append((np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64), act,
                                float(slope)))
        if self.layers[0][0].shape[1] != 1 or self.layers[-1][0].shape[0] != 1:
            raise ValueError("The MLP must map one number z to one number x.")
        self._memo: dict = {}
        W1, b1, act1, _ = self.layers[0]
        if prior == "normal":
            tail = np.geomspace(_Z_MAX, _Z_FAR, 120)
            z = np.concatenate([-tail[::-1], np.linspace(-_Z_MAX, _Z_MAX, 2401), tail])
        else:
            z = np.linspace(-1.0, 1.0, 2001)
        w = W1[:, 0]
        if act1 in _KINKED:
            z = np.concatenate([z, -b1[w != 0] / w[w != 0]])
        z = np.unique(z[np.abs(z) <= (_Z_FAR if prior == "normal" else 1.0)])
        # kinks of the deeper layers: a unit's input crosses 0 between two grid points
        _, _, pre = self._forward(z, keep=True)
        kinks = [np.zeros(0)]
        for layer, h in enumerate(pre[1:], start=1):
            if self.layers[layer][2] in _KINKED:
                rows = _sign_changes(h)
                if rows.size:
                    unit = rows[:, 2]
                    kinks.append(_bisect(lambda t, u=unit, k=layer: self._forward(t, keep=True)[2][k][
                        np.arange(t.size), u], z[rows[:, 0]], z[rows[:, 1]]))
        if act1 in _KINKED:
            kinks.append(-b1[w != 0] / w[w != 0])
        self.kinks = np.unique(np.concatenate(kinks))
        z = np.unique(np.concatenate([z, self.kinks[(self.kinks > z[0]) & (self.kinks < z[-1])]]))
        g, dg, _ = self._forward(z)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(dg))):
            raise ValueError("G returned NaN or infinite values.")
        self.point = not np.any(dg)
        if self.point:  # G constant: a point mass
            c = float(g[0])
            self.pieces, self.folds, self.range, self._tables = [], [], (c, c), []
            return
        rows = _sign_changes(dg)
        crit = _bisect(lambda t: self._forward(t)[1], z[rows[:, 0]], z[rows[:, 1]]) if rows.size else np.zeros(0)
        if crit.size:  # grid points closing in on each fold geometrically: tight brackets where G′ → 0
            d = np.diff(z)[np.clip(np.searchsorted(z, crit) - 1, 0, z.size - 2)]
            h = 2.0 ** -np.arange(1, 40)
            near = crit[:, None] + d[:, None] * np.concatenate([-h, h])
            z = np.unique(np.concatenate([z, near[(near > z[0]) & (near < z[-1])]]))
            g, dg, _ = self._forward(z)
        lo_end, hi_end = (-np.inf, np.inf) if prior == "normal" else (-1.0, 1.0)
        ends = [lo_end, *crit.tolist(), hi_end]
        gc = self._forward(crit)[0] if crit.size else np.zeros(0)
        self.folds = sorted(set(gc.tolist()))
        self.pieces, self._tables = [], []
        for z0, z1 in zip(ends[:-1], ends[1:], strict=True):
            inner = (z > z0) & (z < z1)
            e0, e1 = ([z0] if np.isfinite(z0) else []), ([z1] if np.isfinite(z1) else [])
            ge0, dge0, _ = self._forward(e0)
            ge1, dge1, _ = self._forward(e1)
            zt = np.concatenate([e0, z[inner], e1])
            gt, dgt = np.concatenate([ge0, g[inner], ge1]), np.concatenate([dge0, dg[inner], dge1])
            inc = bool(np.sum(np.sign(dgt)) > 0)
            gt = np.maximum.accumulate(gt) if inc else np.minimum.accumulate(gt)
            a0, lim0 = self._asymptote(-1.0) if not np.isfinite(z0) else (np.nan, gt[0])
            a1, lim1 = self._asymptote(1.0) if not np.isfinite(z1) else (np.nan, gt[-1])
            self.pieces.append(_Piece(float(z0), float(z1), inc))
            self._tables.append(_Table(zt, gt, dgt, min(lim0, lim1), max(lim0, lim1), a0, a1))
        self.range = (min(t.lo for t in self._tables), max(t.hi for t in self._tables))

    def _forward(self, z, keep: bool = False):
        """G(z), G′(z) in float64, and (keep) each layer's pre-activations. G and G′ go through each layer as
        one stacked matrix [h; h′] (one product per layer)."""
        z = np.asarray(z, dtype=np.float64).reshape(-1, 1)
        n = z.shape[0]
        pre = []
        W, b, act, slope = self.layers[0]
        h, dh = z * W[:, 0] + b, np.broadcast_to(W[:, 0], (n, W.shape[0]))
        for k in range(len(self.layers)):
            if keep:
                pre.append(h)
            if act is not None:
                h, s = _act(h, act, slope)
                dh = dh * s
            if k == len(self.layers) - 1:
                break
            W, b, act, slope = self.layers[k + 1]
            both = np.concatenate([h, dh]) @ W.T
            h, dh = both[:n] + b, both[n:]
        return h[:, 0], dh[:, 0], pre

    def _asymptote(self, sign: float) -> tuple[float, float]:
        """(slope, limit) of G as z → sign·∞: each unit tends to α·z + β (slope α, or saturated: α = 0); the
        limit is ±∞ where α ≠ 0."""
        al, be = np.ones(1), np.zeros(1)
        for W, b, act, slope in self.layers:
            al, be = W @ al, W @ be + b
            if act is None:
                continue
            up, down = sign * al > 0, sign * al < 0
            flat = ~(up | down)
            if act == "tanh":
                al, be = np.zeros_like(al), np.where(up, 1.0, np.where(down, -1.0, np.tanh(be)))
                continue
            s = {"elu": 0.0, "relu": 0.0}.get(act, slope)
            at_flat = _act(be, act, slope)[0]
            at_down = -1.0 if act == "elu" else s * be
            al, be = np.where(up, al, s * al if act == "leaky_relu" else 0.0), \
                np.where(up, be, np.where(flat, at_flat, at_down))
        a, c = float(al[0]), float(be[0])
        return a, (c if a == 0 else float(np.sign(sign * a) * np.inf))

    def G(self, z) -> np.ndarray:
        return self._forward(z)[0]

    def _extra_breaks(self) -> list:
        k = self.kinks
        k = k[(k >= -_Z_MAX) & (k <= _Z_MAX)]
        return self.G(k).tolist() if k.size else []

    def _preimage(self, p: _Piece, x):
        """The inverse on piece p, each x inverted once: the quadrature asks again at most of its nodes (F_g
        after log p_g, and W1's panels split at the crossings keep the other panels' nodes)."""
        key = self.pieces.index(p)
        shape, x = np.shape(x), np.asarray(x, dtype=np.float64).ravel()
        seen, vals = self._memo.get(key, (np.zeros(0), np.zeros((3, 0))))
        i = np.minimum(np.searchsorted(seen, x), max(seen.size - 1, 0))
        hit = (seen[i] == x) if seen.size else np.zeros(x.shape, dtype=bool)
        out = np.empty((3, x.size))
        out[:, hit] = vals[:, i[hit]]
        new = np.unique(x[~hit])
        if new.size:
            inside, z, lgp = self._invert(self._tables[key], p, new)
            fresh = np.stack([inside, z, lgp])
            j = np.searchsorted(new, x[~hit])
            out[:, ~hit] = fresh[:, j]
            allx = np.concatenate([seen, new])
            order = np.argsort(allx, kind="stable")
            self._memo[key] = (allx[order], np.concatenate([vals, fresh], axis=1)[:, order])
        return out[0].astype(bool).reshape(shape), out[1].reshape(shape), out[2].reshape(shape)

    def _invert(self, t: _Table, p: _Piece, x: np.ndarray):
        inside = (x >= t.lo) & (x <= t.hi)
        z, dg = np.empty_like(x), np.ones_like(x)
        k, kt = (x, t.g) if p.inc else (-x, -t.g)
        below, above = k < kt[0], k > kt[-1]  # beyond the table: off the image, or on an infinite end's tail
        z[below], z[above] = p.z0, p.z1
        for mask, z_end, g_end, slope in ((below, t.z[0], t.g[0], t.slope0), (above, t.z[-1], t.g[-1], t.slope1)):
            tail = mask & inside & np.isfinite(slope)
            if np.any(tail):
                z[tail] = z_end + ((x[tail] - g_end) / slope if slope != 0 else 0.0)
                dg[tail] = self._forward(z[tail])[1]
        mid = ~(below | above)
        i = np.clip(np.searchsorted(kt, k[mid]), 1, kt.size - 1)
        z[mid], dg[mid] = self._newton(x[mid], t.z[i - 1], t.z[i], t.g[i - 1], t.g[i], t.dg[i - 1], t.dg[i], p.inc)
        with np.errstate(divide="ignore"):
            return inside, np.clip(z, p.z0, p.z1), np.log(np.abs(dg))

    def _newton(self, x, lo, hi, g_lo, g_hi, dg_lo, dg_hi, inc: bool) -> tuple[np.ndarray, np.ndarray]:
        """The z in [lo, hi] with G(z) = x (G monotone there), and G′(z): Newton steps from the cubic Hermite
        interpolant of the inverse (the secant where that leaves the bracket), bisection whenever a step leaves
        the bracket; each z stops once its step is below 1e-12·max(1, |z|) (quadratic convergence: the last step
        leaves z at round-off), its bracket is that narrow, or |G(z) − x| stops falling under small Newton steps
        (G's round-off); its G′ from the last evaluation."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            dgap = g_hi - g_lo
            t = (x - g_lo) / dgap
            w = hi - lo
            z = lo + w * t * t * (3 - 2 * t) + dgap * t * (1 - t) * ((1 - t) / dg_lo - t / dg_hi)
            secant = lo + t * w
            z = np.where(np.isfinite(z) & (z >= lo) & (z <= hi), z, np.where(np.isfinite(secant), secant, lo + w / 2))
        z = np.clip(z, lo, hi)
        dg, f_prev = np.ones_like(z), np.full_like(z, np.inf)
        act = np.arange(x.size)
        for _ in range(60):
            if not act.size:
                break
            za = z[act]
            g, d, _ = self._forward(za)
            f = g - x[act]
            right = (f < 0) == inc
            lo[act], hi[act] = np.where(right, za, lo[act]), np.where(right, hi[act], za)
            with np.errstate(divide="ignore", invalid="ignore"):
                zn = za - f / d
            ok = (zn >= lo[act]) & (zn <= hi[act])
            scale = np.maximum(1.0, np.abs(za))
            step = np.abs(zn - za)
            # converged: a step at round-off, a bracket that narrow, or Newton's small steps no longer reduce
            # |G(z) − x| (it sits at G's round-off; near a fold z is no better defined)
            stalled = ok & (step <= 1e-8 * scale) & (np.abs(f) >= f_prev[act])
            done = (f == 0) | (ok & (step <= 1e-12 * scale)) | (hi[act] - lo[act] <= 1e-12 * scale) | stalled
            z[act] = np.where(ok & ~stalled, zn, np.where(done, za, 0.5 * (lo[act] + hi[act])))
            dg[act], f_prev[act] = d, np.abs(f)
            act = act[~done]
        return z, dg


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


def divergences(target: Density, pf: MonotonePieces) -> Metrics:
    """KL(p_data ‖ p_g), JSD(p_data ‖ p_g) (nats) and W1(p_data, p_g) = ∫|F_data − F_g| dx, see the module doc."""
    s_lo, s_hi = target_support(target)
    tb = target_breakpoints(target)
    tb = np.concatenate([tb, [v for v in (s_lo, s_hi) if np.isfinite(v)]])
    if pf.point:
        c = pf.range[0]
        breaks = np.concatenate([tb, [c]])
        span = (breaks.min() - 1, breaks.max() + 1)
        x, w = _nodes(np.concatenate([breaks, span]))
        w1 = float(np.sum(w * np.abs(target.cdf(x) - pf.cdf(x))))
        return Metrics(np.inf, LOG2, w1, f"p_g is a point mass at {c:g}: it has no density where p_data has.")
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
