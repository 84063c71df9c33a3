"""The noise prior p_z of a generator: N(0, I), U(−1, 1)^d, or a fixed mixture of Gaussians (a disconnected
latent, Gurumurthy et al. 2017; Khayatkhoei et al. 2018), sampled from the run's seeded generator."""
from __future__ import annotations

import math

import torch

LATENT_PRIORS = ("normal", "uniform", "mixture")
MIXTURE_COMPONENTS = 50   # K of the mixture prior (more than the modes of ring-8 / grid-25)
MIXTURE_SD = 0.1          # each component's standard deviation, against centres drawn from N(0, I)


class LatentPrior:
    """The noise prior p_z on R^d.

    normal: N(0, I). uniform: U(−1, 1)^d. mixture: (1/K) Σ_k N(μ_k, s² I), a disconnected latent, with K
    centres μ_k ~ N(0, I) drawn once from ``seed`` (fixed; DeLiGAN, Gurumurthy et al. 2017, learns them). A
    continuous G maps a connected latent onto a connected set, so between separated modes it must put some
    mass on "bridges" (Khayatkhoei et al. 2018); with a mixture latent each component can land on one mode.
    """

    def __init__(self, kind: str = "normal", z_dim: int = 2, components: int = MIXTURE_COMPONENTS,
                 sd: float = MIXTURE_SD, seed: int = 0):
        if kind not in LATENT_PRIORS:
            raise ValueError(f"Unknown prior {kind!r}; choose one of {', '.join(LATENT_PRIORS)}.")
        if kind == "mixture" and not (components >= 1 and math.isfinite(sd) and sd > 0):
            raise ValueError("The mixture prior needs at least 1 component and a positive spread.")
        self.kind, self.z_dim, self.components, self.sd = kind, z_dim, components, sd
        self.centres = torch.randn(components, z_dim, generator=torch.Generator().manual_seed(seed + 7_368_787)) \
            if kind == "mixture" else None

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n draws, (n, z_dim), from ``generator`` (on CPU, so every device agrees)."""
        if self.kind == "normal":
            return torch.randn(n, self.z_dim, generator=generator)
        if self.kind == "uniform":
            return torch.rand(n, self.z_dim, generator=generator) * 2 - 1
        k = torch.randint(0, self.components, (n,), generator=generator)
        return self.centres[k] + self.sd * torch.randn(n, self.z_dim, generator=generator)
