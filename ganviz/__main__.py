"""Command line: ``python -m ganviz train | recipes | reproduce | download`` (+ the ``ganviz/cli/`` plug-ins).

    python -m ganviz train --data mnist --model dcgan --steps 5000 --out runs/x
    python -m ganviz train --recipe digits_fast --loss wgan --out runs/y     # a named run, one field overridden
    python -m ganviz reproduce dcgan_mnist --runs runs                      # a shipped model, stage by stage
    python -m ganviz download fashion-mnist

Plug-ins: every module of ``ganviz/cli/`` exposing ``register(subparsers)`` is imported and may add
subcommands (each sets ``func=callable(args) -> int`` with ``set_defaults``). No streamlit needed here.
"""
from __future__ import annotations

import argparse
import csv
import importlib
import os
import pkgutil
import sys
import time
from dataclasses import fields
from pathlib import Path

from ganviz import cli


def add_settings_flags(p: argparse.ArgumentParser) -> None:
    """One flag per field of :class:`ganviz.recipes.Settings`, each defaulting to None ("not given"): the recipe's
    value, else the dataclasses' default shown in the help."""
    from ganviz.recipes import Settings, flag
    types = {int: int, float: float, str: str}
    for f in fields(Settings):
        meta = f.metadata
        default = meta["default"]
        shown = "" if default is None else f" (default: {default})"
        kind = _annotation(f)
        names = list(meta.get("flags", ())) or [flag(f.name)]
        if flag(f.name) not in names:
            names.append(flag(f.name))
        if kind is bool:
            p.add_argument(*names, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                           help=meta["help"] + shown)
        else:
            p.add_argument(*names, dest=f.name, type=types[kind], default=None, choices=meta.get("choices"),
                           help=meta["help"] + shown)


def _annotation(f) -> type:
    """bool / int / float / str from a Settings field's annotation ("int | None")."""
    text = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    return {"bool": bool, "int": int, "float": float, "str": str}[text.split("|")[0].strip()]


def settings_from_args(args):
    """The run's :class:`ganviz.recipes.Settings`: ``--recipe``'s, overridden by every flag given."""
    from ganviz import recipes
    return recipes.resolve(getattr(args, "recipe", None),
                           **{f.name: getattr(args, f.name, None) for f in fields(recipes.Settings)})


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train an image GAN headless (the same Trainer as the app)",
                       description="Train an MLP GAN or DCGAN on 28×28 images; writes a checkpoint "
                                   "(model.safetensors + config.json, and the same as checkpoint.zip for the "
                                   "app's 'Load a checkpoint'), sample grids, timeline.gif and metrics.csv. "
                                   "Under torchrun it trains data-parallel (one process per GPU).")
    p.add_argument("--recipe", default=None, help="a named run (python -m ganviz recipes lists them); the flags "
                   "below override its fields")
    add_settings_flags(p)
    p.add_argument("--init-from", default=None, help="checkpoint folder, .zip or models/ stem to start from (same "
                   "nets; its G and D weights, fresh optimizers), e.g. to go on training a run with a decay")
    p.add_argument("--sync-bn", action="store_true", help="under torchrun: one BatchNorm over the global batch "
                   "(SyncBatchNorm) instead of per-process statistics")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)


def _add_recipes(sub) -> None:
    p = sub.add_parser("recipes", help="list the named runs, or show one's settings and stages",
                       description="The recipes of ganviz/recipes/: the page's presets and the shipped models.")
    p.add_argument("name", nargs="?", default=None)
    p.set_defaults(func=cmd_recipes)
    p = sub.add_parser("reproduce", help="train a shipped model again: every stage of its recipe in turn",
                       description="Run a recipe's stages in order, each in RUNS/NAME/STAGE and each going on "
                                   "from the stage it names (--init-from); the flags override every stage's fields "
                                   "(e.g. --data-dir, --device, or --steps 2 to try the chain).")
    p.add_argument("name")
    p.add_argument("--runs", default="runs", help="root of the run folders (default: runs)")
    p.add_argument("--dry-run", action="store_true", help="print the commands only")
    add_settings_flags(p)
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=cmd_reproduce)


def stage_commands(name: str, runs: str = "runs", **overrides) -> list[list[str]]:
    """``ganviz train`` argv of each stage of recipe ``name``: out RUNS/NAME/STAGE, --init-from the stage it
    goes on from, every field the stage sets (then ``overrides``)."""
    from ganviz import recipes
    recipe = recipes.get(name)
    if not recipe.stages:
        raise ValueError(f"Recipe {name} has no stages; train it with: python -m ganviz train --recipe {name}.")
    out = []
    for stage in recipe.stages:
        argv = ["train", *recipes.to_argv(stage.settings.override(**overrides)), "--out", f"{runs}/{name}/{stage.name}"]
        if stage.init_from:
            argv += ["--init-from", f"{runs}/{name}/{stage.init_from}"]
        out.append(argv)
    return out


def cmd_recipes(args) -> int:
    from ganviz import recipes
    if args.name is None:
        for name, r in recipes.all_recipes().items():
            print(f"{name:28s} {r.title}" + (f" ({len(r.stages)} stages)" if len(r.stages) > 1 else ""))
        return 0
    r = recipes.get(args.name)
    print(f"{r.name}: {r.title}\npython -m ganviz train --recipe {r.name} = "
          f"python -m ganviz train {' '.join(recipes.to_argv(r.settings))}")
    for argv in stage_commands(r.name) if r.stages else ():
        print("python -m ganviz " + " ".join(argv))
    return 0


def cmd_reproduce(args) -> int:
    from ganviz import recipes
    overrides = {f.name: getattr(args, f.name) for f in fields(recipes.Settings)}
    commands = stage_commands(args.name, args.runs, **overrides)
    for argv in commands:
        print("python -m ganviz " + " ".join(argv + (["--quiet"] if args.quiet else [])), file=sys.stderr)
        if not args.dry_run:
            status = main(argv + (["--quiet"] if args.quiet else []))
            if status:
                return status
    return 0


def _add_download(sub) -> None:
    p = sub.add_parser("download", help="download full MNIST / Fashion-MNIST (md5-checked) into the cache",
                       description="Download the four official IDX files into ~/.cache/ganviz/<dataset> "
                                   "(or --dest); each is md5-verified and written atomically.")
    p.add_argument("dataset", choices=("mnist", "fashion-mnist"))
    p.add_argument("--dest", default=None)
    p.add_argument("--mirror", default=None, help="base URL of a mirror holding the .gz files")
    p.set_defaults(func=cmd_download)


def _load_data(args):
    from ganviz.images import datasets, uploads
    if Path(args.data).suffix.lower() in (".zip", ".npz", ".npy"):
        path = Path(args.data)
        if not path.is_file():
            raise ValueError(f"No file {path}.")
        if path.stat().st_size > uploads.MAX_UPLOAD_BYTES:
            raise ValueError(f"{path} is larger than {uploads.MAX_UPLOAD_BYTES >> 20} MB.")
        return uploads.load_upload(path.read_bytes(), path.name)
    return datasets.load_images(args.data, "train", args.data_dir)


def cmd_train(args) -> int:
    from ganviz import recipes
    from ganviz.engine import distributed

    settings = settings_from_args(args)
    run = {n: settings.value(n) for n in ("data", "data_dir", "steps", "sample_every", "log_every", "save_every",
                                          "threads")}
    args = argparse.Namespace(**{**vars(args), **run})
    if args.steps < 1 or args.sample_every < 1 or args.log_every < 1 or args.save_every < 0:
        raise ValueError("--steps, --sample-every and --log-every must be at least 1, --save-every 0 or more.")
    images = _load_data(args)
    spec, config = recipes.build(settings, len(images.class_names))
    proc = distributed.from_env()
    if args.sync_bn and proc.world_size == 1:
        raise ValueError("--sync-bn needs several processes: start the run with torchrun --nproc-per-node N.")
    proc = distributed.setup(config.device)
    try:
        return _train(args, images, spec, config, proc)
    finally:
        distributed.teardown()


def _train(args, images, spec, config, proc) -> int:
    """The run of cmd_train: the one Trainer, data-parallel when ``proc`` is one of several torchrun processes
    (rank 0 alone writes the metrics, grids and checkpoints and shows the progress bar)."""
    import torch
    from PIL import Image

    from ganviz.engine.trainer import Diverged
    from ganviz.images import checkpoint, pretrained
    from ganviz.images.build import build_trainer
    from ganviz.images.live import GridTimeline
    from ganviz.images.tensors import make_grid

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
    if proc.world_size > 1:
        trainer.distribute(proc.rank, proc.world_size, sync_batchnorm=args.sync_bn)
    if args.threads or trainer.cpu_threads:  # the same CPU thread policy as the app's LiveRun workers
        torch.set_num_threads(args.threads or trainer.cpu_threads)
    out = Path(args.out)
    main_proc = proc.main
    if main_proc:
        (out / "samples").mkdir(parents=True, exist_ok=True)
    timeline = GridTimeline(every=args.sample_every, max_frames=10_000)
    if main_proc:
        timeline.attach(trainer)
        where = f"{proc.world_size} processes (DistributedDataParallel), rank 0 " if proc.world_size > 1 else ""
        print(f"{images.source}\nModel {spec.model} on {where}{trainer.device}; writing to {out}", file=sys.stderr)

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
    bar = None if args.quiet or not main_proc else _tqdm(args.steps)
    status, t0, written = 0, time.perf_counter(), 0
    with open(out / "metrics.csv" if main_proc else os.devnull, "w", newline="") as f:
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
                if main_proc and args.save_every and s % args.save_every == 0 and s < args.steps:
                    checkpoint.save(out / f"step_{s:06d}", trainer.sampling_G, trainer.D, run_config())
        except Diverged as err:
            print(f"\n{err}", file=sys.stderr)
            status = 1
        finally:
            if bar is not None:
                bar.close()
    if not main_proc:
        return status
    Image.fromarray(make_grid(trainer.generate())).save(out / "samples" / "final.png")
    frames = [Image.fromarray(g) for _, g in timeline.frames()]
    if len(frames) > 1:
        frames[0].save(out / "timeline.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    cfg = run_config()
    checkpoint.save(out, trainer.sampling_G, trainer.D, cfg)
    # the same as one file for the app's uploader
    (out / "checkpoint.zip").write_bytes(checkpoint.to_zip(trainer.sampling_G, trainer.D, cfg))
    print(f"Done: {trainer.step_count} steps in {time.perf_counter() - t0:.1f} s; checkpoint (+ checkpoint.zip "
          f"for the app), samples/ and metrics.csv in {out}", file=sys.stderr)
    return status


def _tqdm(total: int):
    from tqdm import tqdm
    return tqdm(total=total, unit="step", dynamic_ncols=True, file=sys.stderr)


def cmd_download(args) -> int:
    from tqdm import tqdm

    from ganviz.images.datasets import download
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
    """The parser with the built-in subcommands and every ``ganviz/cli/`` plug-in registered."""
    parser = argparse.ArgumentParser(prog="python -m ganviz", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_train(sub)
    _add_recipes(sub)
    _add_download(sub)
    for mod in sorted(m.name for m in pkgutil.iter_modules(cli.__path__)):
        module = importlib.import_module(f"ganviz.cli.{mod}")
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
