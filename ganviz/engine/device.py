"""Where and how a run computes: the device (cuda > mps > cpu), the CPU threads for a net's size, the memory
layout of conv nets (channels_last) and the seed of torch's global RNG (weight init)."""
from __future__ import annotations

import os

import torch
from torch import nn


def resolve_device(name: str = "auto") -> torch.device:
    """cuda > mps > cpu for "auto"; an explicit name is honoured if available, else CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        return torch.device("cpu")
    return torch.device(name)


SMALL_NETS = 250_000  # parameters; below this one CPU thread beats several (op overheads dominate)


def cpu_threads_for(n_params: int) -> int:
    """Intra-op threads for a CPU run: 1 for small nets (1-D/2-D); every core for image nets unless the CPU is
    already busy (load average ≥ cores), when extra threads only oversubscribe it. Measured on a busy 2-core
    machine: a 1-D GAN ran 110–140 steps/s on 1 thread vs 6–23 on 2; DCGAN 472 img/s vs 53."""
    cores = os.cpu_count() or 1
    if n_params < SMALL_NETS:
        return 1
    try:
        busy = os.getloadavg()[0] >= cores
    except OSError:  # not available on this platform
        busy = False
    return 1 if busy else cores


def seed_all(seed: int) -> None:
    """Seed torch's global RNG (weight init) — call before building the nets of a run."""
    torch.manual_seed(seed)


def channels_last(net: nn.Module) -> nn.Module:
    """A convolutional net's 4-D weights (and so its activations) in NHWC order, in place: oneDNN's and cuDNN's
    faster convolution kernels (bench/throughput_images.py: a DCGAN-28 step 15 % less CPU on one thread). The
    same arithmetic in another order: results equal to float rounding. Nets without 2-D convolutions stay."""
    if any(isinstance(m, nn.modules.conv._ConvNd) and m.weight.dim() == 4 for m in net.modules()):
        net.to(memory_format=torch.channels_last)
    return net
