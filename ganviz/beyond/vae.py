"""A small convolutional variational autoencoder (Kingma & Welling 2014) for 28×28 images, trained like the GANs.

Model: encoder q_φ(z|x) = N(μ_φ(x), diag σ²_φ(x)), prior p(z) = N(0, I), decoder p_θ(x|z) = Π_pixels
Bernoulli(x_i; sigmoid(logit_θ(z)_i)) on intensities x ∈ [0, 1] (the likelihood Kingma & Welling use for MNIST).
Objective, per image, in nats (Kingma & Welling 2014, eq. 10):

    ELBO(x) = E_q[log p_θ(x|z)] − KL(q_φ(z|x) ‖ N(0, I)),
    KL = ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1)                      (their Appendix B),

with the expectation estimated by one reparameterised draw z = μ + σ·ε, ε ~ N(0, I) (their §2.4). Training
minimises −ELBO = reconstruction + KL; with ``beta`` ≠ 1 the KL is weighted (β-VAE, Higgins et al. 2017) while
the history still records both terms unweighted.

The GAN :class:`ganviz.engine.trainer.Trainer` plays two nets against each other (k D-steps, then G-steps) and cannot
host
a single-objective step honestly; :class:`VAETrainer` is the VAE's own loop with the same interface that
:class:`ganviz.engine.live.LiveRun` and the CLI use: ``step()``, ``step_count``, ``history`` (both ELBO terms),
``events``, ``config``, ``cpu_threads``, ``update(**changes)``, a seeded CPU generator ``rng``.

Checkpoints: ``<stem>.safetensors`` (tensors ``VAE.<name>``) + ``<stem>.json`` (``{"format": "ganviz-vae",
"version": 1, "kind": "vae", "model": VAESpec, ...}``), read with safetensors only and validated.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import nn

from ganviz.engine.device import cpu_threads_for, resolve_device, seed_all
from ganviz.engine.experiment import Experiment, settings_key
from ganviz.engine.history import History
from ganviz.engine.live import LiveRun
from ganviz.images.checkpoint import MAX_CONFIG_BYTES, MAX_WEIGHTS_BYTES, _load_into, _read_capped

__all__ = ["VAESpec", "VAEConfig", "ConvVAE", "VAETrainer", "gaussian_kl", "bernoulli_log_likelihood", "elbo_terms",
           "build_vae_trainer", "save_vae", "load_vae", "vae_path", "list_vaes", "decode_samples", "reconstruct",
           "encode_mean", "chunk_means", "history_summary", "live_view", "live_vae_run", "live_experiment", "FORMAT",
           "VERSION", "LIVE_FIELDS"]

FORMAT, VERSION = "ganviz-vae", 1
LIVE_FIELDS = ("lr", "beta", "batch_size")
ROOT = Path(__file__).resolve().parents[2]
MODELS_DIR = ROOT / "models"


# ------------------------------------------------------------------------------------------------ spec
@dataclass(frozen=True)
class VAESpec:
    """The nets: ``z_dim`` latent dimensions, ``width`` base channels (encoder w → 2w, decoder 2w → w)."""
    z_dim: int = 16
    width: int = 32

    def __post_init__(self):
        if not (isinstance(self.z_dim, int) and 1 <= self.z_dim <= 256):
            raise ValueError(f"The VAE's z dimension must be an integer from 1 to 256, got {self.z_dim!r}.")
        if not (isinstance(self.width, int) and 4 <= self.width <= 128):
            raise ValueError(f"The VAE's width must be an integer from 4 to 128, got {self.width!r}.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d) -> "VAESpec":
        if not isinstance(d, dict):
            raise ValueError("The VAE config has no \"model\" description.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"The VAE config has an unknown model setting {unknown[0]!r}.")
        return cls(**d)


@dataclass(frozen=True)
class VAEConfig:
    """Training settings: Adam(lr), minibatch size, KL weight β (1 = the ELBO), seed, device, history length."""
    lr: float = 1e-3
    batch_size: int = 128
    beta: float = 1.0
    seed: int = 0
    device: str = "auto"
    history_len: int = 20_000

    def __post_init__(self):
        if not (math.isfinite(self.lr) and 0 < self.lr <= 1):
            raise ValueError(f"The learning rate must be in (0, 1], got {self.lr}.")
        if self.batch_size < 2:
            raise ValueError("The batch size must be at least 2.")
        if not (math.isfinite(self.beta) and 0 <= self.beta <= 100):
            raise ValueError(f"The KL weight β must be between 0 and 100, got {self.beta}.")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "VAEConfig":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})


# ------------------------------------------------------------------------------------------------ nets
class ConvVAE(nn.Module):
    """Encoder: conv 4×4/2 (1→w, 28→14), conv 4×4/2 (w→2w, 14→7), linear → (μ, log σ²). Decoder: linear → 2w×7×7,
    transposed conv 4×4/2 (2w→w, 7→14), transposed conv 4×4/2 (w→1, 14→28) → Bernoulli logits. ReLU between."""

    def __init__(self, spec: VAESpec = VAESpec()):
        super().__init__()
        w, d = spec.width, spec.z_dim
        self.spec = spec
        self.enc = nn.Sequential(nn.Conv2d(1, w, 4, 2, 1), nn.ReLU(), nn.Conv2d(w, 2 * w, 4, 2, 1), nn.ReLU(),
                                 nn.Flatten())
        self.enc_out = nn.Linear(2 * w * 49, 2 * d)
        self.dec_in = nn.Linear(d, 2 * w * 49)
        self.dec = nn.Sequential(nn.ReLU(), nn.Unflatten(1, (2 * w, 7, 7)), nn.ConvTranspose2d(2 * w, w, 4, 2, 1),
                                 nn.ReLU(), nn.ConvTranspose2d(w, 1, 4, 2, 1))

    def encode(self, x01: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(μ, log σ²) of q(z|x) for images (N, 1, 28, 28) in [0, 1]."""
        mu, logvar = self.enc_out(self.enc(x01)).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)  # keeps σ² = exp(·) finite in float32

    def decode_logits(self, z: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits of p(x|z), (N, 1, 28, 28)."""
        return self.dec(self.dec_in(z))

    def forward(self, x01: torch.Tensor, eps: torch.Tensor):
        """(logits, μ, log σ²) with z = μ + σ·ε (the reparameterisation trick)."""
        mu, logvar = self.encode(x01)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.decode_logits(z), mu, logvar


# ------------------------------------------------------------------------------------------------ ELBO
def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1), one value per row (Kingma & Welling
    2014, Appendix B)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1.0).sum(1)


def bernoulli_log_likelihood(logits: torch.Tensor, x01: torch.Tensor) -> torch.Tensor:
    """log p(x|z) = Σ_i x_i log p_i + (1 − x_i) log(1 − p_i), p = sigmoid(logits), one value per image."""
    return -F.binary_cross_entropy_with_logits(logits, x01, reduction="none").flatten(1).sum(1)


def elbo_terms(vae: ConvVAE, x01: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(reconstruction = −log p(x|z), KL) per image, z = μ + σ·ε; −ELBO = reconstruction + KL."""
    logits, mu, logvar = vae(x01, eps)
    return -bernoulli_log_likelihood(logits, x01), gaussian_kl(mu, logvar)


def to_unit(x: torch.Tensor) -> torch.Tensor:
    """Images in [−1, 1] (ganviz.images.tensors.to_tensor) → [0, 1], the VAE's pixel intensities."""
    return (x + 1.0) * 0.5


# ----------------------------------------------------------------------------------------------- trainer
class VAETrainer:
    """Adam on −ELBO (reconstruction + β·KL), one minibatch per ``step()``; seeded like the GAN Trainer.

    ``sample_real(n, gen)`` gives images in [−1, 1] (ganviz.images.build.real_sampler). The history records per step
    ``recon`` (−E_q log p(x|z), nats/image), ``kl`` (nats/image), ``neg_elbo`` = recon + kl and ``grad_norm``.
    ``fixed_z`` (prior draws) and ``fixed_x`` (a fixed real batch) feed the live samples and reconstructions.
    """

    def __init__(self, vae: ConvVAE, sample_real: Callable[[int, torch.Generator], torch.Tensor],
                 config: VAEConfig, fixed_n: int = 64):
        self.config = config
        self.device = resolve_device(config.device)
        self.vae = vae.to(self.device)
        self.spec = vae.spec
        self.z_dim = vae.spec.z_dim
        self.sample_real = sample_real
        self.rng = torch.Generator().manual_seed(config.seed)
        self.fixed_z = torch.randn(fixed_n, self.z_dim, generator=self.rng)
        fixed = sample_real(min(fixed_n, 16), self.rng)
        self.fixed_x = (fixed[0] if isinstance(fixed, (tuple, list)) else fixed).cpu()
        self.opt = torch.optim.Adam(self.vae.parameters(), lr=config.lr)
        self.cpu_threads = cpu_threads_for(sum(p.numel() for p in vae.parameters())) \
            if self.device.type == "cpu" else None
        self.history = History(config.history_len)
        self.events: list = []  # the GAN monitor's failure events do not apply; kept for LiveRun's snapshot
        self.step_count = 0

    def update(self, **changes) -> None:
        """Live changes (lr, beta, batch_size) applied between two steps."""
        bad = set(changes) - set(LIVE_FIELDS)
        if bad:
            raise ValueError(f"{', '.join(sorted(bad))} cannot change during a run; reset with new settings.")
        self.config = replace(self.config, **changes)
        for group in self.opt.param_groups:
            group["lr"] = self.config.lr

    def step(self) -> dict:
        """One Adam step on the minibatch mean of recon + β·KL; returns and records the step's values."""
        batch = self.sample_real(self.config.batch_size, self.rng)
        x = to_unit((batch[0] if isinstance(batch, (tuple, list)) else batch).to(self.device))
        eps = torch.randn(len(x), self.z_dim, generator=self.rng).to(self.device)
        recon, kl = elbo_terms(self.vae, x, eps)
        recon, kl = recon.mean(), kl.mean()
        loss = recon + self.config.beta * kl
        if not torch.isfinite(loss):
            from ganviz.engine.trainer import Diverged
            raise Diverged(f"The VAE loss became {loss.item()} at step {self.step_count} (lr {self.config.lr:g}): "
                           "lower the learning rate and reset.")
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in self.vae.parameters()
                                                          if p.grad is not None]))
        self.opt.step()
        self.step_count += 1
        r, k, g = torch.stack([recon.detach(), kl.detach(), grad_norm]).tolist()
        rec = {"recon": r, "kl": k, "neg_elbo": r + k, "grad_norm": g}
        self.history.record(self.step_count, rec)
        return rec

    @torch.no_grad()
    def generate(self, z: torch.Tensor | None = None) -> torch.Tensor:
        """Decoder means sigmoid(logits(z)) as images in [−1, 1] on CPU; default z = the fixed prior draws."""
        return decode_samples(self.vae, self.fixed_z if z is None else z)

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor | None = None) -> torch.Tensor:
        """Decoder means at z = μ(x) for images in [−1, 1]; default the fixed real batch."""
        return reconstruct(self.vae, self.fixed_x if x is None else x)

    def state_dict(self) -> dict:
        return {"vae": self.vae.state_dict(), "opt": self.opt.state_dict(), "step": self.step_count,
                "rng": self.rng.get_state()}


def build_vae_trainer(images: np.ndarray, spec: VAESpec, config: VAEConfig, fixed_n: int = 64) -> VAETrainer:
    """A fresh, seeded VAETrainer on uint8 images (N, 28, 28): weights from ``config.seed`` (same seed, same run).
    Module-level, so ``functools.partial(build_vae_trainer, images, spec, config)`` is a picklable factory."""
    from ganviz.images.build import real_sampler
    seed_all(config.seed)
    vae = ConvVAE(spec)
    return VAETrainer(vae, real_sampler(images, resolve_device(config.device)), config, fixed_n)


# -------------------------------------------------------------------------------------------- sampling
def _eval(vae: ConvVAE):
    vae.eval()
    return next(vae.parameters()).device


@torch.no_grad()
def decode_samples(vae: ConvVAE, z: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Decoder means E[x|z] = sigmoid(logits(z)) mapped to [−1, 1], (N, 1, 28, 28) on CPU (the usual VAE
    "sample": the mean of p(x|z) for z ~ N(0, I), not a Bernoulli draw of every pixel)."""
    dev = _eval(vae)
    out = torch.cat([torch.sigmoid(vae.decode_logits(z[s:s + batch_size].to(dev))).cpu()
                     for s in range(0, len(z), batch_size)])
    return out * 2.0 - 1.0


@torch.no_grad()
def encode_mean(vae: ConvVAE, x: torch.Tensor) -> torch.Tensor:
    """μ(x) of q(z|x) for images in [−1, 1], on CPU."""
    dev = _eval(vae)
    return vae.encode(to_unit(x.to(dev)))[0].cpu()


@torch.no_grad()
def reconstruct(vae: ConvVAE, x: torch.Tensor) -> torch.Tensor:
    """Decoder means at z = μ(x) (the VAE's reconstruction), images in [−1, 1]."""
    return decode_samples(vae, encode_mean(vae, x))


# ------------------------------------------------------------------------------------------ checkpoints
def make_vae_config(spec: VAESpec, **extra) -> dict:
    return {"format": FORMAT, "version": VERSION, "kind": "vae", "model": spec.to_dict(), **extra}


def save_vae(stem: str | os.PathLike, vae: ConvVAE, config: dict) -> Path:
    """Write ``<stem>.safetensors`` (tensors ``VAE.<name>``) and ``<stem>.json``, each atomically."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    config = {**make_vae_config(vae.spec), **config}
    VAESpec.from_dict(config["model"])
    blobs = {".json": json.dumps(config, indent=1, allow_nan=False).encode(),
             ".safetensors": st_save({f"VAE.{k}": v.detach().cpu().contiguous().clone()
                                      for k, v in vae.state_dict().items()}, metadata={"format": FORMAT})}
    for ext, blob in blobs.items():
        tmp = stem.parent / f".{stem.name}{ext}.tmp"
        tmp.write_bytes(blob)
        os.replace(tmp, stem.with_name(stem.name + ext))
    return stem


def vae_path(dataset: str, models_dir: str | os.PathLike | None = None) -> Path:
    """The stem of the shipped VAE of ``dataset``: models/vae_<dataset>."""
    return Path(models_dir or MODELS_DIR) / f"vae_{dataset}"


def list_vaes(models_dir: str | os.PathLike | None = None) -> list[str]:
    """Datasets with a shipped VAE (a ``vae_<dataset>.json`` with ``"kind": "vae"`` beside its weights)."""
    out = []
    for cfg in sorted(Path(models_dir or MODELS_DIR).glob("vae_*.json")):
        try:
            c = json.loads(cfg.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if isinstance(c, dict) and c.get("kind") == "vae" and cfg.with_suffix(".safetensors").is_file():
            out.append(cfg.stem[len("vae_"):])
    return out


def load_vae(stem: str | os.PathLike) -> tuple[ConvVAE, dict]:
    """(VAE in eval mode on CPU, config) from ``<stem>.json`` + ``<stem>.safetensors``.

    safetensors only (nothing is unpickled); ValueError with one clear sentence for a missing or oversized file,
    malformed JSON, a config that is not a ganviz VAE, unknown settings, bytes that are not safetensors,
    missing/unexpected tensors, wrong shapes or dtypes, non-finite weights."""
    p = Path(stem)
    p = p.with_suffix("") if p.suffix in (".json", ".safetensors") else p
    cfg_path, w_path = p.with_name(p.name + ".json"), p.with_name(p.name + ".safetensors")
    if not cfg_path.is_file() or not w_path.is_file():
        raise ValueError(f"{p.name}: need both {cfg_path.name} and {w_path.name}.")
    try:
        config = json.loads(_read_capped(cfg_path, MAX_CONFIG_BYTES, cfg_path.name).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"{cfg_path.name} is not valid JSON ({e}).") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{cfg_path.name} is not a ganviz VAE config (no \"format\": \"{FORMAT}\").")
    if config.get("version") != VERSION:
        raise ValueError(f"{cfg_path.name} has version {config.get('version')!r}; this ganviz reads version {VERSION}.")
    try:
        spec = VAESpec.from_dict(config.get("model"))
    except TypeError as e:
        raise ValueError(f"{cfg_path.name} has a malformed model description ({e}).") from e
    try:
        tensors = st_load(_read_capped(w_path, MAX_WEIGHTS_BYTES, w_path.name))
    except Exception as e:  # safetensors raises its own SafetensorError on malformed bytes
        raise ValueError(f"{w_path.name} is not a valid safetensors file.") from e
    vae = ConvVAE(spec)
    extra = sorted(k for k in tensors if not k.startswith("VAE."))
    if extra:
        raise ValueError(f"{w_path.name} has unexpected tensors, e.g. {extra[0]!r}.")
    _load_into(vae, "VAE", tensors, "VAE")
    return vae.eval(), config


# --------------------------------------------------------------------------------------------- history
def chunk_means(steps, values, points: int = 400) -> tuple[np.ndarray, np.ndarray]:
    """At most ``points`` (last step, mean value) pairs over equal chunks of a series (the trend without the
    minibatch noise); a shorter series comes back unchanged."""
    steps, values = np.asarray(steps), np.asarray(values, np.float64)
    if len(steps) <= points:
        return steps, values
    edges = np.linspace(0, len(steps), points + 1).astype(int)
    return steps[edges[1:] - 1], np.add.reduceat(values, edges[:-1]) / np.diff(edges)


def history_summary(history: dict, points: int = 400) -> dict:
    """The ELBO terms of a run's history as chunk means: {"step": [...], "recon": [...], "kl": [...],
    "neg_elbo": [...]} (what the shipped VAEs' JSON keeps)."""
    out = {}
    for name in ("recon", "kl", "neg_elbo"):
        s, v = chunk_means(*history[name], points)
        out["step"] = [int(x) for x in s]
        out[name] = [round(float(x), 4) for x in v]
    return out


# ------------------------------------------------------------------------------------------------ live
def live_view(trainer: VAETrainer) -> dict:
    """What the page draws of a live run: ``samples`` (decoder means on the fixed prior draws, 8×8 grid) and
    ``recon`` (two rows: 8 fixed real images above their reconstructions)."""
    from ganviz.images.tensors import make_grid
    x = trainer.fixed_x[:8]
    return {"samples": make_grid(trainer.generate()[:64], 8),
            "recon": make_grid(torch.cat([x, trainer.reconstruct(x)]), 8)}


def live_vae_run(images: np.ndarray, spec: VAESpec, config: VAEConfig):
    """A :class:`ganviz.engine.live.LiveRun` of :func:`build_vae_trainer` (a picklable partial) with
    :func:`live_view`."""
    return LiveRun(partial(build_vae_trainer, np.asarray(images), spec, config), live_view)


def live_experiment(images: np.ndarray, spec: VAESpec, config: VAEConfig, data_key: tuple) -> Experiment:
    """The VAE page's live run (:func:`live_vae_run`): new nets for new data (named by ``data_key``), a new spec
    or seed; the LIVE_FIELDS (learning rate, β, batch size) apply live."""
    return Experiment((tuple(data_key), spec, settings_key(config, LIVE_FIELDS)),
                      partial(live_vae_run, images, spec, config), {f: getattr(config, f) for f in LIVE_FIELDS})
