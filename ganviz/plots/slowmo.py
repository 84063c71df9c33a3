"""Figures for the playground's slow motion (one sub-step of Algorithm 1) and its two-run comparison.

The current sub-step's element is drawn strong, the rest faded: the batch of z's fakes (green), the real batch
(black), D's heatmap before or after its step, the G-loss arrows and the fakes' move in G's step (GAN Lab's
slow-motion idea, with the Trainer's own batch).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import live_figure
from ganviz.plots.toy import COLORS, _layout, _segments, arrow_ends, d_heatmap, stride_downsample

_D_KINDS = ("sample_z", "sample_x", "d_both", "d_loss", "d_step")


def _points(xy, name: str, color: str, strong: bool, symbol: str = "circle") -> dict:
    xy = np.asarray(xy, dtype=np.float64)
    return dict(type="scatter", x=xy[:, 0], y=xy[:, 1], mode="markers", name=name,
                marker=dict(color=color, size=7 if strong else 4, opacity=0.95 if strong else 0.3, symbol=symbol,
                            line=dict(width=1 if strong else 0, color="#fff")))


def substep_figure(it, sub: int, extent: tuple[float, float], prob_output: bool = True, height: int = 520,
                   uirevision: str = "slowmo") -> go.Figure:
    """Sub-step ``sub`` of a traced iteration (ganviz.plane.slowmo.Iteration) on the plane."""
    s = it.substeps[sub]
    lo, hi = extent
    d_phase = s.kind in _D_KINDS
    i = s.d_index
    grid = it.d_grids[i if s.kind == "d_step" else i - 1] if d_phase else it.d_grids[it.k]
    heat_strong = s.kind in ("d_both", "d_step")
    data = [d_heatmap(it.grid_axis, grid, prob_output, opacity=0.75 if heat_strong else 0.4)]
    if d_phase:
        order = _D_KINDS.index(s.kind)
        data.append(_points(it.fake[i - 1], "G(z), this D step's batch", COLORS["fake"], order in (0, 2, 3)))
        if order >= 1:
            data.append(_points(it.real[i - 1], "real x, this batch", COLORS["real"], order in (1, 2, 3)))
    else:
        before = it.g_fake
        strong = s.kind != "g_step"
        data.append(_points(before, "G(z) before G's step", COLORS["fake"], strong))
        if s.kind in ("g_loss", "g_step") and it.g_arrows is not None:
            ends, _ = arrow_ends(before, it.g_arrows, 0.06 * (hi - lo))
            xs, ys = _segments(before, ends)
            data.append(dict(type="scatter", x=xs, y=ys, mode="lines", name="−∇ₓ G loss (where G pushes)",
                             line=dict(color=COLORS["arrow"], width=1.5 if s.kind == "g_loss" else 0.8),
                             hoverinfo="skip"))
        if s.kind == "g_step":
            xs, ys = _segments(before, it.g_fake_after)
            data.append(dict(type="scatter", x=xs, y=ys, mode="lines", name="the move of each fake",
                             line=dict(color="#333", width=1), hoverinfo="skip"))
            data.append(_points(it.g_fake_after, "G(z) after G's step", COLORS["fake"], True, "diamond"))
    return live_figure(data, _layout(
        height, None, uirevision,
        xaxis=dict(range=[lo, hi], zeroline=False, constrain="domain"),
        yaxis=dict(range=[lo, hi], zeroline=False, scaleanchor="x", scaleratio=1, constrain="domain"),
        legend=dict(orientation="h", yanchor="top", y=-0.06, xanchor="left", x=0.0)))


PAIR_COLORS = ("#1f77b4", "#d62728")  # run A, run B


def pair_series_figure(history: dict, key: str, labels: tuple[str, str], suffix: str, title: str,
                       log_y: bool = False, height: int = 260, uirevision: str = "pair") -> go.Figure:
    """One history series of both runs (A: ``key``, B: ``key + suffix``) on shared axes."""
    data = []
    for k, label, color in zip((key, key + suffix), labels, PAIR_COLORS, strict=True):
        if k not in history:
            continue
        steps, values = stride_downsample(*history[k])
        if log_y:
            values = np.where(values > 0, values, np.nan)
        data.append(dict(type="scatter", x=steps, y=values, mode="lines", name=label,
                         line=dict(color=color, width=1.5)))
    return live_figure(data, _layout(height, title, uirevision, xaxis=dict(title=dict(text="step")),
                                     yaxis=dict(type="log" if log_y else "linear")))
