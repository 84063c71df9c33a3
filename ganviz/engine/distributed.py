"""Data-parallel runs under ``torchrun``: the process group from torchrun's environment, one device per process.

    torchrun --nproc-per-node 4 -m ganviz train --recipe digits_fast --batch 256 --out runs/ddp

torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT; :func:`setup` joins the group (NCCL on
CUDA, gloo on CPUs), pins the process to GPU LOCAL_RANK, and :meth:`ganviz.engine.trainer.Trainer.distribute` wraps
the nets.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Process:
    """This process's place in the run: rank (0 writes files and logs), world_size, local_rank (its GPU)."""
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def from_env(env=os.environ) -> Process:
    """The torchrun variables (a single process when they are absent)."""
    try:
        return Process(int(env.get("RANK", 0)), int(env.get("WORLD_SIZE", 1)), int(env.get("LOCAL_RANK", 0)))
    except ValueError:
        raise ValueError("RANK, WORLD_SIZE and LOCAL_RANK must be integers (torchrun sets them).") from None


def setup(device: str = "auto") -> Process:
    """Join torchrun's process group when WORLD_SIZE > 1: NCCL with one GPU per process (``device`` auto/cuda on a
    CUDA machine), gloo otherwise. A single process is returned untouched."""
    proc = from_env()
    if proc.world_size == 1 or dist.is_initialized():
        return proc
    cuda = torch.cuda.is_available() and not device.startswith(("cpu", "mps"))
    if cuda:
        torch.cuda.set_device(proc.local_rank)  # "cuda" now means this process's GPU
    dist.init_process_group("nccl" if cuda else "gloo", rank=proc.rank, world_size=proc.world_size)
    return proc


def teardown() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()
