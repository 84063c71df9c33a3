"""The shipped DCGANs: they load through ganviz.images.checkpoint, reproduce reference samples for a seed, meet the
conditional-accuracy bar on a small batch (shipped classifiers), and bad checkpoints are refused clearly."""
import io
import json
import zipfile

import numpy as np
import pytest
import scipy.stats
import torch
from safetensors.torch import save as st_save

from ganviz.images import checkpoint, pretrained
from ganviz.images.nets import build_gan
from ganviz.images.spec import ImageGANSpec
from ganviz.scoring.classifier import load_classifier

SHIPPED = ("dcgan_mnist", "dcgan_mnist_gaussian", "dcgan_fashion-mnist", "dcgan_mnist_cond", "dcgan_fashion-mnist_cond")
# G(z)[:, 0, 14, 10:14] of the first images for z = sample_z(4, 100, seed=123) (labels 0..3 if conditional),
# computed on CPU with torch 2.13 when the models were packaged.
REFERENCE = {
    "dcgan_mnist": [-1.0, -0.999993, -0.897682, 0.044483, 0.816174, 0.96992],
    "dcgan_mnist_gaussian": [-0.992538, -0.364476, 0.858773, 0.996705, -0.709329, 0.17078],
    "dcgan_fashion-mnist": [0.527917, 0.382768, 0.463752, 0.434335, -0.349449, -0.788688],
    "dcgan_mnist_cond": [-0.830929, -0.99206, -0.999176, -0.999959, -1.0, -0.999998],
    "dcgan_fashion-mnist_cond": [0.627947, 0.519166, 0.583386, 0.602471, 0.76511, 0.429411],
}


def _load(name):
    return pretrained.load(pretrained.MODELS_DIR / name)


def test_all_shipped_models_are_listed_with_their_kind_and_size():
    models = {m.name: m for m in pretrained.list_models()}
    assert set(SHIPPED) <= set(models)
    for name in SHIPPED:
        m = models[name]
        assert m.conditional == name.endswith("_cond") and m.z_dim == 100
        assert m.dataset == ("fashion-mnist" if "fashion" in name else "mnist")
        assert (pretrained.MODELS_DIR / f"{name}.safetensors").stat().st_size <= 5 * 2**20
        config = json.loads((pretrained.MODELS_DIR / f"{name}.json").read_text())
        assert config["command"].startswith("python -m ganviz train") and config["kind"] == "gan"
    assert models["dcgan_fashion-mnist_cond"].class_names[9] == "Ankle boot"


@pytest.mark.parametrize("name", SHIPPED)
def test_checkpoints_reproduce_reference_samples_for_a_seed(name):
    G, config = _load(name)
    k, prior = config["model"]["num_classes"], pretrained.latent_prior(config)
    z = pretrained.sample_z(4, 100, seed=123, prior=prior)
    x = pretrained.generate(G, z, pretrained.labels_for(4, k))
    assert x.shape == (4, 1, 28, 28) and x.min() >= -1 and x.max() <= 1
    np.testing.assert_allclose(x[:, 0, 14, 10:14].flatten()[:6].numpy(), REFERENCE[name], atol=1e-4)
    G2, _ = _load(name)                       # a fresh load, same seed: bit-identical pictures
    assert torch.equal(x, pretrained.generate(G2, pretrained.sample_z(4, 100, seed=123, prior=prior),
                                              pretrained.labels_for(4, k)))
    assert not G.training                     # BatchNorm in eval mode


def test_eval_mode_samples_do_not_depend_on_the_batch():
    G, _ = _load("dcgan_mnist")
    z = pretrained.sample_z(6, 100, seed=1)
    assert torch.allclose(pretrained.generate(G, z)[:1], pretrained.generate(G, z[:1]), atol=1e-5)


def test_truncated_latents_follow_the_truncated_normal():
    psi = 0.7
    z = pretrained.sample_z(2000, 100, seed=0, truncation=psi).double()
    assert z.abs().max().item() <= psi + 1e-6
    assert z.var().item() == pytest.approx(scipy.stats.truncnorm(-psi, psi).var(), rel=0.02)
    plain = pretrained.sample_z(2000, 100, seed=0)
    assert plain.mean().item() == pytest.approx(0, abs=0.01) and plain.var().item() == pytest.approx(1, abs=0.02)
    assert torch.equal(plain, pretrained.sample_z(2000, 100, seed=0, truncation=pretrained.MAX_TRUNCATION))
    with pytest.raises(ValueError):
        pretrained.sample_z(2, 100, seed=0, truncation=-1.0)


def test_mixture_prior_latents_are_a_centre_plus_the_truncated_noise():
    """With a mixture prior, z = μ_k + s·ε where ε is exactly the N(0, I) (or truncated) draw of the same seed,
    and k is one of the prior's seeded centres; checkpoints record the prior and give the same centres back."""
    spec = ImageGANSpec(z_dim=6, prior="mixture", mixture_k=4, mixture_sd=0.1, prior_seed=3)
    prior = pretrained.latent_prior(checkpoint.make_config(spec))
    assert torch.equal(prior.centres, spec.latent_prior().centres) and prior.centres.shape == (4, 6)
    assert pretrained.latent_prior(checkpoint.make_config(ImageGANSpec())) is None  # N(0, I), as before
    for psi in (None, 0.5):
        z = pretrained.sample_z(300, 6, seed=1, truncation=psi, prior=prior)
        assert torch.equal(z, pretrained.sample_z(300, 6, seed=1, truncation=psi, prior=prior))
        k = torch.cdist(z, prior.centres).argmin(1)
        eps = pretrained.sample_z(300, 6, seed=1, truncation=psi)
        torch.testing.assert_close((z - prior.centres[k]) / 0.1, eps, atol=1e-4, rtol=0)
        assert len(set(k.tolist())) == 4
    with pytest.raises(ValueError, match="mixture"):
        pretrained.sample_z(3, 5, seed=1, prior=prior)


def test_sample_generator_draws_from_the_checkpoints_prior():
    from ganviz.scoring.evaluation import sample_generator
    spec = ImageGANSpec(z_dim=8, width=8, prior="mixture", mixture_k=3, mixture_sd=0.2, prior_seed=1)
    G, _ = build_gan(spec, seed=0)
    config = checkpoint.make_config(spec)
    z = pretrained.sample_z(5, 8, seed=2, prior=spec.latent_prior())
    assert torch.equal(sample_generator(G, config, 5, seed=2), pretrained.generate(G, z))


def _conditional_accuracy(name, per_class=20):
    G, config = _load(name)
    n = 10 * per_class
    y = pretrained.labels_for(n, 10)
    x = pretrained.generate(G, pretrained.sample_z(n, 100, seed=0, prior=pretrained.latent_prior(config)), y)
    return load_classifier(config["data"]["name"]).accuracy(x, y.numpy())


def test_conditional_mnist_generates_the_asked_digit_at_least_95_percent():
    assert _conditional_accuracy("dcgan_mnist_cond") >= 0.95


def test_conditional_fashion_generates_the_asked_class_at_least_95_percent():
    """1,000 samples (100 per class); on 10,000 the model card measures 95.9 % (the classifier itself is 92.75 %
    accurate on real test images)."""
    assert _conditional_accuracy("dcgan_fashion-mnist_cond", per_class=100) >= 0.95


def test_unconditional_mnist_generates_every_digit():
    G, config = _load("dcgan_mnist")
    z = pretrained.sample_z(500, 100, seed=0, prior=pretrained.latent_prior(config))
    pred = load_classifier("mnist").predict(pretrained.generate(G, z))
    assert set(pred.tolist()) == set(range(10))


@pytest.mark.parametrize("name, bar", [("dcgan_mnist", 0.95), ("dcgan_fashion-mnist", 0.9)])
def test_unconditional_models_meet_their_inception_score_bar(name, bar):
    """The issue's bars as the card measures them — 10,000 samples, IS over 10 splits — but from seed 1, not the
    card's seed 0: IS ≥ bar × the real test set's IS with the same classifier; MNIST also max/min class share ≤ 1.5.
    (IS is biased low on fewer samples: 2,000 give MNIST 9.14 for 9.33 on 10,000.)"""
    from ganviz.scoring import classifier, metrics
    from ganviz.scoring.evaluation import sample_generator
    G, config = _load(name)
    dataset = config["data"]["name"]
    probs = load_classifier(dataset).extract(sample_generator(G, config, 10_000, seed=1))[1]
    is_mean, _ = metrics.inception_score(probs, 10, 1)
    assert is_mean >= bar * classifier.reference_inception_score(dataset, "test")[0]
    hist = metrics.class_histogram(probs)
    assert dataset != "mnist" or hist.max() / hist.min() <= 1.5


def test_conditional_generator_without_a_class_is_refused():
    G, _ = _load("dcgan_mnist_cond")
    with pytest.raises(ValueError, match="class-conditional"):
        pretrained.generate(G, pretrained.sample_z(2, 100, 0))
    with pytest.raises(ValueError, match="does not exist"):
        pretrained.labels_for(2, 10, 12)


# ------------------------------------------------------------------------------------ malformed uploads
def _good_pair(width=8):
    spec = ImageGANSpec(width=width)
    G, D = build_gan(spec, seed=0)
    cfg = json.dumps(checkpoint.make_config(spec)).encode()
    weights = st_save({f"G.{k}": v.contiguous() for k, v in G.state_dict().items()})
    return cfg, weights


def test_a_good_safetensors_json_pair_and_a_zip_load():
    cfg, weights = _good_pair()
    G, config = pretrained.load_checkpoint_upload([("g.safetensors", weights), ("g.json", cfg)])
    assert config["model"]["width"] == 8 and not G.training
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", cfg)
        zf.writestr("model.safetensors", weights)
    G2, _ = pretrained.load_checkpoint_upload([("run.zip", buf.getvalue())])
    z = pretrained.sample_z(2, 100, 0)
    assert torch.equal(pretrained.generate(G, z), pretrained.generate(G2, z))


@pytest.mark.parametrize("files, message", [
    ([("model.pt", b"\x80\x04pickle")], "never pickles"),
    ([("g.safetensors", b"not a safetensors file at all"), ("g.json", None)], "not a valid safetensors"),
    ([("g.safetensors", None)], "exactly one .safetensors"),
    ([("g.safetensors", None), ("g.json", b"{not json")], "not valid JSON"),
    ([("g.safetensors", None), ("g.json", b'{"format": "other"}')], "not a ganviz checkpoint"),
    ([("broken.zip", b"PK\x03\x04garbage")], "not a zip"),
    ([], "Upload a checkpoint"),
])
def test_malformed_uploads_get_one_clear_sentence(files, message):
    cfg, weights = _good_pair()
    files = [(n, (weights if n.endswith(".safetensors") else cfg) if b is None else b) for n, b in files]
    with pytest.raises(ValueError, match=message):
        pretrained.load_checkpoint_upload(files)


def test_weights_that_do_not_match_the_config_are_refused():
    cfg16, _ = _good_pair(width=16)
    _, weights8 = _good_pair(width=8)
    with pytest.raises(ValueError, match="shape"):
        pretrained.load_checkpoint_upload([("g.safetensors", weights8), ("g.json", cfg16)])


def test_saved_runs_are_found_and_loaded(tmp_path):
    spec = ImageGANSpec(width=8)
    G, D = build_gan(spec, seed=0)
    checkpoint.save(tmp_path / "my_run", G, D, checkpoint.make_config(spec, data={"name": "mnist"}))
    runs = pretrained.list_runs(tmp_path)
    assert [r.name for r in runs] == ["my_run"] and runs[0].dataset == "mnist"
    G2, _ = pretrained.load(runs[0].path)
    z = pretrained.sample_z(3, 100, 0)
    assert torch.equal(pretrained.generate(G.eval(), z), pretrained.generate(G2, z))
    with pytest.raises(ValueError, match="need both"):
        pretrained.load(tmp_path / "missing_stem")
    # a run trained on a mixture prior is listed with it; a folder with a malformed prior is skipped, not a crash
    mix = ImageGANSpec(width=8, prior="mixture", mixture_k=3, prior_seed=2)
    checkpoint.save(tmp_path / "mix_run", *build_gan(mix, seed=0), checkpoint.make_config(mix))
    bad = tmp_path / "bad_run"
    checkpoint.save(bad, G, D, checkpoint.make_config(spec))
    cfg = json.loads((bad / checkpoint.CONFIG).read_text())
    cfg["model"].update(prior="mixture", mixture_k=-4)
    (bad / checkpoint.CONFIG).write_text(json.dumps(cfg))
    runs = {r.name: r for r in pretrained.list_runs(tmp_path)}
    assert set(runs) == {"my_run", "mix_run"}
    assert torch.equal(runs["mix_run"].prior.centres, mix.latent_prior().centres) and runs["my_run"].prior is None
