"""2-D playground: train a GAN live on 2-D points and watch D, G's manifold and G's gradients; mode collapse
and its remedies (PacGAN, unrolling, spectral norm, WGAN-GP) with the published mode metrics."""
from __future__ import annotations

import hashlib
from functools import partial

import numpy as np
import streamlit as st

from ganviz import ui
from ganviz.engine import losses
from ganviz.engine.priors import MIXTURE_SD
from ganviz.engine.trainer import OPTIMIZERS
from ganviz.plane import compare, playground, slowmo, toy
from ganviz.plots import slowmo as slowmo_plots
from ganviz.plots import toy as plots_toy

P = "pg"  # widget key prefix
REFRESH_S = [0.25, 0.5, 1.0, 2.0, 5.0]  # seconds between redraws of the live view
LRS = [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1]
DATA_LABELS = {**{name: make().label for name, make in toy.DATASETS.items()}, "csv": "Your CSV of points (upload)"}
Z_DIMS = [1, 2, 4, 8, 16, 64, 256]
DECAY_STARTS = [0, 1_000, 2_000, 5_000, 6_000, 10_000, 15_000, 20_000]  # 0: no decay
DECAY_LENGTHS = [1_000, 2_000, 4_000, 5_000, 10_000, 20_000]
PRIOR_LABELS = {"normal": "Gaussian N(0, I)", "uniform": "uniform U(−1, 1)",
                "mixture": "mixture of K Gaussians (a disconnected latent)"}
# every preset's K among the choices (a select_slider would move a value it lacks to another one)
MIXTURE_KS = sorted({2, 5, 10, 20, 50, 100, 200} | {cfg.mixture_k for _, cfg in playground.PRESETS.values()})
VIEWS = {"heatmap": "D's output", "manifold": "G's manifold", "real": "real points", "fake": "fake points",
         "arrows": "G's gradient arrows"}
LOSS_LATEX = {
    "minimax": (r"L_D = -\mathbb{E}[\log D(x)] - \mathbb{E}[\log(1 - D(G(z)))]",
                r"L_G = \mathbb{E}[\log(1 - D(G(z)))]"),
    "nonsaturating": (r"L_D = -\mathbb{E}[\log D(x)] - \mathbb{E}[\log(1 - D(G(z)))]",
                      r"L_G = -\mathbb{E}[\log D(G(z))]"),
    "lsgan": (r"L_D = \tfrac12\mathbb{E}[(D(x)-1)^2] + \tfrac12\mathbb{E}[D(G(z))^2]",
              r"L_G = \tfrac12\mathbb{E}[(D(G(z))-1)^2]"),
    "wgan": (r"L_D = \mathbb{E}[D(G(z))] - \mathbb{E}[D(x)],\quad |w| \le c", r"L_G = -\mathbb{E}[D(G(z))]"),
    "wgan-gp": (r"\begin{aligned} L_D = {} & \mathbb{E}[D(G(z))] - \mathbb{E}[D(x)] \\ "
                r"& + \lambda\,\mathbb{E}[(\|\nabla_{\hat x} D(\hat x)\|_2 - 1)^2] \end{aligned}",
                r"L_G = -\mathbb{E}[D(G(z))]"),
    "hinge": (r"L_D = \mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))]",
              r"L_G = -\mathbb{E}[D(G(z))]"),
}


def widget_values(cfg: playground.PlaygroundConfig) -> dict:
    """Widget keys (without prefix) for a config."""
    d = cfg.to_dict()
    return {"dataset": d["dataset"], "z_dim": d["z_dim"], "prior": d["prior"], "mixture_k": d["mixture_k"],
            "layers": d["hidden_layers"], "width": d["width"], "act": d["activation"], "remedy": d["remedy"],
            "pack": d["remedy_param"] if d["remedy"] == "pacgan" else 2,
            "unroll": d["remedy_param"] if d["remedy"] == "unrolled" else 5, "loss": d["loss"],
            "opt": d["optimizer"], "lr_g": d["lr_g"], "lr_d": d["lr_d"], "beta1": d["beta1"], "k": d["k"],
            "batch": d["batch_size"], "decay_from": d["decay_start"] if d["decay_steps"] else 0,
            "decay_len": d["decay_steps"] or 10_000}  # the seed stays the user's (ui.seed_input owns its widget)


PRESETS = {name: (story, widget_values(cfg)) for name, (story, cfg) in playground.PRESETS.items()}
ui.init_state(P, PRESETS[playground.DEFAULT_PRESET][1])
st.session_state.setdefault(f"{P}_story", playground.DEFAULT_PRESET)
ui.init_state(P, {"views": list(VIEWS), "refresh": 1.0, "seed": 0})  # the seed: ui.seed_input's default


@st.cache_data(max_entries=4, show_spinner=False)
def parse_csv(data: bytes) -> np.ndarray:
    return toy.parse_points_csv(data)


def fmt(value: float, spec: str = ".3f") -> str:
    return ui.fmt(value, spec)  # never nan/inf or a 30-digit number on a tile


ui.page_header(
    "2-D playground",
    "the green fakes follow the orange arrows — the gradient of the *selected* G loss — toward where D says "
    "\"real\" (green); on the ring a plain GAN often grabs one mode at a time, the remedies spread it out.",
    "A small MLP generator maps noise z to 2-D points; a discriminator learns to tell them from the real "
    "points; both train live with Algorithm 1 (Goodfellow et al. 2014). Everything GAN Lab shows, plus "
    "every loss, the mode-collapse remedies and the mode metrics of the papers (VEEGAN, PacGAN).",
)

story = ui.preset_bar(P, PRESETS, {}, "Presets (then press Play):")

# ---------------------------------------------------------------------------------------------- settings
def settings_widgets() -> None:
    """The settings panel's widgets; the page reads their values from st.session_state (a keyed widget's)."""
    ss = st.session_state
    c1, c2, c3 = st.columns(3)
    with c1:
        st.markdown("**Data and noise**")
        st.selectbox("Data", list(DATA_LABELS), format_func=DATA_LABELS.get, **ui.bind(f"{P}_dataset", DATA_LABELS))
        if ss[f"{P}_dataset"] == "csv":
            st.file_uploader(f"CSV with two numeric columns x, y (≤ {toy.MAX_CSV_ROWS:,} rows, "
                             f"≤ {toy.MAX_CSV_BYTES // 2**20} MB; one header line allowed)", type=["csv", "txt"],
                             key=f"{P}_csv")
        st.select_slider("Noise dimension", Z_DIMS, **ui.bind(f"{P}_z_dim"),
                         help="1 or 2 show G's manifold exactly; higher shows a slice (z₁, z₂, rest 0).")
        st.radio("Noise prior p_z", list(PRIOR_LABELS), **ui.bind(f"{P}_prior", PRIOR_LABELS),
                 format_func=PRIOR_LABELS.get,
                 help="A continuous G maps a connected noise space onto a connected set: between separated modes it "
                      "must draw bridges. With K well-separated blobs in z it can send each blob to one mode.")
        st.select_slider("Mixture components K", MIXTURE_KS, **ui.bind(f"{P}_mixture_k"),
                         disabled=ss[f"{P}_prior"] != "mixture",
                         help=f"Centres μₖ ~ N(0, I) drawn from the seed; each blob N(μₖ, {MIXTURE_SD:g}² I).")
        ui.seed_input(key=f"{P}_seed")
    with c2:
        st.markdown("**Game**")
        st.selectbox("Loss", losses.LOSSES, format_func=losses.LOSS_LABELS.get, **ui.bind(f"{P}_loss", losses.LOSSES))
        st.selectbox("Optimizer", OPTIMIZERS, **ui.bind(f"{P}_opt", OPTIMIZERS),
                     format_func={"adam": "Adam", "sgd": "SGD + momentum 0.9", "rmsprop": "RMSprop"}.get)
        st.select_slider("Learning rate of G", LRS, **ui.bind(f"{P}_lr_g"), format_func=lambda v: f"{v:g}")
        st.select_slider("Learning rate of D", LRS, **ui.bind(f"{P}_lr_d"), format_func=lambda v: f"{v:g}")
        st.select_slider("Adam β₁", [0.0, 0.5, 0.9], **ui.bind(f"{P}_beta1"))
        st.slider("k: D steps per G step", 1, 10, **ui.bind(f"{P}_k"))
        st.select_slider("Batch size m", [16, 32, 64, 128, 256, 512, 1024], **ui.bind(f"{P}_batch"))
        st.select_slider("Decay both learning rates from step", DECAY_STARTS, **ui.bind(f"{P}_decay_from"),
                         format_func=lambda v: "never" if v == 0 else f"{v:,}",
                         help="Linear decay to ~0 (0.1 % of the rate): the fakes settle onto the modes.")
        st.select_slider("… reaching ~0 after (steps)", DECAY_LENGTHS, **ui.bind(f"{P}_decay_len"),
                         format_func=lambda v: f"{v:,}", disabled=ss[f"{P}_decay_from"] == 0)
    with c3:
        st.markdown("**Networks and remedy**")
        st.slider("Hidden layers (G and D)", 1, 4, **ui.bind(f"{P}_layers"))
        st.select_slider("Width", [8, 16, 32, 64, 128, 256, 512], **ui.bind(f"{P}_width"))
        st.selectbox("Activation", playground.ACTIVATIONS, **ui.bind(f"{P}_act", playground.ACTIVATIONS))
        st.selectbox("Mode-collapse remedy", list(playground.REMEDIES), format_func=playground.REMEDIES.get,
                     **ui.bind(f"{P}_remedy", playground.REMEDIES))
        if ss[f"{P}_remedy"] == "pacgan":
            st.slider("Packing degree m", 2, 4, **ui.bind(f"{P}_pack"))
        elif ss[f"{P}_remedy"] == "unrolled":
            st.slider("Unrolling steps k", 1, 10, **ui.bind(f"{P}_unroll"))
        elif ss[f"{P}_remedy"] == "wgan-gp":
            st.caption("WGAN-GP replaces the loss above by the critic loss with gradient penalty λ = 10.")


ui.settings_panel(P, "gv_settings_pg", "Settings: data, game, networks, seed", settings_widgets)
v = {name: st.session_state[f"{P}_{name}"] for name in [*PRESETS[playground.DEFAULT_PRESET][1], "seed"]}
data_name, z_dim, prior, mixture_k, seed = v["dataset"], v["z_dim"], v["prior"], v["mixture_k"], v["seed"]
loss, optimizer, lr_g, lr_d, beta1, k, batch = v["loss"], v["opt"], v["lr_g"], v["lr_d"], v["beta1"], v["k"], v["batch"]
layers, width, act, remedy, decay_from, decay_len = (v["layers"], v["width"], v["act"], v["remedy"], v["decay_from"],
                                                     v["decay_len"])
param = v["pack"] if remedy == "pacgan" else v["unroll"] if remedy == "unrolled" else 0
upload = st.session_state.get(f"{P}_csv") if data_name == "csv" else None

dataset = None
if data_name == "csv":
    if upload is None:
        st.info("Upload a CSV of 2-D points (two numbers per row) to train on your own data.")
        st.stop()
    raw = upload.getvalue()
    with ui.user_errors():
        dataset = toy.point_cloud(parse_csv(raw))
    data_key = ("csv", hashlib.md5(raw).hexdigest())
else:
    dataset = toy.DATASETS[data_name]()
    data_key = (data_name,)

with ui.user_errors():
    cfg = playground.PlaygroundConfig(
        dataset=data_name, z_dim=z_dim, prior=prior, mixture_k=mixture_k, hidden_layers=layers, width=width,
        activation=act, remedy=remedy, remedy_param=param, loss=loss, optimizer=optimizer, lr_g=lr_g, lr_d=lr_d,
        beta1=beta1, k=k, batch_size=batch, decay_start=decay_from, decay_steps=decay_len if decay_from else 0,
        seed=seed)
if cfg.effective_batch != batch:
    st.caption(f"With packing m = {cfg.pack} the batch is {cfg.effective_batch} samples "
               f"({cfg.effective_batch // cfg.pack} packs).")


pause_at = playground.preset_pause(story, cfg)  # a remedy preset's step budget: what its caption describes
run, _ = ui.live_run(playground.live_experiment(cfg, dataset, data_key), "playground", P, pause_at=pause_at)
prob = cfg.effective_loss in losses.PROBABILISTIC
views = st.session_state[f"{P}_views"]  # its widget sits under the picture


def last(history: dict, key: str) -> float | None:
    if key not in history or not len(history[key][1]):
        return None
    return float(history[key][1][-1])


def draw(snap) -> None:
    h = snap.history
    left, right = st.columns([1.7, 1])
    with left:
        if snap.view is not None:
            ui.live_chart(plots_toy.playground_figure(
                snap.view, dataset.extent, prob_output=prob, show=tuple(views), centres=dataset.centres,
                sigma=dataset.sigma, uirevision=f"pg-{data_key}"), key=f"{P}_fig")
    with right:
        st.caption(ui.status_line(snap) + ("" if pause_at is None else  # beside the picture, not a row above it
                   f" · Play pauses at step {pause_at:,}, the preset's budget" if snap.step < pause_at else
                   f" · the preset's budget ({pause_at:,} steps) reached: Play trains on"))
        m1, m2 = st.columns(2)
        critic = "" if prob else "critic "
        m1.metric("Step", f"{snap.step:,}")
        m2.metric("Spread vs real", fmt(last(h, "diversity"), ".2f"))
        m1.metric(f"{critic}D(x)", fmt(last(h, "d_real"), ".2f"))
        m2.metric(f"{critic}D(G(z))", fmt(last(h, "d_fake"), ".2f"))
        m1.metric("D loss", fmt(last(h, "loss_d")))
        m2.metric("G loss", fmt(last(h, "loss_g")))
        if dataset.has_modes:
            m1.metric("Modes covered", f"{fmt(last(h, 'modes_covered'), '.0f')} / {len(dataset.centres)}")
            hq = last(h, "hq_fraction")
            m2.metric("High quality (≤ 3σ)", "—" if hq is None else f"{100 * hq:.1f} %")
            m1.metric("Reverse KL", fmt(last(h, "reverse_kl")))
    if snap.events:
        e = snap.events[-1]
        st.warning(f"Step {e.step:,}: {e.message}", icon=":material/flag:")


def draw_charts(snap) -> None:
    h = snap.history
    a, b = st.columns(2)
    with a:
        ui.live_chart(plots_toy.series_figure(h, {"loss_d": "D loss", "loss_g": "G loss"}, snap.events,
                                              title="Losses", uirevision="pg-loss"), key=f"{P}_loss_chart")
        ui.live_chart(plots_toy.series_figure(h, {"grad_norm_d": "‖∇D‖", "grad_norm_g": "‖∇G‖"}, snap.events,
                                              title="Gradient norms", log_y=True, uirevision="pg-grad"),
                      key=f"{P}_grad_chart")
    with b:
        ui.live_chart(plots_toy.series_figure(
            h, {"d_real": "D(x)", "d_fake": "D(G(z))"}, snap.events, title="D on real and fake",
            hlines={"½ (equilibrium)": 0.5} if prob else None, uirevision="pg-d"), key=f"{P}_d_chart")
        if dataset.has_modes:
            ui.live_chart(plots_toy.mode_metrics_figure(h, len(dataset.centres), snap.events,
                                                        uirevision="pg-modes"), key=f"{P}_modes_chart")
        else:
            ui.live_chart(plots_toy.series_figure(h, {"diversity": "spread of fakes / real"}, snap.events,
                                                  title="Spread", uirevision="pg-div"), key=f"{P}_div_chart")


ui.live_panel(run, draw, every=float(st.session_state[f"{P}_refresh"]))
if not ui.settings_later(P):  # else with the rest of the page: the picture already shows their values
    v1, v2 = st.columns([4, 1])
    v1.multiselect("Show", list(VIEWS), format_func=VIEWS.get, **ui.bind(f"{P}_views", multi=True))
    v2.select_slider("Redraw every (s)", REFRESH_S, **ui.bind(f"{P}_refresh"),
                     help="While training: a shorter period animates more smoothly, a longer one leaves more of the "
                          "CPU to the trainer (on a 2-core machine, 1 s keeps ~0.9× the headless speed). The curves "
                          "below redraw at most every 2 s.")
ui.fold(P)
modes = st.container()  # slow motion and the comparison (drawn at the end of this script), under the picture

f1, f2 = st.columns(2)
with f1:
    ld, lg = LOSS_LATEX[cfg.effective_loss]
    ui.formula(ld)
    ui.formula(lg, "Arrows: −∇ₓ ℓ_G(D(x)) at each fake x = G(z), by autograd for this loss — where G pushes it.")
with f2:
    if dataset.has_modes:
        ui.formula(r"\mathrm{KL}(q\,\|\,u) = \sum_k q_k \log (K q_k)",
                   "q_k: share of 2,500 fakes whose nearest mode is k. A fake is high quality within 3σ of its "
                   "mode; a mode is covered when it has one (VEEGAN; PacGAN). Recorded every 50 steps.")


ui.live_panel(run, draw_charts, every=2.0)

# ---------------------------------------------------------------------------------------------- slow motion
SM = f"{P}_sm_walk"  # session_state: (nets key, SlowMotion)
CMP_VALUES = {"loss": "minimax", "prior": "mixture", "remedy": "pacgan", "lr": 1e-4, "k": 5}
ui.init_state(P, {"slowmo": False, "cmp": False, "cmp_setting": "loss",
                  **{f"cmp_{name}": value for name, value in CMP_VALUES.items()}})


def fork_state():
    """(step, state) of the live run now, to start slow motion or the comparison from; None if unreachable."""
    try:
        return run.with_trainer(compare.export_state, timeout=10.0)
    except (RuntimeError, TimeoutError):
        return None


def new_slow_motion(at: tuple[int, int] | None = None) -> slowmo.SlowMotion:
    trainer = playground.build_trainer(cfg, dataset, metric_every=0)
    state = None if at is not None else fork_state()
    if state is not None:
        compare.load_compatible(trainer, state)
    sm = slowmo.SlowMotion(trainer, dataset.extent)
    if at is not None:
        sm.goto(*at)
    return sm


def slow_motion_at() -> tuple[int, int] | None:
    """The iteration and sub-step in the URL (?pg_sm_at=iteration.substep, a walk from the seed), if valid."""
    raw = st.query_params.get(f"{P}_sm_at", "")
    parts = raw.split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[0]) <= 200:
        return None
    return int(parts[0]), int(parts[1])


def number_text(name: str, value: float) -> str:
    if name == "m":
        return f"{value:,.0f}"
    if name.startswith("lr_"):
        return f"{value:g}"
    return fmt(value, ".4f")


def slow_motion() -> None:
    key = cfg.nets_key() + data_key
    held = st.session_state.get(SM)
    if held is None or held[0] != key:
        at = slow_motion_at() if run.snapshot().step == 0 else None
        held = (key, new_slow_motion(at))
        st.session_state[SM] = held
    sm = held[1]
    wanted_sm = cfg.live_changes()
    if any(getattr(sm.trainer.config, f) != v for f, v in wanted_sm.items()):
        sm.trainer.update(**wanted_sm)  # loss, k, lr apply from the next traced iteration on
    b1, b2, b3, b4 = st.columns(4)
    back = b1.button("Back", key=f"{P}_sm_back", icon=":material/arrow_back:", width="stretch")
    forward = b2.button("Next sub-step", key=f"{P}_sm_next", icon=":material/arrow_forward:", type="primary",
                        width="stretch")
    jump = b3.button("Next iteration", key=f"{P}_sm_iter", icon=":material/skip_next:", width="stretch")
    b4.button("Start again from the live run", key=f"{P}_sm_restart", icon=":material/restart_alt:",
              on_click=lambda: st.session_state.pop(SM, None), width="stretch")
    if back:
        sm.back()
    elif forward or jump:
        # a new iteration is traced here, in this script (milliseconds; seconds only for the largest nets at k = 10)
        with st.spinner("Tracing one iteration…", show_time=True):
            sm.forward() if forward else sm.next_iteration()
    it, s = sm.current()
    st.caption(f"Slow motion steps its own copy of the run, from step {sm.start_step:,} (the live run above is "
               "not changed); every number is the Trainer's own in that step.")
    if it is None:
        st.info("Press **Next sub-step** to draw the first minibatch.", icon=":material/slow_motion_video:")
        st.query_params.pop(f"{P}_sm_at", None)
        return
    sub = it.substeps[s]
    if sm.start_step == 0:
        st.query_params[f"{P}_sm_at"] = f"{it.step}.{s}"
    else:
        st.query_params.pop(f"{P}_sm_at", None)
    left, right = st.columns([1.5, 1])
    with left:
        ui.live_chart(slowmo_plots.substep_figure(it, s, dataset.extent, prob_output=prob,
                                                  uirevision=f"pg-sm-{data_key}"), key=f"{P}_sm_fig")
    with right:
        st.markdown(f"**Iteration {it.step:,} · sub-step {s + 1} of {len(it.substeps)}: {sub.title}**")
        ld, lg = LOSS_LATEX[it.loss]
        latex = {"d_loss": ld, "g_loss": lg}.get(sub.kind) or slowmo.LATEX[sub.kind]
        ui.formula(latex)
        note = slowmo.REUSED_NOTE if sub.kind == "g_z" and it.g_reused else slowmo.NOTES[sub.kind]
        if sub.kind == "g_loss" and it.lookahead:
            note += f" (Unrolled: G's loss saw D after {it.lookahead} look-ahead steps; D was then restored.)"
        st.caption(note)
        cols = st.columns(2)
        critic = "" if it.loss in losses.PROBABILISTIC else "critic "
        for j, (name, value) in enumerate(sub.numbers.items()):
            label = slowmo.LABELS[name].replace("D(", f"{critic}D(") if critic else slowmo.LABELS[name]
            cols[j % 2].metric(label, number_text(name, value))
        with st.expander("All sub-steps of this iteration", expanded=False):
            st.markdown("\n".join(f"{j + 1}. " + (f"**{t.title}**" if j == s else t.title)
                                  for j, t in enumerate(it.substeps)))



# ---------------------------------------------------------------------------------------------- compare
FORK = f"{P}_cmp_fork"  # session_state: (nets key, step, state) the comparison starts from
CMP_PRESETS = list(compare.PRESETS)


def apply_contrast(name: str) -> None:
    c = compare.PRESETS[name]
    value = compare.setting_value(compare.contrast_fork(cfg, c), c.setting)
    st.session_state[f"{P}_cmp_setting"] = c.setting
    st.session_state[f"{P}_cmp_{c.setting}"] = value[0] if isinstance(value, tuple) else value
    st.session_state[f"{P}_cmp_story"] = name


def compare_value(setting: str):
    k = f"{P}_cmp_{setting}"
    if setting == "loss":
        return st.selectbox("… set to", losses.LOSSES, format_func=losses.LOSS_LABELS.get, **ui.bind(k, losses.LOSSES))
    if setting == "prior":
        return st.selectbox("… set to", list(PRIOR_LABELS), format_func=PRIOR_LABELS.get, **ui.bind(k, PRIOR_LABELS))
    if setting == "remedy":
        return st.selectbox("… set to", list(playground.REMEDIES), format_func=playground.REMEDIES.get,
                            **ui.bind(k, playground.REMEDIES))
    if setting == "lr":
        return st.select_slider("… set to", LRS, format_func=lambda v: f"{v:g}", **ui.bind(k))
    return st.slider("… set to", 1, 10, **ui.bind(k))


def draw_pair(snap, labels: tuple[str, str], prob_b: bool) -> None:
    st.caption(ui.status_line(snap) + " (both runs)")
    view = snap.view
    if view is None:
        return
    h = snap.history
    suffix = compare.B_SUFFIX
    for col, side, label in zip(st.columns(2), ("a", "b"), labels, strict=True):
        with col:
            ui.live_chart(plots_toy.playground_figure(
                view[side], dataset.extent, prob_output=prob if side == "a" else prob_b, show=tuple(views),
                centres=dataset.centres, sigma=dataset.sigma, height=420, title=label,
                uirevision=f"pg-cmp-{side}-{data_key}"), key=f"{P}_cmp_fig_{side}")
            end = "" if side == "a" else suffix
            m1, m2 = st.columns(2)
            m1.metric(f"{label[:1]}: step", f"{view['step' if side == 'a' else 'step_b']:,}")
            m2.metric(f"{label[:1]}: G loss", fmt(last(h, "loss_g" + end)))
            if dataset.has_modes:
                m1.metric(f"{label[:1]}: modes covered",
                          f"{fmt(last(h, 'modes_covered' + end), '.0f')} / {len(dataset.centres)}")
                m2.metric(f"{label[:1]}: reverse KL", fmt(last(h, "reverse_kl" + end)))
    names = ("A", "B")
    c1, c2 = st.columns(2)
    with c1:
        ui.live_chart(slowmo_plots.pair_series_figure(h, "loss_d", names, suffix, "D loss", uirevision="pg-cmp-ld"),
                      key=f"{P}_cmp_loss_d")
        ui.live_chart(slowmo_plots.pair_series_figure(h, "loss_g", names, suffix, "G loss", uirevision="pg-cmp-lg"),
                      key=f"{P}_cmp_loss_g")
    with c2:
        if dataset.has_modes:
            ui.live_chart(slowmo_plots.pair_series_figure(h, "modes_covered", names, suffix, "Modes covered",
                                                          uirevision="pg-cmp-mc"), key=f"{P}_cmp_modes")
            ui.live_chart(slowmo_plots.pair_series_figure(h, "reverse_kl", names, suffix, "Reverse KL",
                                                          uirevision="pg-cmp-rkl"), key=f"{P}_cmp_rkl")
        else:
            ui.live_chart(slowmo_plots.pair_series_figure(h, "diversity", names, suffix, "Spread of fakes / real",
                                                          uirevision="pg-cmp-div"), key=f"{P}_cmp_div")


def compare_view() -> None:
    st.caption("Presets for the classic contrasts (the second run takes the other side):")
    for col, (j, name) in zip(st.columns(len(CMP_PRESETS)), enumerate(CMP_PRESETS), strict=True):
        col.button(name, key=f"{P}_cmp_preset_{j}", on_click=apply_contrast, args=(name,), width="stretch")
    story = st.session_state.get(f"{P}_cmp_story")
    if story in compare.PRESETS:
        st.caption(compare.PRESETS[story].story)
    s1, s2 = st.columns(2)
    with s1:
        setting = st.selectbox("Second run: change", list(compare.SETTINGS), format_func=compare.SETTINGS.get,
                               **ui.bind(f"{P}_cmp_setting", compare.SETTINGS))
    with s2:
        value = compare_value(setting)
    try:
        cfg_b = compare.fork_config(cfg, setting, value)
    except ValueError as err:
        st.info(str(err), icon=":material/compare_arrows:")
        return
    key = cfg.nets_key() + data_key
    held = st.session_state.get(FORK)
    if held is None or held[0] != key:
        state = fork_state()
        if run.state == "running":
            run.pause()  # the pair takes the CPU from here
        held = (key, 0 if state is None else int(state["step"]), state)
        st.session_state[FORK] = held
    _, step0, state = held
    shown = f"{value:g}" if isinstance(value, float) else value
    before = compare.setting_value(cfg, setting)
    before = f"{before[0]:g}" if setting == "lr" else before
    labels = (f"A: {compare.SETTINGS[setting]} = {before}", f"B: {compare.SETTINGS[setting]} = {shown}")
    st.caption(f"Both runs start at step {step0:,} from the same seed, weights and batches"
               + (" (PacGAN's D reads m points at once, so its D is new)" if setting == "remedy" else "")
               + " and differ only in this setting. They train in turn, one iteration each, in one process "
                 "(one training slot): the same step count on screen, each at about half a lone run's speed.")
    pair, _ = ui.live_run(compare.live_experiment(cfg, cfg_b, dataset, state, key + (setting, repr(value), step0)),
                          "playground-compare", f"{P}_cmp", extra=(), reattach=False)
    if st.session_state.get(f"{P}_cmp_busy"):
        st.caption("Reset the live run above to free its training slot for the comparison.")
    st.button(f"Fork again from the live run (step {run.snapshot().step:,})", key=f"{P}_cmp_refork",
              on_click=lambda: st.session_state.pop(FORK, None))
    prob_b = cfg_b.effective_loss in losses.PROBABILISTIC
    ui.live_panel(pair, partial(draw_pair, labels=labels, prob_b=prob_b), every=float(st.session_state[f"{P}_refresh"]))


with modes:
    t1, t2 = st.columns(2)
    slow_on = t1.toggle("Slow motion: one iteration, sub-step by sub-step", **ui.bind(f"{P}_slowmo"),
                        help="Sample z, G(z); sample x; D on both; D's loss and step (k times); G's loss and step — "
                             "each with its term of Algorithm 1 and its numbers. Forward and back, then on to the "
                             "next iteration.")
    cmp_on = t2.toggle("Compare with…: a second run that differs in one setting", **ui.bind(f"{P}_cmp"),
                       help="From this run's state: loss, noise prior, remedy, learning rate or k changed; both runs "
                            "train side by side in lockstep.")
    if slow_on:
        with st.container(border=True):
            slow_motion()
    else:
        st.session_state.pop(SM, None)
        st.query_params.pop(f"{P}_sm_at", None)
    if cmp_on:
        with st.container(border=True):
            compare_view()
    else:
        st.session_state.pop(FORK, None)
