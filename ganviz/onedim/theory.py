"""1-D theory of GANs on a grid: the pushforward of p_z through G, D*, V(G, D), KL, JSD, W1, Prop. 2.

The target densities live in ganviz.onedim.densities and are re-exported here (theory.Gaussian, theory.KDE, ...).

Everything is numpy/scipy and vectorised over grids of >= 2,000 points; only sampling returns torch tensors.
Densities handed to the divergences are renormalised on the grid (trapezoid rule, so that ∫p = ∫q = 1 there);
reporting mass that falls outside the plotted grid is the caller's job (see ``mass_on_grid``).

Sources: Goodfellow et al. 2014, "Generative Adversarial Nets" (Prop. 1, Thm. 1, Prop. 2);
Arjovsky, Chintala & Bottou 2017, "Wasserstein GAN" (JSD vs W1 for disjoint supports).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from scipy import optimize, special, stats

from ganviz.onedim.densities import (  # noqa: F401  (re-exported: pages and other modules use ganviz.onedim.theory.<name>)
    KDE,
    SIGMA_MIN,
    Affine,
    Density,
    Gaussian,
    Mixture,
    Skewed,
    Uniform,
    cumtrapz,
    parse_samples_csv,
    trapz,
)

LOG2 = float(np.log(2.0))
LOG4 = float(np.log(4.0))
PRIORS = ("normal", "uniform")
_Z_LIMIT = 8.5  # N(0,1) mass beyond ±8.5 is ~2e-17


def x_grid(lo: float, hi: float, n: int = 2001) -> np.ndarray:
    """Uniform grid of n points on [lo, hi] (float64)."""
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo >= hi:
        raise ValueError(f"The grid needs finite bounds with lo < hi (got lo={lo}, hi={hi}).")
    if n < 2:
        raise ValueError(f"The grid needs at least 2 points (got {n}).")
    return np.linspace(float(lo), float(hi), int(n))


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
    if prior == "normal":  # Φ(b) − Φ(a), as Φ̄(a) − Φ̄(b) right of 0: no cancellation near F = 1
        mass = np.where(z[:-1] >= 0, special.ndtr(-z[:-1]) - special.ndtr(-z[1:]), np.diff(special.ndtr(z)))
    else:
        mass = np.diff(prior_cdf(z, prior))
    lo, hi = np.minimum(g[:-1], g[1:]), np.maximum(g[:-1], g[1:])
    mid = 0.5 * (x[1:] + x[:-1])
    edges = np.concatenate(([x[0] - (mid[0] - x[0])], mid, [x[-1] + (x[-1] - mid[-1])]))
    n_e = edges.size
    # F_g(e_k) = Σ_i m_i·clip((e_k − lo_i)/(hi_i − lo_i), 0, 1): whole segments below e_k, plus straddling parts.
    first_full = np.searchsorted(edges, hi, side="left")  # edges e_k >= hi_i count segment i in full
    # Cell masses F_g(e_{k+1}) − F_g(e_k) without forming F_g (whose differences cancel where F_g ≈ 1): the
    # segments completed at e_{k+1}, plus the change of the straddling parts.
    cell = np.bincount(first_full, mass, minlength=n_e + 1)[1:n_e]
    ka = np.searchsorted(edges, lo, side="right")  # first edge > lo_i
    count = np.maximum(first_full - ka, 0)  # edges strictly inside (lo_i, hi_i)
    if count.sum() > 0:
        seg = np.repeat(np.arange(lo.size), count)
        k = ka[seg] + np.arange(seg.size) - np.repeat(np.cumsum(count) - count, count)
        part = mass[seg] * (edges[k] - lo[seg]) / (hi[seg] - lo[seg])
        cell = cell + np.diff(np.bincount(k, part, minlength=n_e))
    return np.clip(cell, 0.0, None) / np.diff(edges)


def optimal_map(target: Density, prior: str = "normal") -> Callable[[np.ndarray], np.ndarray]:
    """The monotone transport map G* = F_data⁻¹ ∘ F_z: it pushes p_z exactly onto p_data (numerical ppf)."""
    _check_prior(prior)
    return lambda z: target.ppf(prior_cdf(z, prior))


def mass_on_grid(x: np.ndarray, p: np.ndarray) -> float:
    """∫ p dx over the grid (trapezoid) — 1 minus the mass outside the plotted range."""
    return trapz(np.asarray(p, dtype=np.float64), x)


# ----------------------------------------------------------------------------------------------------------
# Discriminator, value, divergences
# ----------------------------------------------------------------------------------------------------------
def _normalise(x: np.ndarray, p: np.ndarray, what: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.shape != np.shape(x) or not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{what} must be finite, non-negative and given on the grid.")
    total = trapz(p, x)
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
        return trapz(special.xlogy(p, d) + special.xlogy(q, 1.0 - d), x)


def c_of_g(x, p_data, p_g) -> float:
    """C(G) = max_D V(G, D) = V(G, D*), by numerical integration (Goodfellow et al. 2014, Thm. 1).

    Theory: C(G) = −log 4 + 2·JSD(p_data ‖ p_g); computed here independently of ``jsd``. The integrand is
    written as p_data log(p_data/s) + p_g log(p_g/s), s = p_data + p_g, i.e. log D* and log(1 − D*) without
    forming 1 − D* (which rounds to 0 where p_g ≪ p_data and would give −inf).
    """
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p_data, "p_data"), _normalise(x, p_g, "p_g")
    s = np.where(p + q > 0, p + q, 1.0)
    return trapz(special.xlogy(p, p / s) + special.xlogy(q, q / s), x)


def kl(x, p, q) -> float:
    """KL(p ‖ q) = ∫ p log(p/q) dx (nats; scipy.special.rel_entr); inf if p > 0 where q = 0."""
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p, "p"), _normalise(x, q, "q")
    return trapz(special.rel_entr(p, q), x)


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
    return float(np.clip(LOG2 - 0.5 * trapz(bracket, x), 0.0, LOG2))


def w1(x, p, q) -> float:
    """Wasserstein-1 distance W1(p, q) = ∫ |F_p(x) − F_q(x)| dx (Arjovsky et al. 2017); cdfs by trapezoid."""
    x = np.asarray(x, dtype=np.float64)
    p, q = _normalise(x, p, "p"), _normalise(x, q, "q")
    return trapz(np.abs(cumtrapz(p, x) - cumtrapz(q, x)), x)


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


def covering_grid(densities, k: float = 12.0, per_sigma: float = 12.0, n_min: int = 2001) -> np.ndarray:
    """A uniform grid that follows where the mass of Gaussian mixtures is: [min(mu − kσ), max(mu + kσ)] over
    every component with weight > 0 (mass beyond is < 4e-33 per component for k = 12), step ≤ min σ/per_sigma.

    The trapezoid rule on it is spectrally accurate for the smooth integrands of KL, JSD and C(G), and no mass
    is cut off, so the divergences' renormalisation changes nothing (unlike a fixed window)."""
    mus, sigmas = [], []
    for d in densities:
        w = np.atleast_1d(getattr(d, "weights", 1.0))
        on = w > 0
        mus.append(np.atleast_1d(getattr(d, "mus", getattr(d, "mu", None)))[on])
        sigmas.append(np.atleast_1d(getattr(d, "sigmas", getattr(d, "sigma", None)))[on])
    m, s = np.concatenate(mus), np.concatenate(sigmas)
    lo, hi = float(np.min(m - k * s)), float(np.max(m + k * s))
    return x_grid(lo, hi, max(int(n_min), int(np.ceil((hi - lo) / (np.min(s) / per_sigma))) + 1))


def uniform_divergences(a1: float, b1: float, a2: float, b2: float) -> dict[str, float]:
    """Closed forms between p = U(a1, b1) and q = U(a2, b2), with o = the length of [a1, b1] ∩ [a2, b2]:

    JSD = ½[(1 − o·h1)·log 2 + o·h1·log(2h1/(h1+h2))] + ½[(1 − o·h2)·log 2 + o·h2·log(2h2/(h1+h2))], h = 1/width;
    C(G) = −log 4 + 2·JSD (Goodfellow et al. 2014, Thm. 1); W1 = ∫₀¹ |F_p⁻¹(u) − F_q⁻¹(u)| du (quantiles are
    linear in u); KL(p ‖ q) = log(w_q/w_p) if [a1, b1] ⊆ [a2, b2], else ∞ (p has mass where q = 0).
    Equal widths, q shifted by θ: JSD = min(|θ|, w)/w·log 2, W1 = |θ| (Arjovsky et al. 2017, Example 1)."""
    w1_, w2_ = float(b1 - a1), float(b2 - a2)
    if not (w1_ > 0 and w2_ > 0):
        raise ValueError("Each uniform density needs a < b.")
    h1, h2 = 1.0 / w1_, 1.0 / w2_
    o = max(0.0, min(b1, b2) - max(a1, a2))
    jsd_ = 0.5 * ((1 - o * h1) * LOG2 + o * h1 * np.log(2 * h1 / (h1 + h2))
                  + (1 - o * h2) * LOG2 + o * h2 * np.log(2 * h2 / (h1 + h2)))
    jsd_ = float(np.clip(jsd_, 0.0, LOG2))
    alpha, beta = a1 - a2, w1_ - w2_  # F_p⁻¹(u) − F_q⁻¹(u) = alpha + beta·u
    if beta == 0 or not 0 < -alpha / beta < 1:
        w1 = abs(alpha + beta / 2)
    else:
        u0 = -alpha / beta
        w1 = 0.5 * abs(alpha) * u0 + 0.5 * abs(alpha + beta) * (1 - u0)
    kl_ = float(np.log(w2_ / w1_)) if a2 <= a1 and b1 <= b2 else np.inf
    return {"jsd": jsd_, "c": 2 * jsd_ - LOG4, "w1": float(w1), "kl": kl_, "overlap": o}


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
    mu = trapz(x * p, x)
    sigma = max(float(np.sqrt(max(trapz((x - mu) ** 2 * p, x), 0.0))), 2 * (x[1] - x[0]))
    if direction == "forward":
        return mu, sigma, kl(x, p, stats.norm.pdf(x, mu, sigma))
    log_p = np.log(np.maximum(p, 1e-300))
    sig_min = 2 * (x[1] - x[0])

    def objective(theta):  # KL(q‖p) = −H(q) − E_q[log p], and its gradient in (mu, log σ)
        m, log_s = theta
        s = np.exp(log_s)
        t = (x - m) / s
        qlp = np.exp(-0.5 * t * t) / (s * np.sqrt(2 * np.pi)) * log_p
        value = -0.5 * np.log(2 * np.pi * np.e * s * s) - trapz(qlp, x)
        return value, np.array([-trapz(qlp * t / s, x), -1.0 - trapz(qlp * (t * t - 1), x)])

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
def _check_lr(lr: float) -> None:
    if not 0 < lr <= 1:
        raise ValueError(f"The step size must lie in (0, 1] (got {lr}).")


def _mirror_step(x: np.ndarray, p: np.ndarray, q: np.ndarray, lr: float) -> np.ndarray:
    q = q ** (1 - lr) * (p + q) ** lr
    return q / trapz(q, x)


def prop2_step(x, p_data, p_g, lr: float = 0.5) -> np.ndarray:
    """One mirror-descent (exponentiated-gradient) step on C(G) over densities p_g on the grid.

    The functional gradient of C(p_g) = ∫ p_data log(p_data/(p_data+p_g)) + p_g log(p_g/(p_data+p_g)) is
    δC/δp_g(x) = log(p_g/(p_data+p_g)) = log(1 − D*(x)). The step p_g ← p_g·exp(−lr·δC/δp_g), renormalised,
    i.e. p_g ∝ p_g^(1−lr)·(p_data+p_g)^lr, stays a density and converges to p_data for 0 < lr ≤ 1
    (Goodfellow et al. 2014, Prop. 2: with D at its optimum, improving C moves p_g to p_data). For lr < 1,
    p_g must be positive wherever p_data is (a multiplicative step never creates mass where p_g = 0).
    """
    _check_lr(lr)
    x = np.asarray(x, dtype=np.float64)
    return _mirror_step(x, _normalise(x, p_data, "p_data"), _normalise(x, p_g, "p_g"), lr)


def prop2_path(x, p_data, p_g0, lr: float = 0.5, steps: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Run ``steps`` prop2_step's; returns (p_g path of shape (steps+1, n), C(G) per step → −log 4).

    C(G) is c_of_g's integral, evaluated for all steps at once."""
    _check_lr(lr)
    x = np.asarray(x, dtype=np.float64)
    p = _normalise(x, p_data, "p_data")
    path = np.empty((int(steps) + 1, x.size))
    path[0] = _normalise(x, p_g0, "p_g")
    for t in range(int(steps)):
        path[t + 1] = _mirror_step(x, p, path[t], lr)
    s = p + path
    s = np.where(s > 0, s, 1.0)
    return path, np.trapezoid(special.xlogy(p, p / s) + special.xlogy(path, path / s), x, axis=1)


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
    return x_grid(lo, hi, n)


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
