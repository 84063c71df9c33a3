"""ganviz.images.checkpoint: exact round trips (folder, zip file, zip bytes) and validation of bad checkpoints."""
import io
import json
import zipfile

import pytest
import torch
from safetensors.torch import load as st_load
from safetensors.torch import load_file, save

from ganviz.images import checkpoint
from ganviz.images.nets import build_gan
from ganviz.images.spec import ImageGANSpec


def trained_pair(spec):
    """Nets whose BatchNorm running statistics moved away from their init (so buffers must round-trip too)."""
    G, D = build_gan(spec, seed=0)
    G.train()
    D.train()
    y = torch.arange(16) % 10 if spec.num_classes else None
    with torch.no_grad():
        for _ in range(3):
            x = G(torch.randn(16, spec.z_dim), y) if y is not None else G(torch.randn(16, spec.z_dim))
            D(x, y) if y is not None else D(x)
    return G.eval(), D.eval()


@pytest.mark.parametrize("spec", [ImageGANSpec(width=8), ImageGANSpec(model="mlp", hidden_g=(16,), hidden_d=(16,)),
                                  ImageGANSpec(width=8, num_classes=10, spectral_norm=True),
                                  ImageGANSpec(width=8, depth=1, d_norm="none", spectral_norm=True)])
def test_round_trip_reproduces_samples_exactly(tmp_path, spec):
    G, D = trained_pair(spec)
    cfg = checkpoint.make_config(spec, step=42, train={"loss": "hinge"})
    checkpoint.save(tmp_path / "run", G, D, cfg)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["config.json", "model.safetensors"]
    z = torch.randn(9, spec.z_dim, generator=torch.Generator().manual_seed(5))
    y = torch.arange(9) % 10 if spec.num_classes else None
    args = (z, y) if y is not None else (z,)
    for source in (tmp_path / "run", checkpoint.to_zip(G, D, cfg)):
        G2, D2, cfg2 = checkpoint.load(source)
        assert cfg2 == json.loads(json.dumps(cfg)) and cfg2["step"] == 42
        assert torch.equal(G(*args), G2(*args))
        x = G(*args)
        assert torch.equal(D(x, y) if y is not None else D(x), D2(x, y) if y is not None else D2(x))
        for (k, a), (k2, b) in zip(G.state_dict().items(), G2.state_dict().items(), strict=True):
            assert k == k2 and torch.equal(a, b)  # running means/vars and num_batches_tracked included


def test_generator_only_and_zip_on_disk(tmp_path):
    spec = ImageGANSpec(width=8)
    G, _ = trained_pair(spec)
    blob = checkpoint.to_zip(G, None, checkpoint.make_config(spec))
    (tmp_path / "g.zip").write_bytes(blob)
    G2, D2, _ = checkpoint.load(tmp_path / "g.zip")
    assert D2 is None
    z = torch.randn(3, 100)
    assert torch.equal(G(z), G2(z))
    with zipfile.ZipFile(io.BytesIO(blob)) as zf:
        names = list(st_load(zf.read("model.safetensors")))
    assert names and all(n.startswith("G.") for n in names)


def folder(tmp_path, spec=ImageGANSpec(width=8)):
    G, D = build_gan(spec, seed=0)
    return checkpoint.save(tmp_path / "ck", G, D, checkpoint.make_config(spec))


def test_missing_files(tmp_path):
    f = folder(tmp_path)
    (f / "config.json").unlink()
    with pytest.raises(ValueError, match="has no config.json"):
        checkpoint.load(f)
    with pytest.raises(ValueError, match="No checkpoint"):
        checkpoint.load(tmp_path / "nowhere")


@pytest.mark.parametrize("text, words", [
    ("{not json", "not valid JSON"),
    ('{"model": {}}', "not a ganviz checkpoint"),
    ('{"format": "ganviz-gan", "version": 99, "model": {}}', "version 99"),
    ('{"format": "ganviz-gan", "version": 1, "model": {"model": "dcgan", "evil": "os.system"}}',
     "Unknown model setting"),
    ('{"format": "ganviz-gan", "version": 1, "model": {"model": "dcgan", "width": 16}}', "shape"),
    ('{"format": "ganviz-gan", "version": 1, "model": {"model": "mlp"}}', "missing tensor|unexpected tensor"),
])
def test_malformed_or_mismatched_config(tmp_path, text, words):
    f = folder(tmp_path)
    (f / "config.json").write_text(text)
    with pytest.raises(ValueError, match=words):
        checkpoint.load(f)


def test_weights_that_are_not_safetensors_or_are_wrong(tmp_path):
    f = folder(tmp_path)
    good = (f / "model.safetensors").read_bytes()
    (f / "model.safetensors").write_bytes(b"\x80\x04\x95 a pickle, not safetensors")
    with pytest.raises(ValueError, match="not a valid safetensors"):
        checkpoint.load(f)
    tensors = st_load(good)
    for mutate, words in [
        (lambda t: t.pop("G.project.0.weight"), "missing tensor G.project.0.weight"),
        (lambda t: t.update({"G.extra": torch.zeros(1)}), "unexpected tensor G.extra"),
        (lambda t: t.update({"X.y": torch.zeros(1)}), "unexpected tensors"),
        (lambda t: t.update({"D.out.bias": torch.zeros(2)}), r"shape \(2,\), expected \(1,\)"),
        (lambda t: t.update({"D.out.bias": torch.tensor([float("nan")])}), "NaN"),
        (lambda t: t.update({"D.out.bias": torch.tensor([1], dtype=torch.int32)}), "dtype"),
    ]:
        t = dict(tensors)
        mutate(t)
        (f / "model.safetensors").write_bytes(save(t))
        with pytest.raises(ValueError, match=words):
            checkpoint.load(f)


def test_size_caps(tmp_path, monkeypatch):
    f = folder(tmp_path)
    monkeypatch.setattr(checkpoint, "MAX_WEIGHTS_BYTES", 1000)
    with pytest.raises(ValueError, match="limit"):
        checkpoint.load(f)
    with pytest.raises(ValueError, match="larger than"):
        spec = ImageGANSpec(width=8)
        checkpoint.load_zip(checkpoint.to_zip(*build_gan(spec), checkpoint.make_config(spec)))


def test_bad_zips():
    with pytest.raises(ValueError, match="not a zip"):
        checkpoint.load(b"definitely not a zip")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", "{}")
    with pytest.raises(ValueError, match="no model.safetensors"):
        checkpoint.load(buf.getvalue())


def test_save_refuses_unreadable_configs(tmp_path):
    G, D = build_gan(ImageGANSpec(width=8))
    with pytest.raises(ValueError, match="model"):
        checkpoint.save(tmp_path / "x", G, D, {"model": {"model": "nope"}})
    with pytest.raises(ValueError, match="plain JSON"):
        checkpoint.save(tmp_path / "x", G, D, checkpoint.make_config(ImageGANSpec(width=8), bad=float("nan")))


def test_file_is_plain_safetensors(tmp_path):
    f = folder(tmp_path)
    names = load_file(f / "model.safetensors")
    assert "G.project.0.weight" in names and "D.out.weight" in names
