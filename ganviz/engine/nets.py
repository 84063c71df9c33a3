"""Fully connected generators and discriminators (1-D, 2-D and flattened images), spectral normalisation, and
PacGAN's packing of D's input."""
from __future__ import annotations

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": nn.Tanh,
    "elu": nn.ELU,
}


def mlp(in_dim: int, out_dim: int, hidden=(128, 128), activation: str = "relu", out_activation=None) -> nn.Sequential:
    """in_dim → hidden… → out_dim, ``activation`` after each hidden layer, optional output activation."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
    layers: list[nn.Module] = []
    width = in_dim
    for h in hidden:
        layers += [nn.Linear(width, int(h)), ACTIVATIONS[activation]()]
        width = int(h)
    layers.append(nn.Linear(width, out_dim))
    if out_activation == "tanh":
        layers.append(nn.Tanh())
    elif out_activation is not None:
        raise ValueError(f"Unknown output activation {out_activation!r}.")
    return nn.Sequential(*layers)


class MLPGenerator(nn.Module):
    """G: z ∈ R^z_dim → x ∈ R^out_dim (reshaped to ``out_shape`` if given, e.g. images)."""

    def __init__(self, z_dim: int, out_dim: int, hidden=(128, 128), activation="relu", out_activation=None,
                 out_shape: tuple | None = None):
        super().__init__()
        self.z_dim, self.out_shape = z_dim, out_shape
        self.net = mlp(z_dim, out_dim, hidden, activation, out_activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.net(z)
        return x.view(x.shape[0], *self.out_shape) if self.out_shape else x


class MLPDiscriminator(nn.Module):
    """D: x → raw score (logit). With PacGAN packing m, it reads m samples concatenated (Lin et al. 2018)."""

    def __init__(self, in_dim: int, hidden=(128, 128), activation="relu", pack: int = 1):
        super().__init__()
        self.pack = pack
        self.net = mlp(in_dim * pack, 1, hidden, activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))


SPECTRAL_NORM_LAYERS = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def apply_spectral_norm(module: nn.Module) -> nn.Module:
    """Spectral normalisation of every Linear/Conv weight (Miyato et al. 2018), in place."""
    for name, child in list(module.named_children()):
        if isinstance(child, SPECTRAL_NORM_LAYERS):
            setattr(module, name, nn.utils.parametrizations.spectral_norm(child))
        else:
            apply_spectral_norm(child)
    return module


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """PacGAN packing: m consecutive samples become one D input, (N, C, …) → (N/m, m·C, …)."""
    return x if m == 1 else x.reshape(x.shape[0] // m, -1, *x.shape[2:])
