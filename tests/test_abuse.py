"""Abuse: hostile files, absurd inputs, runaway training and many runs. Nothing crashes, nothing runs user code,
every refusal is one clear sentence (a ValueError the pages show with st.error), memory stays bounded.

Memory: peak resident memory growth of this process around one call, measured by resetting the kernel's
high-water mark (write "5" to /proc/self/clear_refs, Linux ≥ 4.0) and reading VmHWM afterwards.
"""
from __future__ import annotations

import builtins
import io
import json
import pickle
import re
import struct
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import save as st_save

from ganviz import checkpoint, convnets, data, live, losses, playground, pretrained, theory, toy
from ganviz.live import Busy, LiveRun
from ganviz.nets import MLPDiscriminator, MLPGenerator
from ganviz.train import TrainConfig, Trainer, seed_all
from ganviz.ui import fmt
from tests.helpers import wait_for, toy_trainer

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


def tiny_spec() -> convnets.ImageGANSpec:
    return convnets.ImageGANSpec(model="mlp", z_dim=4, hidden_g=(8,), hidden_d=(8,))


def good_checkpoint() -> tuple[dict, dict]:
    """(tensors, config) of a valid checkpoint of a tiny MLP GAN."""
    G, D = convnets.build_gan(tiny_spec())
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
        "upload .pt": lambda: pretrained.load_upload([("model.pt", pt.read_bytes())]),
        "upload .pkl": lambda: pretrained.load_upload([("model.pkl", payload)]),
        "upload .pt renamed .zip": lambda: pretrained.load_upload([("model.zip", pt.read_bytes())]),
        "upload pickle as .safetensors + .json": lambda: pretrained.load_upload([("m.safetensors", payload),
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
            data.load_upload(blob, name)
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
    growth, err = peak_growth_mb(data.load_upload, bomb, "bomb.zip")
    assert "zip bomb" in one_sentence(err)
    assert growth < 64, f"refusing a zip bomb took {growth:.0f} MB"


def test_fifty_megapixel_image_is_refused_without_decoding_it():
    png = _png(10_000, 5_000)  # 50 MP of zeros: a few kB of PNG, 50 MB decoded
    growth, err = peak_growth_mb(data.load_upload, _zip_of({"big.png": png}), "big.zip")
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
        data.load_upload(blob, name)
    one_sentence(info.value)


def test_zip_members_that_are_not_images():
    for members, expected in (({"a.png": b"this is text"}, "not a readable PNG"),
                              ({"a.txt": b"text"}, "only .png/.jpg"),
                              ({"a.png": _png(28, 28)[:30]}, "not a readable PNG"),
                              ({}, "holds no files")):
        with pytest.raises(ValueError, match=expected) as info:
            data.load_upload(_zip_of(members), "x.zip")
        one_sentence(info.value)


def test_arrays_with_nan_or_absurd_shapes():
    for arr, expected in ((np.full((3, 28, 28), np.nan, np.float32), "NaN"),
                          (np.zeros((2, 2), np.float32), None),
                          (np.zeros(5, np.float32), "shape")):
        buf = io.BytesIO()
        np.save(buf, arr)
        with pytest.raises(ValueError, match=expected) as info:
            data.load_upload(buf.getvalue(), "x.npy")
        one_sentence(info.value)
    # a .npy header declaring a 1-terapixel array: refused from the header, nothing allocated
    header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000, 1000), }"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header) + 1) + header + b"\n" + b"\0" * 64
    growth, err = peak_growth_mb(data.load_upload, npy, "x.npy")
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
