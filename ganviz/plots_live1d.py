"""Plotly builders for the two live 1-D pages (D* and saturation): data in, go.Figure out (no streamlit).

SVG go.Scatter only, fixed heights, ``uirevision`` so zoom survives live updates. Colours follow
Goodfellow et al. 2014, Fig. 1 (see ganviz.plots_theory): p_data black dots, p_g green, D blue dashed.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.plots_theory import COLORS, D_STAR_STYLE, D_STYLE, P_DATA_STYLE, P_G_STYLE

LOSS_COLORS = {"minimax": "#d62728", "nonsaturating": "#1f77b4", "lsgan": "#9467bd", "wgan": "#ff7f0e",
               "wgan-gp": "#ff7f0e", "hinge": "#8c564b"}
LOSS_NAMES = {"minimax": "saturating log(1 − D)", "nonsaturating": "non-saturating −log D",
              "lsgan": "LSGAN ½(a − 1)²", "wgan": "WGAN −a", "wgan-gp": "WGAN-GP −a", "hinge": "hinge −a"}
MAX_POINTS = 2000


def _layout(fig: go.Figure, height: int, xtitle: str | None, ytitle: str | None, uirevision: str,
            title: str | None = None) -> go.Figure:
    fig.update_layout(height=height, title=title, uirevision=uirevision, template="plotly_white",
                      margin=dict(l=55, r=20, t=40 if title else 20, b=40),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    if xtitle is not None:
        fig.update_xaxes(title=xtitle)
    if ytitle is not None:
        fig.update_yaxes(title=ytitle)
    return fig


def thin(x, y, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th point so a live series stays under ``max_points`` (the last point is always kept)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.size <= max_points:
        return x, y
    idx = np.unique(np.concatenate((np.arange(0, x.size, int(np.ceil(x.size / max_points))), [x.size - 1])))
    return x[idx], y[idx]


def _finite(y) -> np.ndarray:
    """NaN/inf become gaps (None in JSON), never numbers on screen."""
    y = np.asarray(y, dtype=np.float64)
    return np.where(np.isfinite(y), y, np.nan)


def d_star_figure(x, p_data, p_g, d_star, d=None, height: int = 380, uirevision: str = "d-star") -> go.Figure:
    """p_data (black dots) and p_g (green) on the left axis; D* (red) and the trained D (blue dashed) on [0, 1]."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=p_data, name="p_data", mode="lines", line=P_DATA_STYLE), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=p_g, name="p_g", mode="lines", line=P_G_STYLE), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=d_star, name="D*(x) = p_data/(p_data+p_g)", mode="lines",
                             line=D_STAR_STYLE), secondary_y=True)
    if d is not None:
        fig.add_trace(go.Scatter(x=x, y=_finite(d), name="D(x), trained", mode="lines",
                                 line={**D_STYLE, "width": 3}), secondary_y=True)
    fig.update_yaxes(title="density", secondary_y=False, rangemode="tozero")
    fig.update_yaxes(title="D(x)", range=[-0.02, 1.02], secondary_y=True, showgrid=False)
    return _layout(fig, height, "x", None, uirevision)


def gap_figure(steps, gap, height: int = 260, uirevision: str = "gap") -> go.Figure:
    """‖D − D*‖ in L2((p_data + p_g)/2) against the D step (log y)."""
    s, g = thin(steps, _finite(gap))
    fig = go.Figure(go.Scatter(x=s, y=g, name="‖D − D*‖", mode="lines", line=dict(color=COLORS["d"], width=2)))
    fig.update_yaxes(type="log")
    return _layout(fig, height, "D step", "‖D − D*‖ (L2 under M)", uirevision)


def value_figure(steps, v_d, v_star: float, height: int = 260, uirevision: str = "value") -> go.Figure:
    """V(G, D) against the D step, below its maximum V(G, D*) (a horizontal line)."""
    s, v = thin(steps, _finite(v_d))
    fig = go.Figure(go.Scatter(x=s, y=v, name="V(G, D)", mode="lines", line=dict(color=COLORS["d"], width=2)))
    fig.add_hline(y=v_star, line=dict(color=COLORS["d_star"], dash="dash", width=2),
                  annotation_text=f"max = V(G, D*) = {v_star:.4f}", annotation_position="bottom right")
    lo = v_star - 0.5 if v.size == 0 or not np.isfinite(np.nanmin(v)) else min(np.nanmin(v), v_star) - 0.05
    fig.update_yaxes(range=[max(lo, v_star - 3.0), v_star + 0.1])
    return _layout(fig, height, "D step", "V(G, D)", uirevision)


def _visible_range(x, curves, rel: float = 1e-3, pad: float = 0.3) -> tuple[float, float]:
    """The x-range where any density exceeds ``rel`` of its peak, padded."""
    mask = np.zeros(len(x), dtype=bool)
    for c in curves:
        c = np.asarray(c)
        if np.isfinite(c).all() and c.max() > 0:
            mask |= c > rel * c.max()
    if not mask.any():
        return float(x[0]), float(x[-1])
    lo, hi = float(np.asarray(x)[mask][0]), float(np.asarray(x)[mask][-1])
    return max(lo - pad, float(x[0])), min(hi + pad, float(x[-1]))


def figure1_panels(x, p_data, panels, height: int = 330, uirevision: str = "fig1") -> go.Figure:
    """Goodfellow et al. 2014, Fig. 1 (a)–(d): per panel p_data (black dots), p_g (green) on the left axis and
    D (blue dashed) on the right axis [0, 1], with the ½ level."""
    n = len(panels)
    fig = make_subplots(rows=1, cols=n, specs=[[{"secondary_y": True}] * n], horizontal_spacing=0.05,
                        subplot_titles=[f"{p.label} step {p.step}" for p in panels])
    lo, hi = _visible_range(x, [p_data] + [p.p_g for p in panels])
    top = max(float(np.max(p_data)), 1e-12) * 1.6
    for i, p in enumerate(panels, start=1):
        first = i == 1
        fig.add_trace(go.Scatter(x=x, y=p_data, name="p_data", mode="lines", line=P_DATA_STYLE, showlegend=first,
                                 legendgroup="p_data"), row=1, col=i, secondary_y=False)
        fig.add_trace(go.Scatter(x=x, y=np.minimum(p.p_g, top * 1.5), name="p_g", mode="lines", line=P_G_STYLE,
                                 showlegend=first, legendgroup="p_g"), row=1, col=i, secondary_y=False)
        fig.add_trace(go.Scatter(x=x, y=p.d, name="D", mode="lines", line=D_STYLE, showlegend=first,
                                 legendgroup="d"), row=1, col=i, secondary_y=True)
        fig.add_trace(go.Scatter(x=[lo, hi], y=[0.5, 0.5], name="½", mode="lines", showlegend=first,
                                 legendgroup="half", line=dict(color="#999", dash="dot", width=1)),
                      row=1, col=i, secondary_y=True)
        fig.update_xaxes(range=[lo, hi], row=1, col=i)
        fig.update_yaxes(range=[0, top], showticklabels=first, row=1, col=i, secondary_y=False)
        fig.update_yaxes(range=[0, 1.05], showticklabels=i == n, showgrid=False, row=1, col=i, secondary_y=True)
    return _layout(fig, height, None, None, uirevision)


def w1_figure(steps, w1, height: int = 240, uirevision: str = "w1", xtitle: str = "GAN iteration") -> go.Figure:
    """W1(p_g, p_data) over training."""
    fig = go.Figure(go.Scatter(x=steps, y=_finite(w1), name="W1(p_g, p_data)", mode="lines+markers",
                               line=dict(color=COLORS["w1"], width=2), marker=dict(size=4)))
    fig.update_yaxes(type="log")
    return _layout(fig, height, xtitle, "W1(p_g, p_data)", uirevision)


def g_loss_figure(x, curves: dict, xtitle: str, ytitle: str, reject_below: float | None = None,
                  marker: float | None = None, yrange=None, height: int = 320, uirevision: str = "g-loss") -> go.Figure:
    """G losses (or their derivatives) against the logit a or D(G(z)) = σ(a); ``curves`` maps a loss name to
    its values on ``x``. ``reject_below`` shades the region where D confidently rejects fakes."""
    fig = go.Figure()
    if reject_below is not None:
        fig.add_vrect(x0=float(np.min(x)), x1=reject_below, fillcolor="#d62728", opacity=0.08, line_width=0,
                      annotation_text="D confidently rejects fakes", annotation_position="top left")
    for name, y in curves.items():
        fig.add_trace(go.Scatter(x=x, y=_finite(y), name=LOSS_NAMES.get(name, name), mode="lines",
                                 line=dict(color=LOSS_COLORS.get(name, "#444"), width=3,
                                           dash="dash" if name in ("lsgan", "wgan") else None)))
    if marker is not None:
        fig.add_vline(x=marker, line=dict(color="#444", width=1))
    if yrange is not None:
        fig.update_yaxes(range=list(yrange))
    return _layout(fig, height, xtitle, ytitle, uirevision)


def saturation_runs_figure(runs: dict, height: int = 340, uirevision: str = "saturation-runs") -> go.Figure:
    """Side by side: G's gradient norm (log y) and W1(p_g, p_data) over G iterations, one colour per loss."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1,
                        subplot_titles=["‖∇θ_G L_G‖, G's gradient norm", "W1(p_g, p_data)"])
    for name, run in runs.items():
        color = LOSS_COLORS.get(name, "#444")
        label = LOSS_NAMES.get(name, name)
        s, g = thin(run.steps, _finite(run.grad_norm_g))
        fig.add_trace(go.Scatter(x=s, y=np.maximum(g, 1e-12), name=label, mode="lines", legendgroup=name,
                                 line=dict(color=color, width=2)), row=1, col=1)
        fig.add_trace(go.Scatter(x=run.w1_steps, y=_finite(run.w1), name=label, mode="lines", legendgroup=name,
                                 showlegend=False, line=dict(color=color, width=3)), row=1, col=2)
    fig.update_yaxes(type="log", title="gradient norm", row=1, col=1)
    fig.update_yaxes(title="W1", rangemode="tozero", row=1, col=2)
    fig.update_xaxes(title="G iteration (after D's pre-training)")
    return _layout(fig, height, None, None, uirevision)
