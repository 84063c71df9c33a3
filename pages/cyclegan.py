"""Unpaired translation: CycleGAN (Zhu et al., ICCV 2017) on two 2-D domains, trained live through the one Trainer —
where each x goes, whether it comes back, and what the cycle-consistency loss changes."""
from __future__ import annotations

import streamlit as st

from ganviz import ui
from ganviz.beyond import cyclegan as cg
from ganviz.plots import cyclegan as plots
from ganviz.plots import toy as plots_toy

P = "cg"
LAMBDAS = [0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
LRS = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3]
DIRECTIONS = ["X → Y → X", "Y → X → Y"]  # the translation figure's two tabs


def widget_values(cfg: cg.CycleConfig) -> dict:
    d = cfg.to_dict()
    return {"pair": d["pair"], "lambda": d["cycle_weight"], "lr": d["lr"], "batch": d["batch_size"],
            "width": d["width"], "layers": d["hidden_layers"]}  # the seed stays the user's


PRESETS = {name: (story, widget_values(cfg)) for name, (story, cfg) in cg.PRESETS.items()}
ui.init_state(P, {**PRESETS[cg.DEFAULT_PRESET][1], "seed": 0})  # the seed: ui.seed_input's default
st.session_state.setdefault(f"{P}_story", cg.DEFAULT_PRESET)

ui.page_header(
    "Unpaired translation: CycleGAN",
    "colours follow each point: with the cycle loss every ring mode goes to one square mode and its × "
    "(F(G(x))) lands back on it; with λ = 0 the map still looks plausible in Y, but the ×s land on the wrong "
    "modes — the cycle error tells the two apart.",
    "Two domains and no pairs: G translates X to Y, F translates Y back, and a discriminator on each side "
    "judges the translations (least-squares losses). Zhu et al. (ICCV 2017) add the cycle-consistency loss "
    "‖F(G(x)) − x‖₁ + ‖G(F(y)) − y‖₁, weighted λ = 10, so that the two translators invert each other. All four "
    "nets train live here through the same Trainer as every other page.",
)
ui.preset_bar(P, PRESETS, {}, "Presets (one click, then press Play):")

def settings_widgets() -> None:
    """The settings panel's widgets; the page reads their values from st.session_state (a keyed widget's)."""
    c1, c2, c3 = st.columns(3)
    with c1:
        st.selectbox("Domains X → Y", list(cg.PAIRS), **ui.bind(f"{P}_pair", cg.PAIRS))
        st.select_slider("Cycle-consistency weight λ", LAMBDAS, **ui.bind(f"{P}_lambda"),
                         help="0: two independent GANs. The paper uses 10. Applied live.")
    with c2:
        st.select_slider("Adam learning rate (all four nets)", LRS, **ui.bind(f"{P}_lr"),
                         format_func=lambda v: f"{v:g}")
        st.select_slider("Batch size", [32, 64, 128, 256, 512], **ui.bind(f"{P}_batch"))
    with c3:
        st.select_slider("Width", [16, 32, 64, 128], **ui.bind(f"{P}_width"))
        st.slider("Hidden layers (each net)", 1, 3, **ui.bind(f"{P}_layers"))
        ui.seed_input(key=f"{P}_seed")


ui.settings_panel(P, "gv_settings_cg", "Settings: domains, λ, nets, seed", settings_widgets)
pair, lam, lr, batch, width, layers, seed = (
    st.session_state[f"{P}_{k}"] for k in ("pair", "lambda", "lr", "batch", "width", "layers", "seed"))

with ui.user_errors():
    cfg = cg.CycleConfig(pair=pair, cycle_weight=lam, width=width, hidden_layers=layers, lr=lr, batch_size=batch,
                         seed=seed)
x_dom, y_dom = cfg.domains
half = max(abs(v) for v in (*x_dom.extent, *y_dom.extent))  # each domain's square in the translation figure


run, _ = ui.live_run(cg.live_experiment(cfg), "cyclegan", P, extra=())  # λ, the lr and the batch apply live

def draw(snap) -> None:
    h = snap.history
    now = snap.view["metrics"] if snap.view is not None else {}  # measured by the view at the step shown
    left, right = st.columns([1.8, 1])
    with left:
        if snap.view is not None:
            # only the open tab's figure is drawn (a switch reruns the panel): each holds ~1,700 points
            tab_x, tab_y = st.tabs(DIRECTIONS, key=f"{P}_direction", on_change="rerun", bind="query-params",
                                   default=DIRECTIONS[0])
            if tab_x.open:
                with tab_x:
                    ui.live_chart(plots.translation_figure(snap.view, "x", half, uirevision=f"cg-{cfg.pair}-x"),
                                  key=f"{P}_fig")
            if tab_y.open:
                with tab_y:
                    ui.live_chart(plots.translation_figure(snap.view, "y", half, uirevision=f"cg-{cfg.pair}-y"),
                                  key=f"{P}_fig_y")
    with right:
        st.caption(ui.status_line(snap))  # beside the picture, not a row above it
        m1, m2 = st.columns(2)
        m1.metric("Step", f"{snap.step:,}")
        m2.metric("λ", f"{snap.config.cycle_weight:g}" if snap.config is not None else "—")
        m1.metric("Cycle error x", ui.fmt(now.get("cycle_x"), ".3f"), help="mean ‖F(G(x)) − x‖₁ on 1,000 fixed x")
        m2.metric("Cycle error y", ui.fmt(now.get("cycle_y"), ".3f"), help="mean ‖G(F(y)) − y‖₁ on 1,000 fixed y")
        if y_dom.has_modes:
            m1.metric("Modes of Y covered by G(x)", f"{ui.fmt(now.get('modes_y'), '.0f')} / {len(y_dom.centres)}")
        if x_dom.has_modes:
            m2.metric("Modes of X covered by F(y)", f"{ui.fmt(now.get('modes_x'), '.0f')} / {len(x_dom.centres)}")
            rt = now.get("round_trip")
            m1.metric("Back to its own mode", "—" if rt is None else f"{100 * rt:.0f} %",
                      help="Share of x whose F(G(x)) is nearest to x's own mode.")
            if y_dom.has_modes:
                m2.metric("Distinct targets of X's modes", f"{ui.fmt(now.get('distinct_targets'), '.0f')} / "
                          f"{len(x_dom.centres)}", help="How many Y modes are the main image of some X mode: "
                                                        "fewer than X's modes = several modes sent to one.")
        ui.live_chart(plots_toy.series_figure(h, {"cycle_x": "‖F(G(x)) − x‖₁", "cycle_y": "‖G(F(y)) − y‖₁"},
                                              snap.events, title="Cycle error", log_y=True, height=240,
                                              uirevision="cg-cycle"), key=f"{P}_cycle_chart")
        ui.live_chart(plots_toy.series_figure(h, {"loss_d": "D loss", "loss_g": "G loss"}, snap.events,
                                              title="Losses", height=220, uirevision="cg-loss"),
                      key=f"{P}_loss_chart")
        if snap.view is not None and snap.state != "running":
            st.download_button("Download the mapped points (CSV)", cg.view_csv(snap.view),
                               file_name=f"cyclegan_step{snap.step}.csv", mime="text/csv", key=f"{P}_download")


ui.live_panel(run, draw, every=1.0)
ui.fold(P)

ui.formula(r"\begin{aligned} \mathcal{L} &= \mathcal{L}_{\text{LSGAN}}(G, D_Y) + \mathcal{L}_{\text{LSGAN}}(F, D_X) \\ "
           r"&\quad + \lambda\,\big(\mathbb{E}_x\|F(G(x)) - x\|_1 + \mathbb{E}_y\|G(F(y)) - y\|_1\big) \end{aligned}",
           "Segments: x → G(x) (grey) and x → F(G(x)) (red: the cycle error). Each point keeps its colour — its "
           "angle in its own domain — so a consistent map shows the same colours mode by mode.")
