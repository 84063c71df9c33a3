"""Evaluation plumbing shared by the CLI (``python -m ganviz eval``) and the "Evaluating GANs" page:
loading generators (run folders, zips, models/ pairs), sampling them, building "degraded real" sets,
and scoring image sets against a shipped real reference with the metrics of :mod:`ganviz.metrics`.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ganviz import metrics
from ganviz.classifier import MODELS_DIR, Classifier

MAX_EVAL_SAMPLES = 50_000


# ------------------------------------------------------------------------------------------ generators
@dataclass(frozen=True)
class PretrainedGAN:
    """A GAN shipped in models/: ``<stem>.json`` with ``"kind": "gan"`` beside ``<stem>.safetensors``."""
    name: str
    config_path: Path
    weights_path: Path
    dataset: str | None


def pretrained_gans(models_dir: Path | str | None = None) -> list[PretrainedGAN]:
    """GANs in models/ (json configs with "kind": "gan" and a matching .safetensors); unreadable ones skipped."""
    found = []
    for cfg in sorted(Path(models_dir or MODELS_DIR).glob("*.json")):
        try:
            config = json.loads(cfg.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        weights = cfg.with_suffix(".safetensors")
        if isinstance(config, dict) and config.get("kind") == "gan" and weights.is_file():
            found.append(PretrainedGAN(cfg.stem, cfg, weights, gan_dataset(config)))
    return found


def gan_dataset(config: dict) -> str | None:
    """The dataset a GAN checkpoint was trained on, from its config (``data.name`` or ``dataset``), if known."""
    data = config.get("data")
    name = data.get("name") if isinstance(data, dict) else config.get("dataset")
    return name if isinstance(name, str) else None


def load_generator(path: str | Path | bytes):
    """(G, config) from a run folder (model.safetensors + config.json), a checkpoint .zip (path or bytes), or a
    models/ pair ``<stem>.safetensors`` + ``<stem>.json``. Safetensors only, via ganviz.checkpoint; ValueError
    with a clear sentence on anything wrong."""
    from ganviz import checkpoint
    if isinstance(path, (bytes, bytearray)):
        G, _, config = checkpoint.load(bytes(path))
        return G, config
    p = Path(path)
    if p.suffix in (".json", ".safetensors") or (not p.exists() and p.with_suffix(".json").is_file()):
        cfg, weights = p.with_suffix(".json"), p.with_suffix(".safetensors")
        if not cfg.is_file() or not weights.is_file():
            raise ValueError(f"{p.stem}: need both {cfg.name} and {weights.name}.")
        if weights.stat().st_size > checkpoint.MAX_WEIGHTS_BYTES or cfg.stat().st_size > checkpoint.MAX_CONFIG_BYTES:
            raise ValueError(f"{p.stem}: files larger than a ganviz checkpoint may be.")
        return load_generator_pair(cfg.read_bytes(), weights.read_bytes())
    G, _, config = checkpoint.load(p)
    return G, config


def load_generator_pair(config_bytes: bytes, weights_bytes: bytes):
    """(G, config) from the bytes of a config.json and a model.safetensors (e.g. two uploaded files)."""
    from ganviz import checkpoint
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(checkpoint.CONFIG, config_bytes)
        zf.writestr(checkpoint.WEIGHTS, weights_bytes)
    G, _, config = checkpoint.load_zip(buf.getvalue())
    return G, config


@torch.no_grad()
def sample_generator(G: torch.nn.Module, config: dict, n: int, seed: int = 0, device: str | torch.device = "cpu",
                     batch_size: int = 1000) -> torch.Tensor:
    """n images G(z) in [−1, 1], (n, 1, 28, 28) on CPU; z ~ N(0, I) from ``seed``; a class-conditional G gets
    balanced labels 0, 1, …, C−1, 0, …. Eval mode (BatchNorm running statistics)."""
    if not 1 <= n <= MAX_EVAL_SAMPLES:
        raise ValueError(f"the number of samples must be between 1 and {MAX_EVAL_SAMPLES:,}")
    model = config.get("model", {})
    z_dim, k = int(model.get("z_dim", 100)), int(model.get("num_classes", 0) or 0)
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, z_dim, generator=g)
    y = torch.arange(n) % k if k else None
    G = G.to(device).eval()
    out = []
    for s in range(0, n, batch_size):
        zb = z[s:s + batch_size].to(device)
        x = G(zb) if y is None else G(zb, y[s:s + batch_size].to(device))
        out.append(x.float().cpu().reshape(-1, 1, 28, 28))
    x = torch.cat(out)
    if not bool(torch.isfinite(x).all()):
        raise ValueError("the generator produced NaN or infinite pixels (a diverged run)")
    return x


# ------------------------------------------------------------------------------------- degraded real sets
def degrade(images: np.ndarray, labels: np.ndarray, n: int, drop_classes: Sequence[int] = (), noise: float = 0.0,
            blur: float = 0.0, seed: int = 0) -> tuple[torch.Tensor, bool]:
    """A "degraded real" set of n images in [−1, 1], (n, 1, 28, 28):

    - drop_classes: images of these classes are removed (mode dropping); n are drawn from the rest, without
      replacement when enough remain, else with replacement;
    - blur: Gaussian blur with standard deviation ``blur`` pixels (separable, 'reflect' edges);
    - noise: additive N(0, noise²) pixel noise in [−1, 1] units, clipped to [−1, 1].

    Returns (images, drawn_with_replacement). ValueError when every class is dropped.
    """
    labels = np.asarray(labels)
    keep = np.flatnonzero(~np.isin(labels, np.asarray(list(drop_classes), dtype=labels.dtype)))
    if keep.size == 0:
        raise ValueError("every class is dropped: keep at least one class")
    if noise < 0 or blur < 0:
        raise ValueError("noise and blur must be ≥ 0")
    rng = np.random.default_rng(seed)
    replace = keep.size < n
    idx = rng.choice(keep, n, replace=replace)  # random order: any prefix is a fair sample
    x = torch.from_numpy(np.asarray(images)[idx].astype(np.float32)).div_(127.5).sub_(1.0).unsqueeze(1)
    if blur > 0:
        x = gaussian_blur(x, blur)
    if noise > 0:
        g = torch.Generator().manual_seed(seed + 1)
        x = (x + noise * torch.randn(x.shape, generator=g)).clamp_(-1.0, 1.0)
    return x, replace


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (N, 1, H, W) with kernel radius ⌈3σ⌉, reflect padding."""
    r = max(1, int(np.ceil(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1))


# --------------------------------------------------------------------------------------------- scoring
def score_images(classifier: Classifier, images, reference: metrics.Reference, seed: int = 0,
                 device: str | torch.device | None = None, kid_subsets: int = 100,
                 progress: metrics.Progress = None) -> metrics.Scores:
    """Features of ``images`` (any format classifier.extract takes), then metrics.evaluate against ``reference``."""
    step = (lambda f, t: progress(0.3 * f, t)) if progress else None
    feats, probs = classifier.extract(images, device=device, progress=step)
    step = (lambda f, t: progress(0.3 + 0.7 * f, t)) if progress else None
    return metrics.evaluate(feats, probs, reference, seed=seed, kid_subsets=kid_subsets, progress=step)


def fid_curve(classifier: Classifier, reference: metrics.Reference, images: np.ndarray, labels: np.ndarray,
              drop_classes: Sequence[int] = (), noise: float = 0.0, blur: float = 0.0, seed: int = 0,
              n_max: int = 5000, points: int = 8, n_min: int = 500):
    """FID_N of a (degraded) real set at ``points`` sizes from n_min to min(n_max, images left) against the
    reference, and the FID∞ fit: (sizes, fids, fid_inf, slope); None when fewer than 2·n_min images remain."""
    kept = int((~np.isin(np.asarray(labels), np.asarray(list(drop_classes), dtype=np.asarray(labels).dtype))).sum())
    top = min(kept, n_max)
    if top < 2 * n_min:
        return None
    x, _ = degrade(images, labels, top, drop_classes, noise, blur, seed)
    feats, _ = classifier.extract(x)
    ns, fids = metrics.fid_vs_n(feats, reference.mu, reference.sigma,
                                np.linspace(n_min, top, points).astype(int), seed)
    inf, slope = metrics.fid_infinity(ns, fids)
    return ns, fids, inf, slope
