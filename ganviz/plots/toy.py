"""Plotly figure builders for the 2-D playground: data in, go.Figure out (pure, no streamlit).

SVG go.Scatter for every live trace (WebGL flickers under frequent redraws), go.Heatmap for D's output,
fixed heights and ``uirevision`` so a zoom survives the live updates. Colours: real data black, fakes green,
G's manifold grey, gradient arrows orange (as ganviz.plots.theory: Goodfellow et al. 2014, Fig. 1).
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import finite, live_figure

COLORS = {"real": "#111111", "fake": "#2ca02c", "manifold": "rgba(90, 90, 90, 0.45)", "arrow": "#ff7f0e",
          "loss_d": "#1f77b4", "loss_g": "#2ca02c", "d_real": "#111111", "d_fake": "#2ca02c",
          "grad_norm_d": "#1f77b4", "grad_norm_g": "#2ca02c", "modes_covered": "#9467bd",
          "hq_fraction": "#ff7f0e", "reverse_kl": "#d62728", "modes_covered_strict": "#c5b0d5",
          "diversity": "#8c564b"}
EVENT_COLORS = {"nan": "#d62728", "d_wins": "#1f77b4", "mode_collapse": "#9467bd", "oscillation": "#ff7f0e"}
EVENT_LABELS = {"nan": "NaN", "d_wins": "D wins", "mode_collapse": "mode collapse", "oscillation": "oscillation"}
# D's output: purple where D says "fake", green where it says "real" (GAN Lab's convention), white at 1/2
D_COLORSCALE = [[0.0, "#8e6cc0"], [0.5, "#ffffff"], [1.0, "#4daf4a"]]
MAX_POINTS = 600  # a 260-px-tall chart about 600 px wide: more points only cost the browser
MAX_EVENT_LINES = 40


def _layout(height: int, title: str | None, uirevision: str, **kw) -> dict:
    """The live charts' layout as a plain dict; ``kw`` adds or replaces top-level keys."""
    layout = dict(height=height, uirevision=uirevision, margin=dict(l=50, r=20, t=40 if title else 15, b=40),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0))
    if title:
        layout["title"] = dict(text=title)
    return {**layout, **kw}


def stride_downsample(steps, values, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Every s-th point (s = ⌈n / max_points⌉), always keeping the last one; non-finite values become gaps."""
    steps, values = np.asarray(steps), np.asarray(values, dtype=np.float64)
    n = len(steps)
    if n > max_points:
        idx = np.arange(0, n, int(np.ceil(n / max_points)))
        if idx[-1] != n - 1:
            idx = np.append(idx, n - 1)
        steps, values = steps[idx], values[idx]
    return steps, finite(values)


def _segments(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Line segments start→end as one trace: x = [s0, e0, nan, s1, e1, nan, …]."""
    n = len(starts)
    gap = np.full(n, np.nan)
    xs = np.column_stack([starts[:, 0], ends[:, 0], gap]).ravel()
    ys = np.column_stack([starts[:, 1], ends[:, 1], gap]).ravel()
    return xs, ys


def arrow_ends(points, vectors, length: float) -> tuple[np.ndarray, float]:
    """Ends of arrows from ``points`` along ``vectors``, scaled so the longest arrow has ``length``.
    Returns (ends, scale); all-zero vectors give zero-length arrows."""
    points, vectors = np.asarray(points, dtype=np.float64), np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1) if len(vectors) else np.zeros(0)
    longest = float(norms.max()) if len(norms) and np.isfinite(norms).all() else 0.0
    scale = length / longest if longest > 0 else 0.0
    return points + scale * vectors, scale


def d_heatmap(axis, d_grid, prob_output: bool, opacity: float) -> dict:
    """D's output on the plane as a heatmap trace: σ(a) on a fixed [0, 1] scale (white at ½), or a critic's
    score centred on its median."""
    z = finite(d_grid)
    if prob_output:
        zmin, zmax, label = 0.0, 1.0, "D(x)"
    else:
        mid = float(np.nanmedian(z)) if np.isfinite(z).any() else 0.0
        half = float(np.nanmax(np.abs(z - mid))) if np.isfinite(z).any() else 1.0
        zmin, zmax, label = mid - (half or 1.0), mid + (half or 1.0), "critic D(x)"
    return dict(type="heatmap", x=axis, y=axis, z=z, zmin=zmin, zmax=zmax, colorscale=D_COLORSCALE,
                opacity=opacity, name=label, showscale=True,
                colorbar=dict(title=dict(text=label), thickness=12, len=0.8),
                hovertemplate="x=%{x:.2f}, y=%{y:.2f}<br>" + label + "=%{z:.3f}<extra></extra>")


def playground_figure(view: dict, extent: tuple[float, float], prob_output: bool = True,
                      show: tuple[str, ...] = ("heatmap", "manifold", "real", "fake", "arrows"),
                      centres: np.ndarray | None = None, sigma: float | None = None, height: int = 560,
                      uirevision: str = "playground", title: str | None = None) -> go.Figure:
    """Real vs fake points on D's output, with G's manifold and the G-loss gradient arrows (GAN Lab view).

    view: PlaygroundView output (real, fake, grad, grid_axis, d_grid, manifold). ``prob_output``: D shows
    σ(a) ∈ [0, 1] (colour scale fixed, white at ½); otherwise the critic score, centred on its median.
    ``centres``/``sigma`` draw each mode's 3σ high-quality circle.
    """
    data = []
    lo, hi = extent
    if "heatmap" in show and view.get("d_grid") is not None:
        data.append(d_heatmap(view["grid_axis"], view["d_grid"], prob_output, opacity=0.55))
    if centres is not None and sigma is not None:
        t = np.linspace(0, 2 * np.pi, 25)
        ring = 3 * sigma * np.column_stack([np.cos(t), np.sin(t)])
        circles = np.concatenate([np.vstack([c + ring, [[np.nan, np.nan]]]) for c in np.asarray(centres)])
        data.append(dict(type="scatter", x=circles[:, 0], y=circles[:, 1], mode="lines", name="3σ of each mode",
                         line=dict(color="#555", width=1, dash="dot"), hoverinfo="skip"))
    if "manifold" in show and view.get("manifold") is not None:
        lines = np.asarray(view["manifold"], dtype=np.float64)
        gap = np.full((lines.shape[0], 1, 2), np.nan)
        flat = np.concatenate([lines, gap], axis=1).reshape(-1, 2)
        data.append(dict(type="scatter", x=flat[:, 0], y=flat[:, 1], mode="lines", name="G's manifold (grid of z)",
                         line=dict(color=COLORS["manifold"], width=1), hoverinfo="skip"))
    if "real" in show and view.get("real") is not None:
        real = np.asarray(view["real"])
        data.append(dict(type="scatter", x=real[:, 0], y=real[:, 1], mode="markers", name="real data",
                         marker=dict(color=COLORS["real"], size=4, opacity=0.6)))
    fake = np.asarray(view.get("fake", np.zeros((0, 2))), dtype=np.float64)
    if "fake" in show and len(fake):
        data.append(dict(type="scatter", x=fake[:, 0], y=fake[:, 1], mode="markers", name="G(z), fixed z",
                         marker=dict(color=COLORS["fake"], size=5, opacity=0.85)))
    grad = np.asarray(view.get("grad", np.zeros((0, 2))), dtype=np.float64)
    if "arrows" in show and len(grad):
        starts = fake[: len(grad)]
        ends, _ = arrow_ends(starts, grad, 0.06 * (hi - lo))
        xs, ys = _segments(starts, ends)
        data.append(dict(type="scatter", x=xs, y=ys, mode="lines", name="−∇ₓ G loss (where G pushes)",
                         line=dict(color=COLORS["arrow"], width=1.5), hoverinfo="skip"))
        data.append(dict(type="scatter", x=ends[:, 0], y=ends[:, 1], mode="markers", showlegend=False,
                         hoverinfo="skip", marker=dict(color=COLORS["arrow"], size=3)))
    return live_figure(data, _layout(
        height, title, uirevision,
        xaxis=dict(range=[lo, hi], zeroline=False, constrain="domain"),
        yaxis=dict(range=[lo, hi], zeroline=False, scaleanchor="x", scaleratio=1, constrain="domain"),
        legend=dict(orientation="h", yanchor="top", y=-0.06, xanchor="left", x=0.0)))


def _events_on(events, y_top: float | None = None) -> tuple[list[dict], list[dict]]:
    """Failure events (latest ones only) as (traces, shapes): a dotted vertical line per event and one
    hoverable marker per event at ``y_top``."""
    events = list(events)[-MAX_EVENT_LINES:]
    traces, shapes = [], []
    for kind in sorted({e.kind for e in events}):
        evs = [e for e in events if e.kind == kind]
        color = EVENT_COLORS.get(kind, "#7f7f7f")
        shapes += [dict(type="line", xref="x", yref="paper", x0=e.step, x1=e.step, y0=0, y1=1,
                        line=dict(color=color, width=1, dash="dot")) for e in evs]
        marker = dict(type="scatter", x=[e.step for e in evs], mode="markers", name=EVENT_LABELS.get(kind, kind),
                      marker=dict(color=color, symbol="triangle-down", size=10), text=[e.message for e in evs],
                      hovertemplate="step %{x}: %{text}<extra></extra>")
        if y_top is not None:
            marker["y"] = [y_top] * len(evs)
        traces.append(marker)
    return traces, shapes


def series_figure(history: dict, names: dict[str, str], events=(), title: str | None = None,
                  ytitle: str | None = None, log_y: bool = False, height: int = 260,
                  uirevision: str = "series", yrange: tuple[float, float] | None = None,
                  hlines: dict[str, float] | None = None) -> go.Figure:
    """Lines over training steps for the history keys in ``names`` (key → legend label), downsampled to
    ≤ MAX_POINTS, with failure events marked; ``hlines`` adds labelled reference levels (e.g. D = ½)."""
    data, top = [], None
    for key, label in names.items():
        if key not in history:
            continue
        steps, values = stride_downsample(*history[key])
        if log_y:
            values = np.where(values > 0, values, np.nan)
        data.append(dict(type="scatter", x=steps, y=values, mode="lines", name=label,
                         line=dict(color=COLORS.get(key), width=1.5)))
        if np.isfinite(values).any():
            top = max(top if top is not None else -np.inf, float(np.nanmax(values)))
    shapes, notes = [], []
    for label, v in (hlines or {}).items():
        shapes.append(dict(type="line", xref="paper", yref="y", x0=0, x1=1, y0=v, y1=v,
                           line=dict(color="#999", width=1, dash="dash")))
        notes.append(dict(xref="paper", yref="y", x=1, y=v, text=label, showarrow=False, xanchor="right",
                          yanchor="top", font=dict(color="#777")))
    if yrange is not None:
        top = yrange[1]
    event_traces, event_shapes = _events_on(events, top)
    yaxis = dict(title=dict(text=ytitle or ""), type="log" if log_y else "linear")
    if yrange is not None:
        yaxis["range"] = list(yrange)
    return live_figure(data + event_traces, _layout(height, title, uirevision, shapes=shapes + event_shapes,
                                                    annotations=notes, xaxis=dict(title=dict(text="step")),
                                                    yaxis=yaxis))


def mode_metrics_figure(history: dict, n_modes: int, events=(), height: int = 260,
                        uirevision: str = "modes", title: str | None = "Mode coverage") -> go.Figure:
    """Modes covered (left axis, 0..K) and % high-quality samples and reverse KL ×100 (right axis)."""
    data = []
    for key, label in (("modes_covered", "modes covered"), ("modes_covered_strict", "modes with ≥ 1 %")):
        if key in history:
            s, v = stride_downsample(*history[key])
            data.append(dict(type="scatter", x=s, y=v, mode="lines", name=label, line=dict(color=COLORS[key], width=2)))
    if "hq_fraction" in history:
        s, v = stride_downsample(*history["hq_fraction"])
        data.append(dict(type="scatter", x=s, y=100 * v, mode="lines", name="% high quality (≤ 3σ)", yaxis="y2",
                         line=dict(color=COLORS["hq_fraction"], width=1.5)))
    if "reverse_kl" in history:
        s, v = stride_downsample(*history["reverse_kl"])
        data.append(dict(type="scatter", x=s, y=v, mode="lines", name="reverse KL (nats)", yaxis="y3",
                         line=dict(color=COLORS["reverse_kl"], width=1.5, dash="dot")))
    event_traces, event_shapes = _events_on(events, n_modes)
    return live_figure(data + event_traces, _layout(
        height, title, uirevision, shapes=event_shapes,
        yaxis=dict(title=dict(text="modes"), range=[0, n_modes + 0.5]),
        yaxis2=dict(title=dict(text="% HQ"), range=[0, 100], overlaying="y", side="right", showgrid=False),
        yaxis3=dict(range=[0, float(np.log(max(n_modes, 2)))], overlaying="y", side="right", visible=False),
        xaxis=dict(title=dict(text="step"))))
