"""Figures and tables for the "Evaluating GANs" page: the metrics table, bars per metric, class histograms
and FID against 1/N with the FID∞ fit. Pure builders (data in, figure/DataFrame out), no streamlit."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ganviz.plots.base import finite, font_px, live_figure
from ganviz.scoring.metrics import Scores

PALETTE = ("#7f7f7f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
# (column in Scores.row(), title, better: "high" | "low")
METRICS = (("IS", "IS ↑", "high"), ("FID", "FID ↓", "low"), ("KID", "KID ↓", "low"),
           ("precision", "precision ↑", "high"), ("recall", "recall ↑", "high"))


def _clean(v: float) -> float | None:
    return float(v) if v is not None and np.isfinite(v) else None


def scores_frame(rows: Sequence[tuple[str, Scores]]) -> pd.DataFrame:
    """One row per evaluated set: N, IS ± std, FID, KID ± std, precision, recall, KL(classes ‖ uniform)."""
    records = []
    for name, s in rows:
        r = s.row()
        records.append({"set": name, "N": r["N"], "IS": r["IS"], "IS ±": r["IS ±"], "FID": r["FID"],
                        "KID": r["KID"], "KID ±": r["KID ±"], "precision": r["precision"],
                        "recall": r["recall"], "KL(classes‖uniform)": r["KL(classes‖uniform)"]})
    return pd.DataFrame.from_records(records, columns=["set", "N", "IS", "IS ±", "FID", "KID", "KID ±",
                                                       "precision", "recall", "KL(classes‖uniform)"])


def _bar_panels(titles: Sequence[str], spacing: float = 0.05) -> dict:
    """The layout of side-by-side panels titled ``titles``, as plotly's make_subplots(rows=1, cols=C) lays them out:
    axis k spans [k (w + spacing), k (w + spacing) + w] of the width, w = (1 − (C − 1) spacing) / C, its title
    centred above it."""
    w = (1 - (len(titles) - 1) * spacing) / len(titles)
    out = {"annotations": []}
    for k, title in enumerate(titles):
        n, left = ("" if k == 0 else str(k + 1)), k * (w + spacing)
        out[f"xaxis{n}"] = {"anchor": f"y{n}", "domain": [left, left + w], "showticklabels": False}
        out[f"yaxis{n}"] = {"anchor": f"x{n}", "domain": [0.0, 1.0]}
        out["annotations"].append({"text": title, "x": left + w / 2, "xref": "paper", "xanchor": "center", "y": 1.0,
                                   "yref": "paper", "yanchor": "bottom", "showarrow": False,
                                   "font": {"size": font_px()}})
    return out


def metric_bars(rows: Sequence[tuple[str, Scores]], height: int = 320) -> go.Figure:
    """Five small bar charts (IS, FID, KID, precision, recall), one coloured bar per set, one shared legend."""
    data = []
    for i, (name, s) in enumerate(rows):
        r = s.row()
        for c, (key, _, _) in enumerate(METRICS, start=1):
            n = "" if c == 1 else str(c)
            data.append({"type": "bar", "x": [name], "y": [_clean(r[key])], "name": name, "legendgroup": name,
                         "showlegend": c == 1, "marker": {"color": PALETTE[i % len(PALETTE)]},
                         "hovertemplate": f"{name}: %{{y:.4g}}<extra></extra>", "xaxis": f"x{n}", "yaxis": f"y{n}"})
    layout = _bar_panels([title for _, title, _ in METRICS])
    for c in (4, 5):
        layout[f"yaxis{c}"]["range"] = [0, 1.05]
    return live_figure(data, {**layout, "height": height, "margin": dict(l=30, r=10, t=40, b=10),
                              "uirevision": "metric_bars", "legend": dict(orientation="h", y=-0.05),
                              "bargap": 0.15})


def class_hist_figure(hists: dict[str, np.ndarray], class_names: Sequence[str], height: int = 280) -> go.Figure:
    """Share of samples per predicted class for each set (grouped bars); the dotted line is the uniform 1/C."""
    data = [{"type": "bar", "x": list(class_names), "y": finite(q), "name": name,
             "marker": {"color": PALETTE[i % len(PALETTE)]}} for i, (name, q) in enumerate(hists.items())]
    uniform = 1 / len(class_names)
    return live_figure(data, {
        "barmode": "group", "height": height, "yaxis": {"title": {"text": "share of samples"}},
        "xaxis": {"title": {"text": "predicted class"}, "type": "category"},
        "shapes": [{"type": "line", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": uniform, "y1": uniform,
                    "line": {"color": "#444", "dash": "dot", "width": 1}}],
        "margin": dict(l=50, r=10, t=10, b=40),
        "legend": dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"), "uirevision": "class_hist"})


def fid_vs_n_figure(curves: dict[str, tuple[np.ndarray, np.ndarray, float, float]], height: int = 320) -> go.Figure:
    """FID_N against 1/N (markers) with the least-squares line FID∞ + slope/N extended to 1/N = 0 (Chong & Forsyth
    2020); ``curves`` maps a set's name to (N values, FID_N values, FID∞, slope)."""
    data = []
    all_n = []
    for i, (name, (ns, fids, inf, slope)) in enumerate(curves.items()):
        color = PALETTE[(i + 1) % len(PALETTE)]
        x = 1.0 / np.asarray(ns, float)
        all_n.extend(int(n) for n in ns)
        xl = np.linspace(0, x.max(), 20)
        data += [{"type": "scatter", "x": x, "y": [_clean(f) for f in fids], "mode": "markers",
                  "name": f"{name}: FID_N", "marker": {"color": color, "size": 8},
                  "customdata": np.asarray(ns), "hovertemplate": "N = %{customdata}: FID %{y:.3f}<extra></extra>"},
                 {"type": "scatter", "x": xl, "y": finite(inf + slope * xl), "mode": "lines",
                  "name": f"{name}: fit, FID∞ = {inf:.3f}", "line": {"color": color, "dash": "dash"}},
                 {"type": "scatter", "x": [0], "y": [_clean(inf)], "mode": "markers", "showlegend": False,
                  "marker": {"color": color, "size": 11, "symbol": "star"},
                  "hovertemplate": f"FID∞ = {inf:.3f}<extra></extra>"}]
    lo, hi = (min(all_n), max(all_n)) if all_n else (1, 1)
    ticks = [n for n in (200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000) if lo <= n <= hi]
    return live_figure(data, {
        "height": height, "yaxis": {"title": {"text": "FID_N"}},
        "xaxis": {"title": {"text": "1 / N  (ticks labelled with N, the number of samples)"}, "rangemode": "tozero",
                  "tickvals": [0] + [1 / n for n in ticks],
                  "ticktext": ["N = ∞"] + [f"{n // 1000}k" if n >= 1000 else str(n) for n in ticks]},
        "margin": dict(l=50, r=10, t=10, b=45), "legend": dict(orientation="h", y=1.15), "uirevision": "fid_vs_n"})
