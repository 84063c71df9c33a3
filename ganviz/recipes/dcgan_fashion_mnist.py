"""models/dcgan_fashion-mnist: DCGAN · Fashion-MNIST, unconditional, in two stages
(``python -m ganviz reproduce dcgan_fashion-mnist``): round 4 (the deeper DCGAN, non-saturating loss, EMA of G,
16,000 steps), then round 7 from its weights (mixture latent, D's auxiliary classifier, 4,000 decaying steps), as
for ``dcgan_mnist``."""
from ganviz.recipes import Recipe, Stage, settings
from ganviz.recipes.dcgan_mnist import CPU_BOX, CPU_COMMON, ROUND7

ROUND4 = settings(**CPU_COMMON, data="fashion-mnist", steps=16000, sample_every=1000, save_every=2000, seed=1,
                  loss="nonsaturating", lr_g=2e-4, lr_d=2e-4, beta1=0.5)

RECIPES = (Recipe(
    "dcgan_fashion-mnist", "DCGAN · Fashion-MNIST",
    stages=(Stage("round4", ROUND4, recorded_out="runs/v2/dcgan_fashion-mnist",
                  hardware=f"{CPU_BOX}; three runs shared the two cores (two after step 4,000)"),
            Stage("round7", ROUND4.override(**ROUND7, save_every=500, seed=28), init_from="round4",
                  recorded_out="runs/v5/dcgan_fashion-mnist_k500",
                  hardware=f"{CPU_BOX}; 3–4 processes shared the cores")),
    notes=__doc__),)
