"""Figures of the "VAE vs GAN, measured" page: the ELBO terms of a (live) VAE run and the recorded losses of a VAE
and a GAN side by side. Pure functions: history in, go.Figure out."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ganviz.plots.base import finite, live_figure
from ganviz.plots.images import mean_downsample

ELBO_SERIES = (("neg_elbo", "−ELBO = recon + KL", "#111111"), ("recon", "reconstruction −E log p(x|z)", "#1f77b4"),
               ("kl", "KL(q(z|x) ‖ N(0, I))", "#ff7f0e"))
GAN_SERIES = (("loss_d", "D loss", "#1f77b4"), ("loss_g", "G loss", "#2ca02c"))


def _line(steps, values, name, color, axes=("x", "y")) -> dict:
    s, v = mean_downsample(np.asarray(steps), finite(values))
    return dict(type="scatter", x=s, y=v, name=name, mode="lines", line=dict(color=color, width=1.6),
                xaxis=axes[0], yaxis=axes[1])


def elbo_figure(history: dict, height: int = 260) -> go.Figure:
    """The VAE's −ELBO and its two terms (nats per image) against the step, from a Trainer-style history
    ({name: (steps, values)}); the reconstruction and −ELBO on the left axis, KL on the right."""
    data = []
    for name, label, color in ELBO_SERIES:
        if name in history:
            data.append(_line(*history[name], label, color, ("x", "y2" if name == "kl" else "y")))
    return live_figure(data, dict(
        height=height, uirevision="elbo", margin=dict(l=55, r=55, t=10, b=35),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1.0),
        xaxis=dict(title=dict(text="step")), yaxis=dict(title=dict(text="nats / image")),
        yaxis2=dict(title=dict(text="KL (nats)"), overlaying="y", side="right", showgrid=False)))


def optimisation_figure(vae_history: dict, gan_history: dict, height: int = 280) -> go.Figure:
    """Left: the shipped VAE's recorded −ELBO; right: the D and G losses of a DCGAN on the same data. Histories
    as {"step": [...], name: [...]} (models/vae_vs_gan.json, the VAE's JSON)."""
    data = [_line(vae_history["step"], vae_history["neg_elbo"], "VAE −ELBO", "#111111", ("x", "y"))]
    for name, label, color in GAN_SERIES:
        data.append(_line(gan_history["step"], gan_history[name], f"DCGAN {label}", color, ("x2", "y2")))
    return live_figure(data, dict(
        height=height, margin=dict(l=55, r=10, t=30, b=35),
        legend=dict(orientation="h", yanchor="bottom", y=1.05, xanchor="right", x=1.0),
        xaxis=dict(domain=[0, 0.45], title=dict(text="VAE step")),
        yaxis=dict(title=dict(text="−ELBO (nats / image)")),
        xaxis2=dict(domain=[0.55, 1], anchor="y2", title=dict(text="DCGAN step")),
        yaxis2=dict(anchor="x2", title=dict(text="loss"))))
