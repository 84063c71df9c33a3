"""The VAE (ganviz.beyond.vae) and the VAE-vs-GAN measures (ganviz.beyond.vae_gan) against closed forms and brute
force."""
from __future__ import annotations

import itertools
import json
import pickle

import numpy as np
import pytest
import torch
from safetensors import safe_open
from scipy import ndimage, stats
from scipy.special import expit, xlogy

from ganviz.beyond import vae, vae_gan
from ganviz.images import datasets, pretrained, tensors
from ganviz.plots import vae as plots_vae
from ganviz.scoring import metrics
from tests.helpers import validated

SHIPPED = ("mnist", "fashion-mnist")


# ------------------------------------------------------------------------------------------------ ELBO
def test_gaussian_kl_matches_the_closed_form_torch_and_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(5, 3, generator=g, dtype=torch.float64)
    logvar = torch.randn(5, 3, generator=g, dtype=torch.float64)
    got = vae.gaussian_kl(mu, logvar).numpy()
    sd = np.exp(0.5 * logvar.numpy())
    # per coordinate: log(1/σ) + (σ² + μ²)/2 − 1/2, summed
    closed = (np.log(1 / sd) + (sd ** 2 + mu.numpy() ** 2) / 2 - 0.5).sum(1)
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(mu, torch.from_numpy(sd)),
                                            torch.distributions.Normal(0.0, 1.0)).sum(1).numpy()
    np.testing.assert_allclose(got, closed, rtol=1e-12)
    np.testing.assert_allclose(got, ref, rtol=1e-10)
    # Monte Carlo: E_q[log q(z) − log p(z)] with scipy's densities
    rng = np.random.default_rng(1)
    z = mu.numpy()[0] + sd[0] * rng.standard_normal((400_000, 3))
    mc = (stats.norm.logpdf(z, mu.numpy()[0], sd[0]) - stats.norm.logpdf(z)).sum(1).mean()
    assert mc == pytest.approx(got[0], abs=0.02)


def test_kl_is_zero_only_at_the_prior():
    assert vae.gaussian_kl(torch.zeros(1, 4), torch.zeros(1, 4)).item() == 0.0
    assert vae.gaussian_kl(torch.full((1, 4), 0.1), torch.zeros(1, 4)).item() == pytest.approx(4 * 0.005)


def test_bernoulli_log_likelihood_against_numpy():
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(3, 1, 4, 4, generator=g, dtype=torch.float64) * 3
    x = torch.rand(3, 1, 4, 4, generator=g, dtype=torch.float64)
    p = expit(logits.numpy())
    ref = (xlogy(x.numpy(), p) + xlogy(1 - x.numpy(), 1 - p)).reshape(3, -1).sum(1)
    np.testing.assert_allclose(vae.bernoulli_log_likelihood(logits, x).numpy(), ref, rtol=1e-10)


def test_elbo_terms_against_an_independent_recomputation():
    torch.manual_seed(0)
    model = vae.ConvVAE(vae.VAESpec(z_dim=4, width=8)).double()
    g = torch.Generator().manual_seed(3)
    x = torch.rand(6, 1, 28, 28, generator=g, dtype=torch.float64)
    eps = torch.randn(6, 4, generator=g, dtype=torch.float64)
    with torch.no_grad():
        recon, kl = vae.elbo_terms(model, x, eps)
        h = model.enc_out(model.enc(x))
    mu, logvar = h[:, :4], h[:, 4:]
    z = mu.numpy() + np.exp(0.5 * logvar.numpy()) * eps.numpy()
    with torch.no_grad():
        logits = model.decode_logits(torch.from_numpy(z)).numpy()
    p, xn = expit(logits), x.numpy()
    ref_recon = -(xn * np.log(p) + (1 - xn) * np.log1p(-p)).reshape(6, -1).sum(1)
    m, lv = mu.detach().numpy(), logvar.detach().numpy()
    ref_kl = 0.5 * (m ** 2 + np.exp(lv) - lv - 1).sum(1)
    np.testing.assert_allclose(recon.detach().numpy(), ref_recon, rtol=1e-8)
    np.testing.assert_allclose(kl.detach().numpy(), ref_kl, rtol=1e-10)


# ---------------------------------------------------------------------------------------------- trainer
def _digits():
    return datasets.load_images("digits8x8", "train").images


def test_same_seed_same_run_and_training_lowers_the_negative_elbo():
    spec, cfg = vae.VAESpec(z_dim=4, width=8), vae.VAEConfig(lr=3e-3, batch_size=32, seed=5)
    runs = []
    for seed in (5, 5, 6):
        t = vae.build_vae_trainer(_digits(), spec, vae.VAEConfig(**{**cfg.to_dict(), "seed": seed}))
        for _ in range(120):
            t.step()
        runs.append(t.history.arrays())
    assert np.array_equal(runs[0]["neg_elbo"][1], runs[1]["neg_elbo"][1])
    assert not np.array_equal(runs[0]["neg_elbo"][1], runs[2]["neg_elbo"][1])
    steps, v = runs[0]["neg_elbo"]
    assert list(steps[:3]) == [1, 2, 3]
    np.testing.assert_allclose(v, runs[0]["recon"][1] + runs[0]["kl"][1])
    assert v[-20:].mean() < 0.6 * v[:20].mean()


def test_beta_weights_the_kl_in_the_gradient_but_not_in_the_history():
    """β = 0: the KL gets no gradient, so (from the same start) it ends larger than with β = 1."""
    spec = vae.VAESpec(z_dim=4, width=8)
    kls = []
    for beta in (0.0, 1.0):
        t = vae.build_vae_trainer(_digits(), spec, vae.VAEConfig(lr=3e-3, batch_size=32, beta=beta, seed=1))
        for _ in range(80):
            t.step()
        kls.append(t.history.arrays()["kl"][1][-20:].mean())
    assert kls[0] > 2 * kls[1]


def test_update_changes_live_fields_and_refuses_others():
    t = vae.build_vae_trainer(_digits(), vae.VAESpec(z_dim=2, width=4), vae.VAEConfig(batch_size=8))
    t.update(lr=5e-4, beta=2.0, batch_size=16)
    assert t.opt.param_groups[0]["lr"] == 5e-4 and t.config.beta == 2.0 and t.config.batch_size == 16
    with pytest.raises(ValueError, match="cannot change"):
        t.update(seed=3)
    for bad in (dict(lr=0.0), dict(lr=float("nan")), dict(batch_size=1), dict(beta=-1.0)):
        with pytest.raises(ValueError):
            vae.VAEConfig(**bad)
    for bad in (dict(z_dim=0), dict(width=1000), dict(z_dim=2.5)):
        with pytest.raises(ValueError):
            vae.VAESpec(**bad)


def test_live_run_steps_exactly_and_its_factory_pickles():
    run = vae.live_vae_run(_digits(), vae.VAESpec(z_dim=2, width=4), vae.VAEConfig(batch_size=8, seed=2))
    try:
        pickle.dumps(run._make)  # issue 17's worker processes need a picklable factory
        run.step(3)
        snap = run.snapshot()
        assert snap.step == 3 and set(snap.history) >= {"recon", "kl", "neg_elbo"}
        assert snap.view["samples"].shape == (8 * 30 + 2, 8 * 30 + 2)
        assert snap.view["recon"].shape == (2 * 30 + 2, 8 * 30 + 2)
        run.reset()
        assert run.snapshot().step == 0
    finally:
        run.stop()


# --------------------------------------------------------------------------------------------- measures
def test_laplacian_variance_against_scipy():
    rng = np.random.default_rng(0)
    imgs = rng.integers(0, 256, (7, 28, 28), dtype=np.uint8)
    imgs[0] = 0
    got = vae_gan.laplacian_variance(imgs)
    ref = [ndimage.laplace(im.astype(np.float64) / 255.0).var() for im in imgs]
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-12)
    assert got[0] == 0.0
    # the same images as [−1, 1] floats give the same numbers
    np.testing.assert_allclose(vae_gan.laplacian_variance(tensors.to_tensor(imgs)), ref, rtol=1e-5, atol=1e-10)


def test_blur_lowers_the_sharpness():
    imgs = datasets.load_images("digits8x8", "train").images[:50]
    blurred = ndimage.gaussian_filter(imgs.astype(np.float64), (0, 1.0, 1.0)).round().astype(np.uint8)
    assert vae_gan.laplacian_variance(blurred).mean() < 0.5 * vae_gan.laplacian_variance(imgs).mean()


def test_nearest_distances_against_brute_force():
    rng = np.random.default_rng(1)
    ref = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    q = rng.integers(0, 256, (13, 28, 28), dtype=np.uint8)
    q[3] = ref[17]  # an exact copy
    q[4] = np.clip(ref[5].astype(int) + 1, 0, 255)  # a near copy
    d, i = vae_gan.nearest_distances(q, ref, batch_size=5)
    a, b = q.reshape(13, -1) / 255.0, ref.reshape(40, -1) / 255.0
    full = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))
    np.testing.assert_allclose(d, full.min(1), rtol=1e-7, atol=1e-6)  # float32 pixels, float64 sums
    assert np.array_equal(i, full.argmin(1))
    assert d[3] < 1e-6 and i[3] == 17 and i[4] == 5


def _kendall_brute(x):
    pairs = list(itertools.combinations(range(len(x)), 2))
    s = sum(np.sign(j - i) * np.sign(x[j] - x[i]) for i, j in pairs)
    return s / len(pairs)


def test_trend_against_brute_force_kendall_tau():
    rng = np.random.default_rng(2)
    down = np.linspace(100, 10, 400)
    t = vae_gan.trend(down)
    assert t["tau"] == pytest.approx(-1.0) and t["falls"] == 1.0 and t["first"] > t["last"]
    assert vae_gan.trend(down[::-1])["tau"] == pytest.approx(1.0)
    noisy = rng.standard_normal(400)
    means = np.array([c.mean() for c in np.array_split(noisy, 20)])
    t = vae_gan.trend(noisy)
    assert t["tau"] == pytest.approx(_kendall_brute(means))
    assert t["falls"] == pytest.approx((np.diff(means) < 0).mean())
    with pytest.raises(ValueError):
        vae_gan.trend([1.0, 2.0])


def test_table_rows_have_no_nan_on_screen():
    s = {"IS": 5.0, "FID": float("nan"), "precision": 0.5, "recall": 0.6, "sharpness": 0.1, "nn_median": 5.0,
         "nn_below": 0.01}
    t = {"tau": -1.0, "falls": 1.0}
    result = {"sets": {"real": dict(s), "vae": dict(s), "gan": dict(s)},
              "optimisation": {"vae": t, "gan_d": t, "gan_g": t}}
    rows = vae_gan.table_rows(result)
    assert len(rows) == len(vae_gan.ROWS) + len(vae_gan.OPT_ROWS)
    text = json.dumps(rows)
    assert "nan" not in text.lower() and "inf" not in text.lower()
    assert rows[1]["VAE"] == "—" and rows[0]["VAE"] == "5.00" and rows[-1]["VAE"].startswith("100%")


def test_elbo_figure_draws_the_history():
    hist = {"recon": (np.arange(1, 6), np.arange(5.0)), "kl": (np.arange(1, 6), np.ones(5)),
            "neg_elbo": (np.arange(1, 6), np.arange(5.0) + 1)}
    fig = validated(plots_vae.elbo_figure(hist))
    assert [list(t.y) for t in fig.data] == [[1, 2, 3, 4, 5], [0, 1, 2, 3, 4], [1, 1, 1, 1, 1]]
    assert fig.data[2].yaxis == "y2"
    h = {"step": [1, 2], "neg_elbo": [3.0, 2.0], "loss_d": [1.0, 1.2], "loss_g": [0.7, 0.9]}
    fig = validated(plots_vae.optimisation_figure(h, h))
    assert [t.xaxis for t in fig.data] == ["x", "x2", "x2"]


# ------------------------------------------------------------------------------------------ checkpoints
def _tiny(tmp_path):
    torch.manual_seed(0)
    model = vae.ConvVAE(vae.VAESpec(z_dim=3, width=4))
    stem = vae.save_vae(tmp_path / "v", model, {"note": "x"})
    return model, stem


def test_checkpoint_round_trip_with_safetensors(tmp_path):
    model, stem = _tiny(tmp_path)
    with safe_open(str(stem) + ".safetensors", "pt") as f:
        keys = set(f.keys())
    assert keys == {f"VAE.{k}" for k in model.state_dict()}
    back, cfg = vae.load_vae(stem)
    z = torch.randn(4, 3)
    assert torch.equal(vae.decode_samples(back, z), vae.decode_samples(model, z))
    assert cfg["kind"] == "vae" and cfg["note"] == "x" and cfg["model"] == {"z_dim": 3, "width": 4}


def test_bad_checkpoints_are_refused_with_a_sentence(tmp_path):
    model, stem = _tiny(tmp_path)
    cfg_path, w_path = tmp_path / "v.json", tmp_path / "v.safetensors"
    good_cfg, good_w = cfg_path.read_text(), w_path.read_bytes()

    def expect(match):
        with pytest.raises(ValueError, match=match):
            vae.load_vae(stem)
        cfg_path.write_text(good_cfg)
        w_path.write_bytes(good_w)

    torch.save(model.state_dict(), w_path)  # a pickle, not safetensors
    expect("not a valid safetensors")
    cfg_path.write_text("{not json")
    expect("not valid JSON")
    cfg_path.write_text(json.dumps({**json.loads(good_cfg), "format": "ganviz-gan"}))
    expect("not a ganviz VAE")
    cfg_path.write_text(json.dumps({**json.loads(good_cfg), "version": 9}))
    expect("version")
    cfg_path.write_text(json.dumps({**json.loads(good_cfg), "model": {"z_dim": 3, "width": 4, "evil": 1}}))
    expect("unknown model setting")
    cfg_path.write_text(json.dumps({**json.loads(good_cfg), "model": {"z_dim": 5, "width": 4}}))
    expect("shape")
    from safetensors.torch import save as st_save
    state = {f"VAE.{k}": v.clone() for k, v in model.state_dict().items()}
    bad = dict(state)
    bad["VAE.enc_out.bias"] = torch.full_like(bad["VAE.enc_out.bias"], float("nan"))
    w_path.write_bytes(st_save(bad))
    expect("NaN")
    w_path.write_bytes(st_save({**state, "G.extra": torch.zeros(1)}))
    expect("unexpected")
    w_path.unlink()
    with pytest.raises(ValueError, match="need both"):
        vae.load_vae(stem)


def test_cli_trains_and_saves_a_loadable_vae(tmp_path):
    from ganviz.__main__ import main
    out = tmp_path / "cli_vae"
    assert main(["train-vae", "--data", "digits8x8", "--steps", "30", "--batch", "16", "--z-dim", "2",
                 "--width", "4", "--quiet", "--out", str(out)]) == 0
    model, cfg = vae.load_vae(out)
    assert cfg["step"] == 30 and cfg["data"]["name"] == "digits8x8" and model.spec.z_dim == 2
    h = cfg["history"]
    assert len(h["step"]) == 30 and np.allclose(np.add(h["recon"], h["kl"]), h["neg_elbo"], atol=2e-4)
    assert main(["train-vae", "--data", "digits8x8", "--steps", "0", "--out", str(out)]) == 2


# ------------------------------------------------------------------------------------------ shipped VAEs
@pytest.mark.parametrize("dataset", SHIPPED)
def test_shipped_vae_is_small_safetensors_with_its_command(dataset):
    stem = vae.vae_path(dataset)
    assert stem.with_suffix(".safetensors").stat().st_size <= 2_000_000
    model, cfg = vae.load_vae(stem)
    assert dataset in vae.list_vaes()
    assert cfg["command"].startswith(f"python -m ganviz train-vae --data {dataset} --data-dir .device/data/gan")
    assert cfg["data"]["n"] == {"mnist": 10_000, "fashion-mnist": 60_000}[dataset]  # the DCGANs' training sets
    assert cfg["step"] == cfg["history"]["step"][-1]


@pytest.mark.parametrize("dataset", SHIPPED)
def test_shipped_vae_reproduces_its_recorded_elbo_on_a_subset(dataset):
    """−ELBO of 1,000 random training images (one ε each) ≈ the recorded end of training (chunk mean of the last
    steps)."""
    model, cfg = vae.load_vae(vae.vae_path(dataset))
    try:
        images = datasets.load_images(dataset, "train").images
    except FileNotFoundError:
        pytest.skip(f"no {dataset} training images here")
    images = images[np.random.default_rng(0).choice(len(images), 1000, replace=False)]  # all classes
    x = vae.to_unit(tensors.to_tensor(images))
    eps = torch.randn(len(x), model.spec.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        recon, kl = vae.elbo_terms(model, x, eps)
    recorded = cfg["history"]
    assert (recon + kl).mean().item() == pytest.approx(recorded["neg_elbo"][-1], rel=0.06)
    assert kl.mean().item() == pytest.approx(recorded["kl"][-1], rel=0.1)


@pytest.mark.parametrize("dataset", SHIPPED)
def test_table_figures_reproduce_on_a_subset(dataset):
    """The first 1,000 of the table's 10,000 seed-0 VAE samples (same draws) give its sharpness and IS."""
    from ganviz.scoring import classifier as C
    result = json.loads((pretrained.MODELS_DIR / "vae_vs_gan.json").read_text())[dataset]
    model, _ = vae.load_vae(vae.vae_path(dataset))
    z_small = pretrained.sample_z(1000, model.spec.z_dim, result["seed"])
    assert torch.equal(z_small, pretrained.sample_z(10_000, model.spec.z_dim, result["seed"])[:1000])
    x = vae.decode_samples(model, z_small)
    vae_row = result["sets"]["vae"]
    assert vae_gan.laplacian_variance(x).mean() == pytest.approx(vae_row["sharpness"], rel=0.05)
    clf = C.load_classifier(dataset)
    _, probs = clf.extract(x)
    assert metrics.inception_score(probs, 10, 0)[0] == pytest.approx(vae_row["IS"], rel=0.1)
    real = result["sets"]["real"]
    assert vae_row["sharpness"] < real["sharpness"] and result["sets"]["gan"]["sharpness"] > vae_row["sharpness"]
    assert result["optimisation"]["vae"]["tau"] < -0.5


def test_chunk_means_against_a_loop():
    steps, values = np.arange(1, 1001), np.random.default_rng(3).standard_normal(1000)
    s, v = vae.chunk_means(steps, values, 7)
    edges = np.linspace(0, 1000, 8).astype(int)
    assert list(s) == [steps[b - 1] for b in edges[1:]]
    np.testing.assert_allclose(v, [values[a:b].mean() for a, b in zip(edges[:-1], edges[1:], strict=True)])
    s2, v2 = vae.chunk_means(steps[:5], values[:5], 7)
    assert np.array_equal(s2, steps[:5]) and np.array_equal(v2, values[:5])
