"""The shipped pretrained DCGANs (models/) and any saved run: listing, loading, seeded sampling with truncation.

Shipped GANs are pairs ``models/<name>.safetensors`` + ``models/<name>.json`` (a ganviz checkpoint config with
``"kind": "gan"``; see models/MODEL_CARD.md). Runs of ``python -m ganviz train`` are folders with
``model.safetensors`` + ``config.json``; the training page downloads the same as a .zip. All of them load through
:mod:`ganviz.images.checkpoint` (safetensors only, validated; ValueError with one clear sentence otherwise).

A checkpoint's grid of samples (:func:`sample_grid`) draws z from its own prior. Sampling is done with BatchNorm in
eval mode (running statistics), so a single image or an interpolation frame does not depend on the rest of its batch
(Radford et al. 2016).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from ganviz.engine.priors import LatentPrior
from ganviz.images import checkpoint
from ganviz.images.datasets import CLASS_NAMES
from ganviz.images.spec import ImageGANSpec
from ganviz.images.tensors import make_grid
from ganviz.safety import UploadError, quote, refusal

__all__ = ["MODELS_DIR", "RUNS_DIR", "GANInfo", "list_models", "list_runs", "resolve_run", "load",
           "load_checkpoint_upload", "info_from_config", "sample_z", "latent_prior", "generate", "labels_for",
           "sample_grid", "MAX_TRUNCATION"]

ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "models"
RUNS_DIR = ROOT / "runs"
MAX_TRUNCATION = 3.0   # ψ ≥ this counts as "no truncation" on the page's slider


@dataclass(frozen=True)
class GANInfo:
    """What the pages need to know about a generator: where it is and what it draws."""
    name: str
    title: str
    source: str              # "shipped" | "run" | "upload"
    path: str                # stem (shipped), folder (run) or "" (upload)
    dataset: str | None
    num_classes: int
    z_dim: int
    class_names: tuple[str, ...]
    prior: LatentPrior | None = None  # None: z ~ N(0, I); else the mixture G was trained on

    @property
    def conditional(self) -> bool:
        return self.num_classes > 0


def info_from_config(config: dict, name: str, source: str, path: str = "") -> GANInfo:
    """GANInfo from a checkpoint config (class names from the config's data, else the dataset's, else 0..K−1)."""
    model = config.get("model") or {}
    k = int(model.get("num_classes", 0) or 0)
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    dataset = data.get("name") if isinstance(data.get("name"), str) else None
    names = data.get("class_names")
    if not (isinstance(names, list) and len(names) == k and all(isinstance(c, str) for c in names)):
        names = CLASS_NAMES.get(dataset or "", ())
        names = names if len(names) == k else tuple(str(i) for i in range(k))
    title = config.get("title") if isinstance(config.get("title"), str) else name
    return GANInfo(name, title, source, path, dataset, k, int(model.get("z_dim", 100)), tuple(names),
                   latent_prior(config))


def latent_prior(config: dict) -> LatentPrior | None:
    """The noise prior a checkpoint's G was trained on: None for N(0, I) (every checkpoint before the mixture
    prior), else its :class:`ganviz.engine.priors.LatentPrior` (same centres: they come from the recorded seed)."""
    model = config.get("model") or {}
    if model.get("prior", "normal") == "normal":
        return None
    return ImageGANSpec.from_dict(model).latent_prior()


def list_models(models_dir: str | Path | None = None) -> list[GANInfo]:
    """Shipped GANs: every ``<name>.json`` with ``"kind": "gan"`` beside a ``<name>.safetensors``, by name."""
    found = []
    for cfg in sorted(Path(models_dir or MODELS_DIR).glob("*.json")):
        try:
            config = json.loads(cfg.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(config, dict) and config.get("kind") == "gan" and cfg.with_suffix(".safetensors").is_file():
            found.append(info_from_config(config, cfg.stem, "shipped", str(cfg.with_suffix(""))))
    return found


def list_runs(runs_dir: str | Path | None = None, limit: int = 50) -> list[GANInfo]:
    """Runs saved by ``python -m ganviz train --out runs/<name>`` (folders with model.safetensors + config.json),
    newest first, at most ``limit``, searched one and two levels below ``runs_dir``."""
    root = Path(runs_dir or RUNS_DIR)
    if not root.is_dir():
        return []
    patterns = ("*/" + checkpoint.CONFIG, "*/*/" + checkpoint.CONFIG)
    folders = [p.parent for pattern in patterns for p in root.glob(pattern)
               if (p.parent / checkpoint.WEIGHTS).is_file()]
    folders.sort(key=lambda p: (p / checkpoint.WEIGHTS).stat().st_mtime, reverse=True)
    found = []
    for folder in folders[:limit]:
        try:
            config = json.loads((folder / checkpoint.CONFIG).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(config, dict) and config.get("format") == checkpoint.FORMAT:
            try:
                found.append(info_from_config(config, str(folder.relative_to(root)), "run", str(folder)))
            except (ValueError, TypeError, AttributeError):  # a malformed model description: not a loadable run
                continue
    return found


def load(path: str | Path) -> tuple[nn.Module, dict]:
    """(G in eval mode, config) from a shipped stem (``models/dcgan_mnist``), a run folder or a checkpoint .zip."""
    G, _, config = load_with_discriminator(path)
    return G, config


def load_with_discriminator(path: str | Path) -> tuple[nn.Module, nn.Module | None, dict]:
    """(G, D or None when the file holds none, config), nets in eval mode, from the same places as :func:`load`."""
    p = Path(path)
    if p.is_dir() or p.suffix == ".zip":
        G, D, config = checkpoint.load(p)
    else:
        stem = p.with_suffix("") if p.suffix in (".json", ".safetensors") else p
        cfg, weights = stem.with_suffix(".json"), stem.with_suffix(".safetensors")
        if not cfg.is_file() or not weights.is_file():
            raise ValueError(f"{stem.name}: need both {cfg.name} and {weights.name}.")
        for f, cap in ((cfg, checkpoint.MAX_CONFIG_BYTES), (weights, checkpoint.MAX_WEIGHTS_BYTES)):
            if f.stat().st_size > cap:
                raise ValueError(f"{f.name} is larger than {cap >> 20} MB.")
        G, D, config = checkpoint.load_pair(cfg.read_bytes(), weights.read_bytes())
    return G.eval(), None if D is None else D.eval(), config


def resolve_run(name: str, runs_dir: str | Path | None = None) -> Path:
    """The run called ``name`` under the app's runs directory: a folder with config.json + model.safetensors, or a
    checkpoint .zip, at most two levels down, after resolving links. Anything else — an absolute path, "..", a link
    out of runs/, a missing run — gets one and the same sentence, which says nothing about other paths."""
    root = Path(runs_dir or RUNS_DIR).resolve()
    text = str(name).strip()
    refused = UploadError(f"There is no saved run named {quote(text)} in runs/: pick one from the list or "
                          "upload its .zip.")
    parts = Path(text).parts
    if not text or "\\" in text or "\x00" in text or Path(text).is_absolute() or not 1 <= len(parts) <= 2 \
            or any(p in ("", ".", "..") or p.startswith("~") for p in parts):
        raise refused
    try:
        p = (root / text).resolve()
        if not p.is_relative_to(root) or p == root:
            raise refused
        if p.is_dir() and (p / checkpoint.CONFIG).is_file() and (p / checkpoint.WEIGHTS).is_file():
            return p
        if p.suffix == ".zip" and p.is_file():
            return p
    except OSError:
        pass
    raise refused


def load_checkpoint_upload(files: list[tuple[str, bytes]]) -> tuple[nn.Module, dict]:
    """(G, config) from uploaded files: one checkpoint .zip, or a .safetensors + a .json config.

    Anything else (a .pt/.pkl pickle, a lone file, two weights files, malformed bytes, weights whose outputs are not
    finite) raises UploadError (a ValueError) with one clear sentence; nothing is ever unpickled."""
    try:
        return _load_checkpoint_upload(files)
    except Exception as e:  # noqa: BLE001 - one sentence for the page
        raise refusal(e, "The upload") from e


def _load_checkpoint_upload(files: list[tuple[str, bytes]]) -> tuple[nn.Module, dict]:
    if not files:
        raise ValueError("Upload a checkpoint .zip, or a .safetensors file together with its .json config.")
    by_ext: dict[str, list[bytes]] = {}
    for name, blob in files:
        by_ext.setdefault(Path(name).suffix.lower(), []).append(blob)
    bad = sorted(set(by_ext) - {".zip", ".safetensors", ".json"})
    if bad:
        raise ValueError(f"{bad[0] or 'files without an extension'} files are not accepted: ganviz reads weights "
                         "only from safetensors (never pickles) — upload a .zip, or .safetensors + .json.")
    if ".zip" in by_ext:
        if len(files) != 1:
            raise ValueError("Upload either one checkpoint .zip or a .safetensors + .json pair, not both.")
        G, _, config = checkpoint.load_zip(by_ext[".zip"][0])
        return G.eval(), config
    if len(by_ext.get(".safetensors", [])) != 1 or len(by_ext.get(".json", [])) != 1:
        raise ValueError("Upload exactly one .safetensors file and its .json config (or one checkpoint .zip).")
    weights, config_raw = by_ext[".safetensors"][0], by_ext[".json"][0]
    if len(weights) > checkpoint.MAX_WEIGHTS_BYTES or len(config_raw) > checkpoint.MAX_CONFIG_BYTES:
        raise ValueError("The upload is larger than the checkpoint size limit.")
    G, _, config = checkpoint.load_pair(config_raw, weights)
    return G.eval(), config


def sample_z(n: int, z_dim: int, seed: int, truncation: float | None = None,
             prior: LatentPrior | None = None) -> torch.Tensor:
    """n latent vectors z ~ N(0, I) from ``seed``; with ``truncation`` ψ each coordinate is drawn from N(0, 1)
    truncated to [−ψ, ψ] (the truncation trick, Brock et al. 2019), by the inverse CDF Φ⁻¹(U(Φ(−ψ), Φ(ψ))).

    Smaller ψ trades variety for typical, cleaner samples; ψ = None (or ≥ MAX_TRUNCATION) means no truncation
    (ψ = 8 internally: P(|z| > 8) ≈ 1e-15, i.e. plain N(0, I)). One uniform draw per seed underlies every ψ, so
    moving the slider morphs the same pictures instead of drawing new ones. With a mixture ``prior``,
    z = μ_k + s·ε: the component k is drawn from the seed too, and the truncation applies to ε.
    """
    if n < 1 or z_dim < 1:
        raise ValueError("n and z_dim must be positive.")
    psi = 8.0 if truncation is None or truncation >= MAX_TRUNCATION else float(truncation)
    if not (psi > 0 and math.isfinite(psi)):
        raise ValueError("The truncation ψ must be a positive number.")
    u = torch.rand(n, z_dim, generator=torch.Generator().manual_seed(int(seed)), dtype=torch.float64)
    lo = torch.special.ndtr(torch.tensor(-psi, dtype=torch.float64))
    eps = torch.special.ndtri(lo + u * (1 - 2 * lo)).float()
    if prior is None or prior.kind == "normal":
        return eps
    if prior.kind != "mixture" or prior.z_dim != z_dim:
        raise ValueError(f"Pretrained samples need a normal or a {z_dim}-d mixture prior.")
    k = torch.randint(0, prior.components, (n,), generator=torch.Generator().manual_seed(int(seed) + 1_000_003))
    return prior.centres[k] + prior.sd * eps


def labels_for(n: int, num_classes: int, class_id: int | None = None) -> torch.Tensor | None:
    """Labels for a conditional G: all ``class_id``, or 0, 1, …, K−1 repeating when class_id is None."""
    if not num_classes:
        return None
    if class_id is None:
        return torch.arange(n) % num_classes
    if not 0 <= class_id < num_classes:
        raise ValueError(f"Class {class_id} does not exist; this model has classes 0..{num_classes - 1}.")
    return torch.full((n,), int(class_id), dtype=torch.long)


@torch.no_grad()
def generate(G: nn.Module, z: torch.Tensor, y: torch.Tensor | None = None, batch_size: int = 500) -> torch.Tensor:
    """G(z[, y]) in eval mode (BatchNorm running statistics), batched, on CPU: (N, 1, 28, 28) in [−1, 1].

    ValueError if G needs labels and none are given, or if it produces NaN/inf (a diverged run)."""
    if getattr(G, "num_classes", 0) and y is None:
        raise ValueError("This generator is class-conditional: pick a class.")
    was = G.training
    G.eval()
    try:
        out = torch.cat([G(z[s:s + batch_size]) if y is None else G(z[s:s + batch_size], y[s:s + batch_size])
                         for s in range(0, len(z), batch_size)])
    finally:
        G.train(was)
    if not bool(torch.isfinite(out).all()):
        raise ValueError("The generator produced NaN or infinite pixels (the run diverged).")
    return out.float()


@torch.no_grad()
def sample_grid(G: nn.Module, config: dict, seed: int = 0, n: int = 64):
    """A uint8 grid of G(z) for z ~ G's prior (N(0, I) or its mixture) drawn from ``seed`` (labels 0..K−1
    repeating if conditional)."""
    spec = ImageGANSpec.from_dict(config["model"])
    k = spec.num_classes
    n = 100 if k else n
    z = spec.latent_prior().sample(n, torch.Generator().manual_seed(seed))
    y = torch.arange(n) % k if k else None
    was = G.training
    G.eval()
    try:
        out = G(z, y) if k else G(z)
    finally:
        G.train(was)
    return make_grid(out, 10 if k else 8)
