"""Live 1-D experiments (ganviz.onedim.theory_live): D converging to D*, V(G, D) ≤ V(G, D*), Fig. 1 ending at
p_g ≈ p_data with D ≈ ½, and the saturation experiment — values against closed forms, scipy and autograd."""
import math
import re

import numpy as np
import pytest
import torch
from scipy import integrate, stats

from ganviz.onedim import saturation as sat
from ganviz.onedim import theory
from ganviz.onedim import theory_live as tl
from tests.helpers import validated

BIMODAL = tl.DStarSetup()  # p_data = ½N(−2, 0.6²) + ½N(2, 0.6²), p_g = N(0, 1.5²)


@pytest.fixture(scope="module")
def dstar_run():
    exp = tl.DStarExperiment(BIMODAL)
    start = exp.metrics(exp.make_trainer())
    return exp, start, exp.run_headless(300)


@pytest.fixture(scope="module")
def fig1():
    return tl.figure1_experiment(tl.GANSetup(seed=1))


@pytest.fixture(scope="module")
def saturation():
    return sat.saturation_experiment(sat.SaturationSetup())


# ---- exact pieces -----------------------------------------------------------------------------------------
def test_fixed_g_is_frozen_and_pushes_z_onto_p_g():
    G = tl.FixedGaussianG(1.5, 0.7)
    assert not any(p.requires_grad for p in G.parameters())
    x = G(torch.randn(200_000, 1, generator=torch.Generator().manual_seed(0))).numpy().ravel()
    assert stats.kstest(x, "norm", args=(1.5, 0.7)).pvalue > 1e-3


def test_grid_d_star_and_v_star_match_closed_forms():
    grid = tl.pair_grid(theory.Gaussian(-1.0, 0.5), theory.Gaussian(1.0, 1.0))
    p, q = stats.norm.pdf(grid.x, -1, 0.5), stats.norm.pdf(grid.x, 1, 1)
    np.testing.assert_allclose(grid.d_star, p / (p + q), rtol=1e-5)  # densities renormalised on the grid
    # Thm. 1: V(G, D*) = −log 4 + 2·JSD (jsd computed independently of c_of_g)
    assert grid.v_star == pytest.approx(-math.log(4) + 2 * theory.jsd(grid.x, p, q), abs=1e-6)
    assert tl.value_of(grid, grid.d_star) == pytest.approx(grid.v_star, abs=1e-6)
    assert tl.d_star_gap(grid, grid.d_star) == 0.0


def test_gap_against_scipy_quadrature():
    """‖½ − D*‖ in L2((p+q)/2) for two Gaussians, against scipy.integrate.quad of the same integral."""
    grid = tl.pair_grid(theory.Gaussian(0.0, 1.0), theory.Gaussian(2.0, 0.5))

    def integrand(x):
        p, q = stats.norm.pdf(x, 0, 1), stats.norm.pdf(x, 2, 0.5)
        return (0.5 - p / (p + q)) ** 2 * (p + q) / 2

    exact = math.sqrt(integrate.quad(integrand, -12, 12, limit=200)[0])
    assert tl.d_star_gap(grid, np.full_like(grid.x, 0.5)) == pytest.approx(exact, rel=1e-4)


def test_confident_d_gives_finite_value_not_minus_inf():
    grid = tl.pair_grid(theory.Gaussian(-3.0, 0.3), theory.Gaussian(3.0, 0.3))
    exp = tl.DStarExperiment(tl.DStarSetup(data="gaussian", mu1=-3.0, sigma_data=0.3, mu_g=3.0, sigma_g=0.3))
    trainer = exp.make_trainer()
    with torch.no_grad():  # a D saturated far beyond float precision: logits of ±200
        last = trainer.D.net[-1]
        last.weight.mul_(0.0), last.bias.fill_(0.0)
        trainer.D.net[0].weight.fill_(0.0)
    trainer.D.net[-1].bias.data.fill_(200.0)
    d = tl.d_on_grid(trainer, grid.x)
    assert d.max() == 1 - tl.EPS and math.isfinite(tl.value_of(grid, d))
    assert tl.value_of(grid, d) <= grid.v_star


# ---- D alone converges to D* --------------------------------------------------------------------------------
def test_d_only_training_converges_to_d_star(dstar_run):
    exp, start, trainer = dstar_run
    steps, gap = trainer.history.arrays()["gap"]
    assert steps[0] == BIMODAL.every and steps[-1] == 300
    assert start["gap"] > 0.25  # an untrained D is far from D*
    assert gap[-1] < 0.05 and gap[-1] < 0.2 * start["gap"]
    # G never moved: p_g is still exactly N(0, 1.5²)
    assert trainer.G.mu.item() == 0.0 and trainer.G.sigma.item() == 1.5
    view = exp.view(trainer)
    assert view["gap"] == pytest.approx(gap[-1]) and view["d"].shape == exp.grid.x.shape


def test_v_of_d_never_exceeds_v_of_d_star(dstar_run):
    exp, start, trainer = dstar_run
    _, v = trainer.history.arrays()["v_d"]
    assert np.all(np.isfinite(v))
    assert np.all(v <= exp.grid.v_star + 1e-9)  # Prop. 1: D* maximises V(G, ·)
    assert start["v_d"] < exp.grid.v_star - 0.3
    assert v[-1] == pytest.approx(exp.grid.v_star, abs=0.02)
    # and for arbitrary D's: any function of x does worse than D*
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = np.clip(exp.grid.d_star + rng.normal(0, 0.2, size=exp.grid.x.size), 1e-6, 1 - 1e-6)
        assert tl.value_of(exp.grid, d) <= exp.grid.v_star


def test_d_star_setup_rejects_bad_input_with_a_sentence():
    with pytest.raises(ValueError, match="weight"):
        tl.DStarSetup(weight1=1.5)
    with pytest.raises(ValueError, match="p_data"):
        tl.DStarSetup(data="cauchy")
    assert tl.DStarSetup(lr_d=0.1).nets_key() == tl.DStarSetup(lr_d=1e-4).nets_key()
    assert tl.DStarSetup(seed=1).nets_key() != tl.DStarSetup(seed=2).nets_key()


# ---- Fig. 1 by a real GAN -----------------------------------------------------------------------------------
def test_figure1_ends_with_p_g_close_to_p_data_and_d_one_half(fig1):
    assert fig1.error is None
    assert [p.label for p in fig1.panels] == ["(a)", "(b)", "(c)", "(d)"]
    assert fig1.w1[0] > 1.5  # the initial G puts its samples near 0, p_data is N(2, 0.5²)
    assert fig1.final_w1 < 0.1 and fig1.final_w1 < 0.05 * fig1.w1[0]
    assert fig1.final_d_dev < 0.1  # E_p_data |D − ½|
    a, b, c, d = fig1.panels
    grid = lambda panel: tl.Grid(fig1.x, fig1.p_data, panel.p_g, panel.d_star, 0.0)  # noqa: E731
    # (b): D trained against the initial G is close to D* (nearly 1 on the data, where p_g ≈ 0)
    assert tl.d_star_gap(grid(b), b.d) < 0.05 < tl.d_star_gap(grid(a), a.d)
    assert tl.d_deviation(fig1.x, fig1.p_data, b.d) > 0.4
    # p_g of each panel is a density on the grid (exact pushforward of the MLP G)
    for panel in fig1.panels:
        assert theory.mass_on_grid(fig1.x, panel.p_g) == pytest.approx(1.0, abs=1e-3)


# ---- saturation -------------------------------------------------------------------------------------------
def test_saturating_loss_starves_g_of_gradient_from_a_confident_d(saturation):
    sat, ns = saturation["minimax"], saturation["nonsaturating"]
    assert sat.error is None and ns.error is None
    assert sat.d_fake_start == ns.d_fake_start < 0.01  # same pre-trained D, confidently rejecting
    assert sat.w1[0] == ns.w1[0] > 2.5  # same start
    # G's gradient norm at the start: ~σ(a) times the non-saturating one
    assert sat.grad_norm_g[0] < ns.grad_norm_g[0] / 100
    assert np.median(sat.grad_norm_g[:20]) < 0.05 < np.median(ns.grad_norm_g[:20])
    # W1: the saturating G barely moves in 300 steps; the non-saturating one closes most of the gap in 10
    assert sat.w1[-1] > 0.85 * sat.w1[0]
    at10 = ns.w1[list(ns.w1_steps).index(10)]
    assert at10 < 0.3 * ns.w1[0] and ns.w1[-1] < 0.15 * ns.w1[0]


def test_saturation_divergence_is_a_sentence_not_a_crash():
    threads = torch.get_num_threads()
    runs = sat.saturation_experiment(sat.SaturationSetup(lr_d=5.0, lr_g=5.0, pretrain_steps=20, steps=5),
                                    ("nonsaturating",))
    run = runs["nonsaturating"]
    assert run.error.startswith("While pre-training D: The discriminator loss diverged: it ")
    assert not re.search(r"\b(nan|inf)\b", run.error)
    assert run.grad_norm_g.size == 0 and torch.get_num_threads() == threads  # one_thread restored the count


def test_g_loss_curves_are_the_closed_form_derivatives():
    c = sat.g_loss_curves()
    s = 1 / (1 + np.exp(-c.a))
    np.testing.assert_allclose(c.d, s, rtol=1e-12)
    np.testing.assert_allclose(c.grad["minimax"], -s, atol=1e-12)
    np.testing.assert_allclose(c.grad["nonsaturating"], -(1 - s), atol=1e-12)
    np.testing.assert_allclose(c.grad["lsgan"], c.a - 1, atol=1e-12)
    np.testing.assert_allclose(c.grad["wgan"], -1.0)
    np.testing.assert_allclose(c.loss["minimax"], np.log1p(-s), atol=1e-9)
    np.testing.assert_allclose(c.loss["nonsaturating"], -np.log(s), atol=1e-9)
    assert s[c.a < sat.REJECT_LOGIT].max() < sat.REJECT_D


# ---- small helpers --------------------------------------------------------------------------------------------
def test_result_cache_is_bounded_and_least_recently_used():
    cache, calls = tl.ResultCache(max_entries=2), []
    compute = lambda k: (lambda: calls.append(k) or k * 10)  # noqa: E731
    assert cache.get(1, compute(1)) == 10 and cache.get(2, compute(2)) == 20
    assert cache.get(1, compute(1)) == 10 and calls == [1, 2]  # hit
    cache.get(3, compute(3))  # evicts 2, the least recently used
    assert 1 in cache and 3 in cache and 2 not in cache


# ---- figure builders ----------------------------------------------------------------------------------------
def test_figures_keep_nan_as_a_gap_and_draw_every_panel(fig1):
    from ganviz.plots import live1d as pl

    grid = tl.pair_grid(theory.Gaussian(0, 1), theory.Gaussian(1, 1))
    d = np.full_like(grid.x, 0.5)
    d[300] = np.nan  # on the thinned grid (every 3rd of 2,001 points)
    fig = validated(pl.d_star_figure(grid.x, grid.p_data, grid.p_g, grid.d_star, d))
    y = np.asarray(fig.data[3].y)  # the NaN stays one gap (plotly.js breaks the line), never a number
    assert np.isnan(y).sum() == 1 and np.all(y[~np.isnan(y)] == 0.5)
    assert fig.layout.yaxis2.range == (-0.02, 1.02)
    panels = validated(pl.figure1_panels(fig1.x, fig1.p_data, fig1.panels))
    for other in (pl.gap_figure([1, 2], [0.5, np.nan]), pl.value_figure([1, 2], [-1.2, -1.0], -0.9),
                  pl.w1_figure([1, 2], [0.3, 0.2])):
        validated(other)
    assert len(panels.data) == 4 * len(fig1.panels)
    s, v = pl.thin(np.arange(10_000), np.arange(10_000.0))
    assert s.size <= pl.MAX_POINTS + 1 and s[-1] == 9_999 and np.array_equal(s, v)


def test_saturation_figures_are_valid_plotly(saturation):
    from ganviz.plots import live1d as pl

    fig = validated(pl.saturation_runs_figure(saturation))
    assert len(fig.data) == 2 * len(saturation)  # gradient norm and W1 per loss
    a = np.linspace(-5, 5, 11)
    loss = validated(pl.g_loss_figure(a, {"nonsaturating": np.log1p(np.exp(-a))}, "a", "loss", reject_below=-2.0,
                                      marker=1.0, yrange=(-1, 6)))
    np.testing.assert_allclose(loss.data[0].y, np.log1p(np.exp(-a)))
