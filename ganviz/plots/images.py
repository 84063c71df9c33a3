"""Figures and files for the image-GAN page: training curves (plotly), PNG grids and GIF timelines (PIL).

Curves are SVG go.Scatter with fixed heights and a ``uirevision`` (zoom survives live updates), downsampled
to at most ``MAX_POINTS`` points. Failure events from :mod:`ganviz.engine.monitor` are marked as red ✕ on the
loss chart, with their message on hover. Pure functions: data in, figure/bytes out, no streamlit.
"""
from __future__ import annotations

import io

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import finite, live_figure

MAX_POINTS = 2000
COLORS = {"loss_d": "#1f77b4", "loss_g": "#2ca02c", "d_real": "#111111", "d_fake": "#2ca02c",
          "grad_norm_d": "#1f77b4", "grad_norm_g": "#2ca02c", "aux_real": "#111111", "aux_fake": "#2ca02c",
          "event": "#d62728"}
LABELS = {"loss_d": "D loss", "loss_g": "G loss", "d_real": "D(x)", "d_fake": "D(G(z))",
          "grad_norm_d": "‖∇D‖", "grad_norm_g": "‖∇G‖", "aux_real": "C on real",
          "aux_fake": "G's class term"}


def mean_downsample(steps: np.ndarray, values: np.ndarray,
                    max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` points: means over equal chunks of the series (keeps the trend, drops noise)."""
    n = len(steps)
    if n <= max_points:
        return steps, values
    edges = np.linspace(0, n, max_points + 1).astype(int)
    return (steps[edges[1:] - 1],
            np.add.reduceat(values, edges[:-1]) / np.diff(edges))


def curves_figure(history: dict, names: tuple[str, ...], height: int = 260, ytitle: str | None = None,
                  events: tuple = (), log_y: bool = False, uirevision: str = "curves",
                  hline: float | None = None) -> go.Figure:
    """Series ``names`` of a Trainer history ({name: (steps, values)}) against the step.

    ``events`` (monitor Events) are drawn as red ✕ markers at the top with their message on hover;
    ``hline`` adds a dotted reference line (e.g. 0.5 for D(x) at the equilibrium, Goodfellow 2014 Thm. 1).
    """
    data, ymax = [], None
    for name in names:
        if name not in history:
            continue
        steps, values = history[name]
        steps, values = mean_downsample(np.asarray(steps), finite(values))
        data.append(dict(type="scatter", x=steps, y=values, name=LABELS.get(name, name), mode="lines",
                         line=dict(color=COLORS.get(name), width=1.6)))
        if len(values) and np.isfinite(values).any():
            top = float(np.nanmax(values))
            ymax = top if ymax is None else max(ymax, top)
    shapes = [] if hline is None else [dict(type="line", xref="x domain", x0=0, x1=1, yref="y", y0=hline, y1=hline,
                                            line=dict(color="#7f7f7f", dash="dot", width=1))]
    if events:
        y = ymax if ymax is not None and (not log_y or ymax > 0) else 1.0
        data.append(dict(type="scatter", x=[e.step for e in events], y=[y] * len(events), mode="markers",
                         name="events", marker=dict(symbol="x", size=10, color=COLORS["event"]),
                         hovertext=[f"step {e.step}: {e.message}" for e in events], hoverinfo="text"))
    return live_figure(data, dict(
        height=height, uirevision=uirevision, shapes=shapes, margin=dict(l=50, r=10, t=10, b=35),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        xaxis=dict(title=dict(text="step")),
        yaxis=dict(title=dict(text=ytitle or ""), type="log" if log_y else "linear")))


def loss_figure(history: dict, events: tuple = (), height: int = 260) -> go.Figure:
    """D and G losses per step (the values each player minimises, ganviz.engine.losses)."""
    return curves_figure(history, ("loss_d", "loss_g"), height, "loss", events, uirevision="loss")


def d_outputs_figure(history: dict, probabilistic: bool, events: tuple = (), height: int = 260) -> go.Figure:
    """Mean D(x) and D(G(z)): probabilities for the 2014 losses (healthy: both drift toward ½),
    raw critic scores otherwise."""
    return curves_figure(history, ("d_real", "d_fake"), height, "D(x), D(G(z))" if probabilistic else "critic score",
                         events, uirevision="dout", hline=0.5 if probabilistic else None)


def grad_norm_figure(history: dict, height: int = 260) -> go.Figure:
    """‖∇_θD‖ and ‖∇_θG‖ per step on a log axis (ganhacks: norms above 100 signal trouble)."""
    return curves_figure(history, ("grad_norm_d", "grad_norm_g"), height, "gradient norm", log_y=True,
                         uirevision="grad", hline=100.0)


def upscale(grid: np.ndarray, scale: int = 3) -> np.ndarray:
    """Nearest-neighbour enlargement of a uint8 picture (crisp pixels on a projector)."""
    return np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)


def png_bytes(grid: np.ndarray, scale: int = 3) -> bytes:
    """A uint8 grayscale grid as PNG bytes (for the download button)."""
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(upscale(np.asarray(grid, np.uint8), scale)).save(buf, format="PNG")
    return buf.getvalue()


def gif_bytes(frames: list[tuple[int, np.ndarray]], scale: int = 3, duration_ms: int = 150) -> bytes:
    """An animated GIF of a timeline [(step, grid), ...]; the last frame is held for one second."""
    from PIL import Image
    if not frames:
        raise ValueError("The timeline is empty: train a few steps first.")
    images = [Image.fromarray(upscale(np.asarray(g, np.uint8), scale)) for _, g in frames]
    buf = io.BytesIO()
    durations = [duration_ms] * (len(images) - 1) + [1000]
    images[0].save(buf, format="GIF", save_all=True, append_images=images[1:], duration=durations, loop=0)
    return buf.getvalue()
