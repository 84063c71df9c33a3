"""``python -m ganviz train-vae``: train the convolutional VAE of :mod:`ganviz.beyond.vae` headless and save it.

    python -m ganviz train-vae --data mnist --data-dir .device/data/gan --steps 4000 --out models/vae_mnist

Writes ``OUT.safetensors`` + ``OUT.json`` (the config, the data used, the exact command, wall time and the
ELBO terms' history as chunk means), the same files ``ganviz.beyond.vae.load_vae`` reads.
"""
from __future__ import annotations

import platform
import shlex
import sys
import time


def register(sub) -> None:
    p = sub.add_parser("train-vae", help="train the convolutional VAE (Kingma & Welling 2014) headless",
                       description="Train the small convolutional VAE on 28×28 images with Adam on −ELBO; writes "
                                   "OUT.safetensors + OUT.json (with the history of both ELBO terms).")
    p.add_argument("--data", default="mnist", choices=("mnist", "fashion-mnist", "digits8x8"))
    p.add_argument("--data-dir", default=None, help="folder with the IDX files (default: the usual sources)")
    p.add_argument("--z-dim", type=int, default=16)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--beta", type=float, default=1.0, help="weight of the KL term (1: the ELBO)")
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=1, help="CPU threads for torch")
    p.add_argument("--out", required=True, help="output stem, e.g. models/vae_mnist")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_train_vae)


def cmd_train_vae(args) -> int:
    import torch

    from ganviz.beyond import vae
    from ganviz.images import datasets

    if args.steps < 1:
        raise ValueError("--steps must be at least 1.")
    images = datasets.load_images(args.data, "train", args.data_dir)
    spec = vae.VAESpec(z_dim=args.z_dim, width=args.width)
    config = vae.VAEConfig(lr=args.lr, batch_size=args.batch, beta=args.beta, seed=args.seed, device=args.device)
    torch.set_num_threads(args.threads)
    trainer = vae.build_vae_trainer(images.images, spec, config)
    print(f"{images.source}\nVAE on {trainer.device}; writing {args.out}.safetensors/.json", file=sys.stderr)
    t0 = time.perf_counter()
    for _ in range(args.steps):
        rec = trainer.step()
        if not args.quiet and trainer.step_count % 200 == 0:
            print(f"step {trainer.step_count}: recon {rec['recon']:.1f} kl {rec['kl']:.1f} "
                  f"({trainer.step_count / (time.perf_counter() - t0):.1f} steps/s)", file=sys.stderr)
    seconds = round(time.perf_counter() - t0, 1)
    command = "python -m ganviz " + " ".join(shlex.quote(a) for a in sys.argv[1:] if a != "--quiet") \
        if sys.argv[1:2] == ["train-vae"] else None
    vae.save_vae(args.out, trainer.vae, {
        "name": f"vae_{args.data}", "title": f"VAE · {datasets.TITLES[args.data]}",
        "train": config.to_dict(), "step": trainer.step_count, "seconds": seconds,
        "data": {"name": images.name, "source": images.source, "n": len(images)},
        "command": command, "threads": args.threads,
        "hardware": f"{platform.processor() or platform.machine()}, torch {torch.__version__}, "
                    f"Python {platform.python_version()}, {args.threads} torch thread(s)",
        "history": vae.history_summary(trainer.history.arrays())})
    print(f"Done: {trainer.step_count} steps in {seconds} s", file=sys.stderr)
    return 0
