"""One dimension, exactly: the optimal discriminator and the divergences in closed form (``theory``), the
densities they are computed on (``densities``), the live 1-D experiments and their caches (``theory_live``) and
the saturating-loss experiment (``saturation``)."""
