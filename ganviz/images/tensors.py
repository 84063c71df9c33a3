"""Pixels and tensors: uint8 images ↔ float tensors in [−1, 1] (G's tanh range) and the tiling of a batch into one
grid picture."""
from __future__ import annotations

import numpy as np
import torch


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [−1, 1] (x/127.5 − 1, matching G's tanh output)."""
    return torch.from_numpy(np.asarray(images, np.float32)).div_(127.5).sub_(1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor | np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_tensor`: (N, 1, H, W) or (N, H, W) in [−1, 1] -> uint8 (N, H, W), clipped."""
    x = x.detach().float().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x, np.float32)
    if x.ndim == 4:
        x = x[:, 0]
    return np.clip(np.round((x + 1.0) * 127.5), 0, 255).astype(np.uint8)


def make_grid(x: torch.Tensor | np.ndarray, nrow: int = 8, pad: int = 2, value: int = 0) -> np.ndarray:
    """Tile images (N, 1, H, W) in [−1, 1] (or uint8 (N, H, W)) into one uint8 (rows·(H+pad)+pad, ...) picture."""
    imgs = x if isinstance(x, np.ndarray) and x.dtype == np.uint8 and x.ndim == 3 else to_uint8(x)
    n, h, w = imgs.shape
    ncol = max(1, min(nrow, n))
    nrows = max(1, -(-n // ncol))
    grid = np.full((nrows * (h + pad) + pad, ncol * (w + pad) + pad), value, np.uint8)
    for k in range(n):
        r, c = divmod(k, ncol)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = imgs[k]
    return grid
