"""Figures of the Dirac-GAN page: the (θ, ψ) plane with the gradient field and a trajectory, and the iterates
over time. Data in, go.Figure out (pure)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import live_figure
from ganviz.plots.toy import _segments, stride_downsample

COLORS = {"field": "rgba(120, 120, 120, 0.75)", "path": "#1f77b4", "now": "#d62728", "start": "#111111",
          "eq": "#2ca02c", "theta": "#2ca02c", "psi": "#1f77b4", "d_fake": "#ff7f0e"}


def field_segments(theta, psi, v_theta, v_psi, length: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The field's directions on a grid: a segment from each (θ, ψ) along v/‖v‖, all of length ``length`` (the
    speed shrinks to 0 near the equilibrium, so equal lengths keep every direction visible). Returns the segment
    trace's x, y and the heads (n, 2); zero vectors give no segment."""
    p = np.column_stack([np.ravel(theta), np.ravel(psi)]).astype(np.float64)
    v = np.column_stack([np.ravel(v_theta), np.ravel(v_psi)]).astype(np.float64)
    norm = np.linalg.norm(v, axis=1)
    keep = np.isfinite(norm) & (norm > 0)
    p, v = p[keep], v[keep] / norm[keep, None]
    heads = p + length * v
    xs, ys = _segments(p, heads)
    return xs, ys, heads


def _thin(points: np.ndarray, max_points: int = 4000) -> np.ndarray:
    """The finite rows, every k-th of them past ``max_points`` (always the last): keeps the browser light."""
    points = np.asarray(points, dtype=np.float64)
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) > max_points:
        idx = np.unique(np.append(np.linspace(0, len(points) - 1, max_points).astype(int), len(points) - 1))
        points = points[idx]
    return points


def plane_figure(grid: dict, path: np.ndarray, extent: float, whole: np.ndarray | None = None, height: int = 520,
                 uirevision: str = "dirac-plane") -> go.Figure:
    """The (θ, ψ) plane: the field's directions (grey segments with a dot at the head), the equilibrium (0, 0),
    the iterates so far (``path``, (t + 1, 2)), its start and the current point, and faintly the ``whole`` run.
    ``grid``: theta, psi, v_theta, v_psi arrays. The view is the square [−extent, extent]²."""
    xs, ys, heads = field_segments(grid["theta"], grid["psi"], grid["v_theta"], grid["v_psi"], 0.09 * extent)
    shown = _thin(path)
    data = [
        dict(type="scatter", x=xs, y=ys, mode="lines", name="gradient field v(θ, ψ)", hoverinfo="skip",
             line=dict(color=COLORS["field"], width=1)),
        dict(type="scatter", x=heads[:, 0], y=heads[:, 1], mode="markers", showlegend=False, hoverinfo="skip",
             marker=dict(color=COLORS["field"], size=3)),
        dict(type="scatter", x=[0.0], y=[0.0], mode="markers", name="equilibrium (0, 0)",
             marker=dict(color=COLORS["eq"], size=12, symbol="star")),
        dict(type="scatter", x=shown[:, 0], y=shown[:, 1], mode="lines", name="iterates so far (θₜ, ψₜ)",
             line=dict(color=COLORS["path"], width=1.8)),
    ]
    if len(shown):
        data += [dict(type="scatter", x=[shown[0, 0]], y=[shown[0, 1]], mode="markers", name="start",
                      marker=dict(color=COLORS["start"], size=8, symbol="circle-open")),
                 dict(type="scatter", x=[shown[-1, 0]], y=[shown[-1, 1]], mode="markers", name="now",
                      marker=dict(color=COLORS["now"], size=10),
                      hovertemplate="θ=%{x:.3f}, ψ=%{y:.3f}<extra>now</extra>")]
    rng = [-extent, extent]
    layout = dict(height=height, uirevision=uirevision, margin=dict(l=50, r=20, t=15, b=45),
                  xaxis=dict(title=dict(text="θ (generator: where the fake sits)"), range=rng, zeroline=False),
                  yaxis=dict(title=dict(text="ψ (discriminator: D(x) = ψ·x)"), range=rng, zeroline=False,
                             scaleanchor="x", scaleratio=1),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    return live_figure(data, layout)


def iterates_figure(path: np.ndarray, d_fake: np.ndarray, d_label: str, total: int, height: int = 300,
                  uirevision: str = "dirac-series") -> go.Figure:
    """θₜ, ψₜ and D on the fake over the iterations shown so far; the x-axis spans the whole run (``total``)."""
    path = np.asarray(path, dtype=np.float64)
    t = np.arange(len(path))
    data = []
    for name, values, color, axis in (("θₜ", path[:, 0], COLORS["theta"], "y"), ("ψₜ", path[:, 1], COLORS["psi"], "y"),
                                      (d_label, d_fake, COLORS["d_fake"], "y2")):
        s, v = stride_downsample(t, values)
        data.append(dict(type="scatter", x=s, y=v, mode="lines", name=name, yaxis=axis,
                         line=dict(color=color, width=1.5)))
    layout = dict(height=height, uirevision=uirevision, margin=dict(l=50, r=60, t=15, b=40),
                  xaxis=dict(title=dict(text="iteration t"), range=[0, max(1, total)]),
                  yaxis=dict(title=dict(text="θ, ψ")),
                  yaxis2=dict(title=dict(text=d_label), overlaying="y", side="right", showgrid=False),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    return live_figure(data, layout)
