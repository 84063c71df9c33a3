"""models/dcgan_fashion-mnist_cond: conditional DCGAN · Fashion-MNIST in three stages
(``python -m ganviz reproduce dcgan_fashion-mnist_cond``): round 2 on a GPU (14,000 steps), round 5 from its weights
(10,000 steps, both learning rates decaying linearly, EMA of G), round 7 from those as an AC-GAN (Odena et al. 2017:
D also classifies the real images, G's loss gains CE(C(G(z, y)), y)), 4,000 decaying steps."""
from ganviz.recipes import Recipe, Stage, settings
from ganviz.recipes.dcgan_mnist import CPU_BOX
from ganviz.recipes.dcgan_mnist_cond import GPU, GPU_COMMON

ROUND2 = settings(**GPU_COMMON, data="fashion-mnist", steps=14000)
ROUND5 = ROUND2.override(device="auto", depth=0, steps=10000, decay_steps=10000, ema=0.999, save_every=2000, seed=12)

RECIPES = (Recipe(
    "dcgan_fashion-mnist_cond", "Conditional DCGAN · Fashion-MNIST",
    stages=(Stage("round2", ROUND2, recorded_out="runs/sweep/dcgan_fashion-mnist_cond_ns_long", hardware=GPU),
            Stage("round5", ROUND5, init_from="round2", recorded_out="runs/v3/dcgan_fashion-mnist_cond",
                  hardware=f"{CPU_BOX}; 3–6 processes shared the cores"),
            Stage("round7", ROUND5.override(aux_classifier=True, aux_weight=1.0, steps=4000, decay_steps=4000,
                                            sample_every=500, save_every=1000, seed=13),
                  init_from="round5", recorded_out="runs/v5/dcgan_fashion-mnist_cond",
                  hardware=f"{CPU_BOX}; 3–4 processes shared the cores")),
    notes=__doc__),)
