"""Command line: ``python -m ganviz train | download`` (+ subcommands from ``ganviz/cli_*.py`` plug-ins).

    python -m ganviz train --data mnist --model dcgan --steps 5000 --out runs/x
    python -m ganviz download fashion-mnist

Plug-ins: every module ``ganviz/cli_<name>.py`` exposing ``register(subparsers)`` is imported and may add
subcommands (each sets ``func=callable(args) -> int`` with ``set_defaults``). No streamlit needed here.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import pkgutil
import sys
import time
from pathlib import Path

import ganviz


def _add_train(sub) -> None:
    from ganviz.convnets import D_NORMS, MODELS
    from ganviz.data import DATASETS
    from ganviz.losses import LOSSES

    p = sub.add_parser("train", help="train an image GAN headless (the same Trainer as the app)",
                       description="Train an MLP GAN or DCGAN on 28×28 images; writes a checkpoint "
                                   "(model.safetensors + config.json, and the same as checkpoint.zip for the "
                                   "app's 'Load a checkpoint'), sample grids, timeline.gif and metrics.csv.")
    p.add_argument("--data", default="mnist", help=f"{' | '.join(DATASETS)}, or a .zip/.npz/.npy of your images")
    p.add_argument("--data-dir", default=None, help="folder with the IDX files (default: the usual sources)")
    p.add_argument("--model", choices=MODELS, default="dcgan")
    p.add_argument("--width", type=int, default=64, help="DCGAN base channels (64: G 0.78 M, D 0.14 M params)")
    p.add_argument("--depth", type=int, default=0, help="extra 3×3 conv blocks per resolution in the DCGAN's G and D")
    p.add_argument("--z-dim", type=int, default=100)
    p.add_argument("--conditional", action="store_true", help="class-conditional G and D (labels of the data)")
    p.add_argument("--aux-classifier", action="store_true", help="D also classifies the real images (their labels); "
                   "G is trained to make the asked class (with --conditional: AC-GAN, Odena et al. 2017), or pictures "
                   "it names surely, all classes equally often (unconditional: CatGAN's terms, Springenberg 2016)")
    p.add_argument("--aux-weight", type=float, default=1.0, help="weight of the auxiliary classifier's loss")
    p.add_argument("--prior", choices=("normal", "mixture"), default="normal", help="G's noise: N(0, I) or a mixture "
                   "of K Gaussians (a disconnected latent; centres drawn from --seed)")
    p.add_argument("--mixture-k", type=int, default=50, help="components of the mixture prior")
    p.add_argument("--mixture-sd", type=float, default=0.1, help="standard deviation of each mixture component")
    p.add_argument("--prior-seed", type=int, default=None, help="seed of the mixture's centres (default: --seed); "
                   "going on from a mixture-prior run needs that run's prior")
    p.add_argument("--d-norm", choices=D_NORMS, default=None, help="normalisation in D (default: layer for "
                   "wgan-gp, batch otherwise)")
    p.add_argument("--spectral-norm", action="store_true", help="spectral normalisation in D")
    p.add_argument("--loss", choices=LOSSES, default="nonsaturating")
    p.add_argument("--optimizer", choices=("adam", "sgd", "rmsprop"), default="adam")
    p.add_argument("--lr-g", type=float, default=2e-4)
    p.add_argument("--lr-d", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--beta2", type=float, default=0.999)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--k", type=int, default=1, help="D steps per G step")
    p.add_argument("--ema", type=float, default=0.0, help="EMA decay of G's weights, e.g. 0.999 (0: off); the "
                   "checkpoint and sample grids use the averaged G")
    p.add_argument("--decay-start", type=int, default=0, help="step where both learning rates start to decay "
                   "linearly (with --decay-steps)")
    p.add_argument("--decay-steps", type=int, default=0, help="length of the linear learning-rate decay (0: none)")
    p.add_argument("--init-from", default=None, help="checkpoint folder, .zip or models/ stem to start from (same nets; its G "
                   "and D weights, fresh optimizers), e.g. to go on training a run with a decay")
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    p.add_argument("--amp", action="store_true", help="bf16 autocast (CUDA only)")
    p.add_argument("--compile", action="store_true", help="torch.compile the nets (CUDA only)")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for torch (default: the app's choice, "
                   "ganviz.train.cpu_threads_for; on a busy machine 1 is often fastest)")
    p.add_argument("--sample-every", type=int, default=500, help="write a PNG sample grid every N steps")
    p.add_argument("--log-every", type=int, default=10, help="write a metrics.csv row every N steps")
    p.add_argument("--save-every", type=int, default=0, help="also save a checkpoint in OUT/step_N every N steps "
                   "(0: only the final one)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)


def _add_download(sub) -> None:
    p = sub.add_parser("download", help="download full MNIST / Fashion-MNIST (md5-checked) into the cache",
                       description="Download the four official IDX files into ~/.cache/ganviz/<dataset> "
                                   "(or --dest); each is md5-verified and written atomically.")
    p.add_argument("dataset", choices=("mnist", "fashion-mnist"))
    p.add_argument("--dest", default=None)
    p.add_argument("--mirror", default=None, help="base URL of a mirror holding the .gz files")
    p.set_defaults(func=cmd_download)


def _load_data(args):
    from ganviz import data
    if Path(args.data).suffix.lower() in (".zip", ".npz", ".npy"):
        path = Path(args.data)
        if not path.is_file():
            raise ValueError(f"No file {path}.")
        if path.stat().st_size > data.MAX_UPLOAD_BYTES:
            raise ValueError(f"{path} is larger than {data.MAX_UPLOAD_BYTES >> 20} MB.")
        return data.load_upload(path.read_bytes(), path.name)
    return data.load_images(args.data, "train", args.data_dir)


def cmd_train(args) -> int:
    import torch
    from PIL import Image

    from ganviz import checkpoint, pretrained
    from ganviz.convnets import GridTimeline, ImageGANSpec, build_trainer
    from ganviz.data import make_grid
    from ganviz.train import Diverged, TrainConfig

    if args.steps < 1 or args.sample_every < 1 or args.log_every < 1 or args.save_every < 0:
        raise ValueError("--steps, --sample-every and --log-every must be at least 1, --save-every 0 or more.")
    images = _load_data(args)
    spec = ImageGANSpec(model=args.model, z_dim=args.z_dim, width=args.width, depth=args.depth,
                        num_classes=len(images.class_names) if args.conditional else 0,
                        d_norm=args.d_norm or ("layer" if args.loss == "wgan-gp" else "batch"),
                        spectral_norm=args.spectral_norm, prior=args.prior, mixture_k=args.mixture_k,
                        mixture_sd=args.mixture_sd,
                        prior_seed=args.seed if args.prior_seed is None else args.prior_seed,
                        aux_classes=len(images.class_names) if args.aux_classifier else 0)
    config = TrainConfig(loss=args.loss, optimizer=args.optimizer, lr_g=args.lr_g, lr_d=args.lr_d,
                         betas=(args.beta1, args.beta2), k=args.k, ema=args.ema, aux_weight=args.aux_weight,
                         batch_size=args.batch, seed=args.seed,
                         decay_start=args.decay_start, decay_steps=args.decay_steps,
                         device=args.device, amp=args.amp, compile=args.compile)
    trainer = build_trainer(images, spec, config, fixed_n=64)
    init = None
    if args.init_from:
        G0, D0, init = pretrained.load_with_discriminator(args.init_from)
        source = pretrained.latent_prior(init)
        if source is not None and not (spec.prior == "mixture" and torch.equal(source.centres, trainer.latent.centres)
                                       and source.sd == trainer.latent.sd):
            raise ValueError(f"{args.init_from} was trained on a mixture of {source.components} Gaussians (sd "
                             f"{source.sd:g}, prior seed {init['model'].get('prior_seed', 0)}): pass the same --prior, "
                             "--mixture-k, --mixture-sd and --prior-seed to go on from it.")
        trainer.warm_start(G0, D0)
    if args.threads or trainer.cpu_threads:  # the same CPU thread policy as the app's LiveRun workers
        torch.set_num_threads(args.threads or trainer.cpu_threads)
    out = Path(args.out)
    (out / "samples").mkdir(parents=True, exist_ok=True)
    timeline = GridTimeline(every=args.sample_every, max_frames=10_000).attach(trainer)
    print(f"{images.source}\nModel {spec.model} on {trainer.device}; writing to {out}", file=sys.stderr)

    def run_config() -> dict:
        return checkpoint.make_config(
            spec, train=config.to_dict(), data={"name": images.name, "source": images.source, "n": len(images),
                                                "class_names": list(images.class_names)},
            step=trainer.step_count, seconds=round(time.perf_counter() - t0, 1),
            **({} if init is None else {"init_from": {"path": str(args.init_from), "step": init.get("step"),
                                                      "seconds": init.get("seconds")}}))

    fields = ["step", "loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g", "images_per_s", "elapsed_s"]
    if trainer.aux_classifier:
        fields += ["aux_real", "aux_fake"]
    bar = None if args.quiet else _tqdm(args.steps)
    status, t0, written = 0, time.perf_counter(), 0
    with open(out / "metrics.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fields, extrasaction="ignore")
        writer.writeheader()
        try:
            for _ in range(args.steps):
                rec = trainer.step()
                s = trainer.step_count
                if s % args.log_every == 0 or s == args.steps:
                    elapsed = time.perf_counter() - t0
                    writer.writerow({**rec, "step": s, "elapsed_s": round(elapsed, 3),
                                     "images_per_s": round(s * config.batch_size * config.k / elapsed, 1)})
                if bar is not None:
                    bar.update(1)
                    if s % 10 == 0:
                        bar.set_postfix(loss_d=f"{rec['loss_d']:.3f}", loss_g=f"{rec['loss_g']:.3f}",
                                        D_x=f"{rec['d_real']:.2f}", D_G_z=f"{rec['d_fake']:.2f}")
                for step, grid in timeline.frames()[written:]:
                    Image.fromarray(grid).save(out / "samples" / f"step_{step:06d}.png")
                    written += 1
                if args.save_every and s % args.save_every == 0 and s < args.steps:
                    checkpoint.save(out / f"step_{s:06d}", trainer.sampling_G, trainer.D, run_config())
        except Diverged as err:
            print(f"\n{err}", file=sys.stderr)
            status = 1
        finally:
            if bar is not None:
                bar.close()
    Image.fromarray(make_grid(trainer.generate())).save(out / "samples" / "final.png")
    frames = [Image.fromarray(g) for _, g in timeline.frames()]
    if len(frames) > 1:
        frames[0].save(out / "timeline.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    cfg = run_config()
    checkpoint.save(out, trainer.sampling_G, trainer.D, cfg)
    (out / "checkpoint.zip").write_bytes(checkpoint.to_zip(trainer.sampling_G, trainer.D, cfg))  # for the app's uploader
    print(f"Done: {trainer.step_count} steps in {time.perf_counter() - t0:.1f} s; checkpoint (+ checkpoint.zip "
          f"for the app), samples/ and metrics.csv in {out}", file=sys.stderr)
    return status


def _tqdm(total: int):
    from tqdm import tqdm
    return tqdm(total=total, unit="step", dynamic_ncols=True, file=sys.stderr)


def cmd_download(args) -> int:
    from tqdm import tqdm

    from ganviz.data import download
    bars: dict = {}

    def progress(name: str, done: int, total: int) -> None:
        bar = bars.get(name) or bars.setdefault(name, tqdm(total=total or None, desc=name, unit="B",
                                                            unit_scale=True, file=sys.stderr))
        bar.update(done - bar.n)

    try:
        folder = download(args.dataset, args.dest, args.mirror, progress)
    finally:
        for bar in bars.values():
            bar.close()
    print(f"{args.dataset} is in {folder}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser with the built-in subcommands and every ``ganviz/cli_*.py`` plug-in registered."""
    parser = argparse.ArgumentParser(prog="python -m ganviz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(sub)
    _add_download(sub)
    for mod in sorted(m.name for m in pkgutil.iter_modules(ganviz.__path__) if m.name.startswith("cli_")):
        module = importlib.import_module(f"ganviz.{mod}")
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ganviz import settings
    settings.report()
    try:
        return int(args.func(args) or 0)
    except (ValueError, FileNotFoundError, ConnectionError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
