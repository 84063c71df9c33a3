"""The value at the optimum: C(G) = V(G, D*) = −log 4 + 2·JSD(p_data ‖ p_g) (Goodfellow et al. 2014, Thm. 1),
JSD stuck at log 2 for disjoint supports while W1 grows (Arjovsky et al. 2017), forward vs reverse KL, and
Proposition 2 as gradient steps on C(G) over a non-parametric p_g."""
from __future__ import annotations

import numpy as np
import streamlit as st
from scipy import stats

from ganviz import ui
from ganviz.onedim import theory
from ganviz.plots import theory as pt

P = "jsd"
X = theory.x_grid(-16.0, 16.0, 3201)  # section 3's computations; figures and Prop. 2 use every 2nd point
S = slice(None, None, 2)
XS = X[S]
VIEW = (-14.0, 14.0)  # the x-range plotted in section 1
OUT_OF_VIEW = 1e-6  # p_g mass beyond VIEW from which on the page says so
SHIFTS = np.linspace(-10, 10, 81)
THETAS = np.round(np.linspace(0, 6, 61), 10)
MUS, SIGMA = (-2.0, 2.0), 0.7
DEFAULTS = {"wd": 0.5, "wg": 0.5, "shift": 1.5, "scale": 1.0, "theta": 1.0, "sep": 4.0, "wmode": 0.5,
            "lr": 0.3, "steps": 0}
PRESETS = {
    "p_g = p_data: the minimum": ("Both numbers read −log 4 ≈ −1.3863 and D* = ½ everywhere.",
                                  {"wg": 0.5, "shift": 0.0, "scale": 1.0}),
    "p_g far away: JSD → log 2": ("Shifted by 8 the overlap is gone: C(G) → 0, i.e. JSD → log 2.",
                                  {"shift": 8.0}),
    "Disjoint uniforms": ("Beyond θ = 2 the supports are disjoint: JSD is exactly log 2, W1 = θ keeps growing.",
                          {"theta": 3.0}),
    "Mode seeking": ("Far-apart modes: forward KL spreads one Gaussian over both, reverse KL picks one.",
                     {"sep": 6.0, "wmode": 0.5}),
    "Prop. 2 from a wrong p_g": ("Start from a shifted, squeezed p_g and take 30 steps: C(G) falls to −log 4.",
                                 {"shift": 3.0, "scale": 0.6, "wg": 0.8, "steps": 30, "lr": 0.3}),
}



def bump_steps(delta: int) -> None:
    key = f"{P}_steps"
    st.session_state[key] = int(np.clip(st.session_state[key] + delta, 0, 60)) if delta else 0


ui.init_state(P, DEFAULTS)


def p_data_density(wd: float) -> theory.Mixture:
    return theory.Mixture([wd, 1 - wd], MUS, [SIGMA, SIGMA])


def p_g_density(wg: float, shift: float, scale: float) -> theory.Mixture:
    """shift + scale·(wg·N(−2, 0.7²) + (1 − wg)·N(2, 0.7²)), written as the mixture it is."""
    return theory.Mixture([wg, 1 - wg], shift + scale * np.asarray(MUS), [scale * SIGMA, scale * SIGMA])


@st.cache_data(max_entries=64, show_spinner=False)
def optimum(wd: float, wg: float, shift: float, scale: float) -> dict:
    """Both sides of Thm. 1 on a grid that covers all the mass of p_data and p_g; the densities on XS to plot,
    and the mass of p_g outside the plotted range (left, right)."""
    pd, pg = p_data_density(wd), p_g_density(wg, shift, scale)
    x = theory.covering_grid([pd, pg])
    p, q = pd.pdf(x), pg.pdf(x)
    lo, hi = VIEW
    outside = (float(pg.cdf(lo)), float(np.sum(pg.weights * stats.norm.sf(hi, pg.mus, pg.sigmas))))
    return {"p": pd.pdf(XS), "q": pg.pdf(XS), "c": theory.c_of_g(x, p, q), "jsd": theory.jsd(x, p, q),
            "outside": outside}


@st.cache_data(max_entries=64, show_spinner=False)
def sweep(wd: float, wg: float, scale: float) -> dict:
    """C(G) and JSD over SHIFTS, each on one grid covering p_data and every shifted p_g."""
    pd = p_data_density(wd)
    x = theory.covering_grid([pd, p_g_density(wg, SHIFTS[0], scale), p_g_density(wg, SHIFTS[-1], scale)],
                             per_sigma=6.0, n_min=801)
    p = pd.pdf(x)
    out = {"shift": SHIFTS, "c": [], "jsd": []}
    for s in SHIFTS:
        q = p_g_density(wg, s, scale).pdf(x)
        out["c"].append(theory.c_of_g(x, p, q))
        out["jsd"].append(theory.jsd(x, p, q))
    return {k: np.asarray(v) for k, v in out.items()}


@st.cache_data(max_entries=8, show_spinner=False)
def disjoint_sweep() -> dict:
    """Closed forms for p_data = U(−1, 1), p_g = U(θ − 1, θ + 1) over THETAS."""
    rows = [theory.uniform_divergences(-1.0, 1.0, t - 1.0, t + 1.0) for t in THETAS]
    return {"shift": THETAS, **{k: np.array([r[k] for r in rows]) for k in ("jsd", "w1", "c")}}


@st.cache_data(max_entries=64, show_spinner=False)
def kl_fits(sep: float, w: float) -> dict:
    """Both fits on X; KL(p ‖ q_fwd) again on a grid covering q_fwd too (its tails reach beyond X)."""
    mix = theory.Mixture([w, 1 - w], [-sep / 2, sep / 2], [0.6, 0.6])
    p = mix.pdf(X)
    (mf, sf, _), rev = theory.fit_gaussian(X, p, "forward"), theory.fit_gaussian(X, p, "reverse")
    q = theory.Gaussian(mf, sf)
    x = theory.covering_grid([mix, q])
    return {"p": p, "forward": (mf, sf, theory.kl(x, mix.pdf(x), q.pdf(x))), "reverse": rev}


@st.cache_data(max_entries=32, show_spinner=False)
def prop2(wd: float, wg: float, shift: float, scale: float, lr: float) -> dict:
    """Prop. 2's path on a grid covering p_data and the starting p_g (nothing cut off, so step 0 is section 1)."""
    pd, pg = p_data_density(wd), p_g_density(wg, shift, scale)
    x = theory.covering_grid([pd, pg], per_sigma=6.0, n_min=1601)
    p = pd.pdf(x)
    path, c_values = theory.prop2_path(x, p, pg.pdf(x), lr, 60)
    return {"x": x, "p": p, "path": path, "c": c_values}


ui.page_header(
    "The value at the optimum: −log 4 + 2·JSD",
    "the two numbers agree to many digits however you move p_g; the floor −log 4 is reached only at "
    "p_g = p_data, and once supports stop overlapping JSD freezes at log 2 while W1 keeps counting distance.",
    "For a fixed G the best discriminator is D* = p_data/(p_data+p_g) (Prop. 1). Plugging it into V gives "
    "C(G) = max_D V(G, D) — which Theorem 1 rewrites as −log 4 + 2·JSD(p_data ‖ p_g). Here both sides are "
    "computed independently, on a fine grid that covers all the mass of both densities.",
)
ui.preset_bar(P, PRESETS, DEFAULTS)
st.caption("Everything on this page is exact numerical integration — no sampling, so no seed is needed.")

# ----------------------------------------------------------------------------------------- 1. Theorem 1
st.subheader("1 · Move p_g: V(G, D*) against −log 4 + 2·JSD")
c1, c2 = st.columns([1, 2.4])
with c1:
    wd = st.slider("p_data: weight of the left bump", 0.05, 0.95, step=0.05, **ui.bind(f"{P}_wd"))
    wg = st.slider("p_g: weight of the left bump", 0.0, 1.0, step=0.05, **ui.bind(f"{P}_wg"))
    shift = st.slider("p_g: shift", -10.0, 10.0, step=0.1, **ui.bind(f"{P}_shift"))
    scale = st.slider("p_g: scale", 0.1, 3.0, step=0.05, **ui.bind(f"{P}_scale"))
with ui.user_errors():
    opt = optimum(wd, wg, shift, scale)
    sw = sweep(wd, wg, scale)
with c2:
    ui.live_chart(pt.d_figure(XS, opt["p"][S], opt["q"][S], height=290, uirevision="jsd-1",
                              xrange=list(VIEW)), key=f"{P}_fig_1")
    left, right = opt["outside"]
    if max(left, right) >= OUT_OF_VIEW:
        side = " and ".join(f"{100 * v:.2g} % of its mass {w}" for v, w in (
            (left, f"left of x = −{-VIEW[0]:g}"), (right, f"right of x = {VIEW[1]:g}")) if v >= OUT_OF_VIEW)
        st.caption(f"Not in view: p_g has {side}. The numbers below integrate over all of it.")
m = st.columns(4)
m[0].metric("V(G, D*) by integration", ui.fmt(opt["c"], ".6f"))
m[1].metric("−log 4 + 2·JSD", ui.fmt(-theory.LOG4 + 2 * opt["jsd"], ".6f"))
m[2].metric("|difference|", f"{abs(opt['c'] - (-theory.LOG4 + 2 * opt['jsd'])):.1e}")
m[3].metric("JSD(p_data ‖ p_g)", ui.fmt(opt["jsd"], ".6f"), help="In nats; log 2 ≈ 0.693147 is its maximum.")
ui.fold(P)
c1, c2 = st.columns([1.2, 2.2])
with c1:
    ui.formula(r"\begin{aligned}V(G,D^*) = \int & p_{data}\log\tfrac{p_{data}}{p_{data}+p_g} \\"
               r" & + p_g\log\tfrac{p_g}{p_{data}+p_g}\,dx\end{aligned}")
    ui.formula(r"= -\log 4 + 2\,\mathrm{JSD}(p_{data}\,\|\,p_g)",
               "Left: the integral with D* plugged in. Right: JSD from its own formula. Goodfellow et al. 2014, "
               "Thm. 1.")
with c2:
    ui.live_chart(pt.value_vs_jsd_figure(sw["shift"], sw["c"], sw["jsd"], current=shift, xtitle="shift of p_g",
                                         height=250), key=f"{P}_fig_1b")

# ---------------------------------------------------------------------------------- 2. disjoint supports
@st.fragment
def disjoint_section() -> None:
    """Independent of the sliders above: its own slider reruns only this fragment."""
    st.subheader("2 · Disjoint supports: JSD is stuck at log 2, W1 is not")
    c1, c2 = st.columns([1, 2.4])
    with c1:
        theta = st.slider("θ: p_g = U(θ − 1, θ + 1) against p_data = U(−1, 1)", 0.0, 6.0, step=0.1,
                          **ui.bind(f"{P}_theta"))
        u = theory.Uniform(-1.0, 1.0)
        pu, qu = u.pdf(XS), theory.Affine(u, theta).pdf(XS)
        curves = {"p_data = U(−1, 1)": (pu, {**pt.P_DATA_STYLE, "fill": "tozeroy"}),
                  f"p_g = U({theta - 1:g}, {theta + 1:g})": (qu, {**pt.P_G_STYLE, "fill": "tozeroy"})}
        ui.live_chart(pt.density_figure(XS, curves, height=220, uirevision="jsd-2b", yrange=(0, 0.7), crop=True),
                      key=f"{P}_fig_2b")
    with c2:
        ds = disjoint_sweep()
        ui.live_chart(pt.jsd_w1_figure(ds["shift"], ds["jsd"], ds["w1"], current=theta, height=300),
                      key=f"{P}_fig_2")
    exact = theory.uniform_divergences(-1.0, 1.0, theta - 1.0, theta + 1.0)
    m = st.columns(5)
    m[0].metric("JSD", ui.fmt(exact["jsd"], ".6f"), help="Closed form: min(θ, 2)/2 · log 2; exactly log 2 = "
                "0.693147 once θ ≥ 2.")
    m[1].metric("W1", ui.fmt(exact["w1"], ".4f"), help="Closed form: W1 = θ (p_g is p_data moved by θ).")
    m[2].metric("C(G) = V(G, D*)", ui.fmt(exact["c"], ".6f"), help="Closed form: −log 4 + 2·JSD.")
    m[3].metric("KL(p_data ‖ p_g)", ui.fmt(exact["kl"], ".4f"),
                help="∞ whenever θ > 0: p_data has mass where p_g = 0.")
    if exact["kl"] == np.inf:
        m[3].caption("∞: the supports are disjoint." if exact["overlap"] == 0 else
                     f"∞: p_data has mass on [−1, {theta - 1:g}), where p_g = 0.".replace("-", "−"))
    with m[4]:
        ui.formula(r"\begin{aligned}&\theta > 2{:}\\ \mathrm{JSD} &= \log 2\\ W_1 &= \theta\end{aligned}",
                   "Arjovsky et al. 2017, Example 1: this far off, JSD gives G no signal; W1 still does.")


disjoint_section()


# ------------------------------------------------------------------------------------ 3. forward/reverse
@st.fragment
def kl_section() -> None:
    """Independent of the sliders above: its own sliders rerun only this fragment."""
    st.subheader("3 · One Gaussian for two bumps: forward vs reverse KL")
    c1, c2 = st.columns([1, 2.4])
    with c1:
        sep = st.slider("Distance between the modes", 0.0, 8.0, step=0.25, **ui.bind(f"{P}_sep"))
        wmode = st.slider("Weight of the left mode", 0.05, 0.95, step=0.05, **ui.bind(f"{P}_wmode"))
        fits = kl_fits(sep, wmode)
        (mf, sf, kf), (mr, sr, kr) = fits["forward"], fits["reverse"]
    with c2:
        ui.live_chart(pt.kl_fit_figure(XS, fits["p"][S], theory.Gaussian(mf, sf).pdf(XS),
                                       theory.Gaussian(mr, sr).pdf(XS), height=300), key=f"{P}_fig_3")
    m = st.columns(4)
    m[0].metric("forward: μ, σ", f"{mf:.2f}, {sf:.2f}")
    m[1].metric("KL(p ‖ q_fwd)", ui.fmt(kf, ".4f"))
    m[2].metric("reverse: μ, σ", f"{mr:.2f}, {sr:.2f}")
    m[3].metric("KL(q_rev ‖ p)", ui.fmt(kr, ".4f"))
    c1, c2 = st.columns(2)
    with c1:
        ui.formula(r"\min_q \mathrm{KL}(p\|q)\ \Rightarrow\ \mu=\mathbb{E}_p x,\ \sigma^2=\mathrm{Var}_p x",
                   "Forward KL punishes q ≈ 0 where p > 0: q covers all the mass.")
    with c2:
        ui.formula(r"\min_q \mathrm{KL}(q\|p) = \min_q\, -H(q) - \mathbb{E}_q \log p",
                   "Reverse KL punishes q > 0 where p ≈ 0: q sits on one mode — the mode-dropping flavour "
                   "of GANs.")


kl_section()

# ---------------------------------------------------------------------------------------- 4. Prop. 2
st.subheader("4 · Proposition 2: gradient steps on C(G) move p_g to p_data")
c1, c2 = st.columns([1, 2.4])
with c1:
    st.caption("p_g starts as section 1's p_g; p_data is section 1's p_data.")
    lr = st.slider("Step size η", 0.05, 1.0, step=0.05, **ui.bind(f"{P}_lr"))
    steps = st.slider("Steps taken", 0, 60, **ui.bind(f"{P}_steps"))
    b1, b2, b3 = st.columns(3)
    b1.button("Step", key=f"{P}_step", on_click=bump_steps, args=(1,), width="stretch")
    b2.button("+10", key=f"{P}_step10", on_click=bump_steps, args=(10,), width="stretch")
    b3.button("Reset", key=f"{P}_reset", on_click=bump_steps, args=(0,), width="stretch")
    with ui.user_errors():
        p2 = prop2(wd, wg, shift, scale, lr)
        c_values = p2["c"]
    st.metric("C(G) now", ui.fmt(c_values[steps], ".6f"), delta_color="inverse",
              delta=f"{c_values[steps] - c_values[0]:+.4f} since step 0" if steps else None)
    st.metric("gap to −log 4", f"{max(c_values[steps] + theory.LOG4, 0.0):.2e}",
              help="C(G) + log 4 = 2·JSD ≥ 0 (Thm. 1); 0 only at p_g = p_data.")
with c2:
    ui.live_chart(pt.prop2_figure(p2["x"], p2["p"], p2["path"], steps, height=300), key=f"{P}_fig_4")
    ui.live_chart(pt.c_path_figure(c_values, steps, height=200), key=f"{P}_fig_4b")
ui.formula(r"\begin{aligned}\frac{\delta C}{\delta p_g(x)} &= \log\frac{p_g(x)}{p_{data}(x)+p_g(x)} = "
           r"\log(1-D^*(x))\\ p_g &\leftarrow \frac{1}{Z}\, p_g\, e^{-\eta\, \delta C/\delta p_g}\end{aligned}",
           "Exponentiated-gradient (mirror) descent keeps p_g a density; each step raises p_g where D* says "
           "'real' (D* > ½) and lowers it where D* < ½ — Goodfellow et al. 2014, Prop. 2.")
