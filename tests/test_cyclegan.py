"""ganviz.beyond.cyclegan: the Trainer's CycleGAN losses against the paper's objective written out here (Zhu et al.
2017,
Eq. 1–3 with least squares), the mode-map metrics against brute force, and the with/without-cycle contrast."""
import copy
from dataclasses import replace

import numpy as np
import pytest
import torch

from ganviz.beyond import cyclegan as cg
from ganviz.engine.device import seed_all
from ganviz.engine.trainer import TrainConfig, Trainer
from ganviz.plane import toy
from ganviz.plots import cyclegan as plots
from tests.helpers import toy_trainer, validated

N = 64


class Fixed:
    """A sampler that ignores the generator and always returns the same batch (so the test knows the batch)."""

    kind, z_dim = "fixed", 4

    def __init__(self, batch):
        self.batch = batch

    def sample(self, n, generator):
        return self.batch[:n].clone()

    __call__ = sample


def fixed_trainer(lam, seed=0):
    g = torch.Generator().manual_seed(seed + 5)
    x, y = cg.ring8_wide(), cg.square8()
    z = torch.cat([x.sample(N, g), y.sample(N, g)], 1)
    real = torch.cat([y.sample(N, g), x.sample(N, g)], 1)
    seed_all(seed)
    cfg = TrainConfig(loss="lsgan", lr_g=1e-3, lr_d=1e-3, betas=(0.5, 0.999), batch_size=N, cycle_weight=lam,
                      seed=seed, device="cpu")
    return Trainer(cg.Translators((16, 16)), cg.Critics((16, 16)), Fixed(real), cfg, z_dim=4, prior=Fixed(z),
                   fixed_n=N), z, real


def paper_objectives(G, F, D_X, D_Y, x, y, x_real, y_real, lam):
    """Zhu et al. 2017 with the least-squares GAN loss (§4): D's objectives halved as in the paper, G's full."""
    with torch.no_grad():
        gx, fy = G(x), F(y)
        d_y = 0.5 * (((D_Y(y_real) - 1) ** 2).mean() + (D_Y(gx) ** 2).mean())
        d_x = 0.5 * (((D_X(x_real) - 1) ** 2).mean() + (D_X(fy) ** 2).mean())
        adv = ((D_Y(gx) - 1) ** 2).mean() + ((D_X(fy) - 1) ** 2).mean()
        cyc = (F(gx) - x).abs().sum(1).mean() + (G(fy) - y).abs().sum(1).mean()
    return float(d_y), float(d_x), float(adv), float(cyc), float(adv + lam * cyc)


@pytest.mark.parametrize("lam", [10.0, 0.0, 2.5])
def test_trainer_losses_are_the_papers_objective(lam):
    trainer, z, real = fixed_trainer(lam)
    g0, d0 = copy.deepcopy(trainer.G), copy.deepcopy(trainer.D)
    rec = trainer.step()
    x, y, y_real, x_real = z[:, :2], z[:, 2:], real[:, :2], real[:, 2:]
    d_y, d_x, *_ = paper_objectives(g0.G, g0.F, d0.D_X, d0.D_Y, x, y, x_real, y_real, lam)
    assert rec["loss_d"] == pytest.approx(0.5 * (d_y + d_x), rel=1e-5)
    # G's step sees D after its step (Algorithm 1) and G before its own
    _, _, adv, cyc, total = paper_objectives(g0.G, g0.F, trainer.D.D_X, trainer.D.D_Y, x, y, x_real, y_real, lam)
    assert 4 * rec["loss_g"] == pytest.approx(total, rel=1e-5)
    assert 4 * rec["loss_cycle"] == pytest.approx(cyc, rel=1e-5)
    if lam == 0:
        assert 4 * rec["loss_g"] == pytest.approx(adv, rel=1e-5)


def test_gradients_follow_the_papers_objective():
    """G's update direction is that of the paper's objective: the Trainer's loss is exactly ¼ of it."""
    trainer, z, real = fixed_trainer(10.0)
    trainer.d_step()
    G = copy.deepcopy(trainer.G)
    x, y = z[:, :2], z[:, 2:]
    gx, fy = G.G(x), G.F(y)
    D = trainer.D
    paper = ((D.D_Y(gx) - 1) ** 2).mean() + ((D.D_X(fy) - 1) ** 2).mean() + 10.0 * (
        (G.F(gx) - x).abs().sum(1).mean() + (G.G(fy) - y).abs().sum(1).mean())
    want = torch.autograd.grad(paper, list(G.parameters()))
    trainer.opt_g.zero_grad()
    fake = trainer.G(z)
    loss = 0.5 * ((trainer.D(fake) - 1) ** 2).mean() + 10.0 * trainer.G.cycle_loss(z, fake)
    got = torch.autograd.grad(loss, list(trainer.G.parameters()))
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(4 * a, b, rtol=1e-4, atol=1e-6)


def test_cycle_weight_needs_a_pair_and_changes_live():
    with pytest.raises(ValueError, match="cycle"):
        toy_trainer(cycle_weight=1.0)
    plain = toy_trainer()
    with pytest.raises(ValueError, match="cycle"):
        plain.update(cycle_weight=1.0)
    assert "loss_cycle" not in plain.step()
    with pytest.raises(ValueError):
        TrainConfig(cycle_weight=-1.0)
    trainer = cg.build_trainer(cg.CycleConfig(cycle_weight=0.0), metric_every=0)
    trainer.update(cycle_weight=5.0)
    assert trainer.config.cycle_weight == 5.0 and "loss_cycle" in trainer.step()


def test_domains_and_targets_draw_both_domains_independently():
    x, y = cg.ring8_wide(), cg.square8()
    z = cg.Domains(x, y).sample(500, torch.Generator().manual_seed(0)).numpy()
    t = cg.Targets(x, y)(500, torch.Generator().manual_seed(1)).numpy()
    for pts, dom in ((z[:, :2], x), (z[:, 2:], y), (t[:, :2], y), (t[:, 2:], x)):
        _, dist = toy.nearest_mode(pts, dom.centres)
        assert dist.max() < 6 * dom.sigma
    assert abs(np.corrcoef(z[:, 0], z[:, 2])[0, 1]) < 0.15  # no pairs: x and y are independent draws
    assert sorted(map(tuple, cg.square8().centres)) == sorted(
        (a, b) for a in (-2.0, 0.0, 2.0) for b in (-2.0, 0.0, 2.0) if (a, b) != (0.0, 0.0))


def test_mode_map_and_summary_against_brute_force():
    rng = np.random.default_rng(0)
    src_c, dst_c = cg.ring8_wide().centres, cg.square8().centres
    src = src_c[rng.integers(0, 8, 300)] + 0.05 * rng.standard_normal((300, 2))
    img = rng.uniform(-3, 3, (300, 2))
    img[5] = np.nan
    counts = cg.mode_map(src, img, src_c, dst_c)
    want = np.zeros((8, 8), dtype=int)
    for s, i in zip(src, img, strict=True):
        if np.isfinite(i).all():
            want[np.argmin(((src_c - s) ** 2).sum(1)), np.argmin(((dst_c - i) ** 2).sum(1))] += 1
    np.testing.assert_array_equal(counts, want)
    perm = np.eye(8, dtype=int)[[3, 1, 4, 0, 5, 7, 2, 6]] * 10
    assert cg.map_summary(perm) == {"distinct_targets": 8, "consistency": 1.0}
    many_to_one = np.zeros((8, 8), dtype=int)
    many_to_one[:, 0] = 6
    many_to_one[:, 1] = 2
    assert cg.map_summary(many_to_one) == {"distinct_targets": 1, "consistency": 0.75}
    assert cg.map_summary(np.zeros((8, 8), dtype=int)) == {"distinct_targets": 0, "consistency": 0.0}


def test_metric_and_view_measure_the_nets_on_fixed_samples():
    trainer = cg.build_trainer(cg.CycleConfig(), metric_every=0)
    fn = cg.CycleMetricFn(*cg.CycleConfig().domains, n=200, seed=3)
    m = fn(trainer)
    x, y = fn.z[:, :2], fn.z[:, 2:]
    with torch.no_grad():
        G, F = trainer.G.G, trainer.G.F
        assert m["cycle_x"] == pytest.approx(float((F(G(x)) - x).abs().sum(1).mean()), rel=1e-6)
        assert m["cycle_y"] == pytest.approx(float((G(F(y)) - y).abs().sum(1).mean()), rel=1e-6)
        home = toy.nearest_mode(x.numpy(), cg.ring8_wide().centres)[0]
        back = toy.nearest_mode(F(G(x)).numpy(), cg.ring8_wide().centres)[0]
    assert m["round_trip"] == pytest.approx((home == back).mean())
    assert fn(trainer) == m  # fixed samples: the same nets give the same numbers
    view = cg.CycleView(*cg.CycleConfig().domains, n=50)(trainer)
    assert view["x"].shape == view["g_x"].shape == view["f_g_x"].shape == (50, 2)
    with torch.no_grad():
        np.testing.assert_allclose(view["f_g_x"], F(G(torch.as_tensor(view["x"]))).numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(view["g_f_y"], G(F(torch.as_tensor(view["y"]))).numpy(), rtol=1e-5, atol=1e-6)
    rows = cg.view_csv(view).decode().splitlines()
    assert rows[0].split(",")[:4] == ["x_1", "x_2", "g_x_1", "g_x_2"] and len(rows) == 51
    np.testing.assert_allclose([float(v) for v in rows[1].split(",")[4:6]], view["f_g_x"][0], rtol=1e-6)
    fig = validated(plots.translation_figure(view, "x", 3.2))
    seg = [t for t in fig.data if t.name == "x → G(x)"][0]
    xs = np.array(seg.x, dtype=float).reshape(-1, 3)
    np.testing.assert_allclose(xs[:, 0], view["x"][:, 0] - 3.2, rtol=1e-6)
    np.testing.assert_allclose(xs[:, 1], view["g_x"][:, 0] + 3.2, rtol=1e-6)
    # the colour scale is spelled out (plotly.js resolves no cyclic scale by name in an unvalidated figure)
    raw = plots.translation_figure(view, "x").to_plotly_json()["data"]
    assert isinstance([t for t in raw if t["name"] == "x"][0]["marker"]["colorscale"], list)
    validated(plots.translation_figure(view, "y"))
    np.testing.assert_allclose(plots.hue(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1e-9]])), [0.0, 0.25, 0.5],
                               atol=1e-8)


@pytest.mark.parametrize("bad", [dict(pair="moons → moons"), dict(cycle_weight=-1.0), dict(cycle_weight=float("nan")),
                                 dict(lr=0.0), dict(width=0), dict(hidden_layers=9), dict(batch_size=1)])
def test_bad_settings_say_why(bad):
    with pytest.raises(ValueError):
        cg.CycleConfig(**bad)


def run_preset(cfg, steps):
    trainer = cg.build_trainer(cfg, metric_every=steps)
    for _ in range(steps):
        trainer.step()
    return trainer.history


CI_STEPS = 400


@pytest.mark.parametrize("seed", [0, 1])
def test_with_cycle_reaches_lower_cycle_error_than_without(seed):
    """The presets' contrast at a CI-sized budget: λ = 10 vs λ = 0, same nets, same seed."""
    with_cycle = run_preset(cg.CycleConfig(cycle_weight=10.0, seed=seed), CI_STEPS)
    without = run_preset(cg.CycleConfig(cycle_weight=0.0, seed=seed), CI_STEPS)
    assert with_cycle.last("cycle_x") < 0.5 * without.last("cycle_x")
    assert with_cycle.last("cycle_y") < 0.5 * without.last("cycle_y")
    assert with_cycle.last("round_trip") > without.last("round_trip")


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1])
def test_presets_tell_their_story(seed):
    """At 1,500 steps: with the cycle loss the map is consistent (small cycle error, most x back at their own mode,
    most Y modes reached); without it the round trip lands elsewhere."""
    names = ("With the cycle loss (λ = 10)", "Without the cycle loss (λ = 0)")
    with_cfg, without_cfg = (cg.PRESETS[n][1] for n in names)
    w = run_preset(replace(with_cfg, seed=seed), 1500)
    wo = run_preset(replace(without_cfg, seed=seed), 1500)
    assert w.last("cycle_x") < 0.2 and w.last("round_trip") > 0.9 and w.last("modes_y") >= 6
    assert wo.last("cycle_x") > 1.0 and wo.last("round_trip") < 0.5
