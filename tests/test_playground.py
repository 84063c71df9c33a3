"""Tests for ganviz.plane.playground: gradient arrows, D heatmap and manifold against closed forms; settings."""
from dataclasses import replace

import numpy as np
import pytest
import torch

from ganviz.plane import playground, toy


def gen(seed=0):
    return torch.Generator().manual_seed(seed)



def linear_trainer(loss="nonsaturating", pack=1, z_dim=2, prior="normal"):
    """A Trainer whose D is one Linear layer (a = w·x + b) and G one Linear layer: closed forms exist."""
    from ganviz.engine import nets
    from ganviz.engine.trainer import TrainConfig, Trainer

    torch.manual_seed(0)
    G = nets.MLPGenerator(z_dim, 2, hidden=())
    D = nets.MLPDiscriminator(2, hidden=(), pack=pack)
    cfg = TrainConfig(loss=loss, pack=pack, batch_size=12)
    return Trainer(G, D, toy.ring8().sample, cfg, z_dim=z_dim, prior=prior, fixed_n=24)


@pytest.mark.parametrize("loss", ["nonsaturating", "minimax", "lsgan", "wgan-gp", "hinge"])
@pytest.mark.parametrize("pack", [1, 2])
def test_g_loss_gradient_matches_closed_form(loss, pack):
    t = linear_trainer(loss, pack)
    lin = t.D.net[0]
    w, b = lin.weight.detach()[0].double(), lin.bias.detach()[0].double()
    x = torch.randn(9, 2, generator=gen(5))  # 9 points: with pack 2 the last one is left out
    grad = playground.g_loss_gradient(t, x).double()
    used = 9 - 9 % pack
    a = (x[:used].double().reshape(-1, 2 * pack) @ w + b).repeat_interleave(pack)
    dl_da = {"nonsaturating": -(1 - torch.sigmoid(a)), "minimax": -torch.sigmoid(a), "lsgan": a - 1,
             "wgan-gp": -torch.ones_like(a), "hinge": -torch.ones_like(a)}[loss]
    w_part = w.reshape(pack, 2).repeat(used // pack, 1)  # each point meets its own slice of w
    torch.testing.assert_close(grad[:used], dl_da[:, None] * w_part, rtol=1e-5, atol=1e-6)
    assert torch.all(grad[used:] == 0)


@pytest.mark.parametrize("pack", [1, 3])
def test_d_on_grid_closed_form(pack):
    t = linear_trainer("nonsaturating", pack)
    lin = t.D.net[0]
    w, b = lin.weight.detach()[0].double(), lin.bias.detach()[0].double()
    axis, d = playground.d_on_plane(t, (-3, 3), n=5)
    np.testing.assert_allclose(axis, np.linspace(-3, 3, 5), atol=1e-6)
    wsum = w.reshape(pack, 2).sum(0).numpy()  # m copies of the point
    xx, yy = np.meshgrid(axis, axis)
    expected = 1 / (1 + np.exp(-(wsum[0] * xx + wsum[1] * yy + b.item())))
    np.testing.assert_allclose(d, expected, rtol=1e-5)


def test_latent_grid_lines():
    lines = playground.latent_grid_lines(3, "normal", n_lines=5, n_points=7)
    assert lines.shape == (10, 7, 3) and torch.all(lines[..., 2] == 0)
    assert lines[..., :2].min() == -2.5 and lines[..., :2].max() == 2.5
    torch.testing.assert_close(lines[0, :, 0], torch.linspace(-2.5, 2.5, 7))
    one = playground.latent_grid_lines(1, "uniform", n_points=4)
    torch.testing.assert_close(one.reshape(-1), torch.linspace(-1, 1, 4))


def test_playground_view_values():
    t = linear_trainer()
    view = playground.PlaygroundView(toy.ring8(), n_real=50, grid_n=8, n_arrows=10)(t)
    lin = t.G.net[0]
    A, c = lin.weight.detach(), lin.bias.detach()
    torch.testing.assert_close(torch.as_tensor(view["fake"]), t.fixed_z @ A.T + c)
    lines = playground.latent_grid_lines(2, "normal")
    torch.testing.assert_close(torch.as_tensor(view["manifold"]), lines @ A.T + c)
    torch.testing.assert_close(torch.as_tensor(view["grad"]), -playground.g_loss_gradient(t, t.generate()[:10]))
    assert view["real"].shape == (50, 2) and view["d_grid"].shape == (8, 8) and view["step"] == 0


def test_mode_metric_fn_records_without_touching_the_run():
    t = linear_trainer()
    fn = playground.ModeMetricFn(toy.ring8(), n=300)
    state = t.rng.get_state()
    out = fn(t)
    assert torch.equal(state, t.rng.get_state())  # evaluation noise has its own seed
    fake = t.generate(fn.eval_z(t)).numpy()
    d = toy.ring8()
    expected = toy.mode_metrics(fake, d.centres, d.sigma)
    assert out["hq_fraction"] == expected["hq_fraction"] and out["reverse_kl"] == expected["reverse_kl"]
    assert out["diversity"] == pytest.approx(toy.diversity(fake, fn.real))
    assert set(playground.ModeMetricFn(toy.spiral(), n=50)(t)) == {"diversity"}




def test_config_remedies_map_to_trainer_settings():
    c = playground.PlaygroundConfig(remedy="pacgan", remedy_param=3, batch_size=256)
    tc = c.train_config()
    assert tc.pack == 3 and tc.batch_size == 255 and tc.unroll == 0
    assert playground.PlaygroundConfig(remedy="unrolled", remedy_param=5).train_config().unroll == 5
    w = playground.PlaygroundConfig(remedy="wgan-gp", loss="minimax")
    assert w.train_config().loss == "wgan-gp" and w.train_config().betas == (0.5, 0.9)
    # nets change => new key; lr / loss / k / unroll apply live
    base = playground.PlaygroundConfig()
    assert base.nets_key() == playground.PlaygroundConfig(lr_g=1e-2, loss="hinge", k=3).nets_key()
    assert base.nets_key() != playground.PlaygroundConfig(width=64).nets_key()
    assert base.nets_key() != playground.PlaygroundConfig(remedy="spectral_norm").nets_key()
    assert playground.PlaygroundConfig(lr_d=3e-4).live_changes()["lr_d"] == 3e-4


@pytest.mark.parametrize("bad", [dict(remedy="pacgan", remedy_param=1), dict(remedy="magic"),
                                 dict(lr_g=-1.0), dict(width=0), dict(activation="sigmoid"),
                                 dict(loss="nope"), dict(remedy="unrolled", remedy_param=0)])
def test_config_rejects_bad_settings(bad):
    with pytest.raises(ValueError):
        playground.PlaygroundConfig(**bad)


def test_build_trainer_remedies_and_metrics():
    c = playground.PlaygroundConfig(remedy="spectral_norm", hidden_layers=1, width=8, batch_size=16)
    t = playground.build_trainer(c, metric_every=2, metric_n=100)
    assert any("parametrizations" in name for name, _ in t.D.named_modules())
    t.step(), t.step()
    h = t.history.arrays()
    assert list(h["hq_fraction"][0]) == [2] and "modes_covered" in h and "diversity" in h
    p = playground.build_trainer(playground.PlaygroundConfig(remedy="pacgan", remedy_param=4, width=8,
                                                             batch_size=16), metric_every=0)
    assert p.D.net[0].in_features == 8  # 4 packed 2-D samples
    p.step()
    assert "hq_fraction" not in p.history.arrays()
    # same seed, same run
    a = playground.build_trainer(c, metric_every=0)
    b = playground.build_trainer(c, metric_every=0)
    for _ in range(3):
        a.step(), b.step()
    assert torch.equal(a.generate(), b.generate())


def top_mode_share(trainer, dataset) -> tuple[int, float]:
    """The mode most fixed fakes are nearest to, and their share."""
    idx, _ = toy.nearest_mode(trainer.generate().numpy(), dataset.centres)
    counts = np.bincount(idx, minlength=len(dataset.centres))
    return int(counts.argmax()), float(counts.max() / counts.sum())


def run_preset(name, steps, every=250):
    story, cfg = playground.PRESETS[name]
    dataset = toy.DATASETS[cfg.dataset]()
    t = playground.build_trainer(cfg, dataset, metric_every=every, metric_n=1000)
    tops = []
    for _ in range(steps // every):
        for _ in range(every):
            t.step()
        tops.append(top_mode_share(t, dataset))
    return t, tops


@pytest.mark.slow
def test_presets_tell_their_story():
    torch.set_num_threads(1)
    # healthy: D(x), D(G(z)) meet at ½, both blobs covered with high-quality samples
    t, _ = run_preset("Healthy NS-GAN", 2000)
    h = t.history
    assert abs(np.mean(h.tail("d_real", 200)) - 0.5) < 0.05 and abs(np.mean(h.tail("d_fake", 200)) - 0.5) < 0.05
    assert h.last("modes_covered") == 2 and h.last("hq_fraction") > 0.9
    # collapse: most fakes sit at one mode, and that mode keeps changing (rotation)
    t, tops = run_preset("Mode collapse: vanilla GAN rotates through the ring", 3000)
    shares = [s for _, s in tops]
    assert np.median(shares) >= 0.4
    assert len({m for m, _ in tops}) >= 4
    assert t.history.last("reverse_kl") > 0.5
    # D wins: the detector fires, D(G(z)) ≈ 0, G gets no signal
    t, _ = run_preset("Saturating loss: D wins", 500)
    assert any(e.kind == "d_wins" for e in t.events)
    assert t.history.last("d_fake") < 0.01 and t.history.last("d_real") > 0.99
    # the remedy presets' promises: test_preset_keeps_its_promise; the best preset's: test_best_preset_…


def promise_metrics(name, dataset_name, seed, steps=None):
    """The preset's settings on ``dataset_name`` with ``seed``, trained for its promised steps (or ``steps``), scored
    like the bench (bench/mode_collapse.py run_one: 2,500 samples from evaluation noise seeded 10,000 + seed)."""
    torch.set_num_threads(1)
    cfg = replace(playground.PRESETS[name][1], dataset=dataset_name, seed=seed)
    dataset = toy.DATASETS[dataset_name]()
    t = playground.build_trainer(cfg, dataset, fixed_n=8, metric_every=0)
    for _ in range(steps or playground.PROMISES[name].steps):
        t.step()
    z = t.latent.sample(2500, torch.Generator().manual_seed(10_000 + seed))
    return toy.mode_metrics(t.generate(z).numpy(), dataset.centres, dataset.sigma)


# The CI subset: one (preset, dataset, seed) per promise would take ~25 s each on an idle core, so only this
# one runs by default; the others (2 seeds × both datasets per preset) are marked slow. The 10-seed table is
# bench/mode_collapse.py --budget (bench/RESULTS.md).
CI_PROMISES = {(playground.LATENT_PRESET, "grid-25", 2)}
PROMISE_SEEDS = (0, 2)  # seed 0 tuned the presets, seed 2 did not
PROMISE_CASES = [pytest.param(name, ds, seed, id=f"{name}-{ds}-{seed}",
                              marks=() if (name, ds, seed) in CI_PROMISES else pytest.mark.slow)
                 for name, promise in playground.PROMISES.items() for ds in promise.datasets
                 for seed in PROMISE_SEEDS]


@pytest.mark.parametrize("name, dataset_name, seed", PROMISE_CASES)
def test_preset_keeps_its_promise(name, dataset_name, seed):
    """Each remedy preset shows what its caption promises at its 30-second step budget, on seeds that did not
    tune it: modes covered, % within 3σ and reverse KL, by ganviz.plane.toy.mode_metrics (tested against brute force
    in tests/test_toy.py)."""
    promise = playground.PROMISES[name]
    m = promise_metrics(name, dataset_name, seed)
    assert m["modes_covered"] >= promise.modes_needed(dataset_name, m["n_modes"]), m
    assert m["hq_fraction"] >= promise.hq_needed(dataset_name), m
    assert m["reverse_kl"] <= promise.rkl_allowed(dataset_name), m
    assert promise.kept(dataset_name, m)


# What the two slower remedies' captions say of named seeds on ring-8 at their 30-second budgets (the 10-seed table:
# bench/RESULTS.md), two seeds each: unrolling has spread the fakes on seeds 0 and 3 but left them blurry; WGAN-GP has
# spread them on seeds 2 and 3, still blurry. (preset, seed, reverse KL at most, % HQ below)
SPREAD_NOT_SHARP = [("Unrolled D: too slow for 30 s", 0, 0.09, 0.18),
                    ("Unrolled D: too slow for 30 s", 3, 0.09, 0.18),
                    ("WGAN-GP: still spreading after 30 s", 2, 0.2, 0.06),
                    ("WGAN-GP: still spreading after 30 s", 3, 0.2, 0.06)]


@pytest.mark.slow
@pytest.mark.parametrize("name, seed, max_rkl, max_hq", SPREAD_NOT_SHARP,
                         ids=[f"{c[0]}-{c[1]}" for c in SPREAD_NOT_SHARP])
def test_slow_remedies_spread_the_fakes_but_leave_them_blurry(name, seed, max_rkl, max_hq):
    m = promise_metrics(name, "ring-8", seed, steps=playground.STEP_BUDGETS[name])
    assert m["reverse_kl"] <= max_rkl and m["hq_fraction"] < max_hq and m["modes_covered"] >= 5, m


def test_preset_names_match_their_promises():
    """A preset named "Fixed by …" or "… every mode …" promises every mode and ≥ 90 % high-quality samples on
    ring-8 and grid-25;
    every remedy preset has a 30-second step budget, and a promise runs for exactly that budget."""
    assert set(playground.PROMISES) <= set(playground.STEP_BUDGETS) <= set(playground.PRESETS)
    assert all(steps > 0 for steps in playground.STEP_BUDGETS.values())
    for name, promise in playground.PROMISES.items():
        assert promise.steps == playground.STEP_BUDGETS[name]
        if name.startswith("Fixed by") or "every mode" in name:
            assert set(promise.datasets) >= {"ring-8", "grid-25"}, name
            assert not promise.min_modes, name
            assert all(promise.hq_needed(ds) >= 0.9 for ds in ("ring-8", "grid-25")), name
    assert not [n for n in playground.PRESETS if n.startswith("Fixed by") and n not in playground.PROMISES]


def test_promise_checks_every_condition():
    promise = playground.Promise(steps=10, min_modes=(("grid-25", 24),), min_hq=(("grid-25", 0.5),),
                                 max_rkl=(("grid-25", 0.1),))
    good = {"modes_covered": 24, "n_modes": 25, "hq_fraction": 0.5, "reverse_kl": 0.1}
    assert promise.kept("grid-25", good)
    assert not promise.kept("ring-8", {**good, "n_modes": 8, "modes_covered": 7})  # ring: every mode
    assert promise.kept("ring-8", {**good, "n_modes": 8, "modes_covered": 8, "hq_fraction": 0.0, "reverse_kl": 2.0})
    for key, bad in (("modes_covered", 23), ("hq_fraction", 0.49), ("reverse_kl", 0.11)):
        assert not promise.kept("grid-25", {**good, key: bad}), key


def test_lr_decay_reaches_the_trainer_and_applies_live():
    cfg = playground.PlaygroundConfig(decay_start=100, decay_steps=50)
    tc = cfg.train_config()
    assert (tc.decay_start, tc.decay_steps) == (100, 50) and tc.lr_factor(125) == pytest.approx(0.5)
    assert cfg.live_changes()["decay_start"] == 100
    assert playground.PlaygroundConfig(decay_start=5, decay_steps=9).nets_key() == cfg.nets_key()  # no reset


def test_best_preset_is_the_measured_configuration():
    """The best preset holds the settings whose 10-seed table bench/RESULTS.md gives (bench/mode_collapse.py's
    best10k reads them from the preset): a mixture latent of K = 35 blobs, 3×128 leaky-ReLU nets, Adam 1e-3 with
    β₁ = 0.5, batch 512, both learning rates decaying linearly from step 6,000 to ~0 at 10,000."""
    expected = playground.PlaygroundConfig(
        dataset="ring-8", z_dim=8, prior="mixture", mixture_k=35, hidden_layers=3, width=128,
        activation="leaky_relu", loss="nonsaturating", lr_g=1e-3, lr_d=1e-3, beta1=0.5, batch_size=512,
        decay_start=6_000, decay_steps=4_000)
    assert playground.PRESETS[playground.BEST_PRESET][1] == expected
    tc = expected.train_config()
    assert tc.lr_factor(6_000) == pytest.approx(1.0) and tc.lr_factor(8_000) == pytest.approx(0.5, abs=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("dataset_name", ["ring-8", "grid-25"])
def test_best_preset_covers_every_mode_with_97_percent_high_quality(dataset_name):
    """The best preset at step 10,000 on seed 3 (no setting was tuned on it): every mode and ≥ 97 % of 2,500 fresh
    samples within 3σ of one (measured 10-seed worst: grid 97.4 %, ring 98.3 %)."""
    m = promise_metrics(playground.BEST_PRESET, dataset_name, 3, steps=10_000)
    assert m["modes_covered"] == m["n_modes"] and m["hq_fraction"] >= 0.97, m


def test_mixture_prior_reaches_the_trainer_and_the_metrics():
    """prior="mixture": the Trainer draws its z (and the mode metrics their evaluation z) from K seeded blobs;
    K and the prior are net settings (a change resets the run)."""
    cfg = playground.PlaygroundConfig(z_dim=4, prior="mixture", mixture_k=7, seed=3)
    t = playground.build_trainer(cfg, metric_every=0)
    assert t.prior == "mixture" and t.latent.centres.shape == (7, 4)
    z = playground.ModeMetricFn(toy.DATASETS["ring-8"](), n=500).eval_z(t)
    assert torch.cdist(z, t.latent.centres).min(1).values.max() < 0.1 * 6  # every draw near a centre
    assert t.sample_z(300).shape == (300, 4)
    assert cfg.nets_key() != replace(cfg, mixture_k=8).nets_key() != replace(cfg, prior="normal").nets_key()
    assert replace(cfg, prior="normal", mixture_k=8).nets_key() == replace(cfg, prior="normal").nets_key()
    with pytest.raises(ValueError, match="prior"):
        playground.PlaygroundConfig(prior="cauchy")
