"""Plotly figure builders for the 1-D theory pages: data in, go.Figure out (pure, no streamlit).

All figures use SVG scatter/bar traces, a fixed height and a ``uirevision`` so zoom survives reruns.
Colours follow Goodfellow et al. 2014, Fig. 1: p_data black dots, p_g green, D blue dashed.

Speed: figures are assembled from plain dicts and built by ganviz.plots.base.live_figure, which skips
plotly's per-property validation (≈ 0.5 ms instead of ≈ 10–40 ms a figure); this keeps a theory page's rerun
within its 50 ms budget. The figure tests validate what the builders return.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.onedim.theory import d_star
from ganviz.plots.base import live_figure

LOG2, LOG4 = float(np.log(2.0)), float(np.log(4.0))
COLORS = {"p_data": "#111111", "p_g": "#2ca02c", "d": "#1f77b4", "d_star": "#d62728", "z": "#7f7f7f",
          "w1": "#ff7f0e", "jsd": "#1f77b4", "forward": "#9467bd", "reverse": "#e377c2"}
P_DATA_STYLE = {"color": COLORS["p_data"], "dash": "dot", "width": 3}
P_G_STYLE = {"color": COLORS["p_g"], "width": 3}
D_STYLE = {"color": COLORS["d"], "dash": "dash", "width": 2}
D_STAR_STYLE = {"color": COLORS["d_star"], "width": 2}


def visible_range(x, ys, rel: float = 1e-3, pad: float = 0.05) -> list[float] | None:
    """[lo, hi] of x where some curve exceeds ``rel`` of its maximum, padded by ``pad`` of the width."""
    x = np.asarray(x, dtype=np.float64)
    mask = np.zeros(x.shape, dtype=bool)
    for y in ys:
        y = np.asarray(y, dtype=np.float64)
        if y.shape == x.shape and np.nanmax(y) > 0:
            mask |= y > rel * np.nanmax(y)
    if not mask.any():
        return None
    lo, hi = x[mask].min(), x[mask].max()
    width = max(hi - lo, 1e-9)
    return [float(max(x[0], lo - pad * width)), float(min(x[-1], hi + pad * width))]


def figure(traces: list[dict], height: int, uirevision: str, xtitle: str | None = None,
           ytitle: str | None = None, title: str | None = None, shapes: list[dict] | None = None,
           annotations: list[dict] | None = None, **layout) -> go.Figure:
    """A go.Figure from trace dicts, with the house layout (horizontal legend, fixed height, uirevision)."""
    lay = dict(height=height, uirevision=uirevision,
               margin=dict(l=55, r=20, t=40 if title else 15, b=40), bargap=0,
               legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
               shapes=shapes or [], annotations=annotations or [])
    lay["xaxis"] = {"title": {"text": xtitle}, **layout.pop("xaxis", {})}
    lay["yaxis"] = {"title": {"text": ytitle}, **layout.pop("yaxis", {})}
    if title:
        lay["title"] = {"text": title}
    lay.update(layout)
    return live_figure(traces, lay)


def line(x, y, name: str, style: dict | None = None, mode: str = "lines", **kw) -> dict:
    """A scatter-line trace dict; ``style`` holds plotly line keys plus optional "fill" and "opacity"."""
    style = dict(style or {})
    trace = dict(type="scatter", x=np.asarray(x), y=np.asarray(y), name=name, mode=mode, line=style, **kw)
    for key in ("fill", "opacity"):
        if key in style:
            trace[key] = style.pop(key)
    return trace


def hline(y: float, text: str, color: str = "#888", position: str = "top right") -> tuple[dict, dict]:
    """A dotted horizontal line across the plot and its label, as (shape, annotation) dicts."""
    shape = dict(type="line", xref="paper", x0=0, x1=1, yref="y", y0=y, y1=y,
                 line=dict(color=color, dash="dot", width=1.5))
    note = dict(xref="paper", x=1 if "right" in position else 0, yref="y", y=y, text=text, showarrow=False,
                xanchor="right" if "right" in position else "left",
                yanchor="bottom" if "top" in position else "top", font=dict(color=color))
    return shape, note


def vline(x: float, color: str = "#444") -> dict:
    return dict(type="line", yref="paper", y0=0, y1=1, xref="x", x0=x, x1=x, line=dict(color=color, width=1))


def histogram_bars(samples, bins: int = 80, range_: tuple[float, float] | None = None,
                   name: str = "histogram of G(z)", color: str = COLORS["p_g"]) -> dict:
    """A density-normalised histogram (np.histogram) as one bar trace dict (few bars, not raw samples)."""
    samples = np.asarray(samples, dtype=np.float64).ravel()
    counts, edges = np.histogram(samples, bins=bins, range=range_)
    width = np.diff(edges)
    dens = counts / max(counts.sum(), 1) / width
    return dict(type="bar", x=0.5 * (edges[1:] + edges[:-1]), y=dens, width=width, name=name,
                marker=dict(color=color, opacity=0.3, line=dict(width=0)))


def density_figure(x, curves: dict, hist: dict | None = None, height: int = 340, title: str | None = None,
                   xtitle: str = "x", ytitle: str = "density", uirevision: str = "density",
                   yrange: tuple[float, float] | None = None, crop: bool = False) -> go.Figure:
    """Generic 1-D figure: ``curves`` maps a legend name to (y on x, style) or (x, y, style).
    ``crop`` zooms the x-axis to where the curves on ``x`` have mass (see visible_range).

    Style keys are plotly line keys (color, dash, width) plus optional "fill" ("tozeroy") and "opacity".
    Use P_DATA_STYLE, P_G_STYLE, D_STYLE, D_STAR_STYLE for the paper's colours; ``hist`` adds histogram_bars().
    """
    traces = [hist] if hist is not None else []
    for name, spec in curves.items():
        cx, y, style = (x, *spec) if len(spec) == 2 else spec
        traces.append(line(cx, y, name, style))
    yaxis = {"range": list(yrange)} if yrange is not None else {}
    xaxis = {}
    if crop and x is not None:
        xr = visible_range(x, [spec[0] for spec in curves.values() if len(spec) == 2])
        xaxis = {"range": xr} if xr else {}
    return figure(traces, height, uirevision, xtitle, ytitle, title, yaxis=yaxis, xaxis=xaxis)


def d_figure(x, p_data, p_g, d=None, height: int = 340, uirevision: str = "d-figure",
             p_g_name: str = "p_g", extra: dict | None = None, xrange: list[float] | None = None) -> go.Figure:
    """p_data (black dots), p_g (green) and, on a right axis in [0, 1], D* = p_data/(p_data+p_g) (red) and a
    discriminator D (blue dashed, optional) — Goodfellow et al. 2014, Fig. 1 and Prop. 1.
    ``extra`` adds more density curves, as in density_figure. The x-axis shows ``xrange``, by default the
    part where the densities have mass."""
    curves = {"p_data": (p_data, P_DATA_STYLE), p_g_name: (p_g, P_G_STYLE), **(extra or {})}
    traces = [line(x, y, name, style) for name, (y, style) in curves.items()]
    traces.append(line(x, d_star(p_data, p_g), "D* = p_data/(p_data+p_g)", D_STAR_STYLE, yaxis="y2"))
    if d is not None:
        traces.append(line(x, d, "D", D_STYLE, yaxis="y2"))
    xr = xrange or visible_range(x, [p_data, p_g] + [y for y, _ in (extra or {}).values()])
    return figure(traces, height, uirevision, "x", "density", xaxis={"range": xr} if xr else {},
                  yaxis2=dict(overlaying="y", side="right", range=[0, 1.05], tickvals=[0, 0.5, 1],
                              title=dict(text="D"), showgrid=False))


def mapping_figure(z, gz, x_grid=None, p_data=None, p_g=None, height: int = 320,
                   uirevision: str = "mapping") -> go.Figure:
    """Goodfellow et al. 2014 Fig. 1 style: the z-line (y = 0) below, the x-line (y = 1) above, a line from
    each sample z to G(z); optional p_data (black dots) and p_g (green) drawn above the x-line, scaled."""
    z, gz = np.asarray(z, dtype=np.float64), np.asarray(gz, dtype=np.float64)
    n = z.size
    xs = np.column_stack([z, gz, np.full(n, np.nan)]).ravel()
    ys = np.column_stack([np.zeros(n), np.ones(n), np.full(n, np.nan)]).ravel()
    ends = [z.min(), gz.min(), z.max(), gz.max()] + ([x_grid[0], x_grid[-1]] if x_grid is not None else [])
    lo, hi = float(np.min(ends)), float(np.max(ends))
    traces = [
        line(xs, ys, "z → G(z)", {"color": "rgba(44,160,44,0.35)", "width": 1}, hoverinfo="skip", showlegend=False),
        line([lo, hi, None, lo, hi], [0, 0, None, 1, 1], "axes", {"color": "#444", "width": 2}, showlegend=False,
             hoverinfo="skip"),
        dict(type="scatter", x=z, y=np.zeros(n), mode="markers", name="z ~ p_z", showlegend=False,
             marker=dict(color=COLORS["z"], size=5)),
        dict(type="scatter", x=gz, y=np.ones(n), mode="markers", name="G(z)", showlegend=False,
             marker=dict(color=COLORS["p_g"], size=5)),
    ]
    if x_grid is not None:
        ref = p_data if p_data is not None else p_g
        top = float(np.max(ref)) if ref is not None else 0.0
        scale = 0.8 / top if top > 0 else 0.0  # p_data fills 0.8 of the band above the x-line; p_g is capped
        if p_data is not None:
            traces.append(line(x_grid, 1.05 + scale * np.asarray(p_data), "p_data", P_DATA_STYLE))
        if p_g is not None:
            traces.append(line(x_grid, 1.05 + np.minimum(scale * np.asarray(p_g), 1.0), "p_g", P_G_STYLE))
    return figure(traces, height, uirevision, "value", None,
                  yaxis=dict(tickvals=[0, 1], ticktext=["z", "x"], range=[-0.15, 2.1], showgrid=False,
                             zeroline=False))


def map_curve_figure(z, curves: dict, height: int = 320, uirevision: str = "map-curve") -> go.Figure:
    """The curve x = G(z): ``curves`` maps a name to (G(z) values on z, style)."""
    return figure([line(z, gz, name, style) for name, (gz, style) in curves.items()], height, uirevision,
                  "z", "x = G(z)")


def value_vs_jsd_figure(param, c_integrated, jsd_values, current: float | None = None, xtitle: str = "shift",
                        height: int = 320, uirevision: str = "v-jsd") -> go.Figure:
    """V(G, D*) by integration against −log 4 + 2·JSD (Goodfellow et al. 2014, Thm. 1) over a swept parameter."""
    traces = [line(param, c_integrated, "V(G, D*) by integration", {"color": COLORS["d_star"], "width": 5}),
              line(param, -LOG4 + 2 * np.asarray(jsd_values), "−log 4 + 2·JSD",
                   {"color": COLORS["jsd"], "dash": "dash", "width": 2})]
    (s1, a1), (s2, a2) = hline(-LOG4, "−log 4 (p_g = p_data)"), hline(0.0, "0 (disjoint)", "#aaa", "bottom right")
    shapes = [s1, s2] + ([vline(current)] if current is not None else [])
    return figure(traces, height, uirevision, xtitle, "C(G)", shapes=shapes, annotations=[a1, a2])


def jsd_w1_figure(shift, jsd_values, w1_values, current: float | None = None, height: int = 320,
                  uirevision: str = "jsd-w1") -> go.Figure:
    """JSD saturating at log 2 once supports are disjoint, while W1 keeps growing (Arjovsky et al. 2017, Fig. 1)."""
    traces = [line(shift, jsd_values, "JSD(p_data ‖ p_g)", {"color": COLORS["jsd"], "width": 3}),
              line(shift, w1_values, "W1(p_data, p_g)", {"color": COLORS["w1"], "width": 3})]
    shape, note = hline(LOG2, "log 2")
    shapes = [shape] + ([vline(current)] if current is not None else [])
    return figure(traces, height, uirevision, "shift θ of p_g", "nats / distance", shapes=shapes,
                  annotations=[note])


def kl_fit_figure(x, p, q_forward, q_reverse, height: int = 340, uirevision: str = "kl-fit") -> go.Figure:
    """A bimodal target with its best single-Gaussian fits: forward KL(p‖q) covers, reverse KL(q‖p) seeks."""
    return density_figure(x, {
        "p_data": (p, {**P_DATA_STYLE, "fill": "tozeroy"}),
        "forward KL(p‖q): mode covering": (q_forward, {"color": COLORS["forward"], "width": 3}),
        "reverse KL(q‖p): mode seeking": (q_reverse, {"color": COLORS["reverse"], "width": 3, "dash": "dash"}),
    }, height=height, uirevision=uirevision)


def prop2_figure(x, p_data, path, step: int, height: int = 340, uirevision: str = "prop2") -> go.Figure:
    """Proposition 2: p_g at ``step`` (green) over its start (faint) and p_data, with D* at that step."""
    path = np.asarray(path)
    start = {"start (step 0)": (path[0], {"color": COLORS["p_g"], "width": 1, "dash": "dot", "opacity": 0.6})}
    return d_figure(x, p_data, path[step], height=height, uirevision=uirevision,
                    p_g_name=f"p_g at step {step}", extra=start)


def c_path_figure(c_values, step: int | None = None, height: int = 260, uirevision: str = "c-path") -> go.Figure:
    """C(G) against the Prop. 2 step, with the floor −log 4."""
    c_values = np.asarray(c_values)
    traces = [line(np.arange(c_values.size), c_values, "C(G)", {"color": COLORS["d_star"], "width": 3},
                   mode="lines+markers")]
    if step is not None:
        traces.append(dict(type="scatter", x=[step], y=[c_values[step]], mode="markers", name="now",
                           marker=dict(size=12, color="#444")))
    shape, note = hline(-LOG4, "−log 4")
    return figure(traces, height, uirevision, "step", "C(G)", shapes=[shape], annotations=[note])
