"""Checkpoints of image GANs: ``model.safetensors`` (weights) + ``config.json`` (how to rebuild them).

User files are data, never code: weights are read with safetensors only (no pickle, no torch.load), the
JSON config is validated and its nets sized (MAX_PARAMS, counted on the meta device) before anything is
allocated, the weights are loaded straight into meta-built nets (no second copy), and the nets must give finite
numbers at every layer on a probe batch. Every problem raises :class:`ganviz.safety.UploadError` (a
ValueError) with one clear sentence.
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

from ganviz.images.nets import discriminator_to_load, generator_to_load, spec_size
from ganviz.images.spec import ImageGANSpec
from ganviz.safety import UploadError, check_zip_entries, refusal

__all__ = ["FORMAT", "VERSION", "WEIGHTS", "CONFIG", "MAX_WEIGHTS_BYTES", "MAX_CONFIG_BYTES", "MAX_PARAMS",
           "save", "load", "to_zip", "load_zip", "make_config", "probe"]

FORMAT, VERSION = "ganviz-gan", 1
WEIGHTS, CONFIG = "model.safetensors", "config.json"
MAX_WEIGHTS_BYTES = 256 << 20   # a width-512 DCGAN is ~60 MB; nothing we build comes close
MAX_CONFIG_BYTES = 1 << 20
MAX_PARAMS = 50_000_000         # numbers in G and D together (the shipped DCGANs hold ≈ 1–2 M)
MAX_ZIP_ENTRIES = 64            # a checkpoint zip holds two files (a few more are ignored)
PROBE_N = 8                     # samples of the probe batch


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

    Nets come back in eval mode on CPU. Raises UploadError (a ValueError) with a clear sentence on anything wrong:
    missing files, sizes over the caps, malformed JSON, unknown or oversized model settings, non-safetensors bytes,
    missing/unexpected tensor names, wrong shapes, non-finite weights, or weights whose outputs are not finite.
    """
    if isinstance(path, (bytes, bytearray)):
        return load_zip(bytes(path))
    p = Path(path)
    try:
        if p.is_file():
            return load_zip(_read_capped(p, MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES, "The checkpoint zip"))
        if not p.is_dir():
            raise UploadError(f"No checkpoint named {p.name!r}.")
        for name in (CONFIG, WEIGHTS):
            if not (p / name).is_file():
                raise UploadError(f"The checkpoint folder {p.name!r} has no {name}.")
        return _from_bytes(_read_capped(p / CONFIG, MAX_CONFIG_BYTES, CONFIG),
                           _read_capped(p / WEIGHTS, MAX_WEIGHTS_BYTES, WEIGHTS))
    except Exception as e:  # noqa: BLE001 - one sentence, never a path or a traceback
        raise refusal(e, "The checkpoint") from e


def load_zip(blob: bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    """Like :func:`load`, for the bytes of a checkpoint zip (an upload); sizes checked before reading."""
    try:
        return _load_zip(blob)
    except Exception as e:  # noqa: BLE001 - one sentence, never a path or a traceback
        raise refusal(e, "The checkpoint") from e


def load_pair(config_raw: bytes, weights_raw: bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    """Like :func:`load`, for the bytes of a config.json and its model.safetensors (a shipped pair, an upload)."""
    try:
        if len(config_raw) > MAX_CONFIG_BYTES:
            raise UploadError(f"{CONFIG} is larger than {MAX_CONFIG_BYTES >> 20} MB.")
        if len(weights_raw) > MAX_WEIGHTS_BYTES:
            raise UploadError(f"{WEIGHTS} is larger than {MAX_WEIGHTS_BYTES >> 20} MB.")
        return _from_bytes(config_raw, weights_raw)
    except Exception as e:  # noqa: BLE001 - one sentence, never a path or a traceback
        raise refusal(e, "The checkpoint") from e


def _load_zip(blob: bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    if len(blob) > MAX_WEIGHTS_BYTES + MAX_CONFIG_BYTES:
        raise UploadError(f"The checkpoint is larger than {MAX_WEIGHTS_BYTES >> 20} MB.")
    check_zip_entries(blob, MAX_ZIP_ENTRIES, "The checkpoint zip")
    try:
        zf = zipfile.ZipFile(io.BytesIO(blob))
        infos = {Path(i.filename).name: i for i in zf.infolist() if not i.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as e:
        raise UploadError("The checkpoint is not a zip of model.safetensors and config.json.") from e
    parts = {}
    for name, cap in ((CONFIG, MAX_CONFIG_BYTES), (WEIGHTS, MAX_WEIGHTS_BYTES)):
        info = infos.get(name)
        if info is None:
            raise UploadError(f"The checkpoint zip has no {name}.")
        if info.file_size > cap:
            raise UploadError(f"{name} in the zip is larger than {cap >> 20} MB.")
        with zf.open(info) as f:
            parts[name] = f.read(cap + 1)
        if len(parts[name]) > cap:
            raise UploadError(f"{name} in the zip is larger than {cap >> 20} MB.")
    return _from_bytes(parts[CONFIG], parts[WEIGHTS])


def _read_capped(path: Path, cap: int, what: str) -> bytes:
    if path.stat().st_size > cap:
        raise UploadError(f"{what} is {path.stat().st_size / 2**20:.0f} MB; the limit is {cap >> 20} MB.")
    return path.read_bytes()


def _from_bytes(config_raw: bytes, weights_raw: bytes) -> tuple[nn.Module, nn.Module | None, dict]:
    try:
        config = json.loads(config_raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise UploadError(f"config.json is not valid JSON ({str(e)[:80]}).") from e
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise UploadError(f"config.json is not a ganviz checkpoint config (no \"format\": \"{FORMAT}\").")
    if config.get("version") != VERSION:
        raise UploadError(f"config.json has version {repr(config.get('version'))[:20]}; this ganviz reads "
                          f"version {VERSION}.")
    try:
        spec = ImageGANSpec.from_dict(config.get("model"))
    except (TypeError, OverflowError) as e:
        raise UploadError("config.json describes its model with values of the wrong kind.") from e
    size = spec_size(spec)  # on the meta device: nothing allocated yet
    if size > MAX_PARAMS:
        raise UploadError(f"config.json asks for nets of {size / 1e6:,.0f} M parameters; the limit is "
                          f"{MAX_PARAMS / 1e6:,.0f} M.")
    if len(weights_raw) > 8 * size + (1 << 20):  # float64 at most, plus the header
        raise UploadError("model.safetensors is far larger than the nets of its config.json.")
    try:
        tensors = st_load(weights_raw)
    except Exception as e:  # safetensors raises its own SafetensorError (and others) on malformed bytes
        raise UploadError("model.safetensors is not a valid safetensors file.") from e
    del weights_raw
    G = generator_to_load(spec)  # shapes only: the loaded tensors become the net's storage
    _load_into(G, "G", tensors, "generator")
    D = None
    if any(k.startswith("D.") for k in tensors):  # built once G has loaded, and only when the file holds a D
        D = discriminator_to_load(spec)
        _load_into(D, "D", tensors, "discriminator")
    extra = sorted(k for k in tensors if not k.startswith(("G.", "D.")))
    if extra:
        raise UploadError(f"model.safetensors has unexpected tensors, e.g. {extra[0][:40]!r}.")
    G, D = G.eval(), (None if D is None else D.eval())
    probe(G, D, spec)
    return G, D, config


def _load_into(net: nn.Module, prefix: str, tensors: dict, what: str) -> None:
    expected = net.state_dict()
    got = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.startswith(prefix + ".")}
    missing, unexpected = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    if missing or unexpected:
        name = (missing or unexpected)[0]
        raise UploadError(f"The {what} weights do not match config.json: "
                          f"{'missing' if missing else 'unexpected'} tensor {prefix}.{name[:40]}.")
    state = {}
    for k, ref in expected.items():
        v = got[k]
        if tuple(v.shape) != tuple(ref.shape):
            raise UploadError(f"Tensor {prefix}.{k} has shape {tuple(v.shape)}, expected {tuple(ref.shape)}.")
        if v.dtype.is_floating_point != ref.dtype.is_floating_point or v.dtype == torch.bool:
            raise UploadError(f"Tensor {prefix}.{k} has dtype {v.dtype}, expected {ref.dtype}.")
        if v.dtype.is_floating_point and not bool(torch.isfinite(v).all()):
            raise UploadError(f"Tensor {prefix}.{k} contains NaN or infinite values.")
        # a copy: safetensors' tensors view immutable bytes, and BatchNorm or training writes into its tensors
        state[k] = v.to(ref.dtype, copy=True, memory_format=torch.contiguous_format)
    net.load_state_dict(state, strict=True, assign=True)
    if any(t.is_meta for t in (*net.parameters(), *net.buffers())):
        raise UploadError(f"The {what} weights do not fill every tensor of its nets.")


@torch.no_grad()
def probe(G: nn.Module, D: nn.Module | None, spec: ImageGANSpec, n: int = PROBE_N) -> None:
    """Refuse weights that are finite but useless: G on ``n`` draws of its prior (labels 0..K−1 if conditional),
    and D on G's output, must give finite numbers at every layer (e.g. weights of 3e38 overflow float32 in the
    first layer, and a tanh after it would hide the overflow as saturated, plausible-looking pixels)."""
    bad: list[str] = []

    def watch(prefix: str, net: nn.Module) -> list:
        def hook(module, _inputs, out, name=None):
            outs = out if isinstance(out, (tuple, list)) else (out,)
            if not bad and any(isinstance(o, torch.Tensor) and o.is_floating_point()
                               and not bool(torch.isfinite(o).all()) for o in outs):
                bad.append(f"{prefix}.{module._probe_name}" if module._probe_name else prefix)
        handles = []
        for name, m in net.named_modules():
            m._probe_name = name
            handles.append(m.register_forward_hook(hook))
        return handles

    z = spec.latent_prior().sample(n, torch.Generator().manual_seed(0))
    y = torch.arange(n) % spec.num_classes if spec.num_classes else None
    handles = watch("G", G) + (watch("D", D) if D is not None else [])
    try:
        x = G(z) if y is None else G(z, y)
        if D is not None and not bad:
            D(x) if y is None else D(x, y)
    finally:
        for h in handles:
            h.remove()
        for net in (G, D):
            for m in (net.modules() if net is not None else ()):
                m.__dict__.pop("_probe_name", None)
    if bad:
        what = "generator" if bad[0].startswith("G") else "discriminator"
        raise UploadError(f"The checkpoint's {what} gives infinite or undefined numbers on a test batch (at layer "
                          f"{bad[0][:40]}): its weights are unusable, e.g. far too large.")
