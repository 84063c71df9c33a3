"""Checkpoints of image GANs: ``model.safetensors`` (weights) + ``config.json`` (how to rebuild them).

User files are data, never code: weights are read with safetensors only (no pickle, no torch.load), the
JSON config is validated, sizes are capped, and every problem raises ValueError with one clear sentence.
Layout of ``model.safetensors``: generator tensors under ``G.<name>``, discriminator tensors under
``D.<name>`` (absent when only G was saved). ``config.json`` holds ``{"format": "ganviz-gan", "version": 1,
"model": ImageGANSpec.to_dict(), ...}`` plus whatever the caller adds (training config, dataset, step).
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import torch
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save
from torch import nn

from ganviz.convnets import ImageGANSpec, build_gan

__all__ = ["FORMAT", "VERSION", "WEIGHTS", "CONFIG", "MAX_WEIGHTS_BYTES", "MAX_CONFIG_BYTES",
           "save", "load", "to_zip", "load_zip", "make_config"]

FORMAT, VERSION = "ganviz-gan", 1
WEIGHTS, CONFIG = "model.safetensors", "config.json"
MAX_WEIGHTS_BYTES = 256 << 20   # a width-512 DCGAN is ~60 MB; nothing we build comes close
MAX_CONFIG_BYTES = 1 << 20


def make_config(spec: ImageGANSpec, **extra) -> dict:
    """The JSON config of a checkpoint: format marker, the net spec, and any extra JSON-able fields."""
    return {"format": FORMAT, "version": VERSION, "model": spec.to_dict(), **extra}


def _weights_bytes(G: nn.Module, D: nn.Module | None) -> bytes:
    tensors = {f"G.{k}": v.detach().cpu().contiguous().clone() for k, v in G.state_dict().items()}
    if D is not None:
        tensors.update({f"D.{k}": v.detach().cpu().contiguous().clone() for k, v in D.state_dict().items()})
    return st_save(tensors, metadata={"format": FORMAT})


def _config_bytes(config: dict) -> bytes:
    config = {"format": FORMAT, "version": VERSION, **config}
    ImageGANSpec.from_dict(config.get("model"))  # refuse to write what could not be read back
    try:
        return json.dumps(config, indent=2, allow_nan=False).encode()
    except (TypeError, ValueError) as e:
        raise ValueError(f"The checkpoint config is not plain JSON ({e}).") from e


def save(path_dir: str | os.PathLike, G: nn.Module, D: nn.Module | None, config: dict) -> Path:
    """Write ``model.safetensors`` and ``config.json`` into ``path_dir`` (created), each atomically."""
    folder = Path(path_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for name, blob in ((CONFIG, _config_bytes(config)), (WEIGHTS, _weights_bytes(G, D))):
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(blob)
        os.replace(tmp, folder / name)
    return folder


def to_zip(G: nn.Module, D: nn.Module | None, config: dict) -> bytes:
    """The checkpoint as one zip (``model.safetensors`` + ``config.json``), e.g. for a download button."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(CONFIG, _config_bytes(config))
        zf.writestr(WEIGHTS, _weights_bytes(G, D))
    return buf.getvalue()


def load(path: str | os.PathLike | bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    """(G, D or None, config) from a checkpoint folder, a .zip of one, or the zip's bytes.

    Nets come back in eval mode on CPU. Raises ValueError with a clear sentence on anything wrong:
    missing files, sizes over the caps, malformed JSON, unknown model settings, non-safetensors bytes,
    missing/unexpected tensor names, wrong shapes, non-finite weights.
    """
    if isinstance(path, (bytes, bytearray)):
        return load_zip(bytes(path))
    p = Path(path)
    if p.is_file():
        return load_zip(_read_capped(p, MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES, "checkpoint zip"))
    if not p.is_dir():
        raise ValueError(f"No checkpoint at {p}.")
    for name in (CONFIG, WEIGHTS):
        if not (p / name).is_file():
            raise ValueError(f"The checkpoint folder {p} has no {name}.")
    return _from_bytes(_read_capped(p / CONFIG, MAX_CONFIG_BYTES, CONFIG),
                       _read_capped(p / WEIGHTS, MAX_WEIGHTS_BYTES, WEIGHTS))


def load_zip(blob: bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    """Like :func:`load`, for the bytes of a checkpoint zip (an upload); sizes checked before reading."""
    if len(blob) > MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES:
        raise ValueError(f"The checkpoint is larger than {MAX_WEIGHTS_BYTES >> 20} MB.")
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
        infos = {Path(i.filename).name: i for i in zf.infolist() if not i.is_dir()}
    except zipfile.BadZipFile as e:
        raise ValueError("The checkpoint is not a zip of model.safetensors and config.json.") from e
    parts = {}
    for name, cap in ((CONFIG, MAX_CONFIG_BYTES), (WEIGHTS, MAX_WEIGHTS_BYTES)):
        info = infos.get(name)
        if info is None:
            raise ValueError(f"The checkpoint zip has no {name}.")
        if info.file_size > cap:
            raise ValueError(f"{name} in the zip is larger than {cap >> 20} MB.")
        with zf.open(info) as f:
            parts[name] = f.read(cap + 1)
        if len(parts[name]) > cap:
            raise ValueError(f"{name} in the zip is larger than {cap >> 20} MB.")
    return _from_bytes(parts[CONFIG], parts[WEIGHTS])


def _read_capped(path: Path, cap: int, what: str) -> bytes:
    if path.stat().st_size > cap:
        raise ValueError(f"{what} is {path.stat().st_size / 2**20:.0f} MB; the limit is {cap >> 20} MB.")
    return path.read_bytes()


def _from_bytes(config_raw: bytes, weights_raw: bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    try:
        config = json.loads(config_raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ValueError(f"config.json is not valid JSON ({e}).") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"config.json is not a ganviz checkpoint config (no \"format\": \"{FORMAT}\").")
    if config.get("version") != VERSION:
        raise ValueError(f"config.json has version {config.get('version')!r}; this ganviz reads version {VERSION}.")
    spec = ImageGANSpec.from_dict(config.get("model"))
    try:
        tensors = st_load(weights_raw)
    except Exception as e:  # safetensors raises its own SafetensorError (and others) on malformed bytes
        raise ValueError("model.safetensors is not a valid safetensors file.") from e
    G, D = build_gan(spec)
    _load_into(G, "G", tensors, "generator")
    has_d = any(k.startswith("D.") for k in tensors)
    if has_d:
        _load_into(D, "D", tensors, "discriminator")
    extra = sorted(k for k in tensors if not k.startswith(("G.", "D.")))
    if extra:
        raise ValueError(f"model.safetensors has unexpected tensors, e.g. {extra[0]!r}.")
    return G.eval(), (D.eval() if has_d else None), config


def _load_into(net: nn.Module, prefix: str, tensors: dict, what: str) -> None:
    expected = net.state_dict()
    got = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    missing, unexpected = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing or unexpected:
        name = (missing or unexpected)[0]
        raise ValueError(f"The {what} weights do not match config.json: "
                         f"{'missing' if missing else 'unexpected'} tensor {prefix}.{name}.")
    state = {}
    for k, ref in expected.items():
        v = got[k]
        if tuple(v.shape) != tuple(ref.shape):
            raise ValueError(f"Tensor {prefix}.{k} has shape {tuple(v.shape)}, expected {tuple(ref.shape)}.")
        if v.dtype.is_floating_point != ref.dtype.is_floating_point or v.dtype == torch.bool:
            raise ValueError(f"Tensor {prefix}.{k} has dtype {v.dtype}, expected {ref.dtype}.")
        if v.dtype.is_floating_point and not bool(torch.isfinite(v).all()):
            raise ValueError(f"Tensor {prefix}.{k} contains NaN or infinite values.")
        state[k] = v.to(ref.dtype)
    net.load_state_dict(state, strict=True)
