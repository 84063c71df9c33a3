"""ganviz.evaluation: degraded real sets (against scipy), generator loading and sampling, pretrained discovery."""

import json

import numpy as np
import pytest
import scipy.ndimage
import torch

from ganviz import checkpoint
from ganviz import evaluation as E
from ganviz.convnets import ImageGANSpec, build_gan


def test_gaussian_blur_matches_scipy():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (3, 28, 28))
    for sigma in (0.5, 1.3):
        r = int(np.ceil(3 * sigma))
        ours = E.gaussian_blur(torch.from_numpy(x).unsqueeze(1), sigma)[:, 0].numpy()
        ref = np.stack([scipy.ndimage.gaussian_filter(im, sigma, mode="mirror", truncate=r / sigma) for im in x])
        np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_degrade_drops_classes_and_adds_seeded_noise():
    labels = np.repeat(np.arange(10), 50)
    images = (labels[:, None, None] * 25 * np.ones((1, 28, 28))).astype(np.uint8)  # each class its own grey
    x, replaced = E.degrade(images, labels, 200, drop_classes=[0, 1, 2, 3, 4])
    greys = np.unique(np.round((x[:, 0, 0, 0].numpy() + 1) * 127.5))
    assert set(greys) == {125, 150, 175, 200, 225} and not replaced
    x2, replaced2 = E.degrade(images, labels, 300, drop_classes=list(range(9)))
    assert replaced2 and x2.shape == (300, 1, 28, 28)
    clean, _ = E.degrade(images, labels, 100, seed=3)
    noisy, _ = E.degrade(images, labels, 100, noise=0.2, seed=3)
    again, _ = E.degrade(images, labels, 100, noise=0.2, seed=3)
    assert torch.equal(noisy, again)
    inner = (noisy - clean)[clean.abs() < 0.7]  # away from the clipping at ±1
    assert float(inner.std()) == pytest.approx(0.2, rel=0.05)
    with pytest.raises(ValueError, match="keep at least one class"):
        E.degrade(images, labels, 10, drop_classes=range(10))


def test_generator_round_trip_through_run_folder_and_models_pair(tmp_path):
    spec = ImageGANSpec(model="dcgan", z_dim=16, width=8)
    G, D = build_gan(spec, seed=0)
    config = checkpoint.make_config(spec, data={"name": "mnist"})
    checkpoint.save(tmp_path / "run", G, D, config)
    G1, cfg1 = E.load_generator(tmp_path / "run")
    a = E.sample_generator(G1, cfg1, 20, seed=4)
    b = E.sample_generator(G.eval(), config, 20, seed=4, batch_size=6)
    assert a.shape == (20, 1, 28, 28) and torch.allclose(a, b, atol=1e-6)
    assert E.gan_dataset(cfg1) == "mnist"
    # a models/ pair <stem>.json + <stem>.safetensors, found by pretrained_gans when "kind": "gan"
    models = tmp_path / "models"
    models.mkdir()
    (models / "dcgan_tiny.json").write_text(json.dumps({**config, "kind": "gan"}))
    (models / "dcgan_tiny.safetensors").write_bytes((tmp_path / "run" / checkpoint.WEIGHTS).read_bytes())
    (models / "classifier_x.json").write_text(json.dumps({"kind": "classifier"}))
    (models / "broken.json").write_text("{")
    found = E.pretrained_gans(models)
    assert [g.name for g in found] == ["dcgan_tiny"] and found[0].dataset == "mnist"
    G2, _ = E.load_generator(found[0].config_path)
    assert torch.allclose(E.sample_generator(G2, config, 20, seed=4), a, atol=1e-6)
    with pytest.raises(ValueError):
        E.load_generator(tmp_path / "missing")
    with pytest.raises(ValueError, match="between 1 and"):
        E.sample_generator(G, config, 0)
