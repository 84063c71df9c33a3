"""The plane: the 2-D data sets with their mode metrics (``toy``) and the 2-D GAN playground (``playground``)."""
