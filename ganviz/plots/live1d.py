"""Plotly builders for the two live 1-D pages (D* and saturation): data in, go.Figure out (no streamlit).

SVG go.Scatter only, fixed heights, ``uirevision`` so zoom survives live updates. Colours follow
Goodfellow et al. 2014, Fig. 1 (see ganviz.plots.theory): p_data black dots, p_g green, D blue dashed.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import finite, live_figure
from ganviz.plots.theory import COLORS, D_STAR_STYLE, D_STYLE, P_DATA_STYLE, P_G_STYLE

LOSS_COLORS = {"minimax": "#d62728", "nonsaturating": "#1f77b4", "lsgan": "#9467bd", "wgan": "#ff7f0e",
               "wgan-gp": "#ff7f0e", "hinge": "#8c564b"}
LOSS_NAMES = {"minimax": "saturating log(1 − D)", "nonsaturating": "non-saturating −log D",
              "lsgan": "LSGAN ½(a − 1)²", "wgan": "WGAN −a", "wgan-gp": "WGAN-GP −a", "hinge": "hinge −a"}
MAX_POINTS = 2000


def _layout(height: int, xtitle: str | None, ytitle: str | None, uirevision: str, **extra) -> dict:
    """A layout as a plain dict (building it through go.Figure.update_layout costs ~20 ms)."""
    layout = dict(height=height, uirevision=uirevision, margin=dict(l=55, r=20, t=20, b=40),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
                  xaxis=dict(title=dict(text=xtitle)), yaxis=dict(title=dict(text=ytitle)))
    for key, value in extra.items():
        layout[key] = {**layout.get(key, {}), **value} if isinstance(value, dict) else value
    return layout


def _hline(y: float, color: str, text: str | None = None, dash: str = "dash", xref: str = "x", yref: str = "y",
           xmax: float = 1.0) -> tuple[dict, dict | None]:
    """A horizontal line across the plot (a layout shape) and its label (an annotation)."""
    shape = dict(type="line", xref=f"{xref} domain", x0=0, x1=xmax, yref=yref, y0=y, y1=y,
                 line=dict(color=color, dash=dash, width=2))
    note = None if text is None else dict(xref=f"{xref} domain", x=1, xanchor="right", yref=yref, y=y,
                                          yanchor="top", text=text, showarrow=False, font=dict(color=color))
    return shape, note


def _scatter(**trace) -> dict:
    """A scatter trace as a plain dict (for ganviz.plots.base.live_figure)."""
    return dict(type="scatter", **trace)


def thin(x, y, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th point so a live series stays under ``max_points`` (the last point is always kept)."""
    x, y = np.asarray(x), np.asarray(y)
    if x.size <= max_points:
        return x, y
    idx = np.unique(np.concatenate((np.arange(0, x.size, int(np.ceil(x.size / max_points))), [x.size - 1])))
    return x[idx], y[idx]


def _slim(x, *ys, max_points: int = 1000):
    """Every k-th grid point (curves on a 2,001-point grid look the same with 1,000 and cost half)."""
    k = max(1, int(np.ceil(len(x) / max_points)))
    return (np.asarray(x)[::k],) + tuple(None if y is None else np.asarray(y)[::k] for y in ys)


def d_star_figure(x, p_data, p_g, d_star, d=None, height: int = 380, uirevision: str = "d-star") -> go.Figure:
    """p_data (black dots) and p_g (green) on the left axis; D* (red) and the trained D (blue dashed) on [0, 1]."""
    x, p_data, p_g, d_star, d = _slim(x, p_data, p_g, d_star, d)
    data = [_scatter(x=x, y=p_data, name="p_data", mode="lines", line=P_DATA_STYLE),
            _scatter(x=x, y=p_g, name="p_g", mode="lines", line=P_G_STYLE),
            _scatter(x=x, y=d_star, name="D*(x) = p_data/(p_data+p_g)", mode="lines", line=D_STAR_STYLE,
                       yaxis="y2")]
    if d is not None:
        data.append(_scatter(x=x, y=finite(d), name="D(x), trained", mode="lines", line={**D_STYLE, "width": 3},
                               yaxis="y2"))
    return live_figure(data, _layout(height, "x", "density", uirevision, yaxis=dict(rangemode="tozero"),
                                   yaxis2=dict(title=dict(text="D(x)"), range=[-0.02, 1.02], overlaying="y",
                                               side="right", showgrid=False, tickvals=[0, 0.25, 0.5, 0.75, 1])))


def gap_figure(steps, gap, height: int = 260, uirevision: str = "gap") -> go.Figure:
    """‖D − D*‖ in L2((p_data + p_g)/2) against the D step (log y)."""
    s, g = thin(steps, finite(gap))
    return live_figure([_scatter(x=s, y=g, name="‖D − D*‖", mode="lines", line=dict(color=COLORS["d"], width=2))],
                        _layout(height, "D step", "‖D − D*‖ (L2 under M)", uirevision, yaxis=dict(type="log")))


def value_figure(steps, v_d, v_star: float, height: int = 260, uirevision: str = "value") -> go.Figure:
    """V(G, D) against the D step, below its maximum V(G, D*) (a horizontal line)."""
    s, v = thin(steps, finite(v_d))
    shape, note = _hline(v_star, COLORS["d_star"], f"max = V(G, D*) = {v_star:.4f}")
    seen = v[np.isfinite(v)]
    lo = min(float(seen.min()), v_star) - 0.05 if seen.size else v_star - 0.5
    return live_figure([_scatter(x=s, y=v, name="V(G, D)", mode="lines", line=dict(color=COLORS["d"], width=2))],
                        _layout(height, "D step", "V(G, D)", uirevision, shapes=[shape], annotations=[note],
                             yaxis=dict(range=[max(lo, v_star - 3.0), v_star + 0.1])))


def _visible_range(x, curves, rel: float = 1e-3, pad: float = 0.3) -> tuple[float, float]:
    """The x-range where any density exceeds ``rel`` of its peak, padded."""
    x = np.asarray(x)
    mask = np.zeros(len(x), dtype=bool)
    for c in curves:
        c = np.asarray(c)
        if np.isfinite(c).all() and c.max() > 0:
            mask |= c > rel * c.max()
    if not mask.any():
        return float(x[0]), float(x[-1])
    lo, hi = float(x[mask][0]), float(x[mask][-1])
    return max(lo - pad, float(x[0])), min(hi + pad, float(x[-1]))


def figure1_panels(x, p_data, panels, height: int = 330, uirevision: str = "fig1") -> go.Figure:
    """Goodfellow et al. 2014, Fig. 1 (a)–(d): per panel p_data (black dots), p_g (green) on a density axis and
    D (blue dashed) on an axis [0, 1] (right), with the ½ level dotted."""
    n = max(len(panels), 1)
    lo, hi = _visible_range(x, [p_data] + [p.p_g for p in panels])
    keep = (np.asarray(x) >= lo) & (np.asarray(x) <= hi)
    top = max(float(np.max(p_data)), 1e-12) * 1.6
    gap = 0.04
    width = (1 - gap * (n - 1)) / n
    data, layout_axes, notes = [], {}, []
    for i, p in enumerate(panels):
        k = i + 1
        xs, pd, pg, d = _slim(np.asarray(x)[keep], np.asarray(p_data)[keep], np.asarray(p.p_g)[keep],
                              np.asarray(p.d)[keep], max_points=500)
        xa, ya, yb = f"x{k if k > 1 else ''}", f"y{2 * k - 1 if k > 1 else ''}", f"y{2 * k}"
        first = i == 0
        data += [
            _scatter(x=xs, y=pd, name="p_data", mode="lines", line=P_DATA_STYLE, showlegend=first,
                       legendgroup="p_data", xaxis=xa, yaxis=ya),
            _scatter(x=xs, y=np.minimum(pg, top * 1.5), name="p_g", mode="lines", line=P_G_STYLE,
                       showlegend=first, legendgroup="p_g", xaxis=xa, yaxis=ya),
            _scatter(x=xs, y=finite(d), name="D", mode="lines", line=D_STYLE, showlegend=first, legendgroup="d",
                       xaxis=xa, yaxis=yb),
            _scatter(x=[lo, hi], y=[0.5, 0.5], name="½", mode="lines", showlegend=first, legendgroup="half",
                       line=dict(color="#999", dash="dot", width=1), xaxis=xa, yaxis=yb),
        ]
        x0 = i * (width + gap)
        layout_axes[f"xaxis{k if k > 1 else ''}"] = dict(domain=[x0, x0 + width], range=[lo, hi], anchor=ya)
        layout_axes[f"yaxis{2 * k - 1 if k > 1 else ''}"] = dict(range=[0, top], anchor=xa, showticklabels=first,
                                                                **({} if first else {"matches": None}))
        layout_axes[f"yaxis{2 * k}"] = dict(range=[0, 1.05], anchor=xa, overlaying=ya, side="right",
                                            showticklabels=k == n, showgrid=False, tickvals=[0, 0.5, 1])
        notes.append(dict(text=f"<b>{p.label}</b> step {p.step}", xref=f"{xa} domain", x=0.5, yref=f"{ya} domain",
                          y=1.0, xanchor="center", yanchor="bottom", showarrow=False))
    layout = _layout(height, None, None, uirevision, annotations=notes, margin=dict(t=50),
                     legend=dict(y=1.12))
    layout.update(layout_axes)
    return live_figure(data, layout)


def w1_figure(steps, w1, height: int = 240, uirevision: str = "w1", xtitle: str = "GAN iteration") -> go.Figure:
    """W1(p_g, p_data) over training (log y)."""
    return live_figure([_scatter(x=steps, y=finite(w1), name="W1(p_g, p_data)", mode="lines+markers",
                                    line=dict(color=COLORS["w1"], width=2), marker=dict(size=4))],
                        _layout(height, xtitle, "W1(p_g, p_data)", uirevision, yaxis=dict(type="log")))


def g_loss_figure(x, curves: dict, xtitle: str, ytitle: str, reject_below: float | None = None,
                  marker: float | None = None, yrange=None, height: int = 320, uirevision: str = "g-loss") -> go.Figure:
    """G losses (or their derivatives) against the logit a or D(G(z)) = σ(a); ``curves`` maps a loss name to
    its values on ``x``. ``reject_below`` shades the region where D confidently rejects fakes."""
    shapes, notes = [], []
    if reject_below is not None:
        shapes.append(dict(type="rect", xref="x", x0=float(np.min(x)), x1=reject_below, yref="y domain", y0=0, y1=1,
                           fillcolor="#d62728", opacity=0.08, line=dict(width=0), layer="below"))
        notes.append(dict(xref="x", x=float(np.min(x)), xanchor="left", yref="y domain", y=0.02, yanchor="bottom",
                          text="D confidently rejects fakes", showarrow=False, font=dict(color="#d62728")))
    if marker is not None:
        shapes.append(dict(type="line", xref="x", x0=marker, x1=marker, yref="y domain", y0=0, y1=1,
                           line=dict(color="#444", width=1)))
    data = [_scatter(x=x, y=finite(y), name=LOSS_NAMES.get(name, name), mode="lines",
                       line=dict(color=LOSS_COLORS.get(name, "#444"), width=3,
                                 dash="dash" if name in ("lsgan", "wgan") else None))
            for name, y in curves.items()]
    return live_figure(data, _layout(height, xtitle, ytitle, uirevision, shapes=shapes, annotations=notes,
                                   yaxis=dict(range=list(yrange)) if yrange is not None else {}))


def saturation_runs_figure(runs: dict, height: int = 340, uirevision: str = "saturation-runs") -> go.Figure:
    """Side by side: G's gradient norm (log y) and W1(p_g, p_data) over G iterations, one colour per loss."""
    data = []
    for name, run in runs.items():
        color = LOSS_COLORS.get(name, "#444")
        label = LOSS_NAMES.get(name, name)
        s, g = thin(run.steps, finite(run.grad_norm_g))
        data += [_scatter(x=s, y=np.maximum(g, 1e-12), name=label, mode="lines", legendgroup=name,
                            line=dict(color=color, width=2)),
                 _scatter(x=run.w1_steps, y=finite(run.w1), name=label, mode="lines", legendgroup=name,
                            showlegend=False, line=dict(color=color, width=3), xaxis="x2", yaxis="y2")]
    title = "G iteration (after D's pre-training)"
    layout = _layout(height, title, "‖∇θ_G L_G‖ (G's gradient norm)", uirevision,
                     xaxis=dict(domain=[0, 0.45]), yaxis=dict(type="log"),
                     xaxis2=dict(domain=[0.55, 1], anchor="y2", title=dict(text=title)),
                     yaxis2=dict(anchor="x2", rangemode="tozero", title=dict(text="W1(p_g, p_data)")))
    return live_figure(data, layout)
