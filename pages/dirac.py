"""Why GAN training oscillates: the Dirac-GAN of Mescheder, Geiger & Nowozin (ICML 2018) — the (θ, ψ) plane with
the gradient field, simultaneous vs alternating gradient steps played live, and the closed-form eigenvalues at
the equilibrium with and without the remedies (R1, instance noise)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from ganviz import ui
from ganviz.beyond import dirac
from ganviz.plots import dirac as plots

P = "dirac"
LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0]
GAMMAS = [0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0]
NOISES = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5]
STEPS = [200, 500, 1000, 2000, 5000]
FRAMES_PER_RUN = 60  # a run plays in ~60 frames (~30 s), whatever its length
FRAME_S = 0.5  # seconds between frames: shorter ones keep a busy server too busy to answer Pause promptly
DEFAULTS = dirac.DiracConfig().to_dict()
PRESETS = dirac.PRESETS
ui.init_state(P, DEFAULTS)
st.session_state.setdefault(f"{P}_story", dirac.DEFAULT_PRESET)
st.session_state.setdefault(f"{P}_t", 0)
st.session_state.setdefault(f"{P}_playing", False)


@st.cache_data(max_entries=16, show_spinner=False)
def run(cfg: dirac.DiracConfig) -> tuple[np.ndarray, np.ndarray, float, dict, bool]:
    traj = dirac.trajectory(cfg)
    extent = dirac.view_extent(traj)
    detected = dirac.oscillation_detected(cfg, traj)
    return traj, dirac.d_on_fake(cfg, traj), extent, dirac.field_grid(cfg, extent), detected


def complex_text(values) -> str:
    """An eigenvalue pair as a person writes it: ±0.500i, −0.150 ± 0.477i, or two real numbers."""
    a, b = values
    if abs(a.imag) < 1e-12:
        return f"{ui.fmt(a.real, '.3f')}, {ui.fmt(b.real, '.3f')}"
    re, im = ui.fmt(a.real, ".3f"), ui.fmt(abs(a.imag), ".3f")
    return f"±{im}i" if abs(a.real) < 5e-4 else f"{re} ± {im}i"


ui.page_header(
    "Why GAN training oscillates: Dirac-GAN",
    "without a penalty the arrows go *around* the equilibrium, not into it (eigenvalues ±i·f′(0): a pure "
    "rotation). Simultaneous steps spiral out, alternating ones circle; R1 or instance noise add a negative real "
    "part and the iterates spiral in.",
    "The smallest GAN (Mescheder, Geiger & Nowozin, ICML 2018, “Which training methods for GANs do actually "
    "converge?”): the data is a single point at 0, the generator a single point θ, the discriminator a line "
    "D(x) = ψ·x. Two numbers, so the whole game is a picture in the (θ, ψ) plane. The iterates are computed "
    "exactly in numpy (microseconds per run) and played back frame by frame.",
)
ui.preset_bar(P, PRESETS, DEFAULTS, "Presets (one click, then press Play):")

def settings_widgets() -> None:
    """The settings panel's widgets; the page reads their values from st.session_state (a keyed widget's)."""
    c1, c2, c3 = st.columns(3)
    with c1:
        loss = st.selectbox("Loss", list(dirac.LOSSES), format_func=dirac.LOSSES.get,
                            **ui.bind(f"{P}_loss", dirac.LOSSES))
        method = st.radio("Method", list(dirac.METHODS), format_func=dirac.METHODS.get,
                          **ui.bind(f"{P}_method", dirac.METHODS))
        st.select_slider("Step size h (learning rate of both)", LRS, **ui.bind(f"{P}_lr"))
        st.slider("D steps per G step n_d", 1, 20, **ui.bind(f"{P}_d_steps"), disabled=method != "alternating",
                  help="Alternating descent only: D takes n_d steps, then G one step.")
    with c2:
        r1 = st.checkbox("R1 penalty (γ/2)·ψ² on D (real data)", **ui.bind(f"{P}_r1"))
        st.select_slider("Penalty weight γ (R1, and WGAN-GP's penalty)", GAMMAS, **ui.bind(f"{P}_gamma"),
                         disabled=not (r1 or loss == "wgan-gp"))
        st.select_slider("Instance noise σ (on real and fake samples)", NOISES, **ui.bind(f"{P}_noise"),
                         help="The field is the expectation over the noise (Gauss–Hermite quadrature).")
    with c3:
        st.select_slider("Iterations", STEPS, **ui.bind(f"{P}_steps"), format_func=lambda v: f"{v:,}")
        st.slider("Start θ₀", -2.0, 2.0, step=0.1, **ui.bind(f"{P}_theta0"))
        st.slider("Start ψ₀", -2.0, 2.0, step=0.1, **ui.bind(f"{P}_psi0"))
        st.caption("No randomness: the same settings always give the same iterates.")


ui.settings_panel(P, "gv_settings_dirac", "Settings: loss, steps, remedies", settings_widgets)
loss, method, lr, d_steps, r1, gamma, noise, steps, theta0, psi0 = (
    st.session_state[f"{P}_{k}"] for k in ("loss", "method", "lr", "d_steps", "r1", "gamma", "noise", "steps", "theta0",
                                           "psi0"))

with ui.user_errors():
    cfg = dirac.DiracConfig(loss=loss, method=method, r1=r1, gamma=gamma, noise=noise, lr=lr, d_steps=d_steps,
                            steps=steps, theta0=theta0, psi0=psi0)
traj, d_fake, extent, grid, oscillates = run(cfg)
if st.session_state[f"{P}_t"] > steps:
    st.session_state[f"{P}_t"] = steps
per_frame = max(1, steps // FRAMES_PER_RUN)


def _toggle() -> None:
    if st.session_state[f"{P}_playing"]:
        st.session_state[f"{P}_playing"] = False
    else:
        if st.session_state[f"{P}_t"] >= st.session_state[f"{P}_steps"]:
            st.session_state[f"{P}_t"] = 0
        st.session_state[f"{P}_playing"] = True


def _step() -> None:
    st.session_state[f"{P}_t"] = min(st.session_state[f"{P}_steps"], st.session_state[f"{P}_t"] + 1)


def _reset() -> None:
    st.session_state[f"{P}_t"], st.session_state[f"{P}_playing"] = 0, False


playing = st.session_state[f"{P}_playing"]
b1, b2, b3, _ = st.columns([1, 1, 1, 3])
b1.button("Pause" if playing else "Play", key=f"{P}_toggle", type="primary", on_click=_toggle, width="stretch",
          icon=":material/pause:" if playing else ":material/play_arrow:")
b2.button("Step", key=f"{P}_step", on_click=_step, disabled=playing, width="stretch")
b3.button("Reset", key=f"{P}_reset", on_click=_reset, disabled=playing, width="stretch")

J, lam, rho = dirac.jacobian(cfg), dirac.eigenvalues(cfg), dirac.spectral_radius(cfg)
d_label = "D(G(z)) = σ(−ψθ)" if loss in ("minimax", "nonsaturating") else "critic on the fake −ψθ"
MEANING = {"converges": "ρ < 1: the iterates spiral **into** the equilibrium.",
           "circles": "ρ = 1: the iterates **circle** the equilibrium forever.",
           "diverges": "ρ > 1: the iterates spiral **out**, away from the equilibrium."}


def draw(t: int) -> None:
    state = "running" if st.session_state[f"{P}_playing"] else ("idle" if t == 0 else "paused")
    left, right = st.columns([1.6, 1])
    with left:
        ui.live_chart(plots.plane_figure(grid, traj[: t + 1], extent, whole=traj,
                                         uirevision=f"dirac-{extent:.3f}"), key=f"{P}_fig")
    with right:
        st.caption(f"Step {t:,} · {state} — {steps:,} iterations in all")  # beside the picture
        now = traj[t] if np.isfinite(traj[t]).all() else np.array([np.nan, np.nan])
        m1, m2 = st.columns(2)
        m1.metric("θₜ", ui.fmt(now[0], ".3f"))
        m2.metric("ψₜ", ui.fmt(now[1], ".3f"))
        start, end = np.hypot(*traj[0]), np.hypot(*now)
        m1.metric("Distance to (0, 0)", ui.fmt(end, ".3g"), help="‖(θₜ, ψₜ)‖ at the iteration shown.")
        m2.metric("… relative to the start", ui.fmt(end / start, ".3g") + "×" if start > 0 else "—")
        if not ui.before_fold(P):  # the first screen: the plane and its numbers; the curves follow
            ui.live_chart(plots.iterates_figure(traj[: t + 1], d_fake[: t + 1], d_label, steps, height=260),
                          key=f"{P}_series")


@st.fragment(run_every=FRAME_S if playing else None)
def panel() -> None:
    t = int(st.session_state[f"{P}_t"])
    if st.session_state[f"{P}_playing"]:
        t = min(steps, t + per_frame)
        st.session_state[f"{P}_t"] = t
        if t >= steps:  # the end of the run: stop and refresh the controls
            st.session_state[f"{P}_playing"] = False
            st.rerun()
    draw(t)


panel()
ui.fold(P)

st.download_button("Download the iterates (CSV)", dirac.trajectory_csv(cfg, traj), file_name="dirac_gan_iterates.csv",
                   mime="text/csv", key=f"{P}_download")

st.subheader("The equilibrium's eigenvalues, in closed form")
e1, e2 = st.columns(2)
with e1:
    ui.formula(r"\begin{aligned} v(\theta,\psi) &= \begin{pmatrix} -\psi f'(\psi\theta) \\ \theta f'(\psi\theta) "
               r"\end{pmatrix} \\ J &= \begin{pmatrix} 0 & -f'(0) \\ f'(0) & -d \end{pmatrix} \\ "
               r"\lambda_{1,2} &= -\tfrac{d}{2} \pm \sqrt{\tfrac{d^2}{4} - f'(0)^2} \end{aligned}",
               "d: the damping — 0 unregularised, γ with R1, −2σ²·f″(0) with instance noise (f′(0) = ½, "
               "f″(0) = −¼ for the GAN; f′ ≡ 1, f″ ≡ 0 for the WGAN).")
    if J is None:
        st.warning("WGAN-GP has no Jacobian at the equilibrium: its penalty (γ/2)(|ψ| − 1)² is not differentiable "
                   "at ψ = 0 and near it pushes |ψ| towards 1, away from the equilibrium — so the iterates cannot "
                   "settle there (Mescheder et al. 2018, §3).", icon=":material/warning:")
    else:
        m1, m2 = st.columns(2)
        m1.metric("f′(0)", ui.fmt(J[1, 0], ".3f"))
        m2.metric("damping d", ui.fmt(-J[1, 1], ".3f"))
        m1.metric("Eigenvalues of J", complex_text(lam),
                  help="Continuous time (gradient flow): a zero real part is a pure rotation; a negative one pulls in.")
with e2:
    ui.formula(r"M_{\text{sim}} = I + hJ,\qquad M_{\text{alt}} = A_G A_D^{\,n_d}",
               "One training iteration near (0, 0) is the linear map M; it converges iff its spectral radius "
               "ρ(M) < 1.")
    if rho is not None:
        verdict = dirac.verdict(cfg)
        lam_m = np.linalg.eigvals(dirac.update_operator(cfg))
        m1, m2 = st.columns(2)
        m1.metric("Eigenvalues of M", complex_text(lam_m))
        m2.metric("Spectral radius ρ(M)", ui.fmt(rho, ".5f"))
        st.markdown(MEANING[verdict])
st.caption(
    f"**The 2-D playground's oscillation detector** (it looks for a periodic swing of D(G(z)) over the last 400 "
    f"steps) **{'fires' if oscillates else 'does not fire'}** on this run's D(G(z)) series. Circling iterates are "
    "what it catches in the playground: there D(G(z)) swings because the game rotates around its equilibrium "
    "exactly as here. When the iterates spiral in, the swing dies out; when D saturates far from the equilibrium, "
    "the swings slow down past its 200-step lag and it may miss them.")
