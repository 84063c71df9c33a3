"""Latent space: lerp vs slerp with ‖z‖ along both paths, a walk along one direction, Radford-style vector
arithmetic (against the same arithmetic on pixels), and style vs class for conditional generators."""
from __future__ import annotations

import numpy as np
import streamlit as st
import torch

from ganviz import ui
from ganviz.images import latent, pretrained, tensors
from ganviz.plots import images as plots_images
from ganviz.plots import latent as plots_latent
from ganviz.ui import latent as ui_latent

P = "lt"
GRID = 24  # exemplars to pick from for the vector arithmetic
TABS = ["Interpolation: lerp vs slerp", "Walk along a direction", "Vector arithmetic", "Style vs class"]
DEFAULTS = dict(tab=TABS[0], seed_a=1, seed_b=2, steps=9, walk_seed=0, dir_seed=3, walk_range=8.0, grid_seed=0,
                A=[0, 1, 2], B=[3, 4, 5], C=[6, 7, 8], noise=0.25, style_seed=0, style_rows=4, cls=0)
PRESETS = {
    "Slerp vs lerp on digits": ("The lerp path dips to ‖z‖ ≈ 7 mid-way and its frames fade; slerp keeps ‖z‖ ≈ 10.",
                                dict(model="dcgan_mnist_gaussian", seed_a=1, seed_b=2, steps=11, tab=TABS[0])),
    "Long walk on Fashion": ("Far along one direction G leaves the shell it was trained on: garments dissolve.",
                             dict(model="dcgan_fashion-mnist", walk_range=15.0, dir_seed=5, tab=TABS[1])),
    # exemplars picked by stroke mass and slant of the 24 sevens of seed 0: thick upright − thin upright + thin
    # slanted → thick slanted sevens (in pixels: a ghostly overlay)
    "Arithmetic: thick − thin + slanted": ("Thick upright − thin upright + thin slanted sevens → thick slanted "
                                           "sevens; the same sum on pixels is a ghostly overlay.",
                                           dict(model="dcgan_mnist_cond", cls=7, grid_seed=0, A=[6, 21, 14],
                                                B=[12, 5, 2], C=[18, 15, 11], tab=TABS[2])),
    "Style vs class (conditional MNIST)": ("Each row keeps one z across all ten classes: z carries the style.",
                                           dict(model="dcgan_mnist_cond", style_rows=5, tab=TABS[3])),
}


ui.init_state(P, DEFAULTS)


def seed_box(label: str, key: str, help: str | None = None) -> int:
    return int(st.number_input(label, min_value=0, max_value=2**31 - 1, step=1, help=help, **ui.bind(f"{P}_{key}")))


ui.page_header(
    "Latent space",
    "a straight line between two samples sags to ‖z‖ ≈ 7 in the middle (for 100-d z) where G rarely looked, "
    "while slerp stays on the ‖z‖ ≈ 10 shell; averaging 3 exemplars per concept makes latent arithmetic work, "
    "whereas the same arithmetic on pixels only overlays ghosts.",
    "Every picture is G(z) for a z built here from seeds — interpolation (White 2016), a walk along one "
    "direction, and the vector arithmetic of Radford et al. 2016 §6.3.",
)
ui.preset_bar(P, PRESETS, DEFAULTS, "Presets (one click):", adapt=ui_latent.preset_model)

top = st.columns([1.3, 1, 2])
with top[0]:
    picked = ui_latent.choose_generator(P, default="dcgan_mnist_gaussian")  # z ~ N(0, I): the shell of White 2016
if picked is None:
    st.stop()
G, config, info = picked
d = info.z_dim
with top[1]:
    if info.conditional:
        cls = st.selectbox("Class y (fixed for the tools below)", list(range(info.num_classes)),
                           format_func=lambda i: info.class_names[i],
                           **ui.bind(f"{P}_cls", range(info.num_classes)))
    else:
        cls = None
        st.caption("Unconditional generator: z alone decides the picture.")
with top[2]:
    desc = ui_latent.describe(config, info)
    if desc:
        st.caption(f"{info.title}: {desc}")


def draw(z: torch.Tensor) -> torch.Tensor:
    """G(z) with the chosen class (conditional) — BatchNorm in eval mode."""
    y = None if cls is None else pretrained.labels_for(len(z), info.num_classes, cls)
    return pretrained.generate(G, z, y)


prior_name = "N(0, I)" if info.prior is None else f"a mixture of {info.prior.components} Gaussians"


def z_of(seed: int) -> torch.Tensor:
    return pretrained.sample_z(1, d, seed, prior=info.prior)[0]


# ------------------------------------------------------------------------------------------ interpolation
def interpolation() -> None:
    """lerp vs slerp between two seeds, with ‖z‖ along both paths (White 2016)."""
    pictures = st.container()
    c1, c2, c3 = st.container(key="gv_settings_lt_interp").columns(3)
    with c1:
        seed_a = seed_box("Seed of sample A", "seed_a")
    with c2:
        seed_b = seed_box("Seed of sample B", "seed_b")
    with c3:
        steps = st.slider("Frames", 3, 16, **ui.bind(f"{P}_steps"))
    z0, z1 = z_of(seed_a), z_of(seed_b)
    path_l, path_s = latent.interpolate(z0, z1, steps, "lerp"), latent.interpolate(z0, z1, steps, "slerp")
    n_l, n_s = latent.path_norms(path_l).numpy(), latent.path_norms(path_s).numpy()
    x_l, x_s = draw(path_l), draw(path_s)
    with pictures:
        st.markdown("**lerp** (straight line)")
        st.image(plots_latent.strip(x_l, 3))
        st.markdown("**slerp** (great circle)")
        st.image(plots_latent.strip(x_s, 3))
    st.download_button("Download both paths (PNG: lerp row, slerp row)",
                       plots_images.png_bytes(tensors.make_grid(torch.cat([x_l, x_s]), nrow=steps), 3),
                       file_name=f"{info.name}_interpolation_{seed_a}_{seed_b}.png", mime="image/png",
                       key=f"{P}_dl_interp")
    f1, f2 = st.columns([1.2, 1])
    with f1:
        ui.formula(r"\mathrm{lerp}(z_0,z_1;t)=(1-t)\,z_0+t\,z_1")
        ui.formula(r"\begin{aligned}\mathrm{slerp}(z_0,z_1;t)&=\frac{\sin((1-t)\Omega)}{\sin\Omega}z_0"
                   r"+\frac{\sin(t\Omega)}{\sin\Omega}z_1\\ \cos\Omega&=\hat z_0\cdot\hat z_1\end{aligned}",
                   "White 2016, “Sampling Generative Networks”.")
        mid = steps // 2
        m1, m2, m3 = st.columns(3)
        with m1:
            ui.metric("‖z‖ lerp (middle)", float(n_l[mid]), ".2f")
        with m2:
            ui.metric("‖z‖ slerp (middle)", float(n_s[mid]), ".2f")
        with m3:
            ui.metric(f"E‖z‖, z ~ {prior_name}", latent.prior_norm(d, info.prior), ".2f",
                      help="≈ √z_dim for N(0, I)")
        st.caption(f"For two independent z the lerp midpoint has E‖z‖ ≈ {latent.prior_norm(d, info.prior, True):.2f}"
                   f"{' (it is N(0, I/2))' if info.prior is None else ''} — a thin shell G never saw during training.")
    with f2:
        t = np.linspace(0, 1, steps)
        ui.live_chart(plots_latent.norms_figure(t, n_l, n_s, latent.prior_norm(d, info.prior)),
                      key=f"{P}_norms_fig")


# ----------------------------------------------------------------------------------------------- walk
def walk() -> None:
    """z + α·u along one random unit direction u."""
    pictures = st.container()
    c1, c2, c3 = st.container(key="gv_settings_lt_walk").columns(3)
    with c1:
        walk_seed = seed_box("Seed of the start z", "walk_seed")
    with c2:
        dir_seed = seed_box("Seed of the direction u", "dir_seed", "u is a uniformly random unit vector.")
    with c3:
        reach = st.slider("Walk from −α to +α", 1.0, 20.0, step=0.5, **ui.bind(f"{P}_walk_range"))
    alphas = np.linspace(-reach, reach, 11)
    z_walk = latent.walk(z_of(walk_seed), latent.random_direction(d, dir_seed), alphas)
    pictures.image(plots_latent.strip(draw(z_walk), 3),
             caption=f"z + α·u for α = {', '.join(f'{a:g}' for a in alphas)} (middle frame: α = 0)")
    norms = latent.path_norms(z_walk).numpy()
    m1, m2 = st.columns(2)
    with m1:
        ui.metric("‖z‖ at α = 0", float(norms[5]), ".2f")
    with m2:
        ui.metric("‖z‖ at the ends", float(max(norms[0], norms[-1])), ".2f")
    ui.formula(r"z(\alpha)=z+\alpha\,u,\qquad \|u\|=1",
               "Small steps change the picture smoothly (no memorised jumps, Radford et al. §6.1); far out, ‖z‖ "
               "leaves the training shell and the images degrade.")


# ----------------------------------------------------------------------------------- vector arithmetic
def arithmetic() -> None:
    """Radford et al. 2016 §6.3: Y = mean(z_A) − mean(z_B) + mean(z_C), against the same sum on pixels."""
    c1, c2 = st.columns([1, 2.5])
    with c1:
        grid_seed = seed_box("Seed of the exemplar grid", "grid_seed")
        pick = {}
        for name, meaning in (("A", "add"), ("B", "subtract"), ("C", "add")):
            pick[name] = st.multiselect(f"{name} ({meaning}): 3 exemplars", list(range(GRID)),
                                        **ui.bind(f"{P}_{name}", multi=True),
                                        max_selections=6, help="Indices of the numbered grid.")
        noise = st.slider("Noise on Y (± uniform)", 0.0, 1.0, step=0.05, **ui.bind(f"{P}_noise"))
    z_grid = pretrained.sample_z(GRID, d, grid_seed, prior=info.prior)
    x_grid = draw(z_grid)
    with c2:
        st.image(plots_latent.numbered_grid(x_grid, nrow=8, scale=3),
                 caption="Exemplars — pick 3 per concept by number "
                         "(e.g. A: a style, B: what to remove, C: what to add).")
    if not all(pick.values()):
        st.warning("Pick at least one exemplar for each of A, B and C (three each, as in the paper).")
    else:
        idx = {k: torch.tensor(v) for k, v in pick.items()}
        y, variants = latent.vector_arithmetic(z_grid[idx["A"]], z_grid[idx["B"]], z_grid[idx["C"]], 8, noise,
                                               seed=grid_seed)
        x_y = draw(torch.cat([y[None], variants]))
        x_pix = latent.pixel_arithmetic(x_grid[idx["A"]], x_grid[idx["B"]], x_grid[idx["C"]])
        ui.formula(r"Y=\overline{z_A}-\overline{z_B}+\overline{z_C},\qquad G(Y),\ G(Y+\epsilon),\ "
                   r"\epsilon\sim U(-%.2g,\,%.2g)^{%d}" % (noise, noise, d),
                   "Radford et al. 2016 §6.3: averaging 3 exemplars per concept makes the arithmetic stable.")
        r1, r2, r3 = st.columns([1, 3, 1])
        with r1:
            st.image(plots_latent.picture(x_y[:1], 1, 4), caption="G(Y)")
        with r2:
            st.image(plots_latent.picture(x_y[1:], 4, 3), caption="G(Y + noise), 8 variants")
        with r3:
            st.image(plots_latent.picture(x_pix[None], 1, 4), caption="pixels: Ā − B̄ + C̄")
        st.download_button("Download (PNG: G(Y), 8 variants, pixel arithmetic)",
                           plots_images.png_bytes(tensors.make_grid(torch.cat([x_y, x_pix[None]]), nrow=10), 3),
                           file_name=f"{info.name}_arithmetic_seed{grid_seed}.png", mime="image/png",
                           key=f"{P}_dl_arith")
        m1, m2 = st.columns(2)
        with m1:
            ui.metric("‖Y‖", float(torch.linalg.vector_norm(y)), ".2f")
        with m2:
            ui.metric("E‖z‖ (training shell)", latent.prior_norm(d, info.prior), ".2f",
                      help="With 3 exemplars each, Ā − B̄ + C̄ has per-coordinate variance 3·(1/3) = 1, "
                           "so Y lands near the shell.")


# ---------------------------------------------------------------------------------------- style vs class
def style_vs_class() -> None:
    """One z per row across every class y of a conditional G."""
    if not info.conditional:
        st.info("Pick a class-conditional generator (e.g. “Conditional DCGAN · MNIST”) to hold z fixed while the "
                "class changes.")
    else:
        c1, c2 = st.columns(2)
        with c1:
            style_seed = seed_box("Seed of the styles z", "style_seed")
        with c2:
            rows = st.slider("Styles (rows)", 1, 8, **ui.bind(f"{P}_style_rows"))
        z_style = pretrained.sample_z(rows, d, style_seed, prior=info.prior)
        k = info.num_classes
        z_all = z_style.repeat_interleave(k, 0)
        x_all = pretrained.generate(G, z_all, torch.arange(rows * k) % k)
        st.image(plots_latent.picture(x_all, k, 3),
                 caption="Each row: one z; each column: one class y = " + ", ".join(info.class_names))
        ui.note("What to notice: along a row the class changes but the style (slant, thickness, width) stays — "
                   "the conditional G has separated “what” (y) from “how” (z).")


# bound to the URL and to the presets: a preset opens the tab that shows its result. The open tab is drawn
# first and the page folds after it (ui.fold): the other tabs follow once the browser has drawn it.
tabs = dict(zip(TABS, zip(st.tabs(TABS, key=f"{P}_tab", bind="query-params", default=TABS[0]),
                          (interpolation, walk, arithmetic, style_vs_class), strict=True), strict=True))
open_tab = st.session_state.get(f"{P}_tab")
for i, name in enumerate(sorted(TABS, key=lambda t: t != open_tab)):
    tab, body = tabs[name]
    with tab:
        body()
    if i == 0:
        ui.fold(P)
