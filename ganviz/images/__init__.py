"""Image GANs: the nets' spec and the DCGAN/MLP nets (``convnets``), image data sets and uploads (``data``),
checkpoints (``checkpoint``), the shipped models (``pretrained``) and latent-space arithmetic (``latent``)."""
