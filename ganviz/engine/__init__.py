"""The engine: the one Trainer (``trainer``), the GAN losses, the MLP nets, and what runs a Trainer live —
the in-process live run (``live``), the worker process (``worker``), the watchdog (``monitor``), the bounded
history (``history``), runs that outlive a closed tab (``reattach``) and DistributedDataParallel (``distributed``)."""
