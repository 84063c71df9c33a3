"""Pretrained DCGAN: sample the shipped generators with a seed, a grid size, a truncation ψ and (conditional) a
class."""
from __future__ import annotations

import streamlit as st

from ganviz import ui
from ganviz.images import latent, pretrained, tensors
from ganviz.plots import images as plots_images
from ganviz.ui import latent as ui_latent

P = "pt"
DEFAULTS = dict(n=8, psi=pretrained.MAX_TRUNCATION, cls="All classes", seed=0)
PRESETS = {
    "Digits": ("The unconditional MNIST DCGAN: one seed, one grid of digits — the same grid every time.",
               dict(model="dcgan_mnist")),
    "Digits, Gaussian latent": ("An earlier version of the shipped nets, with z ~ N(0, I): look for in-between "
                                "shapes, half one digit and half another, where the connected noise crosses between "
                                "classes — the shipped model's disconnected latent and classifier avoid them "
                                "(IS 8.6 vs 9.3).",
                                dict(model="dcgan_mnist_gaussian")),
    "Fashion": ("The unconditional Fashion-MNIST DCGAN.", dict(model="dcgan_fashion-mnist")),
    "One digit, many styles": ("A conditional G asked for 7s: the class is fixed, z chooses the handwriting.",
                               dict(model="dcgan_mnist_cond", cls="7", n=10)),
    "Truncation ψ = 0.5": ("z drawn from a truncated normal: cleaner, more typical and more alike digits.",
                           dict(model="dcgan_mnist", psi=0.5)),
    "Fashion by class": ("A conditional Fashion G: each column one class, each row one z.",
                         dict(model="dcgan_fashion-mnist_cond", n=10)),
}

ui.init_state(P, DEFAULTS)

ui.page_header(
    "Pretrained DCGAN",
    "each seed gives the same pictures every time; lowering ψ makes samples more typical and alike (cleaner strokes, "
    "less variety); a conditional model draws the class you ask for in the style its z picks.",
    "DCGANs (Radford et al. 2016) trained by `python -m ganviz train` and shipped in models/ — no training, no "
    "network. Sampling uses BatchNorm in eval mode, so every image is independent of its neighbours.",
)
ui.preset_bar(P, PRESETS, DEFAULTS, "Presets (one click):", adapt=ui_latent.preset_model)

right, left = st.columns([2.3, 1])
with left, st.container(key="gv_settings_pt"):
    picked = ui_latent.choose_generator(P)
    seed = int(st.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, **ui.bind(f"{P}_seed"),
                               help="Same seed, same pictures: z is drawn from it."))
    n = st.slider("Grid size (n × n)", 2, 12, **ui.bind(f"{P}_n"))
    psi = st.slider("Truncation ψ (3 = off)", 0.1, pretrained.MAX_TRUNCATION, step=0.1, **ui.bind(f"{P}_psi"),
                    help="Each coordinate of z (of the noise around its component, for a mixture prior) is drawn "
                         "from N(0, 1) cut to [−ψ, ψ] (Brock et al. 2019).")

if picked is None:
    st.stop()
G, config, info = picked
class_id = None
with left, st.container(key="gv_settings_pt_class"):
    if info.conditional:
        options = ["All classes"] + list(info.class_names)
        if st.session_state.get(f"{P}_cls") not in options:
            st.session_state[f"{P}_cls"] = "All classes"
        cls = st.selectbox("Class y", options, **ui.bind(f"{P}_cls", options),
                           help="“All classes” puts one class per column.")
        class_id = None if cls == "All classes" else options.index(cls) - 1

with right:
    ncol = info.num_classes if info.conditional and class_id is None else n
    count = n * ncol
    z = pretrained.sample_z(count, info.z_dim, seed, None if psi >= pretrained.MAX_TRUNCATION else psi, info.prior)
    try:
        x = pretrained.generate(G, z, pretrained.labels_for(count, info.num_classes, class_id))
    except ValueError as err:
        st.error(str(err), icon=":material/error:")
        st.stop()
    grid = tensors.make_grid(x, nrow=ncol)
    what = "one class per column" if info.conditional and class_id is None else (
        f"class “{info.class_names[class_id]}”" if class_id is not None else "unconditional")
    st.image(plots_images.upscale(grid, 2), caption=f"{info.title} · seed {seed} · ψ "
             f"{'off' if psi >= pretrained.MAX_TRUNCATION else psi} · {what}")
    norms = latent.path_norms(z)
    m1, m2, m3 = st.columns(3)
    with m1:
        ui.metric("Images", count, ",.0f")
    with m2:
        ui.metric("mean ‖z‖", float(norms.mean()), ".2f", help="Average length of the latent vectors drawn.")
    with m3:
        ui.metric("E‖z‖ (ψ off)", latent.prior_norm(info.z_dim, info.prior), ".2f",
                  help="Mean of a χ distribution with z_dim degrees of freedom, ≈ √z_dim." if info.prior is None else
                  f"G was trained on a mixture of {info.prior.components} Gaussians (a disconnected latent); "
                  "mean over 8,192 seeded draws.")
    st.download_button("Download PNG", plots_images.png_bytes(grid, 3), file_name=f"{info.name}_seed{seed}.png",
                       mime="image/png", key=f"{P}_download")
    if info.prior is None:
        ui.formula(r"z_i \sim \mathcal{N}(0,1)\ \text{cut to}\ [-\psi,\ \psi],\quad x = G(z\,[,\,y])",
                   "Truncation (Brock et al. 2019) trades diversity for typicality; ψ = 3 is practically no "
                   "truncation. On an unconditional model it does not buy a better score: as ψ shrinks fewer "
                   "distinct classes appear, so IS falls and FID rises (see “Evaluating GANs”).")
    else:
        ui.formula(r"\begin{aligned} z &= \mu_k + s\,\varepsilon,\quad k \sim \mathcal{U}\{1..K\},\quad x = G(z)"
                   r"\\ \varepsilon_i &\sim \mathcal{N}(0,1)\ \text{cut to}\ [-\psi,\ \psi] \end{aligned}",
                   f"This model's noise is a mixture of K = {info.prior.components} blobs (s = {info.prior.sd:g}); "
                   "ψ cuts only the noise around each blob's centre, so every class keeps appearing: pictures get "
                   "more typical (IS rises) and less varied (FID rises too) — models/MODEL_CARD.md has the numbers.")
    desc = ui_latent.describe(config, info)
    if desc:
        ui.note(desc)
