"""Saturating vs non-saturating G loss: log(1 − D) against −log D (and LSGAN, WGAN) as functions of D's logit,
their derivatives by autograd over ganviz.engine.losses, and a 1-D GAN started from a confident D trained with each
loss from the same state (Goodfellow et al. 2014, §3)."""
from __future__ import annotations

import math

import streamlit as st

from ganviz import ui
from ganviz.onedim import saturation as sat
from ganviz.onedim import theory_live as tl
from ganviz.plots import live1d as pl

P = "sat"
CURVES = ("minimax", "nonsaturating", "lsgan", "wgan")
PRETRAIN = [0, 25, 50, 100, 200, 300, 600]
LRS_G = [1e-3, 3e-3, 1e-2, 2e-2, 5e-2, 1e-1, 3e-1, 1.0, 3.0]
DEFAULTS = {"a": -6.0, "pretrain": 300, "lr_g": 2e-2, "lsgan": False}
PRESETS = {
    "Confident D": ("D was pre-trained 300 steps: D(G(z)) ≈ 0.001 at the start. The saturating G's gradient is "
                    "~1,000× smaller and W1 barely moves; the non-saturating G reaches the data in a few steps.", {}),
    "D not yet confident": ("Without pre-training D(G(z)) ≈ 0.4: both losses have useful gradients and both G's "
                            "move — saturation is a problem of a winning D, not of the loss alone.",
                            {"pretrain": 0, "a": 0.0}),
    "Add LSGAN for contrast": ("LSGAN's gradient a − 1 grows as D gets more confident: it never vanishes either.",
                               {"lsgan": True}),
    "Learning rate too large": ("lr = 3 makes the non-saturating G overshoot and the game diverge: the page "
                                "stops that run and says so.", {"lr_g": 3.0}),
}


ui.init_state(P, DEFAULTS)


@st.cache_data(max_entries=2, show_spinner=False)
def curves() -> sat.LossCurves:
    return sat.g_loss_curves(CURVES)


@st.cache_data(max_entries=4, show_spinner=False)
def point(a: float) -> sat.LossCurves:
    return sat.g_loss_curves(CURVES, a, a, 1)


@st.cache_resource(show_spinner=False)
def experiment_results() -> tl.ResultCache:
    return tl.ResultCache(max_entries=8)


ui.page_header(
    "Saturating vs non-saturating G loss",
    "where D confidently rejects the fakes (shaded), the slope of log(1 − D) is flat — G gets no gradient — while "
    "−log D stays steep.",
    "Goodfellow et al. 2014 (§3): early in training D rejects G's samples with high confidence, so "
    "log(1 − D(G(z))) saturates; training G to maximise log D(G(z)) instead gives the same fixed point but strong "
    "gradients early on. Every curve below is the real loss function of `ganviz.engine.losses`, differentiated by "
    "autograd.",
)

ui.preset_bar(P, PRESETS, DEFAULTS)

a = st.slider("D's logit a on a fake (D(G(z)) = σ(a))", -10.0, 10.0, step=0.1, **ui.bind(f"{P}_a"))
at = point(float(a))
ratio = abs(at.grad["nonsaturating"][0]) / max(abs(at.grad["minimax"][0]), 1e-300)
c = curves()
x_d = float(at.d[0])
figs = (
    ("by_d", "**G losses as functions of D(G(z))**",
     pl.g_loss_figure(c.d, {k: c.loss[k] for k in ("minimax", "nonsaturating")}, "D(G(z)) = σ(a)", "G loss",
                      reject_below=sat.REJECT_D, marker=x_d, yrange=(-6, 6), uirevision="loss-d")),
    ("by_a", "**G losses as functions of a**",
     pl.g_loss_figure(c.a, c.loss, "D's logit a on a fake", "G loss", reject_below=sat.REJECT_LOGIT, marker=a,
                      yrange=(-10, 12), uirevision="loss-a")),
    ("grad", "**Their slopes d/da (autograd)**",
     pl.g_loss_figure(c.a, c.grad, "D's logit a on a fake", "d loss / d a", reject_below=sat.REJECT_LOGIT,
                      marker=a, yrange=(-2.5, 2), uirevision="grad-a")),
)
for col, (key, title, fig) in zip(st.columns(3), figs, strict=True):
    with col:
        st.markdown(title)
        ui.live_chart(fig, key=f"{P}_{key}")
ui.fold(P)  # the three charts are the first screen; the formulas with their numbers follow
rows = (
    (r"D(G(z)) = \sigma(a) = \frac{1}{1 + e^{-a}}", "D's output on a fake, from its logit a.",
     "D(G(z)) = σ(a)", ui.fmt(at.d[0], ".4g")),
    (r"\frac{d}{da}\log\big(1-\sigma(a)\big) = -\sigma(a) \xrightarrow[a\to-\infty]{} 0",
     "saturating (minimax) G loss: the gradient vanishes when D rejects.",
     "saturating: d/da log(1 − σ(a))", ui.fmt(at.grad["minimax"][0], ".4g")),
    (r"\frac{d}{da}\big(-\log\sigma(a)\big) = -\big(1-\sigma(a)\big) \xrightarrow[a\to-\infty]{} -1",
     "non-saturating G loss: full gradient exactly there.",
     "non-saturating: d/da (−log σ(a))", ui.fmt(at.grad["nonsaturating"][0], ".4g")),
    (r"\frac{1-\sigma(a)}{\sigma(a)} = e^{-a}", "how many times steeper the non-saturating loss is.",
     "ratio of the slopes",
     ui.fmt(ratio, ",.0f" if ratio >= 10 else ".3g") + ("×" if math.isfinite(ratio) else "")),
)
for latex, caption, label, value in rows:
    left, right = st.columns([2.4, 1], vertical_alignment="center")
    with left:
        ui.formula(latex, caption)
    right.metric(label, value)

ui.note("LSGAN (Mao et al. 2017) ½(a − 1)² has slope a − 1 and WGAN (Arjovsky et al. 2017) −a has slope −1: "
           "both read D's raw score a (no sigmoid), so neither saturates.")
ui.note(f"Shaded: D(G(z)) < {sat.REJECT_D} (a < {sat.REJECT_LOGIT:.2f}) — D confidently rejects the fakes. "
           "There the red curve is flat: its slope −σ(a) is below 0.05, and G, which only learns through this "
           "slope (chain rule: ∇θ_G L = dL/da · ∂a/∂x · ∂G/∂θ_G), barely moves.")

st.divider()
st.header("Experiment: a 1-D GAN started from a confident D")
ui.note(
    "p_data = N(3, 0.5²); G and D are two-layer MLPs (32 units). D is **pre-trained** against the initial G "
    "(which puts its samples near 0) until it rejects them confidently; then the GAN is trained with each G loss "
    "**from that same state** (same seed, same pre-trained D). Plain SGD, as in the paper — with Adam the step "
    "size is rescaled and a vanishing gradient would be hidden.", markdown=True
)
s1, s2, s3, s4 = st.container(key="gv_settings_sat").columns(4)
with s1:
    pretrain = st.select_slider("D pre-training steps", PRETRAIN, **ui.bind(f"{P}_pretrain"))
with s2:
    lr_g = st.select_slider("G's learning rate (SGD)", LRS_G, format_func=lambda v: f"{v:g}", **ui.bind(f"{P}_lr_g"))
with s3:
    seed = ui.seed_input(f"{P}_seed")
with s4:
    st.write("")
    with_lsgan = st.checkbox("also LSGAN", **ui.bind(f"{P}_lsgan"))
names = ("minimax", "nonsaturating") + (("lsgan",) if with_lsgan else ())
setup = sat.SaturationSetup(pretrain_steps=int(pretrain), lr_g=float(lr_g), seed=seed)
st.button(f"Run the experiment ({len(names)} × {setup.steps} GAN steps after {pretrain} D steps)",
          key=f"{P}_run", type="primary", on_click=lambda: st.session_state.__setitem__(f"{P}_on", True))
if st.session_state.get(f"{P}_on"):
    bar = st.empty()
    runs = experiment_results().get((setup, names), lambda: sat.saturation_experiment(
        setup, names, progress=lambda f, t: bar.progress(f, text=t)))
    bar.empty()
    for run in runs.values():
        if run.error:
            st.warning(f"{pl.LOSS_NAMES[run.loss]}: {run.error}")
        if run.left_grid_at is not None:
            st.warning(f"{pl.LOSS_NAMES[run.loss]}: from iteration {run.left_grid_at} on, G's samples left the "
                       "range [−8, 8] where W1 is computed — the step size is too large.")
    ui.formula(r"\nabla_{\theta_G} L_G = \mathbb{E}_z\Big[\frac{dL}{da}\,\frac{\partial a}{\partial x}\,"
               r"\frac{\partial G(z)}{\partial \theta_G}\Big], \qquad \frac{dL}{da} = -\sigma(a) \;\text{or}\; "
               r"-\big(1 - \sigma(a)\big)",
               "G only learns through dL/da: with D(G(z)) ≈ 0.001 the saturating factor is ≈ 0.001, the "
               "non-saturating one ≈ 1.")
    cols = st.columns(len(runs))
    for col, run in zip(cols, runs.values(), strict=True):
        with col:
            st.markdown(f"**{pl.LOSS_NAMES[run.loss]}**")
            st.metric(f"D(G(z)) at the start · {run.loss}", ui.fmt(run.d_fake_start, ".2e"))
            st.metric(f"G's gradient norm, first step · {run.loss}",
                      ui.fmt(run.grad_norm_g[0] if len(run.grad_norm_g) else None, ".3g"))
            if len(run.w1):
                st.metric(f"W1(p_g, p_data) after {run.w1_steps[-1]} steps · {run.loss}",
                          ui.fmt(run.w1[-1], ".3f"),
                          delta=f"{run.w1[-1] - run.w1[0]:+.3f} from {run.w1[0]:.3f}"
                          if math.isfinite(run.w1[-1] - run.w1[0]) else None,
                          delta_color="inverse")
    ui.live_chart(pl.saturation_runs_figure(runs), key=f"{P}_runs")
    st.caption("Left: the norm of G's parameter gradient at each iteration (log scale). Right: the exact "
               "Wasserstein-1 distance between p_g = G#p_z (change of variables) and p_data.")
else:
    st.caption("Press the button: each setting runs once (a few seconds) and is then cached.")
