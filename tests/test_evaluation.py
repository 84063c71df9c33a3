"""ganviz.scoring.evaluation: degraded real sets (against scipy) and seeded sampling of generators for evaluation."""

import json

import numpy as np
import pytest
import scipy.ndimage
import scipy.stats
import torch

from ganviz.images import checkpoint, pretrained
from ganviz.images.nets import build_gan
from ganviz.images.spec import ImageGANSpec
from ganviz.scoring import evaluation as E


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


def test_sample_generator_is_seeded_balanced_and_matches_pretrained_sampling(tmp_path):
    spec = ImageGANSpec(model="dcgan", z_dim=16, width=8, num_classes=10)
    G, D = build_gan(spec, seed=0)
    config = checkpoint.make_config(spec, data={"name": "mnist"})
    checkpoint.save(tmp_path / "run", G, D, config)
    G1, cfg1 = pretrained.load(tmp_path / "run")
    a = E.sample_generator(G1, cfg1, 25, seed=4)
    b = E.sample_generator(G.eval(), config, 25, seed=4, batch_size=6)
    assert a.shape == (25, 1, 28, 28) and torch.allclose(a, b, atol=1e-6)
    z, y = pretrained.sample_z(25, 16, 4), torch.arange(25) % 10  # balanced labels 0..9, 0..9, 0..4
    assert torch.allclose(a, pretrained.generate(G1, z, y), atol=1e-6)
    assert not torch.allclose(a, E.sample_generator(G1, cfg1, 25, seed=5))
    assert E.gan_dataset(cfg1) == "mnist"
    with pytest.raises(ValueError, match="between 1 and"):
        E.sample_generator(G, config, 0)


def test_shipped_gans_load_and_sample_finite_images():
    shipped = pretrained.list_models()
    if not shipped:
        pytest.skip("no GAN shipped in models/")
    for info in shipped:
        G, cfg = pretrained.load(info.path)
        x = E.sample_generator(G, cfg, 20, seed=0)
        # the same pictures as G on seed 0's z (uniforms through Φ⁻¹, cut at ±8), balanced labels if conditional
        model = cfg["model"]
        u = torch.rand(20, model.get("z_dim", 100), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
        lo = scipy.stats.norm.cdf(-8.0)
        eps = torch.from_numpy(scipy.stats.norm.ppf(lo + u.numpy() * (1 - 2 * lo))).float()
        prior = pretrained.latent_prior(cfg)
        if prior is not None and prior.kind == "mixture":
            k = torch.randint(0, prior.components, (20,), generator=torch.Generator().manual_seed(1_000_003))
            eps = prior.centres[k] + prior.sd * eps
        y = torch.arange(20) % model["num_classes"] if model.get("num_classes") else None
        G.eval()
        with torch.no_grad():
            want = (G(eps) if y is None else G(eps, y)).reshape(-1, 1, 28, 28)
        assert x.shape == (20, 1, 28, 28)
        torch.testing.assert_close(x, want, atol=1e-5, rtol=0)
        assert E.gan_dataset(cfg) == info.dataset


def test_cli_eval_of_a_real_split_writes_the_metrics_of_that_subset(tmp_path):
    from ganviz.__main__ import main
    from ganviz.images import datasets
    from ganviz.scoring import classifier as C
    from ganviz.scoring import metrics as M
    if not C.classifier_path("mnist").with_suffix(".safetensors").is_file():
        pytest.skip("no shipped MNIST classifier")
    out = tmp_path / "scores.json"
    assert main(["eval", "--real", "train", "--data", "mnist", "--n", "1000", "--seed", "3", "--threads", "1",
                 "--json", str(out)]) == 0
    got = json.loads(out.read_text())
    train = datasets.load_images("mnist", "train")
    keep = np.random.default_rng(3).choice(len(train), 1000, replace=False)
    feats, probs = C.load_classifier("mnist").extract(train.images[keep])
    ref = C.load_reference("mnist", "test")
    assert got["N"] == 1000 and got["IS"] == pytest.approx(M.inception_score(probs, 10, 3)[0], rel=1e-9)
    assert got["FID"] == pytest.approx(M.frechet_distance(*M.feature_stats(feats), ref.mu, ref.sigma), rel=1e-6)
    assert 0 < got["precision"] <= 1 and 0 < got["recall"] <= 1 and len(got["class_hist"]) == 10
