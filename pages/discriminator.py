"""Discriminator: converging to D*. A small MLP D trained live (D steps only) against p_data and a fixed G,
drawn over the exact D* = p_data/(p_data + p_g) (Goodfellow et al. 2014, Prop. 1), with ‖D − D*‖ and V(G, D)
against V(G, D*); then Fig. 1 (a)–(d) of the paper replayed by a real alternating 1-D GAN."""
from __future__ import annotations

import streamlit as st

from ganviz import ui
from ganviz.onedim import theory_live as tl
from ganviz.plots import live1d as pl

P = "ds"
LRS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]
HIDDEN = [4, 8, 16, 32, 64]
KINDS = {"mixture": "Mixture of two Gaussians", "gaussian": "Gaussian"}
DEFAULTS = {"data": "mixture", "mu1": -2.0, "mu2": 2.0, "sigma": 0.6, "w1": 0.5, "mu_g": 0.0, "sigma_g": 1.5,
            "hidden": 32, "lr": 3e-3}
PRESETS = {
    "D* for a bimodal target": ("D* is high on both bumps of p_data and dips where p_g dominates in between; "
                                "press Play and watch D find both bumps.", {}),
    "Same mean, wider p_g": ("Equal means, different widths: D* = p_data/(p_data+p_g) is a bump — no threshold "
                             "on x separates them, yet D learns it.",
                             {"data": "gaussian", "mu1": 0.0, "sigma": 0.5, "mu_g": 0.0, "sigma_g": 1.5}),
    "Disjoint p_g": ("Supports barely overlap: D* is a step from 1 to 0 and V(G, D*) = −log 4 + 2·log 2 = 0, the "
                     "largest value there is — D wins completely.",
                     {"data": "gaussian", "mu1": -2.5, "sigma": 0.4, "mu_g": 2.5, "sigma_g": 0.4}),
    "p_g = p_data: D* = ½": ("When G is perfect, D* = ½ everywhere and V(G, D*) = −log 4: D can do no better "
                             "than a coin.", {"data": "gaussian", "mu1": 0.0, "sigma": 1.0, "mu_g": 0.0,
                                              "sigma_g": 1.0}),
    "Learning rate too large": ("lr = 1: D's steps overshoot; the gap jumps around instead of falling.",
                                {"lr": 1.0}),
}


ui.init_state(P, DEFAULTS)
ui.init_state(P, {"seed": 0})  # ui.seed_input's default; a preset keeps the seed


@st.cache_resource(max_entries=32, show_spinner=False)
def experiment(setup: tl.DStarSetup) -> tl.DStarExperiment:
    return tl.DStarExperiment(setup)


@st.cache_resource(show_spinner=False)
def figure1_results() -> tl.ResultCache:
    return tl.ResultCache(max_entries=8)


ui.page_header(
    "Discriminator: converging to D*",
    "D (blue dashed) slides onto the exact D* (red) — and V(G, D) climbs to its ceiling V(G, D*) but never above.",
    "For a fixed generator the best discriminator is known in closed form (Goodfellow et al. 2014, Prop. 1). "
    "Here G is frozen (p_g = N(μ_g, σ_g²)) and only D, a small MLP with a sigmoid output, is trained by the "
    "D-step of Algorithm 1.",
)

ui.preset_bar(P, PRESETS, DEFAULTS)

def settings_widgets() -> None:
    """The side column's widgets; the page reads their values from st.session_state (a keyed widget's)."""
    st.markdown("**p_data and p_g**")
    gaussian = st.radio("p_data", list(KINDS), format_func=KINDS.get, horizontal=True,
                        **ui.bind(f"{P}_data", KINDS)) == "gaussian"
    st.slider("μ₁ (p_data mean)" if gaussian else "μ₁ (first bump)", -4.0, 4.0, step=0.1, **ui.bind(f"{P}_mu1"))
    if not gaussian:
        st.slider("μ₂ (second bump)", -4.0, 4.0, step=0.1, **ui.bind(f"{P}_mu2"))
        st.slider("weight of the first bump", 0.0, 1.0, step=0.05, **ui.bind(f"{P}_w1"))
    st.slider("σ of p_data", 0.1, 3.0, step=0.05, **ui.bind(f"{P}_sigma"))
    st.slider("μ_g (p_g mean)", -4.0, 4.0, step=0.1, **ui.bind(f"{P}_mu_g"))
    st.slider("σ_g (p_g width)", 0.1, 3.0, step=0.05, **ui.bind(f"{P}_sigma_g"))
    st.markdown("**Discriminator**")
    st.select_slider("hidden units per layer (2 layers, ReLU)", HIDDEN, **ui.bind(f"{P}_hidden"))
    st.select_slider("learning rate (Adam)", LRS, format_func=lambda v: f"{v:g}", **ui.bind(f"{P}_lr"),
                     help="Applied live, without a reset.")
    ui.seed_input(f"{P}_seed")


main, side = st.columns([2.3, 1], gap="medium")
with side, st.container(key="gv_settings_ds"):
    if not ui.settings_later(P):  # else drawn with the rest of the page (the picture uses the same values)
        settings_widgets()
kind, mu1, mu2, sigma, w1, mu_g, sigma_g, hidden, lr, seed = (
    st.session_state.get(f"{P}_{k}", DEFAULTS.get(k, 0)) for k in ("data", "mu1", "mu2", "sigma", "w1", "mu_g",
                                                                    "sigma_g", "hidden", "lr", "seed"))
if kind == "gaussian":
    mu2, w1 = DEFAULTS["mu2"], 1.0

with ui.user_errors():
    setup = tl.DStarSetup(data=kind, mu1=mu1, mu2=mu2, sigma_data=sigma, weight1=w1, mu_g=mu_g, sigma_g=sigma_g,
                          hidden=int(hidden), lr_d=float(lr), seed=seed)
    exp = experiment(setup)
with side:
    for note in exp.notes:
        st.warning(note)
grid = exp.grid



def draw(snap) -> None:
    st.caption(ui.status_line(snap))
    view = snap.view or {}
    ui.live_chart(pl.d_star_figure(grid.x, grid.p_data, grid.p_g, grid.d_star, view.get("d"), height=340),
                  key=f"{P}_dfig")
    rows = (
        (r"D^*(x) = \frac{p_{\text{data}}(x)}{p_{\text{data}}(x) + p_g(x)}", "Prop. 1: the best D for a fixed G.",
         (("D step", f"{snap.step:,}"),)),
        (r"\|D - D^*\|^2 = \int \big(D - D^*\big)^2\, M\,dx",
         "the gap in L2(M), M = (p_data + p_g)/2: weighted where the samples are.",
         (("‖D − D*‖", ui.fmt(view.get("gap"))),)),
        (r"\begin{aligned}V(G,D) &= \mathbb{E}_{p_{\text{data}}}\log D + \mathbb{E}_{p_g}\log(1 - D)\\"
         r"&\le V(G,D^*)\end{aligned}",
         "V(G, D*) = −log 4 + 2·JSD(p_data ‖ p_g) (Thm. 1).",
         (("V(G, D)", ui.fmt(view.get("v_d"))), ("max V(G, D*)", ui.fmt(grid.v_star)))),
    )
    for latex, caption, metrics in rows:
        left, right = st.columns([2, 1], vertical_alignment="center")
        with left:
            ui.formula(latex, caption)
        for label, value in metrics:
            right.metric(label, value)
    if "gap" in snap.history:
        c1, c2 = st.columns(2)
        with c1:
            ui.live_chart(pl.gap_figure(*snap.history["gap"]), key=f"{P}_gap")
        with c2:
            ui.live_chart(pl.value_figure(*snap.history["v_d"], grid.v_star), key=f"{P}_value")
    else:
        st.caption(f"The gap and V(G, D) are charted every {setup.every} D steps — press Step or Play.")


with main:
    run, _ = ui.live_run(exp.live_experiment(), "discriminator", P, extra=())
    ui.live_panel(run, draw)
ui.fold(P)

st.divider()
st.header("Goodfellow et al. 2014, Figure 1 — replayed by a real 1-D GAN")
ui.note(
    "p_data = N(2, 0.5²) (black dots), z ~ N(0, 1), G and D two-layer MLPs (32 units) trained by Algorithm 1 "
    "with the non-saturating loss. **(a)** D after a few D steps: partially accurate. **(b)** D trained to "
    "convergence against the initial G: D ≈ D\\*. **(c)** after a few alternating iterations the gradient of D has "
    "pushed G(z) toward the data. **(d)** at the end p_g ≈ p_data and D ≈ ½: D cannot tell them apart.",
    markdown=True)
with st.container(key="gv_settings_ds_fig1"):
    fig_seed = ui.seed_input(f"{P}_fig1_seed", default=1)
st.button("Replay Figure 1 (≈ 900 training steps, a few seconds)", key=f"{P}_fig1_run", type="primary",
          on_click=lambda: st.session_state.__setitem__(f"{P}_fig1_on", True))
if st.session_state.get(f"{P}_fig1_on"):
    fig_setup = tl.GANSetup(seed=fig_seed)
    bar = st.empty()
    result = figure1_results().get(fig_setup, lambda: tl.figure1_experiment(
        fig_setup, progress=lambda f, t: bar.progress(f, text=t)))
    bar.empty()
    if result.error:
        st.error(result.error)
    ui.live_chart(pl.figure1_panels(result.x, result.p_data, result.panels), key=f"{P}_fig1")
    st.caption(" · ".join(f"**{p.label}** {ui.md_escape(p.caption)}" for p in result.panels))
    k1, k2, k3 = st.columns(3)
    k1.metric("W1(p_g, p_data) at the start", ui.fmt(result.w1[0] if len(result.w1) else None, ".3f"))
    k2.metric("W1(p_g, p_data) at the end", ui.fmt(result.final_w1, ".3f"))
    k3.metric("E_p_data |D − ½| at the end", ui.fmt(result.final_d_dev, ".3f"))
    ui.live_chart(pl.w1_figure(result.steps, result.w1), key=f"{P}_fig1_w1")
    st.caption("W1 is computed exactly from p_g = G#p_z (change of variables over all preimages of the MLP G).")
else:
    st.caption("Press the button: the experiment runs once per seed and is then cached.")
