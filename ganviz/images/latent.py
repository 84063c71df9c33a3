"""Latent-space operations for trained generators: interpolation, direction walks, vector arithmetic.

Pure torch; no nets are built here (pass z in, feed the result to G). Sources:
- slerp: White 2016, "Sampling Generative Networks", §2.1 — for z ~ N(0, I_d), ‖z‖ concentrates near √d, but a
  linear path's midpoint between two independent z has ‖z‖ ≈ √(d/2) (≈ 7.1 instead of 10 for d = 100), a
  region the generator never saw; the spherical path keeps the norm.
- vector arithmetic: Radford et al. 2016 (DCGAN), §6.3 — average z of 3 exemplars per concept, then
  Y = mean(A) − mean(B) + mean(C); show G(Y) and G(Y + U(−0.25, 0.25) noise); the same arithmetic done on
  pixels gives a blurry overlay (the contrast the paper shows).
"""
from __future__ import annotations

import math
from typing import Sequence

import torch

__all__ = ["lerp", "slerp", "interpolate", "path_norms", "expected_norm", "unit_direction", "random_direction",
           "walk", "concept_mean", "vector_arithmetic", "pixel_arithmetic", "METHODS"]

METHODS = ("lerp", "slerp")


def _as_t(t, like: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=like.dtype)
    return t.reshape(-1, 1) if t.ndim else t.reshape(1, 1)


def _check_pair(z0: torch.Tensor, z1: torch.Tensor) -> None:
    if z0.ndim != 1 or z0.shape != z1.shape:
        raise ValueError(f"Interpolation needs two latent vectors of one shape (d,), got {tuple(z0.shape)} "
                         f"and {tuple(z1.shape)}.")


def lerp(z0: torch.Tensor, z1: torch.Tensor, t) -> torch.Tensor:
    """Linear path (1 − t)·z0 + t·z1 for each t; returns (len(t), d)."""
    _check_pair(z0, z1)
    t = _as_t(t, z0)
    return (1 - t) * z0 + t * z1


def slerp(z0: torch.Tensor, z1: torch.Tensor, t, eps: float = 1e-7) -> torch.Tensor:
    """Spherical path (White 2016): sin((1 − t)Ω)/sin Ω · z0 + sin(tΩ)/sin Ω · z1, cos Ω = ẑ0·ẑ1.

    Endpoints are exact (t = 0 → z0, t = 1 → z1); nearly parallel vectors (sin Ω < eps) fall back to lerp.
    """
    _check_pair(z0, z1)
    t = _as_t(t, z0)
    n0, n1 = torch.linalg.vector_norm(z0), torch.linalg.vector_norm(z1)
    if n0 < eps or n1 < eps:
        return lerp(z0, z1, t.flatten())
    cos = torch.clamp(torch.dot(z0 / n0, z1 / n1), -1.0, 1.0)
    omega = torch.arccos(cos)
    so = torch.sin(omega)
    if so < eps:
        return lerp(z0, z1, t.flatten())
    return torch.sin((1 - t) * omega) / so * z0 + torch.sin(t * omega) / so * z1


def interpolate(z0: torch.Tensor, z1: torch.Tensor, steps: int, method: str = "slerp") -> torch.Tensor:
    """``steps`` points from z0 to z1 inclusive (t = 0, 1/(steps−1), …, 1) by ``method`` ("lerp" | "slerp")."""
    if method not in METHODS:
        raise ValueError(f"Unknown interpolation {method!r}; choose lerp or slerp.")
    if steps < 2:
        raise ValueError("An interpolation needs at least 2 steps.")
    t = torch.linspace(0, 1, steps, dtype=z0.dtype)
    return (lerp if method == "lerp" else slerp)(z0, z1, t)


def path_norms(path: torch.Tensor) -> torch.Tensor:
    """‖z‖ of each point on a path (rows)."""
    return torch.linalg.vector_norm(path, dim=-1)


def expected_norm(dim: int, scale: float = 1.0) -> float:
    """E‖z‖ for z ~ N(0, scale²·I_dim): scale·√2·Γ((d+1)/2)/Γ(d/2) (chi distribution mean), ≈ scale·√d.

    The lerp midpoint of two independent N(0, I) vectors is N(0, I/2): E‖·‖ = expected_norm(d, 1/√2) ≈ 7.05 (d=100).
    """
    return scale * math.sqrt(2) * math.exp(math.lgamma((dim + 1) / 2) - math.lgamma(dim / 2))


def prior_norm(dim: int, prior=None, midpoint: bool = False, n: int = 8192) -> float:
    """E‖z‖ under G's prior (``midpoint``: of the lerp midpoint (z₀ + z₁)/2 of two independent draws).

    N(0, I) (``prior`` None or normal): the closed form :func:`expected_norm` (scale 1/√2 for the midpoint). A
    mixture prior (ganviz.engine.priors.LatentPrior): the mean over n seeded draws (n/2 pairs for the midpoint)."""
    if prior is None or prior.kind == "normal":
        return expected_norm(dim, 2 ** -0.5 if midpoint else 1.0)
    z = prior.sample(n, torch.Generator().manual_seed(0))
    if midpoint:
        z = (z[: n // 2] + z[n // 2:]) / 2
    return float(torch.linalg.vector_norm(z, dim=1).mean())


def unit_direction(direction: torch.Tensor) -> torch.Tensor:
    """direction / ‖direction‖; ValueError for a zero vector."""
    n = torch.linalg.vector_norm(direction)
    if not torch.isfinite(n) or n == 0:
        raise ValueError("The direction is the zero vector; pick two different samples.")
    return direction / n


def random_direction(dim: int, seed: int) -> torch.Tensor:
    """A uniformly random unit vector in R^dim (a normalised Gaussian draw from ``seed``)."""
    return unit_direction(torch.randn(dim, generator=torch.Generator().manual_seed(seed)))


def walk(z: torch.Tensor, direction: torch.Tensor, alphas: Sequence[float] | torch.Tensor) -> torch.Tensor:
    """Points z + α·u along the unit direction u = direction/‖direction‖, one row per α."""
    if z.ndim != 1 or direction.shape != z.shape:
        raise ValueError("walk needs z and a direction of one shape (d,).")
    a = torch.as_tensor(alphas, dtype=z.dtype).reshape(-1, 1)
    return z + a * unit_direction(direction)


def concept_mean(zs: torch.Tensor) -> torch.Tensor:
    """Mean latent vector of a concept's exemplars (Radford et al. 2016 §6.3 average 3 per concept)."""
    if zs.ndim != 2 or zs.shape[0] < 1:
        raise ValueError("A concept needs at least one exemplar (an (n, d) array).")
    return zs.mean(0)


def vector_arithmetic(z_a: torch.Tensor, z_b: torch.Tensor, z_c: torch.Tensor, n_variants: int = 8,
                      noise: float = 0.25, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Radford et al. 2016 §6.3: Y = mean(A) − mean(B) + mean(C) and ``n_variants`` points Y + U(−noise, noise)^d.

    Returns (Y of shape (d,), variants of shape (n_variants, d)); the noise comes from ``seed`` (reproducible).
    """
    for name, z in (("A", z_a), ("B", z_b), ("C", z_c)):
        if z.ndim != 2 or z.shape[0] < 1:
            raise ValueError(f"Pick at least one exemplar for {name}.")
    if not (z_a.shape[1] == z_b.shape[1] == z_c.shape[1]):
        raise ValueError("The exemplars' latent vectors have different dimensions.")
    y = concept_mean(z_a) - concept_mean(z_b) + concept_mean(z_c)
    g = torch.Generator().manual_seed(seed)
    u = (torch.rand(n_variants, y.shape[0], generator=g, dtype=y.dtype) * 2 - 1) * noise
    return y, y + u


def pixel_arithmetic(x_a: torch.Tensor, x_b: torch.Tensor, x_c: torch.Tensor) -> torch.Tensor:
    """The same arithmetic on images in [−1, 1]: mean(A) − mean(B) + mean(C), clipped to [−1, 1] (for contrast)."""
    for name, x in (("A", x_a), ("B", x_b), ("C", x_c)):
        if x.ndim < 2 or x.shape[0] < 1:
            raise ValueError(f"Pick at least one exemplar for {name}.")
    return (x_a.mean(0) - x_b.mean(0) + x_c.mean(0)).clamp(-1, 1)
