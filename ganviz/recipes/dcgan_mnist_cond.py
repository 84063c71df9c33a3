"""models/dcgan_mnist_cond: conditional DCGAN · MNIST, one GPU run of 6,000 steps (round 1;
``python -m ganviz reproduce dcgan_mnist_cond``): G reads z ⊕ one-hot(y), D is a projection discriminator."""
from ganviz.recipes import Recipe, Stage, settings

GPU = "1× NVIDIA H100 80GB HBM3 (driver 580.159.04), torch 2.11.0+cu130, Python 3.12; 8–11 runs shared the GPU"
#: The GPU rounds' common flags (rounds 1–2).
GPU_COMMON = dict(data_dir=".device/data/gan", model="dcgan", width=64, batch_size=128, device="cuda", threads=1,
                  sample_every=1000, log_every=100, conditional=True, seed=0, loss="nonsaturating", lr_g=2e-4,
                  lr_d=2e-4, beta1=0.5)

RECIPES = (Recipe("dcgan_mnist_cond", "Conditional DCGAN · MNIST",
                  stages=(Stage("round1", settings(**GPU_COMMON, data="mnist", steps=6000),
                                recorded_out="runs/shipped/dcgan_mnist_cond_s0", hardware=GPU),),
                  notes=__doc__),)
