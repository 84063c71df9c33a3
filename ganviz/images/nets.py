"""Image GAN nets for 28×28 grayscale: DCGAN-28 and the MLP GAN, optionally class-conditional.

DCGAN-28 follows the DCGAN guidelines (Radford et al. 2016): strided (transposed)
convolutions instead of pooling, BatchNorm in G and D (not on G's output nor D's input), ReLU in G with a
tanh output, LeakyReLU(0.2) in D, weights N(0, 0.02), BatchNorm weights N(1, 0.02) with zero bias. The
28×28 shape is the TF-tutorial variant: a dense projection to 7×7, then 7→14→28 (G 0.78 M, D 0.14 M params
at width 64).

Class-conditional variants (used by the latent-space pages): G reads z ⊕ one-hot(y) (a learned class
embedding through the first layer, Mirza & Osindero 2014); D is a projection discriminator,
D(x, y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩ (Miyato & Koyama 2018). Every net maps/reads (N, 1, 28, 28) in [−1, 1].
:func:`build_gan` makes the pair an :class:`ganviz.images.spec.ImageGANSpec` describes.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganviz.engine.nets import SPECTRAL_NORM_LAYERS, apply_spectral_norm, mlp
from ganviz.images.spec import ImageGANSpec

IMAGE_SHAPE = (1, 28, 28)
IMAGE_DIM = 28 * 28


def weights_init(m: nn.Module) -> None:
    """DCGAN init (Radford et al. 2016; pytorch/examples dcgan ``weights_init``): conv/linear/embedding
    weights N(0, 0.02), BatchNorm weight N(1, 0.02) and bias 0. Apply with ``module.apply(weights_init)``."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _one_hot(y: torch.Tensor | None, num_classes: int, like: torch.Tensor) -> torch.Tensor | None:
    if not num_classes:
        return None
    if y is None:
        raise ValueError("This class-conditional net needs labels y.")
    return F.one_hot(y.long(), num_classes).to(like.dtype)


def _refine(channels: int, depth: int, norm: Callable[[int], nn.Module], act: Callable[[], nn.Module],
            bias: bool = False) -> nn.Sequential:
    """``depth`` blocks Conv(3, s1, same size) → norm → activation: more layers at one resolution."""
    layers = []
    for _ in range(depth):
        layers += [nn.Conv2d(channels, channels, 3, 1, 1, bias=bias), norm(channels), act()]
    return nn.Sequential(*layers)


class DCGANGenerator(nn.Module):
    """G: z (N, z_dim) [⊕ one-hot y] → Linear → 2w×7×7 → ConvT(4, s2) w×14×14 → ConvT(4, s2) 1×28×28, tanh;
    ``depth`` > 0 adds that many 3×3 conv blocks (BatchNorm, ReLU) at 7×7 and at 14×14."""

    def __init__(self, z_dim: int = 100, width: int = 64, num_classes: int = 0, depth: int = 0):
        super().__init__()
        self.z_dim, self.width, self.num_classes = z_dim, width, num_classes
        c = 2 * width
        self.project = nn.Sequential(nn.Linear(z_dim + num_classes, c * 7 * 7), nn.BatchNorm1d(c * 7 * 7),
                                     nn.ReLU(True))
        self.main = nn.Sequential(
            nn.ConvTranspose2d(c, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),  # 14×14
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh(),                                          # 28×28
        )
        relu = lambda: nn.ReLU(True)  # noqa: E731
        self.refine7 = _refine(c, depth, nn.BatchNorm2d, relu) if depth else None
        self.refine14 = _refine(width, depth, nn.BatchNorm2d, relu) if depth else None
        self.apply(weights_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        onehot = _one_hot(y, self.num_classes, z)
        h = self.project(z if onehot is None else torch.cat([z, onehot], 1)).view(-1, 2 * self.width, 7, 7)
        if self.refine7 is None:
            return self.main(h)
        h = self.main[:3](self.refine7(h))
        return self.main[3:](self.refine14(h))


def _norm2d(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":  # LayerNorm over (C, H, W) per sample, as in WGAN-GP's critic (Gulrajani et al. 2017)
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class DCGANDiscriminator(nn.Module):
    """D: 1×28×28 → Conv(4, s2) w×14×14 → Conv(4, s2) 2w×7×7 [norm] → features φ(x) → logit (N, 1);
    ``depth`` > 0 adds that many 3×3 conv blocks (norm, LeakyReLU) at 14×14 and at 7×7.

    Conditional: logit = Linear(φ) + ⟨e(y), φ⟩ (projection discriminator, Miyato & Koyama 2018).
    ``aux_classes`` > 0 adds an auxiliary classifier (AC-GAN, Odena et al. 2017): class logits = Linear(φ(x)).
    """

    def __init__(self, width: int = 64, num_classes: int = 0, norm: str = "batch", depth: int = 0,
                 aux_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        c = 2 * width
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2, True),                                  # 14×14
            nn.Conv2d(width, c, 4, 2, 1, bias=norm == "none"), _norm2d(norm, c), nn.LeakyReLU(0.2, True),  # 7×7
            nn.Flatten(),
        )
        lrelu = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
        refine = lambda ch: _refine(ch, depth, lambda n: _norm2d(norm, n), lrelu, bias=norm == "none")  # noqa: E731
        self.refine14 = refine(width) if depth else None
        self.refine7 = refine(c) if depth else None
        self.out = nn.Linear(c * 7 * 7, 1)
        self.embed = nn.Embedding(num_classes, c * 7 * 7) if num_classes else None
        self.aux = nn.Linear(c * 7 * 7, aux_classes) if aux_classes else None
        self.apply(weights_init)

    def _phi(self, x: torch.Tensor) -> torch.Tensor:
        if self.refine14 is None:
            return self.features(x)
        h = self.refine14(self.features[:2](x))
        return self.features[5](self.refine7(self.features[2:5](h)))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        phi = self._phi(x)
        return _projection_logit(self.out(phi), phi, self.embed, y)

    def forward_aux(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(real/fake logit (N, 1), auxiliary class logits (N, aux_classes)) from one pass over φ(x)."""
        if self.aux is None:
            raise ValueError("This discriminator has no auxiliary classifier.")
        phi = self._phi(x)
        return _projection_logit(self.out(phi), phi, self.embed, y), self.aux(phi)


def _projection_logit(logit: torch.Tensor, phi: torch.Tensor, embed: nn.Embedding | None,
                      y: torch.Tensor | None) -> torch.Tensor:
    """D(x, y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩ (projection discriminator, Miyato & Koyama 2018); ψ(φ) alone if
    unconditional."""
    if embed is None:
        return logit
    if y is None:
        raise ValueError("This class-conditional net needs labels y.")
    return logit + (embed(y.long()) * phi).sum(1, keepdim=True)


class MLPImageGenerator(nn.Module):
    """The seeds' fully connected G: z [⊕ one-hot y] → 256 → 512 → 784 (LeakyReLU 0.2, tanh) → 1×28×28."""

    def __init__(self, z_dim: int = 100, hidden=(256, 512), num_classes: int = 0):
        super().__init__()
        self.z_dim, self.num_classes = z_dim, num_classes
        self.net = mlp(z_dim + num_classes, IMAGE_DIM, hidden, "leaky_relu", "tanh")

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        onehot = _one_hot(y, self.num_classes, z)
        return self.net(z if onehot is None else torch.cat([z, onehot], 1)).view(-1, *IMAGE_SHAPE)


class MLPImageDiscriminator(nn.Module):
    """The seeds' fully connected D: 784 → 512 → 256 (LeakyReLU 0.2) → logit; conditional by projection."""

    def __init__(self, hidden=(512, 256), num_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        body = mlp(IMAGE_DIM, 1, hidden, "leaky_relu")
        self.features, self.out = body[:-1], body[-1]
        self.embed = nn.Embedding(num_classes, hidden[-1]) if num_classes else None
        if self.embed is not None:
            nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        phi = self.features(x.flatten(1))
        return _projection_logit(self.out(phi), phi, self.embed, y)


def build_generator(spec: ImageGANSpec) -> nn.Module:
    if spec.model == "dcgan":
        return DCGANGenerator(spec.z_dim, spec.width, spec.num_classes, spec.depth)
    return MLPImageGenerator(spec.z_dim, spec.hidden_g, spec.num_classes)


def build_discriminator(spec: ImageGANSpec) -> nn.Module:
    if spec.model == "dcgan":
        D = DCGANDiscriminator(spec.width, spec.num_classes, spec.d_norm, spec.depth, spec.aux_classes)
    else:
        D = MLPImageDiscriminator(spec.hidden_d, spec.num_classes)
    return apply_spectral_norm(D) if spec.spectral_norm else D


def build_gan(spec: ImageGANSpec, seed: int | None = None) -> tuple[nn.Module, nn.Module]:
    """(G, D) for ``spec``; with ``seed`` the initial weights are reproducible (torch.manual_seed first)."""
    if seed is not None:
        torch.manual_seed(seed)
    G = build_generator(spec)
    return G, build_discriminator(spec)


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def generator_to_load(spec: ImageGANSpec) -> nn.Module:
    """G for ``spec`` on PyTorch's "meta" device (every shape and dtype, no memory for the numbers), to load
    weights into (``load_state_dict(..., assign=True)``) once :func:`spec_size` has checked its size."""
    with torch.device("meta"):
        return build_generator(spec)


def discriminator_to_load(spec: ImageGANSpec) -> nn.Module:
    """D for ``spec`` to load weights into, like :func:`generator_to_load`; a spectrally normalised D is built on
    the CPU instead (within the size checked by :func:`spec_size`): on the meta device spectral norm's 15 initial
    power iterations run through Python kernels, 0.3 s for a DCGAN D against 10 ms on the CPU. Its random initial
    weights are replaced, so the global RNG is left as it was."""
    if not spec.spectral_norm:
        with torch.device("meta"):
            return build_discriminator(spec)
    with torch.random.fork_rng(devices=[]):
        return build_discriminator(spec)


def spec_size(spec: ImageGANSpec) -> int:
    """Numbers (parameters and buffers) in G and D together, counted before anything is allocated: the nets built
    on the meta device without spectral norm, plus its two power-iteration vectors per normalised weight W —
    u of W's rows and v of its columns, W read as a matrix with dim 1 first for a transposed convolution (Miyato
    et al. 2018, Algorithm 1; torch.nn.utils.parametrizations.spectral_norm)."""
    with torch.device("meta"):
        G, D = build_generator(spec), build_discriminator(replace(spec, spectral_norm=False))
    n = sum(t.numel() for net in (G, D) for t in net.state_dict().values())
    if spec.spectral_norm:
        for m in D.modules():
            if isinstance(m, SPECTRAL_NORM_LAYERS):
                rows = m.weight.shape[1 if isinstance(m, nn.ConvTranspose2d) else 0]
                n += rows + m.weight.numel() // rows
    return n
