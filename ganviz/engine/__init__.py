"""The engine: the one Trainer and its TrainConfig (``trainer``), the noise priors (``priors``), the device, threads
and seed (``device``), the GAN losses (``losses``), the MLP nets and PacGAN packing (``nets``), and what runs a
Trainer live — a page's run described once (``experiment``), the in-process live run (``live``), the worker
process (``worker``), the watchdog (``monitor``), the bounded history (``history``), runs that outlive a closed tab
(``reattach``) and DistributedDataParallel (``distributed``)."""
