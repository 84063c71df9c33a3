"""Generator: noise → data. G pushes p_z (N(0,1) or U(−1,1)) onto p_g; three views of the same map:
Goodfellow et al. 2014 Fig. 1 lines z → G(z), the curve x = G(z), and p_g (exact, all preimages) over a
histogram of G(z) and p_data. Generators: affine, the optimal monotone map G*, non-monotone maps, a live MLP."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from ganviz import ui
from ganviz.onedim import pushforward, theory
from ganviz.onedim import theory_live as tl
from ganviz.plots import theory as pt

P = "gen"
N_LINES, N_HIST, N_Z = 150, 20_000, 50_001
MAX_CSV_MB = 32
TARGETS = {"gaussian": "Gaussian", "mixture": "Mixture of Gaussians", "uniform": "Uniform",
           "skewed": "Skewed (skew-normal)", "csv": "Your CSV of samples (KDE)"}
GENERATORS = {"affine": "Affine  G(z) = a·z + b", "optimal": "Optimal monotone map  G* = F_data⁻¹ ∘ F_z",
              "nonmono": "Non-monotone  G(z) = a·f(z) + b", "mlp": "Small MLP, trained live by a 1-D GAN"}
MAP_KINDS = dict(zip(theory.EXAMPLE_MAPS, ("square", "sine", "cubic"), strict=True))  # f → its closed-form pushforward
PRIORS = {"normal": "N(0, 1)", "uniform": "U(−1, 1)"}
LRS = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3]
DEFAULTS = {"prior": "normal", "target": "mixture", "k": 2, "w0": 0.5, "w1": 0.5, "w2": 0.3, "m0": -2.0,
            "m1": 2.0, "m2": 0.0, "s0": 0.5, "s1": 0.5, "s2": 0.5, "mu": 0.0, "sigma": 1.0, "ua": -1.0, "ub": 1.0,
            "alpha": 5.0, "bw": "scott", "gen": "affine", "a": 1.0, "b": 0.0, "f": next(iter(theory.EXAMPLE_MAPS)),
            "lr": 1e-3}
PRESETS = {
    "Stretch N(0,1) onto N(2, 0.5²)": ("An affine G matches a Gaussian exactly: a = σ, b = μ makes JSD = 0. "
                                       "Move a to see the density stretch (|a| > 1) or squeeze (|a| < 1).",
                                       {"target": "gaussian", "mu": 2.0, "sigma": 0.5, "gen": "affine", "a": 0.5,
                                        "b": 2.0}),
    "Affine can't make two bumps": ("No a, b turn one bump into two: JSD stays well above 0 for every affine G.",
                                    {"target": "mixture", "k": 2, "gen": "affine", "a": 2.0, "b": 0.0}),
    "Optimal map G*": ("G* = F_data⁻¹ ∘ F_z is monotone and pushes N(0,1) exactly onto a 3-bump mixture: "
                       "flat stretches of the curve pile mass into the bumps.",
                       {"target": "mixture", "k": 3, "gen": "optimal"}),
    "Fold: G(z) = z²": ("Two preimages ±z land on each x > 0: p_g adds both, p_z(z)/|2z| twice — the χ²₁ "
                        "density, infinite at 0.", {"target": "skewed", "gen": "nonmono",
                                                    "f": next(iter(theory.EXAMPLE_MAPS)), "a": 1.0, "b": 0.0}),
    "Train an MLP G live": ("Press Play: a 32×32 MLP G (the same 1-D GAN as Figure 1 on the D* page) learns "
                            "the two bumps by Algorithm 1; JSD falls, then wobbles as the game oscillates.",
                            {"target": "mixture", "k": 2, "gen": "mlp"}),
}



ui.init_state(P, DEFAULTS)
ui.init_state(P, {"seed": 0})  # ui.seed_input's default (presets keep the seed)


@st.cache_data(max_entries=4, show_spinner=False)
def parse_csv(_data: bytes, file_id: str, bandwidth: str):
    """Parse + KDE once per uploaded file (keyed by its id, so the bytes are not hashed on every rerun)."""
    notes: list[str] = []
    samples = theory.parse_samples_csv(_data, max_bytes=MAX_CSV_MB * 2**20, notes=notes)
    kde = theory.KDE(samples, bandwidth)
    return kde, notes + kde.notes


def make_G(target: theory.Density, gen: str, a: float, b: float, f: str, prior: str):
    if gen == "affine":
        return lambda z: a * z + b
    if gen == "optimal":
        return theory.optimal_map(target, prior)
    base = theory.EXAMPLE_MAPS[f]
    return lambda z: a * base(z) + b


@st.cache_data(max_entries=64, show_spinner=False)
def static_views(_target: theory.Density, target_key: tuple, gen: str, a: float, b: float, f: str, prior: str,
                 seed: int) -> dict:
    G = make_G(_target, gen, a, b, f, prior)
    x = theory.plot_grid(_target, G, prior)
    z = theory.sample_prior(N_HIST, prior, torch.Generator().manual_seed(seed))
    views = theory.generator_views(G, x, prior, z, None, n_z=N_Z)
    views.update(x=x, p_data=_target.pdf(x), g_star=theory.optimal_map(_target, prior)(views["z_curve"]))
    if gen == "optimal":  # G* pushes p_z exactly onto p_data: p_g = p_data
        views.update(kl=0.0, jsd=0.0, w1=0.0, kl_reason="", mass=float(
            np.clip(1 - _target.cdf(x[0]) - (1 - _target.cdf(x[-1])), 0, 1)))
        return views
    pf = pushforward.Pushforward("identity" if gen == "affine" else MAP_KINDS[f], a, b, prior)
    m = pushforward.divergences(_target, pf)
    views.update(kl=m.kl, jsd=m.jsd, w1=m.w1, kl_reason=m.kl_reason, mass=pf.mass_in(x[0], x[-1]))
    return views


ui.page_header(
    "Generator: noise → data",
    "p_g is not drawn from samples: it is the exact change of variables p_z(z)/|G′(z)| summed over every z "
    "with G(z) = x — where the curve is flat, mass piles up; where it folds, preimages add.",
    "A generator is a map G from noise z ~ p_z to data x = G(z). Whatever G is, the samples G(z) follow a "
    "density p_g, and training wants p_g = p_data (Goodfellow et al. 2014, §3–4).",
)

ui.preset_bar(P, PRESETS, DEFAULTS)

# ----------------------------------------------------------------------------------------------- settings
def settings_widgets() -> None:
    """The settings panel's widgets; the page reads their values from st.session_state (a keyed widget's)."""
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Noise and target p_data**")
        st.radio("Noise prior p_z", list(PRIORS), format_func=PRIORS.get, horizontal=True,
                 **ui.bind(f"{P}_prior", PRIORS))
        target_kind = st.selectbox("Target p_data", list(TARGETS), format_func=TARGETS.get,
                                   **ui.bind(f"{P}_target", TARGETS))
        ui.seed_input(key=f"{P}_seed")
    with c2:
        st.markdown(f"**{TARGETS[target_kind]}**")
        if target_kind == "gaussian":
            st.slider("Mean μ", -4.0, 4.0, step=0.1, **ui.bind(f"{P}_mu"))
            st.slider("σ", 0.0, 3.0, step=0.05, **ui.bind(f"{P}_sigma"),
                      help=f"σ = 0 is raised to {theory.SIGMA_MIN:g}, the narrowest the grid resolves.")
        elif target_kind == "mixture":
            k = st.radio("Components", [2, 3], horizontal=True, **ui.bind(f"{P}_k", [2, 3]))
            comp_cols = st.columns(k)
            for i, cc in enumerate(comp_cols):
                cc.slider(f"w{i + 1}", 0.0, 1.0, step=0.05, key=f"{P}_w{i}")
                cc.slider(f"μ{i + 1}", -5.0, 5.0, step=0.1, key=f"{P}_m{i}")
                cc.slider(f"σ{i + 1}", 0.0, 2.0, step=0.05, key=f"{P}_s{i}")
        elif target_kind == "uniform":
            st.slider("a", -5.0, 5.0, step=0.1, **ui.bind(f"{P}_ua"))
            st.slider("b", -5.0, 5.0, step=0.1, **ui.bind(f"{P}_ub"))
        elif target_kind == "skewed":
            st.slider("Skewness α", -10.0, 10.0, step=0.5, **ui.bind(f"{P}_alpha"))
        else:
            st.file_uploader(f"CSV of 1-D samples: one number per line, first column used, one header "
                             f"line allowed (only the first {MAX_CSV_MB} MB and 1,000,000 rows are read)",
                             type=["csv", "txt"], key=f"{P}_csv")
            st.radio("KDE bandwidth", ["scott", "silverman"], horizontal=True,
                     **ui.bind(f"{P}_bw", ["scott", "silverman"]))
    with c3:
        st.markdown("**Generator G**")
        gen = st.selectbox("Generator", list(GENERATORS), format_func=GENERATORS.get,
                           **ui.bind(f"{P}_gen", GENERATORS))
        if gen == "nonmono":
            st.selectbox("f(z)", list(theory.EXAMPLE_MAPS), **ui.bind(f"{P}_f", theory.EXAMPLE_MAPS))
        if gen in ("affine", "nonmono"):
            st.slider("a (scale)", -3.0, 3.0, step=0.05, **ui.bind(f"{P}_a"))
            st.slider("b (shift)", -5.0, 5.0, step=0.1, **ui.bind(f"{P}_b"))
        if gen == "mlp":
            st.select_slider("Learning rate (G and D, Adam β = (0.5, 0.999))", LRS, **ui.bind(f"{P}_lr"),
                             format_func=lambda v: f"{v:g}")


ui.settings_panel(P, "gv_settings_gen", "Settings", settings_widgets)
prior, target_kind, seed, gen, f, a, b, lr, mu, sigma, ua, ub, alpha = (
    st.session_state[f"{P}_{k}"] for k in ("prior", "target", "seed", "gen", "f", "a", "b", "lr", "mu", "sigma", "ua",
                                           "ub", "alpha"))
upload = st.session_state.get(f"{P}_csv") if target_kind == "csv" else None

# ------------------------------------------------------------------------------------------------- target
with ui.user_errors():
    if target_kind == "gaussian":
        target = theory.Gaussian(mu, sigma)
        target_key = ("gaussian", mu, target.sigma)
    elif target_kind == "mixture":
        k = st.session_state[f"{P}_k"]
        spec = [tuple(st.session_state[f"{P}_{c}{i}"] for i in range(k)) for c in "wms"]
        target = theory.Mixture(*spec)
        target_key = ("mixture", *spec)
    elif target_kind == "uniform":
        target = theory.Uniform(ua, ub)
        target_key = ("uniform", ua, ub)
    elif target_kind == "skewed":
        target = theory.Skewed(alpha)
        target_key = ("skewed", alpha)
    else:
        if upload is None:
            st.info("Upload a CSV of 1-D samples to use their kernel density estimate as p_data.")
            st.stop()
        bw = st.session_state[f"{P}_bw"]
        target, notes = parse_csv(upload.getvalue(), upload.file_id, bw)
        target_key = ("csv", upload.file_id, bw)
        for note in notes:
            st.warning(note)
for note in target.notes if target_kind != "csv" else []:
    st.warning(note)


# ---------------------------------------------------------------------------------------------- drawing
def draw_views(v: dict) -> None:
    x = v["x"]
    fig_a, fig_b = st.columns(2)
    with fig_a:
        st.markdown("**(a) z → G(z)** — Goodfellow et al. 2014, Fig. 1")
        ui.live_chart(pt.mapping_figure(v["z_samples"][:N_LINES], v["g_samples"][:N_LINES], x, v["p_data"],
                                        v["p_g"], uirevision=f"gen-a-{target_key}"), key=f"{P}_fig_a")
    with fig_b:
        st.markdown("**(b) the curve x = G(z)**")
        curves = {"G(z)": (v["g_curve"], pt.P_G_STYLE),
                  "G* = F_data⁻¹∘F_z (for comparison)": (v["g_star"], {**pt.P_DATA_STYLE, "width": 2})}
        ui.live_chart(pt.map_curve_figure(v["z_curve"], curves, uirevision=f"gen-b-{target_key}"),
                      key=f"{P}_fig_b")


def draw_density(v: dict) -> None:
    """(c): p_g over the histogram of G's samples, and p_data."""
    x = v["x"]
    st.markdown(f"**(c) p_g exact, over a histogram of {v['g_samples'].size:,} samples G(z), and p_data**")
    ui.live_chart(pt.density_figure(
        x, {"p_data": (v["p_data"], pt.P_DATA_STYLE), "p_g (change of variables)": (v["p_g"], pt.P_G_STYLE)},
        hist=pt.histogram_bars(v["g_samples"], bins=100, range_=(x[0], x[-1])),
        uirevision=f"gen-c-{target_key}", yrange=(0, 1.15 * min(max(v["p_data"].max(), v["p_g"].max()),
                                                                 4 * v["p_data"].max() + 1e-12))),
        key=f"{P}_fig_c")


def draw_metrics(v: dict, live: bool = False) -> None:
    m = st.columns(4)
    m[0].metric("KL(p_data ‖ p_g)", ui.fmt(v["kl"], ".4f"),
                help="∞ when p_g = 0 somewhere p_data > 0 (p_g misses data).")
    m[1].metric("JSD(p_data ‖ p_g)", ui.fmt(v["jsd"], ".4f"), help="In nats; at most log 2 ≈ 0.6931.")
    m[2].metric("W1(p_data, p_g)", ui.fmt(v["w1"], ".4f"))
    m[3].metric("p_g mass in view", f"{100 * v['mass']:.2f} %")
    # One slot for the notes that come and go, so the charts below keep their place (no re-mount); while training
    # live it keeps the height of a caption and a warning, so they do not move when a note comes or goes.
    with st.container(key="gv_gen_live_notes" if live else None):
        if v.get("kl_reason"):
            st.caption(f"KL = ∞: {v['kl_reason']}")
        elif live:  # the slot is never empty (an empty container is not drawn, and the charts below would move)
            st.caption("KL, JSD and W1 from G's exact pushforward: the MLP's monotone pieces, each inverted.")
        if v["mass"] < 1 - 5e-5:
            exact = "KL, JSD and W1 above use all of p_g" if "kl_reason" in v else \
                "the divergences use p_g renormalised on the plotted range"
            st.warning(f"{ui.fmt(100 * (1 - v['mass']), '.2f')} % of p_g lies outside the plotted range; {exact}.")
        if np.ptp(v["g_samples"]) == 0:
            st.info("G is constant: p_g is a point mass, drawn as one grid cell of height 1/Δx.")


def draw_formulas() -> None:
    """The formulas behind the figures, under them."""
    f1, f2 = st.columns(2)
    with f1:
        ui.formula(r"p_g(x) = \sum_{z:\,G(z)=x} \frac{p_z(z)}{|G'(z)|}",
                   f"Exact up to G being linear on {N_Z - 1:,} z-cells: each cell's prior mass is spread over its "
                   "image.")
    with f2:
        ui.formula(r"\begin{aligned}\mathrm{JSD} &= \tfrac12\mathrm{KL}(p_{data}\|m) + \tfrac12\mathrm{KL}(p_g\|m)\\"
                   r"m &= \tfrac{p_{data}+p_g}{2}\end{aligned}")
        ui.formula(r"W_1 = \int |F_{data} - F_g|\,dx")
        ui.formula(r"G^* = F_{data}^{-1}\circ F_z")


if gen != "mlp":
    with ui.user_errors():
        views = static_views(target, target_key, gen, a, b, f, prior, seed)
    draw_metrics(views)
    draw_views(views)
    ui.fold(P)
    draw_density(views)
    draw_formulas()
    st.stop()

# --------------------------------------------------------------------------------------------- live MLP
st.html("<style>.st-key-gv_gen_live_notes { min-height: 6.5rem; }</style>")
run, _ = ui.live_run(tl.generator_experiment(target, target_key, prior, seed, lr, n_hist=N_HIST), "generator", P,
                     extra=())  # the learning rate applies live, between two steps


def draw_live(snap) -> None:
    st.caption(ui.status_line(snap))
    if snap.view is None:
        return
    draw_metrics(snap.view, live=True)
    hist = snap.history
    curves = {}  # drawn (empty) before its first point, so the page does not move when the curves arrive
    if "jsd" in hist and len(hist["jsd"][0]):
        curves["JSD(p_data ‖ p_g)"] = (hist["jsd"][0], hist["jsd"][1], {"color": pt.COLORS["jsd"], "width": 2})
        if "w1" in hist:
            curves["W1(p_data, p_g)"] = (hist["w1"][0], hist["w1"][1], {"color": pt.COLORS["w1"], "width": 2})
    ui.live_chart(pt.density_figure(None, curves, height=220, xtitle="step", ytitle="divergence",
                                    uirevision=f"gen-h-{target_key}"), key=f"{P}_fig_h")
    draw_views(snap.view)
    draw_density(snap.view)


ui.live_panel(run, draw_live)
ui.fold(P)
draw_formulas()
