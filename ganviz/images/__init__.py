"""Image GANs: the nets' description (``spec``), the DCGAN/MLP nets (``nets``), the image data sets (``datasets``),
user uploads (``uploads``), pixels ↔ tensors and grids (``tensors``), an image run's Trainer (``build``), the live
image run (``live``), checkpoints (``checkpoint``), the shipped models (``pretrained``) and latent-space arithmetic
(``latent``)."""
