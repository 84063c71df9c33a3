"""models/dcgan_mnist: DCGAN · MNIST, unconditional, in two stages (``python -m ganviz reproduce dcgan_mnist``).

Round 4: a deeper DCGAN (one extra 3×3 conv block at 7×7 and 14×14) with a hinge loss, a spectrally normalised D
(Miyato et al. 2018), two time-scale learning rates (Heusel et al. 2017) and an EMA of G (Yazıcı et al. 2019),
16,000 steps. Round 7 goes on from its G and D (fresh Adam) for 4,000 steps with both learning rates decaying
linearly, noise from a mixture of 500 Gaussian blobs (a disconnected latent) and an auxiliary classifier in D
trained on the real labels, G trained to make pictures it names surely and all classes equally often (CatGAN's
generator terms, Springenberg 2016). G never reads a label. Data: ``.device/data/gan`` (scripts/export_device_data.py).
"""
from ganviz.recipes import PAGE_MIXTURE, Recipe, Stage, settings

CPU_BOX = "the project's 2-core CPU box (AMD EPYC), torch 2.13.0+cpu, Python 3.11, one torch thread per run"
#: What every CPU stage of the shipped unconditional models shares.
CPU_COMMON = dict(data_dir=".device/data/gan", model="dcgan", width=64, depth=1, batch_size=64, ema=0.999, threads=1,
                  log_every=100)
ROUND4 = settings(**CPU_COMMON, data="mnist", steps=16000, sample_every=1000, save_every=2000, seed=0, loss="hinge",
                  spectral_norm=True, d_norm="none", lr_g=1e-4, lr_d=4e-4, beta1=0.0, beta2=0.9)
#: Round 7's changes to a round-4 run: the mixture latent, D's classifier, 4,000 steps of linear decay.
ROUND7 = dict(prior="mixture", **PAGE_MIXTURE, aux_classifier=True, aux_weight=1.0, steps=4000, decay_steps=4000,
              sample_every=500)

RECIPES = (Recipe(
    "dcgan_mnist", "DCGAN · MNIST",
    stages=(Stage("round4", ROUND4, recorded_out="runs/v2/dcgan_mnist",
                  hardware=f"{CPU_BOX}; three runs shared the two cores (two after step 4,000)"),
            Stage("round7", ROUND4.override(**ROUND7, save_every=500, seed=23), init_from="round4",
                  recorded_out="runs/v5/dcgan_mnist_k500", hardware=f"{CPU_BOX}; 3–4 processes shared the cores")),
    notes=__doc__),)
