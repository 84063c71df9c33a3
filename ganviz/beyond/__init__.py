"""Beyond the GAN of 2014: the VAE (``vae``), VAE-vs-GAN scoring (``vae_gan``), the Dirac-GAN game (``dirac``)
and CycleGAN on 2-D pairs (``cyclegan``)."""
