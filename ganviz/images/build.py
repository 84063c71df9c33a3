"""An image GAN's Trainer: the real images as a Trainer's ``sample_real`` (preloaded once on the device) and
:func:`build_trainer`, the one way a page, the CLI, the benchmarks and the tests build an image run."""
from __future__ import annotations

import numpy as np
import torch

from ganviz.engine.device import resolve_device
from ganviz.engine.trainer import Trainer
from ganviz.images.nets import build_gan
from ganviz.images.spec import ImageGANSpec
from ganviz.images.tensors import to_tensor


def real_sampler(images: np.ndarray | torch.Tensor, device: torch.device | str = "cpu",
                 labels: np.ndarray | None = None):
    """A Trainer ``sample_real(n, gen)``: the whole dataset preloaded once as one tensor on ``device``;
    each minibatch is n indices drawn uniformly (with replacement) with the trainer's seeded CPU generator.

    With ``labels`` it returns ``(x, y)`` pairs, as the Trainer expects for class-conditional nets.
    The preloaded tensors are exposed as ``sample_real.data`` / ``sample_real.labels``.
    """
    device = torch.device(device)
    data = (images if isinstance(images, torch.Tensor) else to_tensor(images)).to(device).contiguous()
    lab = None if labels is None else torch.tensor(np.asarray(labels), dtype=torch.long).to(device)
    if len(data) == 0 or (lab is not None and len(lab) != len(data)):
        raise ValueError("The dataset is empty or its labels do not match its images.")

    def sample_real(n: int, gen: torch.Generator):
        idx = torch.randint(len(data), (n,), generator=gen, device=gen.device).to(device)
        return data[idx] if lab is None else (data[idx], lab[idx])

    sample_real.data, sample_real.labels = data, lab
    return sample_real


def build_trainer(data, spec: ImageGANSpec, config, fixed_n: int = 64):
    """The one :class:`ganviz.engine.trainer.Trainer` for an image GAN on ``data`` (an
    :class:`ganviz.images.datasets.ImageSet`).

    The nets are built from ``spec`` with ``config.seed`` (same seed, same run); the images are preloaded
    once as one tensor on the trainer's device (no DataLoader). Conditional specs train on (x, y) pairs.
    """
    classes = spec.num_classes or spec.aux_classes  # the labels a conditional G/D or D's classifier learns
    if classes and int(data.labels.max(initial=0)) >= classes:
        raise ValueError(f"The data has {int(data.labels.max()) + 1} classes but the model only {classes}.")
    G, D = build_gan(spec, seed=config.seed)
    device = resolve_device(config.device)
    sample_real = real_sampler(data.images, device, data.labels if classes else None)
    return Trainer(G, D, sample_real, config, z_dim=spec.z_dim, prior=spec.latent_prior(), fixed_n=fixed_n,
                   num_classes=spec.num_classes or None)
