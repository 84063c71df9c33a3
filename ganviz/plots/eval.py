"""Figures and tables for the "Evaluating GANs" page: the metrics table, bars per metric, class histograms
and FID against 1/N with the FID∞ fit. Pure builders (data in, figure/DataFrame out), no streamlit."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ganviz.plots.base import style
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


def metric_bars(rows: Sequence[tuple[str, Scores]], height: int = 320) -> go.Figure:
    """Five small bar charts (IS, FID, KID, precision, recall), one coloured bar per set, one shared legend."""
    fig = make_subplots(rows=1, cols=len(METRICS), subplot_titles=[t for _, t, _ in METRICS],
                        horizontal_spacing=0.05)
    for i, (name, s) in enumerate(rows):
        r = s.row()
        for c, (key, _, _) in enumerate(METRICS, start=1):
            fig.add_trace(go.Bar(x=[name], y=[_clean(r[key])], name=name, legendgroup=name, showlegend=c == 1,
                                 marker_color=PALETTE[i % len(PALETTE)],
                                 hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>"), row=1, col=c)
    for c in range(1, len(METRICS) + 1):
        fig.update_xaxes(showticklabels=False, row=1, col=c)
    for c in (4, 5):
        fig.update_yaxes(range=[0, 1.05], row=1, col=c)
    fig.update_layout(height=height, margin=dict(l=30, r=10, t=40, b=10), uirevision="metric_bars",
                      legend=dict(orientation="h", y=-0.05), bargap=0.15)
    return style(fig)


def class_hist_figure(hists: dict[str, np.ndarray], class_names: Sequence[str], height: int = 280) -> go.Figure:
    """Share of samples per predicted class for each set (grouped bars); the dotted line is the uniform 1/C."""
    fig = go.Figure()
    for i, (name, q) in enumerate(hists.items()):
        fig.add_trace(go.Bar(x=list(class_names), y=np.asarray(q, float), name=name,
                             marker_color=PALETTE[i % len(PALETTE)]))
    fig.add_hline(y=1 / len(class_names), line=dict(color="#444", dash="dot", width=1))
    fig.update_layout(barmode="group", height=height, yaxis_title="share of samples",
                      xaxis=dict(title="predicted class", type="category"), margin=dict(l=50, r=10, t=10, b=40),
                      legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"),
                      uirevision="class_hist")
    return style(fig)


def fid_vs_n_figure(curves: dict[str, tuple[np.ndarray, np.ndarray, float, float]], height: int = 320) -> go.Figure:
    """FID_N against 1/N (markers) with the least-squares line FID∞ + slope/N extended to 1/N = 0 (Chong & Forsyth
    2020); ``curves`` maps a set's name to (N values, FID_N values, FID∞, slope)."""
    fig = go.Figure()
    all_n = []
    for i, (name, (ns, fids, inf, slope)) in enumerate(curves.items()):
        color = PALETTE[(i + 1) % len(PALETTE)]
        x = 1.0 / np.asarray(ns, float)
        all_n.extend(int(n) for n in ns)
        fig.add_trace(go.Scatter(x=x, y=[_clean(f) for f in fids], mode="markers", name=f"{name}: FID_N",
                                 marker=dict(color=color, size=8), customdata=np.asarray(ns),
                                 hovertemplate="N = %{customdata}: FID %{y:.3f}<extra></extra>"))
        xl = np.linspace(0, x.max(), 20)
        fig.add_trace(go.Scatter(x=xl, y=inf + slope * xl, mode="lines", name=f"{name}: fit, FID∞ = {inf:.3f}",
                                 line=dict(color=color, dash="dash")))
        fig.add_trace(go.Scatter(x=[0], y=[inf], mode="markers", showlegend=False,
                                 marker=dict(color=color, size=11, symbol="star"),
                                 hovertemplate=f"FID∞ = {inf:.3f}<extra></extra>"))
    lo, hi = (min(all_n), max(all_n)) if all_n else (1, 1)
    ticks = [n for n in (200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000) if lo <= n <= hi]
    fig.update_layout(height=height, xaxis_title="1 / N  (ticks labelled with N, the number of samples)",
                      yaxis_title="FID_N",
                      margin=dict(l=50, r=10, t=10, b=45), legend=dict(orientation="h", y=1.15),
                      uirevision="fid_vs_n",
                      xaxis=dict(rangemode="tozero", tickvals=[0] + [1 / n for n in ticks],
                                 ticktext=["N = ∞"] + [f"{n // 1000}k" if n >= 1000 else str(n) for n in ticks]))
    return style(fig)
