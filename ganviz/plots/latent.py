"""Figures and pictures for the "Pretrained DCGAN" and "Latent space" pages (data in, figure/array out)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.images.tensors import make_grid, to_uint8
from ganviz.plots.base import finite, font_px, live_figure
from ganviz.plots.images import upscale

__all__ = ["norms_figure", "numbered_grid", "strip", "picture"]

LERP_COLOR, SLERP_COLOR = "#d62728", "#1f77b4"


def norms_figure(t: np.ndarray, norms_lerp: np.ndarray, norms_slerp: np.ndarray, expected: float,
                 height: int = 260) -> go.Figure:
    """‖z‖ along the lerp and slerp paths against t, with E‖z‖ of N(0, I) (the shell G was trained on) dashed."""
    data = [{"type": "scatter", "x": t, "y": finite(norms_lerp), "mode": "lines+markers", "name": "lerp",
             "line": {"color": LERP_COLOR}},
            {"type": "scatter", "x": t, "y": finite(norms_slerp), "mode": "lines+markers", "name": "slerp",
             "line": {"color": SLERP_COLOR}}]
    low = min(float(np.min(norms_lerp)), float(np.min(norms_slerp)), expected)
    high = max(float(np.max(norms_slerp)), float(np.max(norms_lerp)), expected)
    return live_figure(data, {
        "height": height, "margin": dict(l=10, r=10, t=30, b=10), "uirevision": "norms",
        "xaxis": {"title": {"text": "t (position on the path)"}},
        "yaxis": {"title": {"text": "‖z‖"}, "range": [0.8 * low, 1.1 * high]},
        "shapes": [{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": expected,
                    "y1": expected, "line": {"dash": "dash", "color": "#555"}}],
        "annotations": [{"text": "E‖z‖ for z ~ N(0, I)", "xref": "x domain", "x": 1, "xanchor": "right",
                         "yref": "y", "y": expected, "yanchor": "top", "showarrow": False,
                         "font": {"size": font_px()}}],
        "legend": dict(orientation="h", y=1.12, x=0)})


def strip(images, scale: int = 3) -> np.ndarray:
    """Images (N, 1, 28, 28) in [−1, 1] side by side in one row, enlarged (an interpolation or a walk)."""
    return upscale(make_grid(images, nrow=len(images)), scale)


def picture(images, nrow: int = 8, scale: int = 3) -> np.ndarray:
    """A grid of images, enlarged for a projector."""
    return upscale(make_grid(images, nrow=nrow), scale)


def numbered_grid(images, nrow: int = 8, scale: int = 3) -> np.ndarray:
    """A grid (RGB uint8) with each image's index in its corner, so users can name exemplars by number."""
    from PIL import Image, ImageDraw
    tiles = to_uint8(images)
    grid = upscale(make_grid(tiles, nrow=nrow), scale)
    img = Image.fromarray(grid).convert("RGB")
    draw = ImageDraw.Draw(img)
    ncol = max(1, min(nrow, len(tiles)))
    cell = (28 + 2) * scale
    for k in range(len(tiles)):
        r, c = divmod(k, ncol)
        x, y = 2 * scale + c * cell, 2 * scale + r * cell
        draw.rectangle([x, y, x + 7 * len(str(k)) + 2, y + 11], fill=(255, 215, 0))
        draw.text((x + 1, y), str(k), fill=(0, 0, 0))
    return np.asarray(img)
