"""VAE vs GAN, measured: the shipped VAE beside the shipped DCGAN of the same data — pictures side by side, the
classic comparison table as measured numbers, and a VAE trained live."""
from __future__ import annotations

import json

import numpy as np
import streamlit as st
import torch

from ganviz import ui
from ganviz.beyond import vae, vae_gan
from ganviz.images import datasets, latent, pretrained, tensors
from ganviz.plots import images as plots_images
from ganviz.plots import vae as plots_vae
from ganviz.scoring import classifier as C
from ganviz.scoring import evaluation as E

P = "vae"
TABLE = pretrained.MODELS_DIR / "vae_vs_gan.json"
DATASETS = {"mnist": "MNIST digits", "fashion-mnist": "Fashion-MNIST"}
LRS = [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3]
BETAS = [0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0]
DEFAULTS = dict(dataset="mnist", seed=0, steps=8, lr=1e-3, beta=1.0, batch=128, z_dim=16, n_measure=1000)
PRESETS = {
    "Digits": ("MNIST: the VAE's digits are smooth and soft-edged, the DCGAN's crisp — the sharpness row puts a "
               "number on it, and the VAE's is far below the real digits'.", {}),
    "Clothes": ("Fashion-MNIST: the VAE loses the textures and prints entirely; the DCGAN keeps them.",
                dict(dataset="fashion-mnist")),
    "Train a VAE live": ("Press Play: both ELBO terms fall within seconds, and samples turn from grey blobs into "
                         "digits in well under a minute on a CPU.", dict(lr=2e-3)),
    "β = 4: blurrier, simpler": ("A heavier KL weight (β-VAE, Higgins et al. 2017) squeezes q(z|x) towards the "
                                 "prior: the KL falls, the reconstruction error rises, and the pictures lose detail.",
                                 dict(beta=4.0, lr=2e-3)),
    "β = 0: an autoencoder": ("No KL at all: reconstructions are best, but samples from N(0, I) are poor — nothing "
                              "ties the codes to the prior.", dict(beta=0.0, lr=2e-3)),
}

ui.init_state(P, DEFAULTS)


# ------------------------------------------------------------------------------------------------ caches
@st.cache_resource(max_entries=2, show_spinner="Loading the shipped VAE and DCGAN…")
def load_models(dataset: str):
    model, vcfg = vae.load_vae(vae.vae_path(dataset))
    G, gcfg = pretrained.load(pretrained.MODELS_DIR / f"dcgan_{dataset}")
    return model, vcfg, G, gcfg


@st.cache_resource(max_entries=2, show_spinner="Loading images…")
def real_images(dataset: str):
    try:
        return datasets.load_images(dataset, "train")
    except (FileNotFoundError, ValueError):
        return None


@st.cache_data(show_spinner=False)
def table() -> dict:
    try:
        return json.loads(TABLE.read_text())
    except (OSError, ValueError):
        return {}


@st.cache_resource(max_entries=2, show_spinner="Loading the evaluation classifier…")
def evaluator(dataset: str):
    return C.load_classifier(dataset), C.load_reference(dataset, "test").with_radii(3)


@st.cache_data(max_entries=8, show_spinner=False)
def pictures(dataset: str, seed: int, steps: int):
    """Samples, reconstructions and latent paths of both models for one seed (uint8 grids)."""
    model, _, G, gcfg = load_models(dataset)
    z_vae = pretrained.sample_z(16, model.spec.z_dim, seed)
    x_vae = vae.decode_samples(model, z_vae)
    x_gan = E.sample_generator(G, gcfg, 16, seed=seed)
    out = {"vae_samples": tensors.make_grid(x_vae, 8), "gan_samples": tensors.make_grid(x_gan, 8)}
    real = real_images(dataset)
    if real is not None:
        idx = np.random.default_rng(seed).choice(len(real), 8, replace=False)
        x = tensors.to_tensor(real.images[idx])
        out["recon"] = tensors.make_grid(torch.cat([x, vae.reconstruct(model, x)]), 8)
    rows_vae, rows_gan = [], []
    z_gan = pretrained.sample_z(8, int(gcfg["model"]["z_dim"]), seed + 1, prior=pretrained.latent_prior(gcfg))
    for r in range(3):
        rows_vae.append(vae.decode_samples(model, latent.interpolate(z_vae[2 * r], z_vae[2 * r + 1], steps, "lerp")))
        path = latent.interpolate(z_gan[2 * r], z_gan[2 * r + 1], steps, "lerp")
        rows_gan.append(pretrained.generate(G, path))
    out["vae_path"] = tensors.make_grid(torch.cat(rows_vae), steps)
    out["gan_path"] = tensors.make_grid(torch.cat(rows_gan), steps)
    return out


def measure(dataset: str, n: int, seed: int, progress) -> dict:
    """The quality rows and the nearest-training-image distance on n fresh samples (here and now)."""
    model, _, G, gcfg = load_models(dataset)
    clf, ref = evaluator(dataset)
    real = real_images(dataset)
    x_vae = vae.decode_samples(model, pretrained.sample_z(n, model.spec.z_dim, seed))
    x_gan = E.sample_generator(G, gcfg, n, seed=seed)
    x_real = real.images[np.random.default_rng(seed).choice(len(real), min(n, len(real)), replace=False)]
    out = {}
    for i, (name, x) in enumerate((("vae", x_vae), ("gan", x_gan), ("real", x_real))):
        out[name] = vae_gan.score_set(x, real.images, clf, ref, None, seed,
                                      lambda f, t, i=i, name=name: progress((i + f) / 3, f"{name}: {t}"),
                                      nearest=name != "real")
    return out


# ------------------------------------------------------------------------------------------------- page
ui.page_header(
    "VAE vs GAN, measured",
    "the VAE's samples are smooth and blurred (its sharpness is well below the real data's), the DCGAN's are crisp; "
    "neither copies its training set (samples are no nearer to a training image than unseen real images are); and "
    "the VAE's loss falls steadily (Kendall τ near −1) while the GAN's two losses wander or pull against each other "
    "(on Fashion-MNIST G's falls as D's rises): a game, not the descent of one objective.",
    "A variational autoencoder (Kingma & Welling 2014) learns an encoder q(z|x) and a decoder p(x|z) by maximising "
    "the evidence lower bound; a GAN (Goodfellow et al. 2014) never sees a likelihood. Each row of the textbook "
    "comparison becomes a number measured on the same 10,000 samples of the two shipped models of one dataset.",
)
ui.preset_bar(P, PRESETS, DEFAULTS)
c1, c2, c3 = st.columns([1.2, 1, 1])
dataset = c1.selectbox("Dataset", list(DATASETS), format_func=DATASETS.get, **ui.bind(f"{P}_dataset", DATASETS))
seed = c2.number_input("Seed (pictures)", min_value=0, max_value=2**31 - 1, step=1, **ui.bind(f"{P}_seed"),
                       help="Same seed, same pictures: the latent draws and the real images come from it.")
steps = c3.slider("Interpolation frames", 3, 12, **ui.bind(f"{P}_steps"))
seed = int(seed)
if dataset not in vae.list_vaes():
    st.error(f"No shipped VAE for {DATASETS[dataset]} in models/; train one with "
             f"`python -m ganviz train-vae --data {dataset} --out models/vae_{dataset}`.")
    st.stop()

# ---------------------------------------------------------------------------------------------- pictures
st.subheader("Side by side")
pics = pictures(dataset, seed, steps)
left, right = st.columns(2)
with left:
    st.markdown("**VAE** · decoder means for z ~ N(0, I)")
    st.image(plots_images.upscale(pics["vae_samples"], 3), width="stretch")
    st.markdown("**VAE** · latent interpolation (lerp between two z)")
    st.image(plots_images.upscale(pics["vae_path"], 2), width="stretch")
with right:
    st.markdown("**DCGAN** · G(z) for z from its prior")
    st.image(plots_images.upscale(pics["gan_samples"], 3), width="stretch")
    st.markdown("**DCGAN** · latent interpolation (lerp between two z)")
    st.image(plots_images.upscale(pics["gan_path"], 2), width="stretch")
if "recon" in pics:
    st.image(plots_images.upscale(pics["recon"], 3), width=560,
             caption=f"Top: 8 real training images (seed {seed}); bottom: the VAE's reconstructions at z = μ(x). "
                     "A GAN has no encoder, so it has no reconstructions to show.")
ui.fold(P)

d1, d2 = st.columns(2)
d1.download_button("PNG of the VAE samples", plots_images.png_bytes(pics["vae_samples"]),
                   file_name=f"vae_{dataset}_seed{seed}.png", mime="image/png", key=f"{P}_dl_vae")
d2.download_button("PNG of the DCGAN samples", plots_images.png_bytes(pics["gan_samples"]),
                   file_name=f"dcgan_{dataset}_seed{seed}.png", mime="image/png", key=f"{P}_dl_gan")

ui.formula(r"\begin{aligned} \mathrm{ELBO}(x) &= \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)] - "
           r"\mathrm{KL}\big(q_\phi(z|x)\,\|\,\mathcal{N}(0,I)\big) \\ "
           r"\mathrm{KL} &= \tfrac12\textstyle\sum_j(\mu_j^2+\sigma_j^2-\log\sigma_j^2-1),"
           r"\quad z=\mu+\sigma\odot\varepsilon "
           r"\end{aligned}",
           "Kingma & Welling 2014, eq. 10 and Appendix B. The decoder is Bernoulli per pixel; a VAE sample is the "
           "decoder's mean for z ~ N(0, I).")


# ------------------------------------------------------------------------------------------------- table
st.subheader("The table, measured")
result = table().get(dataset)
if result is None:
    st.warning("The precomputed table is missing; run `python scripts/vae_vs_gan.py` to measure it.")
else:
    st.dataframe(vae_gan.table_rows(result), hide_index=True, width="stretch", key=f"{P}_table")
    opt = result["optimisation"]
    st.caption(
        f"{result['n']:,} samples of each model (seed {result['seed']}) scored with the shipped {DATASETS[dataset]} "
        f"classifier against the held-out real reference. Real data: quality rows on {result['sets']['real']['n']:,} "
        f"training images, generalisation rows on the {result['sets']['real']['n_test']:,} held-out test images "
        f"({result['test']}), measured against the training set ({result['train']}). Distances are Euclidean over "
        f"pixel intensities in [0, 1]; “nearer than 95 % of real test images” means below "
        f"{result['threshold']:.2f}, which 5 % of unseen real images are by definition. Optimisation: the shipped "
        f"VAE's {opt['vae_steps']:,} recorded steps vs {opt['gan_steps']:,} steps of a DCGAN on the same data "
        "(width 32, the same Trainer; the shipped GAN runs kept no per-step losses), each cut into 20 chunks.")
    vh = json.loads(vae.vae_path(dataset).with_suffix(".json").read_text())["history"]
    ui.live_chart(plots_vae.optimisation_figure(vh, result["gan_history"]), key=f"{P}_opt_fig")
    st.download_button("Measured table (JSON)", json.dumps(result, indent=1), file_name="vae_vs_gan.json",
                       mime="application/json", key=f"{P}_dl_table")

with st.expander("Measure again here, on fewer samples"):
    real = real_images(dataset)
    if real is None:
        st.info("No real images of this dataset are available on this machine, so there is nothing to compare with.")
    else:
        n = st.select_slider("Samples per model", [500, 1000, 2000, 5000], **ui.bind(f"{P}_n_measure"))
        st.caption(f"Against {real.source[:-1]} — for MNIST without a download that is half the training set, so the "
                   "distances run a little larger than in the table.")
        if st.button("Measure", key=f"{P}_measure"):
            bar = st.progress(0.0, text="sampling …")
            got = measure(dataset, n, seed, lambda f, t: bar.progress(min(max(f, 0.0), 1.0), text=t))
            bar.empty()
            st.session_state[f"{P}_measured"] = (dataset, n, seed, got)
        m = st.session_state.get(f"{P}_measured")
        if m is not None and m[0] == dataset:
            rows = [{"Measure": measure_name, "Real data": ui.fmt(m[3]["real"].get(key), spec),
                     "VAE": ui.fmt(m[3]["vae"].get(key), spec), "DCGAN": ui.fmt(m[3]["gan"].get(key), spec)}
                    for _, measure_name, key, spec, _ in vae_gan.ROWS if key != "nn_below"]
            st.dataframe(rows, hide_index=True, width="stretch", key=f"{P}_measured_table")
            st.caption(f"{m[1]:,} samples per model, seed {m[2]}.")

# ---------------------------------------------------------------------------------------------- live run
st.subheader("Train a VAE live")
images = real_images(dataset)
if images is None:
    st.info(f"No {DATASETS[dataset]} training images on this machine: `python -m ganviz download {dataset}`.")
    st.stop()
s1, s2, s3, s4, s5 = st.columns(5)
lr = s1.select_slider("Learning rate (Adam)", LRS, key=f"{P}_lr", format_func=lambda v: f"{v:g}")
beta = s2.select_slider("KL weight β", BETAS, key=f"{P}_beta", format_func=lambda v: f"{v:g}",
                        help="1 is the ELBO; other values give the β-VAE objective recon + β·KL (Higgins et al. 2017).")
batch = s3.select_slider("Batch size", [32, 64, 128, 256], key=f"{P}_batch")
z_dim = s4.select_slider("z dimension", [2, 4, 8, 16, 32], key=f"{P}_z_dim")
run_seed = int(s5.number_input("Seed (run)", min_value=0, max_value=2**31 - 1, value=0, step=1, key=f"{P}_run_seed",
                               help="Same seed, same run: weights, minibatches and ε are all drawn from it."))
st.caption(f"Learning rate, β and batch size change live; z dimension, seed and data start a new run. "
           f"Data: {images.source}")
with ui.user_errors():
    spec = vae.VAESpec(z_dim=z_dim)
    config = vae.VAEConfig(lr=lr, beta=beta, batch_size=batch, seed=run_seed)
run, _ = ui.live_run(vae.live_experiment(images.images, spec, config, (dataset, images.source, len(images))), "vae", P,
                     extra=())


def draw(snap) -> None:
    hist = snap.history
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Step", f"{snap.step:,}")
    m2.metric("Steps / s", f"{snap.steps_per_s:,.0f}" if snap.state == "running" else "—")
    last = {k: hist[k][1][-1] for k in ("recon", "kl") if k in hist and len(hist[k][1])}
    m3.metric("Reconstruction (nats)", ui.fmt(last.get("recon"), ".1f"))
    m4.metric("KL (nats)", ui.fmt(last.get("kl"), ".2f"))
    g1, g2 = st.columns([1, 1.4])
    view = snap.view or {}
    if "samples" in view:
        g1.image(plots_images.upscale(view["samples"], 2), width="stretch",
                 caption=f"Decoder means on fixed z · step {snap.step:,} · seed {run_seed}")
        g1.image(plots_images.upscale(view["recon"], 2), width="stretch",
                 caption="Fixed real images (top) and their reconstructions")
    with g2:
        ui.live_chart(plots_vae.elbo_figure(hist), key=f"{P}_elbo_fig")
        st.caption("Both terms of −ELBO per image: the reconstruction error falls as the decoder learns; the KL first "
                   "rises as the codes start to carry information, then settles — their sum falls nearly "
                   "monotonically.")


ui.live_panel(run, draw, every=1.0)
