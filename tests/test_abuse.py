"""Abuse: hostile files, absurd inputs, runaway training and many runs. Nothing crashes, nothing runs user code,
every refusal is one clear sentence (a ValueError the pages show with st.error), memory stays bounded.

Memory: peak resident memory growth of this process around one call, measured by resetting the kernel's
high-water mark (write "5" to /proc/self/clear_refs, Linux ≥ 4.0) and reading VmHWM afterwards.
"""
from __future__ import annotations

import builtins
import io
import json
import os
import pickle
import re
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save as st_save

from ganviz import safety
from ganviz.engine import live, losses
from ganviz.engine.device import seed_all
from ganviz.engine.live import Busy, LiveRun
from ganviz.engine.nets import MLPDiscriminator, MLPGenerator
from ganviz.engine.trainer import TrainConfig, Trainer
from ganviz.images import checkpoint, datasets, nets, pretrained, uploads
from ganviz.images.spec import ImageGANSpec
from ganviz.onedim import theory
from ganviz.plane import playground, toy
from ganviz.safety import UploadError
from ganviz.ui import fmt
from tests.helpers import toy_trainer, wait_for

MB = 2**20


# ------------------------------------------------------------------------------------------------ helpers
def _status_kb(field: str) -> int:
    return int(re.search(rf"{field}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))


def peak_growth_mb(fn, *args) -> tuple[float, Exception | None]:
    """(peak RSS growth in MB while fn(*args) runs, the exception it raised or None)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pytest.skip("this kernel cannot reset the peak RSS (/proc/self/clear_refs)")
    before = _status_kb("VmRSS")
    err = None
    try:
        fn(*args)
    except Exception as e:  # noqa: BLE001 - returned to the test, which checks its type and sentence
        err = e
    return (_status_kb("VmHWM") - before) / 1024, err


def one_sentence(err: BaseException | None) -> str:
    """A user-facing refusal: a ValueError whose text is one line, no traceback, no repr soup."""
    assert isinstance(err, ValueError), f"expected a ValueError, got {err!r}"
    msg = str(err)
    assert msg and "\n" not in msg and "Traceback" not in msg and len(msg) < 300, msg
    return msg


class WritesMarker:
    """Unpickling this object executes code: it writes ``path`` (the proof that a loader ran user code)."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return builtins.exec, (f"open({self.path!r}, 'w').write('pwned')",)


@pytest.fixture
def marker(tmp_path):
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a loader unpickled user data: the payload ran"


def tiny_spec() -> ImageGANSpec:
    return ImageGANSpec(model="mlp", z_dim=4, hidden_g=(8,), hidden_d=(8,))


def good_checkpoint() -> tuple[dict, dict]:
    """(tensors, config) of a valid checkpoint of a tiny MLP GAN."""
    G, D = nets.build_gan(tiny_spec())
    tensors = {f"G.{k}": v.detach().clone() for k, v in G.state_dict().items()}
    tensors.update({f"D.{k}": v.detach().clone() for k, v in D.state_dict().items()})
    return tensors, checkpoint.make_config(tiny_spec(), step=3)


def ckpt_zip(config_bytes: bytes, weights_bytes: bytes, extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(checkpoint.CONFIG, config_bytes)
        zf.writestr(checkpoint.WEIGHTS, weights_bytes)
        for name, blob in (extra or {}).items():
            zf.writestr(name, blob)
    return buf.getvalue()


# --------------------------------------------------------------------------------- pickles are never loaded
def test_the_payload_is_live(tmp_path):
    """The hostile pickle really runs code when unpickled, so the tests below can fail."""
    path = tmp_path / "PWNED"
    pickle.loads(pickle.dumps(WritesMarker(path)))
    assert path.read_text() == "pwned"


def test_pickle_checkpoints_are_refused_and_never_run(tmp_path, marker):
    tensors, config = good_checkpoint()
    payload = pickle.dumps(WritesMarker(marker))
    pt = tmp_path / "model.pt"
    torch.save({"G": WritesMarker(marker)}, pt)  # a real torch .pt: a zip holding data.pkl
    pkl = tmp_path / "model.pkl"
    pkl.write_bytes(payload)
    cfg = json.dumps(config).encode()
    cases = {
        "torch .pt file": lambda: checkpoint.load(pt),
        "torch .pt bytes": lambda: checkpoint.load(pt.read_bytes()),
        "raw pickle file": lambda: checkpoint.load(pkl),
        "zip: pickle as model.safetensors": lambda: checkpoint.load_zip(ckpt_zip(cfg, payload)),
        "zip: torch .pt as model.safetensors": lambda: checkpoint.load_zip(ckpt_zip(cfg, pt.read_bytes())),
        "zip: pickle as config.json": lambda: checkpoint.load_zip(ckpt_zip(payload, st_save(tensors))),
        # the evaluation page's paths: uploads (a .zip, or .safetensors + .json) and a run folder / .zip on disk
        "upload .pt": lambda: pretrained.load_checkpoint_upload([("model.pt", pt.read_bytes())]),
        "upload .pkl": lambda: pretrained.load_checkpoint_upload([("model.pkl", payload)]),
        "upload .pt renamed .zip": lambda: pretrained.load_checkpoint_upload([("model.zip", pt.read_bytes())]),
        "upload pickle as .safetensors + .json": lambda: pretrained.load_checkpoint_upload([("m.safetensors", payload),
                                                                                  ("m.json", cfg)]),
        "path .pt": lambda: pretrained.load(pt),
        "path .pkl": lambda: pretrained.load(pkl),
    }
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / checkpoint.CONFIG).write_bytes(cfg)
    (folder / checkpoint.WEIGHTS).write_bytes(payload)
    cases["folder with a pickled model.safetensors"] = lambda: checkpoint.load(folder)
    for name, load in cases.items():
        with pytest.raises(ValueError) as info:
            load()
        one_sentence(info.value)
        assert not marker.exists(), name
    # a valid checkpoint with a pickle beside it: loads, and the pickle is ignored (never opened as code)
    G, _, _ = checkpoint.load_zip(ckpt_zip(cfg, st_save(tensors), {"data.pkl": payload, "model.pt": pt.read_bytes()}))
    assert isinstance(G, torch.nn.Module) and not marker.exists()


def test_pickled_arrays_in_image_uploads_are_refused(marker):
    obj = np.empty(2, dtype=object)
    obj[0] = WritesMarker(marker)
    npy = io.BytesIO()
    np.save(npy, obj, allow_pickle=True)
    npz = io.BytesIO()
    np.savez(npz, images=obj)
    for blob, name in ((npy.getvalue(), "x.npy"), (npz.getvalue(), "x.npz"),
                       (pickle.dumps(WritesMarker(marker)), "x.npy"), (pickle.dumps(WritesMarker(marker)), "x.zip")):
        with pytest.raises(ValueError) as info:
            uploads.load_upload(blob, name)
        one_sentence(info.value)
    with pytest.raises(ValueError):
        toy.parse_points_csv(pickle.dumps(WritesMarker(marker)))
    with pytest.raises(ValueError):
        theory.parse_samples_csv(pickle.dumps(WritesMarker(marker)))


# -------------------------------------------------------------------------- broken safetensors and configs
def test_a_good_checkpoint_loads():
    tensors, config = good_checkpoint()
    G, D, cfg = checkpoint.load_zip(ckpt_zip(json.dumps(config).encode(), st_save(tensors)))
    assert all(torch.equal(v, tensors[f"G.{k}"]) for k, v in G.state_dict().items())
    assert D is not None and cfg["step"] == 3


def _header_len_lie(blob: bytes) -> bytes:
    return struct.pack("<Q", 2**62) + blob[8:]


@pytest.mark.parametrize("case, expected", [
    ("truncated", "not a valid safetensors"),
    ("corrupt", "not a valid safetensors"),
    ("header length lie", "not a valid safetensors"),
    ("empty", "not a valid safetensors"),
    ("wrong shape", "has shape"),
    ("missing tensor", "missing tensor"),
    ("extra tensor", "unexpected"),
    ("nan weights", "NaN"),
    ("integer weights", "dtype"),
])
def test_broken_safetensors_get_a_clear_message(case, expected):
    tensors, config = good_checkpoint()
    first = next(k for k in tensors if k.startswith("G.") and tensors[k].ndim == 2)
    blob = st_save(tensors)
    if case == "truncated":
        blob = blob[: len(blob) // 2]
    elif case == "corrupt":
        blob = bytes(np.random.default_rng(0).integers(0, 256, len(blob), dtype=np.uint8))
    elif case == "header length lie":
        blob = _header_len_lie(blob)
    elif case == "empty":
        blob = b""
    elif case == "wrong shape":
        blob = st_save({**tensors, first: torch.zeros(tensors[first].shape[0] + 1, tensors[first].shape[1])})
    elif case == "missing tensor":
        blob = st_save({k: v for k, v in tensors.items() if k != first})
    elif case == "extra tensor":
        blob = st_save({**tensors, "G.backdoor": torch.zeros(1)})
    elif case == "nan weights":
        blob = st_save({**tensors, first: torch.full_like(tensors[first], float("nan"))})
    elif case == "integer weights":
        blob = st_save({**tensors, first: tensors[first].to(torch.int32)})
    with pytest.raises(ValueError, match=expected) as info:
        checkpoint.load_zip(ckpt_zip(json.dumps(config).encode(), blob))
    one_sentence(info.value)


@pytest.mark.parametrize("config, expected", [
    (b"{not json", "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b"[1, 2]", "not a ganviz checkpoint"),
    (b'{"format": "other"}', "not a ganviz checkpoint"),
    (b'{"format": "ganviz-gan", "version": 99, "model": {}}', "version 99"),
    (b'{"format": "ganviz-gan", "version": 1, "model": {"model": "transformer"}}', "Unknown model"),
    (b'{"format": "ganviz-gan", "version": 1, "model": {"model": "mlp", "z_dim": -3}}', "z_dim"),
    (b'{"format": "ganviz-gan", "version": 1, "model": {"model": "mlp", "z_dim": 1e9}}', None),
    (b'{"format": "ganviz-gan", "version": 1, "model": {"model": "mlp", "z_dim": NaN}}', None),
    (b'{"format": "ganviz-gan", "version": 1, "model": {"model": "mlp", "hidden_g": [10000000]}}', "Hidden"),
    (b'{"format": "ganviz-gan", "version": 1, "model": {"model": "mlp", "evil": "__import__"}}', None),
    (b'{"format": "ganviz-gan", "version": 1, "model": "mlp"}', "JSON object"),
])
def test_broken_configs_get_a_clear_message(config, expected):
    tensors, _ = good_checkpoint()
    with pytest.raises(ValueError, match=expected) as info:
        checkpoint.load_zip(ckpt_zip(config, st_save(tensors)))
    one_sentence(info.value)


def test_oversized_checkpoints_are_refused_before_reading(tmp_path, monkeypatch):
    tensors, config = good_checkpoint()
    cfg, blob = json.dumps(config).encode(), st_save(tensors)
    # a config.json zip bomb: 8 MB of spaces deflate to a few kB; refused by its declared size
    bomb = ckpt_zip(json.dumps(config).encode()[:-1] + b" " * (8 * MB) + b"}", blob)
    assert len(bomb) < 100_000
    growth, err = peak_growth_mb(checkpoint.load_zip, bomb)
    assert "config.json in the zip is larger than 1 MB" in one_sentence(err) and growth < 50
    # weights over the cap (cap lowered so the test stays small), as zip member, folder file and zip size
    monkeypatch.setattr(checkpoint, "MAX_WEIGHTS_BYTES", len(blob) - 1)
    with pytest.raises(ValueError, match="model.safetensors in the zip is larger"):
        checkpoint.load_zip(ckpt_zip(cfg, blob))
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / checkpoint.CONFIG).write_bytes(cfg)
    (folder / checkpoint.WEIGHTS).write_bytes(blob)
    with pytest.raises(ValueError, match="limit is"):
        checkpoint.load(folder)
    with pytest.raises(ValueError, match="larger than"):
        checkpoint.load_zip(b"\0" * (checkpoint.MAX_WEIGHTS_BYTES + checkpoint.MAX_CONFIG_BYTES + 1))


# ------------------------------------------------------------------------------------------------ uploads
def _zip_bomb(size: int = 256 * MB) -> bytes:
    """One PNG-named member of ``size`` zero bytes, deflated to ~0.1 % (written in chunks: low memory here)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("digits/0/bomb.png", "w", force_zip64=True) as f:
            chunk = bytes(MB)
            for _ in range(size // MB):
                f.write(chunk)
    return buf.getvalue()


def _png(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (w, h)).save(buf, format="PNG")
    return buf.getvalue()


def _zip_of(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return buf.getvalue()


def test_zip_bomb_is_refused_with_bounded_memory():
    bomb = _zip_bomb()
    assert len(bomb) < 2 * MB
    growth, err = peak_growth_mb(uploads.load_upload, bomb, "bomb.zip")
    assert "zip bomb" in one_sentence(err)
    assert growth < 64, f"refusing a zip bomb took {growth:.0f} MB"


def test_fifty_megapixel_image_is_refused_without_decoding_it():
    png = _png(10_000, 5_000)  # 50 MP of zeros: a few kB of PNG, 50 MB decoded
    growth, err = peak_growth_mb(uploads.load_upload, _zip_of({"big.png": png}), "big.zip")
    assert "10000×5000 pixels" in one_sentence(err) and "limit" in str(err)
    assert growth < 40, f"refusing a 50-megapixel image took {growth:.0f} MB"


@pytest.mark.parametrize("blob, name, expected", [
    (b"", "x.zip", "empty"),
    (b"hello, not an image", "x.zip", "not a valid zip"),
    (b"hello", "x.exe", "not a .zip of images"),
    (b"\x89PNG\r\n\x1a\n garbage", "x.npy", "not a valid .npy"),
    (b"PK\x03\x04 broken", "x.npz", "not a valid .npz"),
])
def test_non_image_bytes_get_a_clear_message(blob, name, expected):
    with pytest.raises(ValueError, match=expected) as info:
        uploads.load_upload(blob, name)
    one_sentence(info.value)


def test_zip_members_that_are_not_images():
    for members, expected in (({"a.png": b"this is text"}, "not a readable PNG"),
                              ({"a.txt": b"text"}, "only .png/.jpg"),
                              ({"a.png": _png(28, 28)[:30]}, "not a readable PNG"),
                              ({}, "holds no files")):
        with pytest.raises(ValueError, match=expected) as info:
            uploads.load_upload(_zip_of(members), "x.zip")
        one_sentence(info.value)


def test_arrays_with_nan_or_absurd_shapes():
    for arr, expected in ((np.full((3, 28, 28), np.nan, np.float32), "NaN"),
                          (np.zeros((2, 2), np.float32), None),
                          (np.zeros(5, np.float32), "shape")):
        buf = io.BytesIO()
        np.save(buf, arr)
        with pytest.raises(ValueError, match=expected) as info:
            uploads.load_upload(buf.getvalue(), "x.npy")
        one_sentence(info.value)
    # a .npy header declaring a 1-terapixel array: refused from the header, nothing allocated
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000, 1000), }"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header) + 1) + header + b"\n" + b"\0" * 64
    growth, err = peak_growth_mb(uploads.load_upload, npy, "x.npy")
    assert "larger than" in one_sentence(err) and growth < 20


@pytest.mark.parametrize("text, expected", [
    ("x,y\n1,2\nfoo,3\n", "not a number"),
    ("1,2\n3,nan\n", "NaN or infinity"),
    ("1,2\n3,inf\n", "NaN or infinity"),
    ("1,2,3\n4,5,6\n", "exactly two numbers"),
    ("", "empty"),
    ("x,y\n", "header but no data"),
    ("1,2\n", "at least 2 points"),
])
def test_points_csv_bad_content(text, expected):
    with pytest.raises(ValueError, match=expected) as info:
        toy.parse_points_csv(text.encode())
    one_sentence(info.value)


@pytest.mark.parametrize("text, expected", [
    ("x\n1\nfoo\n", "not a number"),
    ("nan\nnan\nnan\n", "usable"),
    ("2\n2\n2\n", "All values are equal"),
    ("", "empty"),
])
def test_samples_csv_bad_content(text, expected):
    with pytest.raises(ValueError, match=expected) as info:
        theory.parse_samples_csv(text.encode())
    one_sentence(info.value)


def test_samples_csv_nan_rows_are_dropped_with_a_note():
    notes = []
    x = theory.parse_samples_csv(b"1\nnan\n2\ninf\n3\n", notes=notes)
    assert x.tolist() == [1.0, 2.0, 3.0] and any("Dropped 2" in n for n in notes)


def test_points_csv_of_ten_million_rows_is_refused_at_once():
    blob = b"1,2\n" * 10**7  # 40 MB: over the byte cap, refused before parsing
    growth, err = peak_growth_mb(toy.parse_points_csv, blob)
    assert "limit is 32 MB" in one_sentence(err) and growth < 20


@pytest.mark.slow
def test_samples_csv_of_ten_million_rows_is_capped_with_bounded_memory():
    blob = b"".join(b"%d\n" % (i % 10) for i in range(10**7))  # 20 MB, under the byte cap: rows are capped
    notes = []
    growth, err = peak_growth_mb(lambda: notes.append(theory.parse_samples_csv(blob, notes=notes)))
    assert err is None and len(notes[-1]) == 1_000_000 and any("first 1,000,000" in n for n in notes[:-1])
    assert growth < 400, f"parsing 10^7 rows took {growth:.0f} MB"


def test_points_csv_of_eight_million_short_rows_is_refused_with_bounded_memory():
    blob = b"1,2\n" * 8_000_000  # 32 MB: exactly at the byte cap
    growth, err = peak_growth_mb(toy.parse_points_csv, blob)
    assert "limit is 1,000,000 rows" in one_sentence(err)
    assert growth < 300, f"refusing 8·10^6 rows took {growth:.0f} MB"


# ------------------------------------------------------------------------- runaway learning rates, all losses
def _check_lr10_run(run: LiveRun, steps: int = 60) -> str:
    """Run to max_steps or a pause; the run must pause with a sentence, or every recorded number be finite."""
    run.start()
    assert wait_for(lambda: not run.alive(), 60), "the run neither paused nor finished"
    snap = run.snapshot()
    assert snap.state == "paused"
    if snap.error:
        assert "\n" not in snap.error and "Traceback" not in snap.error
        return "paused: " + snap.error
    assert snap.step == steps
    for name, (_, values) in snap.history.items():
        values = np.asarray(values, dtype=np.float64)
        assert not np.isnan(values).any(), f"{name} holds NaN but the run was not paused"
        if not name.startswith("grad_norm"):  # a gradient norm may overflow float32 while every gradient is finite
            assert np.isfinite(values).all(), f"{name} holds ±inf but the run was not paused"
        assert all(fmt(v) not in ("nan", "inf", "-inf") for v in values)
    return "finite"


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_lr_10_in_the_playground_pauses_or_stays_finite(loss):
    ds = toy.DATASETS["ring-8"]()
    cfg = playground.PlaygroundConfig(dataset="ring-8", width=32, loss=loss, lr_g=10.0, lr_d=10.0, batch_size=64)
    run = LiveRun(lambda: playground.build_trainer(cfg, ds, fixed_n=64, metric_every=20, metric_n=256),
                  view=playground.PlaygroundView(ds, seed=0), max_steps=60, publish_every_s=0.05)
    outcome = _check_lr10_run(run)
    run.stop()
    assert live.active_jobs() == 0, outcome


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_lr_10_in_the_1d_gan_pauses_or_stays_finite(loss):
    target = theory.Mixture((0.5, 0.5), (-2.0, 2.0), (0.5, 0.5))
    x = np.linspace(-6, 6, 801)

    def make():
        seed_all(0)
        t = Trainer(MLPGenerator(1, 1, (16, 16), "tanh"), MLPDiscriminator(1, (16, 16), "leaky_relu"), target.sample,
                    TrainConfig(loss=loss, lr_g=10.0, lr_d=10.0, batch_size=64), z_dim=1)
        t.add_metric("divergence", theory.PushforwardMetric(x, target.pdf(x), "normal"), every=10)
        return t

    run = LiveRun(make, max_steps=60, publish_every_s=0.05)
    _check_lr10_run(run)
    run.stop()
    assert live.active_jobs() == 0


# --------------------------------------------------------------------------------- many runs, busy server
def test_busy_leaves_the_run_unchanged():
    """A refused Play must not leave the run looking "running" (Pause button, no thread) or queue steps."""
    old = live.job_cap()
    live.set_job_cap(1)
    try:
        a, b = LiveRun(toy_trainer), LiveRun(toy_trainer)
        a.start()
        with pytest.raises(Busy):
            b.start()
        assert b.state == "idle" and b.snapshot().state == "idle" and not b.alive()
        with pytest.raises(Busy):
            b.step(3)
        a.stop()
        b.step(1)
        assert b.trainer.step_count == 1  # the refused step(3) was not queued
        b.stop()
    finally:
        live.set_job_cap(old)
    assert live.active_jobs() == 0


def test_fifty_playground_start_stop_cycles_leave_no_threads():
    base = threading.active_count()
    ds = toy.DATASETS["ring-8"]()
    cfg = playground.PlaygroundConfig(dataset="ring-8", width=16, batch_size=32)
    run = LiveRun(lambda: playground.build_trainer(cfg, ds, fixed_n=64, metric_every=0),
                  view=playground.PlaygroundView(ds, seed=0), publish_every_s=0.05)
    slot = live.RunSlot()
    for i in range(50):
        run.start()
        run.pause() if i % 2 else run.stop()
        if not i % 2:
            run.reset()
        # a page whose nets change: the slot stops the old run and makes a new one
        slot.get(i, lambda: LiveRun(lambda: playground.build_trainer(cfg, ds, fixed_n=64, metric_every=0))).start()
    run.stop()
    slot.release()
    assert wait_for(lambda: threading.active_count() == base, 10), threading.enumerate()
    assert live.active_jobs() == 0


# ===================================================================================================================
# Issue "an uploaded image runs code in the server": one test per defect, with the crafted files of the report.
# Each hostile file is measured: peak RSS growth ≤ 200 MB and CPU time (time.process_time) ≤ 5 s, a generous
# bound on the work an upload may cost.
# ===================================================================================================================
MAX_UPLOAD_MB, MAX_UPLOAD_CPU_S = 200, 5.0


def cost(fn, *args) -> tuple[float, float, Exception | None]:
    """(peak RSS growth in MB, CPU seconds of this process, the exception raised or None) of fn(*args)."""
    t0 = time.process_time()
    growth, err = peak_growth_mb(fn, *args)
    return growth, time.process_time() - t0, err


def refused_cheaply(fn, *args, words: str) -> str:
    """fn(*args) raises one UploadError sentence containing ``words``, within the memory and CPU budgets."""
    growth, cpu, err = cost(fn, *args)
    assert isinstance(err, UploadError), f"expected an UploadError, got {err!r}"
    msg = one_sentence(err)
    assert words in msg, msg
    assert growth <= MAX_UPLOAD_MB, f"{growth:.0f} MB for: {msg}"
    assert cpu <= MAX_UPLOAD_CPU_S, f"{cpu:.1f} CPU-s for: {msg}"
    print(f"[{growth:6.1f} MB, {cpu:5.2f} CPU-s] {msg}")
    return msg


def eps_payload(folder: Path, loop: bool = False) -> bytes:
    """PostScript that, run by Ghostscript, creates folder/PWNED and deletes folder/KEEP (or spins forever)."""
    body = "{ } loop" if loop else (f"({folder}/PWNED) (w) file dup (pwned) writestring closefile\n"
                                    f"({folder}/KEEP) deletefile")
    return (f"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 28 28\n%%EndComments\n{body}\nshowpage\n%%EOF\n").encode()


@pytest.fixture
def fake_gs(tmp_path, monkeypatch):
    """A `gs` first on PATH that records every call in tmp_path/GS_RAN (so the test is meaningful without a real
    Ghostscript), Pillow's cached gs lookup cleared, and tmp_path/KEEP for the payload to delete."""
    from PIL import EpsImagePlugin
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gs = bin_dir / "gs"
    gs.write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/GS_RAN\nexit 0\n")
    gs.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ.get('PATH', '')}")
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", None)
    (tmp_path / "KEEP").write_text("keep me")
    return tmp_path


def no_side_effect(folder: Path) -> None:
    assert not (folder / "GS_RAN").exists(), "Ghostscript was started"
    assert not (folder / "PWNED").exists() and (folder / "KEEP").read_text() == "keep me"


def test_the_eps_payload_is_live(fake_gs):
    """Without the allow-list, Pillow hands the bytes to its EPS plugin, which starts `gs`: the tests can fail."""
    img = Image.open(io.BytesIO(eps_payload(fake_gs)))
    assert img.format == "EPS"
    with pytest.raises(Exception):  # noqa: B017 - the fake gs draws nothing; that it ran is the point
        img.load()
    assert (fake_gs / "GS_RAN").exists()


def test_defect1_code_execution_through_an_image_upload(fake_gs, monkeypatch):
    """EPS/PostScript (and PDF) named .png/.jpg in the image zip: refused by their magic bytes, never opened by
    Pillow's EPS plugin, no process started, no file touched."""
    from PIL import EpsImagePlugin
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a) or (_ for _ in ()).throw(OSError()))
    monkeypatch.setattr(EpsImagePlugin.EpsImageFile, "_open", lambda self: started.append("EPS plugin"))
    eps = eps_payload(fake_gs)
    cases = {
        "EPS as 0/a.png": _zip_of({"0/a.png": eps}),
        "EPS `{ } loop` as 0/a.png": _zip_of({"0/a.png": eps_payload(fake_gs, loop=True)}),
        "EPS as a .jpg beside a real PNG": _zip_of({"0/ok.png": _png(28, 28), "1/a.jpg": eps}),
        "DOS EPS binary header": _zip_of({"a.png": b"\xc5\xd0\xd3\xc6" + b"\0" * 26 + eps}),
        "PDF as a.png": _zip_of({"a.png": b"%PDF-1.4\n" + eps}),
    }
    for name, blob in cases.items():
        msg = refused_cheaply(uploads.load_upload, blob, "digits.zip", words="not a readable PNG, JPEG")
        assert "/" not in msg.replace("0/a.png", "").replace("1/a.jpg", "").replace("PNG, JPEG", ""), msg
        if "PDF" not in name:
            assert "PostScript, which ganviz never opens" in msg, name
    assert started == [] and not EpsImagePlugin.gs_binary  # not even `gs --version`
    no_side_effect(fake_gs)


def test_every_image_open_in_ganviz_is_restricted_to_raster_formats():
    """No Image.open in the package without an explicit formats= allow-list (the only route to EPS is Image.open)."""
    root = Path(safety.__file__).parent  # the package
    calls = [(f.name, line) for f in root.rglob("*.py") for line in f.read_text().splitlines()
             if "Image.open(" in line and not line.lstrip().startswith(("#", '"', "'"))]
    assert calls, "the search found nothing: it is broken"
    for name, line in calls:
        assert "formats=[fmt]" in line, f"{name}: {line.strip()}"
    assert safety.RASTER_FORMATS == ("PNG", "JPEG", "BMP", "GIF", "WEBP")


def png_header(w: int, h: int) -> bytes:
    """A PNG declaring w × h 8-bit gray pixels, with one tiny IDAT: a few dozen bytes, gigapixels when decoded."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def class_folders_zip(n: int, per_class: int = 1) -> bytes:
    one = _png(1, 1)
    return _zip_of({f"class_{c:05d}/{i}.png": one for c in range(n) for i in range(per_class)})


def huge_weights_checkpoint(spec: ImageGANSpec | None = None, value: float = 3e38) -> bytes:
    """A valid checkpoint whose finite weights are all ``value``: every float tensor of G and D filled with it."""
    spec = spec or tiny_spec()
    G, D = nets.build_gan(spec, seed=0)
    tensors = {f"{p}.{k}": (torch.full_like(v, value) if v.is_floating_point() else v)
               for p, net in (("G", G), ("D", D)) for k, v in net.state_dict().items()}
    return ckpt_zip(json.dumps(checkpoint.make_config(spec)).encode(), st_save(tensors))


def test_defect2_tracebacks_on_the_page_become_one_sentence():
    """A 30000×30000 PNG (Pillow's DecompressionBombError), 1,001 class folders, a checkpoint of 3e38 weights on the
    Latent space route: each one sentence, refused before decoding or building anything."""
    assert len(png_header(30_000, 30_000)) < 100
    refused_cheaply(uploads.load_upload, _zip_of({"0/big.png": png_header(30_000, 30_000)}), "big.zip",
                    words="30000×30000 pixels; the limit is 16,777,216 pixels per image")
    refused_cheaply(uploads.load_upload, _zip_of({"0/big.png": png_header(5_000, 5_000)}), "big.zip",
                    words="5000×5000 pixels")
    for header in (png_header(30_000, 30_000), png_header(2**31 - 1, 2**31 - 1)):  # Pillow's own refusal, caught
        with pytest.raises(UploadError, match="pixels"):
            safety.open_raster(header, "big.png", 2**62)
    refused_cheaply(uploads.load_upload, class_folders_zip(1_001), "classes.zip",
                    words="1,001 class folders; the limit is 1,000 classes")
    assert len(uploads.load_upload(class_folders_zip(1_000), "classes.zip").class_names) == 1_000
    refused_cheaply(pretrained.load_checkpoint_upload, [("huge.zip", huge_weights_checkpoint())],
                    words="gives infinite or undefined numbers on a test batch")


def test_defect2_pages_show_a_sentence_not_a_traceback():
    """The same files through the real pages (AppTest): an st.error sentence, no exception, nothing drawn."""
    from tests.apptest import open_page
    at = open_page("pages/train_images.py", timeout=120)
    at.session_state["ti_dataset"] = "upload"
    at.run()
    for blob in (_zip_of({"0/big.png": png_header(30_000, 30_000)}), class_folders_zip(1_001),
                 _zip_of({"0/a.png": eps_payload(Path("/tmp"))})):
        at.file_uploader(key="ti_upload").set_value(("images.zip", blob, "application/zip")).run()
        assert not at.exception and len(at.error) == 1 and "\n" not in at.error[0].value
        assert "Traceback" not in at.error[0].value and "/tmp" not in at.error[0].value
    at = open_page("pages/latent.py", timeout=120).run()
    at.selectbox(key="lt_model").set_value("Upload a checkpoint…").run()
    at.file_uploader(key="lt_upload").set_value(("huge.zip", huge_weights_checkpoint(), "application/zip")).run()
    assert not at.exception and not at.image
    assert [e.value for e in at.error] == ["This upload cannot be used: The checkpoint's generator gives infinite or "
                                           "undefined numbers on a test batch (at layer G.net.0): its weights are "
                                           "unusable, e.g. far too large."]


def test_defect3_garbage_weights_are_refused_on_every_loader(tmp_path):
    """3e38 weights (finite, so they pass the NaN check): refused by the probe batch on every route a page uses —
    Train on images' "Load a checkpoint", Latent space / Pretrained uploads and runs, Evaluating GANs."""
    dcgan = ImageGANSpec(model="dcgan", z_dim=8, width=4, num_classes=3)
    for spec in (tiny_spec(), dcgan):
        blob = huge_weights_checkpoint(spec)
        (tmp_path / "run.zip").write_bytes(blob)
        for load in (lambda blob=blob: checkpoint.load_zip(blob),
                     lambda blob=blob: pretrained.load_checkpoint_upload([("c.zip", blob)]),
                     lambda: pretrained.load(tmp_path / "run.zip")):
            with pytest.raises(UploadError, match="infinite or undefined numbers on a test batch") as info:
                load()
            one_sentence(info.value)
    # weights that are large but give finite numbers everywhere still load (the probe is not a size test)
    G, _, _ = checkpoint.load_zip(huge_weights_checkpoint(tiny_spec(), value=1e-3))
    assert isinstance(G, torch.nn.Module)
    # and the page: a sentence where the garbage grid was
    from tests.apptest import open_page
    at = open_page("pages/train_images.py", timeout=120)
    for k, v in {"ti_dataset": "digits8x8", "ti_model": "mlp", "ti_conditional": False}.items():
        at.session_state[k] = v
    at.run()
    shown = len(at.image)
    at.file_uploader(key="ti_ckpt").set_value(("huge.zip", huge_weights_checkpoint(), "application/zip")).run()
    assert not at.exception and len(at.image) == shown
    assert any("infinite or undefined numbers" in e.value for e in at.error)


def test_defect4_memory_amplification_by_a_checkpoint_config():
    """A 470-byte zip asking for an MLP of hidden widths [8192, 8192, 8192]: refused from its config's parameter
    count (on the meta device) before a byte is allocated; the layer count and the prior's size are capped too."""
    tensors, _ = good_checkpoint()

    def cfg(**model) -> bytes:
        return json.dumps({"format": "ganviz-gan", "version": 1, "model": {"model": "mlp", **model}}).encode()

    big = ckpt_zip(cfg(hidden_g=[8192] * 3, hidden_d=[8192] * 3), b"")
    assert len(big) < 600
    msg = refused_cheaply(checkpoint.load_zip, big, words="M parameters; the limit is 50 M")
    assert "282 M" in msg  # 2 × (three 8192² layers + the ends) + biases, counted without allocating
    growth, _, _ = cost(checkpoint.load_zip, big)
    assert growth < 20, f"refusing the [8192]*3 config took {growth:.0f} MB"
    refused_cheaply(checkpoint.load_zip, ckpt_zip(cfg(hidden_g=[16] * 9), st_save(tensors)),
                    words="at most 8 hidden layers")
    refused_cheaply(checkpoint.load_zip, ckpt_zip(cfg(z_dim=1024, prior="mixture", mixture_k=10_000),
                                                  st_save(tensors)), words="at most 1,048,576 numbers")
    refused_cheaply(checkpoint.load_zip, ckpt_zip(cfg(z_dim=4, hidden_g=[8], hidden_d=[8]), b"\0" * (4 << 20)),
                    words="far larger than the nets of its config")


@pytest.mark.parametrize("spec", [
    ImageGANSpec(model="dcgan", width=16, depth=1, num_classes=10, spectral_norm=True),
    ImageGANSpec(model="dcgan", width=8, depth=2, spectral_norm=True, aux_classes=10),
    ImageGANSpec(model="dcgan", width=8, depth=0, d_norm="batch"),
    ImageGANSpec(model="mlp", hidden_g=(32, 16), hidden_d=(24, 8), num_classes=3, spectral_norm=True),
])
def test_the_size_counted_before_allocating_is_the_real_one(spec):
    """spec_size counts spectral norm's vectors from the shapes: a net built for real has exactly as many
    numbers, and the nets built to load into have the real nets' tensors, with the global RNG untouched."""
    G, D = nets.build_gan(spec)
    assert nets.spec_size(spec) == sum(t.numel() for n in (G, D) for t in n.state_dict().values())
    torch.manual_seed(5)
    G0, D0 = nets.generator_to_load(spec), nets.discriminator_to_load(spec)
    after = torch.rand(3)
    torch.manual_seed(5)
    assert torch.equal(after, torch.rand(3))
    for real, to_load in ((G, G0), (D, D0)):
        assert {k: (v.shape, v.dtype) for k, v in real.state_dict().items()} == {
            k: (v.shape, v.dtype) for k, v in to_load.state_dict().items()}


def test_defect5_cpu_amplification_and_quadratic_class_folders():
    """100 copies of a 4096² PNG (a 1.6 MB zip): refused from the headers before decoding. 20,000 class folders:
    refused in linear time. Legitimate many-folder and many-file zips load within the CPU budget."""
    many = _zip_of({f"{i % 10}/{i}.png": _png(4096, 4096) for i in range(100)})
    assert len(many) < 2 * MB
    refused_cheaply(uploads.load_upload, many, "big.zip", words="more than 100,000,000 pixels in all")
    refused_cheaply(uploads.load_upload, class_folders_zip(20_000), "classes.zip", words="20,000 class folders")
    refused_cheaply(uploads.load_upload, class_folders_zip(5_000), "classes.zip", words="5,000 class folders")
    # a zip of more entries than the cap (empty folders count): refused from its central directory
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(uploads.MAX_ZIP_ENTRIES + 1):
            zf.writestr(f"d{i}/", b"")
    refused_cheaply(uploads.load_upload, buf.getvalue(), "dirs.zip", words="more than 70,000 entries")
    refused_cheaply(uploads.load_upload, class_folders_zip(1, uploads.MAX_ZIP_IMAGES + 1), "n.zip",
                    words="60,001 files")
    # linear: 1,000 folders × 20 pictures load, labelled by folder
    growth, cpu, err = cost(uploads.load_upload, class_folders_zip(1_000, 20), "ok.zip")
    assert err is None and cpu <= MAX_UPLOAD_CPU_S and growth <= MAX_UPLOAD_MB
    s = uploads.load_upload(class_folders_zip(1_000, 20), "ok.zip")
    assert len(s) == 20_000 and len(s.class_names) == 1_000 and np.bincount(s.labels).tolist() == [20] * 1_000
    print(f"[{growth:6.1f} MB, {cpu:5.2f} CPU-s] 1,000 class folders × 20 pictures loaded")


def test_defect6_the_path_box_cannot_read_the_server(tmp_path):
    """Runs are named inside the app's runs/ only; any other path, existing or not, gets the same sentence."""
    runs, outside = tmp_path / "runs", tmp_path / "elsewhere"
    tensors, config = good_checkpoint()
    for folder in (runs / "mine", outside / "theirs"):
        folder.mkdir(parents=True)
        (folder / checkpoint.CONFIG).write_text(json.dumps(config))
        (folder / checkpoint.WEIGHTS).write_bytes(st_save(tensors))
    (outside / "scored.zip").write_bytes(ckpt_zip(json.dumps(config).encode(), st_save(tensors)))
    (runs / "link").symlink_to(outside / "theirs")
    assert pretrained.resolve_run("mine", runs) == (runs / "mine").resolve()
    said = {}
    for name in ("/root/.ssh", "/nonexistent", str(outside / "theirs"), str(outside / "scored.zip"),
                 "../elsewhere/theirs", "link", "mine/../../elsewhere/theirs", "~root", "", "mine/x/y"):
        with pytest.raises(UploadError) as info:
            pretrained.resolve_run(name, runs)
        said[name] = one_sentence(info.value).replace(safety.quote(name), "<name>")
    assert len(set(said.values())) == 1, said
    assert "/" not in next(iter(said.values())).replace("runs/", "")


def test_defect7_absurd_csv_values_are_refused_naming_the_column():
    """1e308 squares to inf in float32 training; such data is refused at load, not blamed on the learning rate."""
    for text, column in ((b"1e308,1e308\n1,2\n", "'x'"), (b"x,y\n1,2\n3,1.7e308\n", "'y'"),
                         (b"lat,lon\n1,2\n-2e18,0\n", "'lat'"), (b"1,2\n3,1e400\n", "'y' holds NaN or infinity")):
        with pytest.raises(UploadError, match=column) as info:
            toy.parse_points_csv(text)
        msg = one_sentence(info.value)
        assert "learning rate" not in msg and "nan" not in msg and not re.search(r"\d{10}", msg), msg
    assert toy.parse_points_csv(b"1e18,-1e18\n0,0\n").shape == (2, 2)  # the largest accepted values
    with pytest.raises(ValueError, match="first column holds 1e\\+300"):
        theory.parse_samples_csv(b"1\n2\n1e300\n")


def test_defect8_divergence_messages_and_tiles_show_no_raw_numbers():
    """Playground, SGD, lr 0.1, minimax: the pause sentence says what overflowed and what to do, in words; the tiles'
    formatter never prints nan/inf or a 30-digit number."""
    ds = toy.DATASETS["ring-8"]()
    cfg = playground.PlaygroundConfig(dataset="ring-8", loss="minimax", optimizer="sgd", lr_g=0.1, lr_d=0.1)
    run = LiveRun(lambda: playground.build_trainer(cfg, ds), max_steps=2_000,
                  publish_every_s=0.05)
    run.start()
    assert wait_for(lambda: not run.alive(), 120)
    snap = run.snapshot()
    run.stop()
    assert snap.state == "paused" and snap.error, "the run did not diverge: the test has lost its point"
    assert re.fullmatch(r"The (discriminator|generator) loss diverged: it (overflowed|became undefined \(0/0 or "
                        r"∞ − ∞\)) at step \d+ \(minimax loss, SGD, lr_d 0\.1, lr_g 0\.1\) — lower the "
                        r"learning rate or switch to Adam, and reset\.", snap.error), snap.error
    shown = [fmt(v, spec) for _, vals in snap.history.values() for v in vals for spec in (".4f", "+.2f", ".3f")]
    assert shown and all(not re.search(r"nan|inf|\d{10}", s) for s in shown)
    assert fmt(-22498605351508950254029373440.0, ".3f") == "-2.25e+28" and fmt(7.7e18, "+.2f") == "+7.7e+18"
    assert fmt(123.456, ".3f") == "123.456" and fmt(float("nan")) == "—" and fmt(float("-inf")) == "−∞"


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5", "100000"])
def test_defect9_operator_settings_are_validated(value):
    """GANVIZ_JOB_CAP=abc no longer breaks `import ganviz.engine.live`; a bad value is said once and the default
    used."""
    env = {**os.environ, "GANVIZ_JOB_CAP": value}
    code = "import os, ganviz.engine.live as l; print(l.job_cap(), 2 * os.cpu_count())"
    out = subprocess.run([sys.executable, "-c", code],
                         capture_output=True, text=True, env=env, cwd=Path(safety.__file__).parents[1], timeout=120)
    assert out.returncode == 0, out.stderr
    cap, default = out.stdout.split()
    assert cap == default
    assert out.stderr.strip() == (f"ganviz: GANVIZ_JOB_CAP={value!r} is not a whole number from 1 to 1,024 (how many "
                                  f"runs may train at once); using the default {default}.")


def test_defect9_every_ganviz_setting_is_validated(monkeypatch, tmp_path, capsys):
    from ganviz import settings
    monkeypatch.setenv("GANVIZ_JOB_CAP", "3")
    assert settings.job_cap() == 3
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path / "file"))
    monkeypatch.setenv("GANVIZ_DATA", str(tmp_path / "file"))
    monkeypatch.setenv("GANVIZ_MIRROR", "file:///etc/")
    assert settings.cache_root() is None and settings.data_dir() is None and settings.mirror() is None
    assert datasets.cache_dir() == Path.home() / ".cache" / "ganviz"
    found = settings.problems()
    assert len(found) == 3 and all(m.startswith("GANVIZ_") and m.endswith(".") and "\n" not in m for m in found)
    monkeypatch.setenv("GANVIZ_MIRROR", "https://example.org/mnist/")
    monkeypatch.setenv("GANVIZ_CACHE", str(tmp_path / "cache"))
    assert settings.mirror() == "https://example.org/mnist/"
    assert datasets.cache_dir("mnist") == tmp_path / "cache" / "mnist"
    # every GANVIZ_* variable the package reads goes through ganviz.settings
    root = Path(safety.__file__).parent  # the package
    read = {m for f in root.rglob("*.py") for m in re.findall(r"GANVIZ_[A-Z_]+", f.read_text())}
    assert read <= set(settings.NAMES), read - set(settings.NAMES)
    direct = [f.name for f in root.rglob("*.py") if f.name != "settings.py" and "os.environ" in f.read_text()
              and "GANVIZ_" in f.read_text()]
    assert direct == [], direct
    assert "GANVIZ_REATTACH_S" in settings.NAMES
