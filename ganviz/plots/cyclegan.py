"""Figures of the CycleGAN page: where each x goes (x → G(x)) and comes back (F(G(x))), and the same for y.
Data in, go.Figure out (pure)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import finite, live_figure
from ganviz.plots.toy import _segments

#: A cyclic colour scale (hue around the circle), spelled out: figures are built unvalidated, and plotly.js itself
#: knows no cyclic scale by name.
CYCLIC = [[i / 6, f"hsl({60 * i % 360}, 75%, 45%)"] for i in range(7)]


def hue(points: np.ndarray) -> np.ndarray:
    """A colour value per point: its angle around the origin in [0, 1) — the same colour follows it to its image."""
    p = np.asarray(points, dtype=np.float64)
    return (np.arctan2(p[:, 1], p[:, 0]) / (2 * np.pi)) % 1.0


def translation_figure(view: dict, direction: str = "x", half: float = 4.5, height: int = 460,
                       uirevision: str = "cyclegan") -> go.Figure:
    """Source domain on the left, target on the right, each in a square of half-width ``half`` (the domains'
    extent), centred at ∓half. ``direction`` "x": segments x → G(x),
    the reconstructions F(G(x)) back on the left with their error segments; "y": y → F(y) and G(F(y)).
    Points keep their source's colour (its angle), so a permutation of modes shows as a change of colours."""
    if direction == "x":
        src, img, back, real_s, real_t = view["x"], view["g_x"], view["f_g_x"], view["x_real"], view["y_real"]
        names = ("x", "G(x)", "F(G(x))", "X", "Y")
    else:
        src, img, back, real_s, real_t = view["y"], view["f_y"], view["g_f_y"], view["y_real"], view["x_real"]
        names = ("y", "F(y)", "G(F(y))", "Y", "X")
    left, right = np.array([-half, 0.0]), np.array([half, 0.0])
    src, img, back = (np.asarray(a, dtype=np.float64) for a in (src, img, back))
    c = hue(src)
    ok = np.isfinite(img).all(axis=1) & np.isfinite(back).all(axis=1)
    xs, ys = _segments(src[ok] + left, img[ok] + right)
    bx, by = _segments(src[ok] + left, back[ok] + left)
    marker = dict(color=c, colorscale=CYCLIC, cmin=0, cmax=1, size=6)
    data = [
        dict(type="scatter", x=real_s[:, 0] + left[0], y=real_s[:, 1], mode="markers", name=f"domain {names[3]}",
             marker=dict(color="rgba(0, 0, 0, 0.12)", size=4), hoverinfo="skip"),
        dict(type="scatter", x=real_t[:, 0] + right[0], y=real_t[:, 1], mode="markers", name=f"domain {names[4]}",
             marker=dict(color="rgba(0, 0, 0, 0.12)", size=4), hoverinfo="skip"),
        dict(type="scatter", x=xs, y=ys, mode="lines", name=f"{names[0]} → {names[1]}", hoverinfo="skip",
             line=dict(color="rgba(90, 90, 90, 0.25)", width=1)),
        dict(type="scatter", x=bx, y=by, mode="lines", name=f"{names[0]} → {names[2]} (cycle error)",
             hoverinfo="skip", line=dict(color="rgba(214, 39, 40, 0.55)", width=1)),
        dict(type="scatter", x=src[:, 0] + left[0], y=src[:, 1], mode="markers", name=names[0], marker=marker),
        dict(type="scatter", x=finite(img[:, 0] + right[0]), y=finite(img[:, 1]), mode="markers", name=names[1],
             marker={**marker, "symbol": "diamond"}),
        dict(type="scatter", x=finite(back[:, 0] + left[0]), y=finite(back[:, 1]), mode="markers", name=names[2],
             marker={**marker, "size": 5, "symbol": "x"}),
    ]
    layout = dict(height=height, uirevision=uirevision, margin=dict(l=30, r=20, t=30, b=30),
                  xaxis=dict(range=[-2 * half, 2 * half], showticklabels=False, zeroline=False),
                  yaxis=dict(range=[-half, half], scaleanchor="x", scaleratio=1, showticklabels=False,
                             zeroline=False),
                  legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
                  annotations=[dict(x=-half, y=half - 0.3, text=f"<b>{names[3]}</b>", showarrow=False),
                               dict(x=half, y=half - 0.3, text=f"<b>{names[4]}</b>", showarrow=False)])
    return live_figure(data, layout)
