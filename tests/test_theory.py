"""Values of ganviz.onedim.theory against closed forms and scipy."""
import numpy as np
import pytest
import torch
from scipy import special, stats
from scipy.spatial.distance import jensenshannon

from ganviz.onedim import theory as T

X = T.x_grid(-12, 12, 4001)
DX = X[1] - X[0]
LOG4 = np.log(4.0)


def gauss(mu, s):
    return stats.norm.pdf(X, mu, s)


PAIRS = [
    (gauss(0, 1), gauss(0, 1)),
    (gauss(0, 1), gauss(1.5, 0.7)),
    (T.Mixture([0.3, 0.7], [-3, 2], [0.5, 1.0]).pdf(X), gauss(0, 3)),
    (T.Uniform(-1, 1).pdf(X), T.Uniform(-0.5, 2).pdf(X)),
    (T.Uniform(-3, -1).pdf(X), T.Uniform(1, 4).pdf(X)),  # disjoint supports
    (T.Uniform(-3, -1).pdf(X), gauss(0, 0.3) * (np.abs(X) < 0.9)),  # disjoint, one smooth
]


def test_d_star_formula():
    p, q = np.array([1.0, 0.0, 0.2, 0.0]), np.array([1.0, 2.0, 0.6, 0.0])
    np.testing.assert_allclose(T.d_star(p, q), [0.5, 0.0, 0.25, 0.5])


def test_d_star_maximises_value_pointwise():
    """Prop. 1: a·log y + b·log(1−y) is maximised at y = a/(a+b); any perturbed D gives a lower V."""
    p, q = PAIRS[1]
    best = T.c_of_g(X, p, q)
    mid = np.abs(X) < 4  # where D* is not rounded to exactly 0 or 1
    pm, qm = (v[mid] / np.trapezoid(v[mid], X[mid]) for v in (p, q))
    assert abs(T.value(X[mid], pm, qm, T.d_star(pm, qm)) - T.c_of_g(X[mid], pm, qm)) < 1e-12
    for eps in (-0.05, 0.05):
        d = np.clip(T.d_star(p, q) + eps * np.sin(X), 1e-9, 1 - 1e-9)
        assert T.value(X, p, q, d) < best


@pytest.mark.parametrize("i", range(len(PAIRS)))
def test_c_of_g_equals_minus_log4_plus_2jsd(i):
    p, q = PAIRS[i]
    c, j = T.c_of_g(X, p, q), T.jsd(X, p, q)
    assert np.isfinite(c) and np.isfinite(j)
    assert abs(c - (-LOG4 + 2 * j)) < 1e-6


def test_disjoint_supports_give_exactly_log2():
    for p, q in PAIRS[4:]:
        assert T.jsd(X, p, q) == np.log(2)
        assert abs(T.c_of_g(X, p, q)) < 1e-12  # −log 4 + 2 log 2 = 0


def test_minimum_at_p_g_equals_p_data():
    p = PAIRS[2][0]
    assert T.jsd(X, p, p) < 1e-15
    assert abs(T.c_of_g(X, p, p) + LOG4) < 1e-12
    np.testing.assert_allclose(T.d_star(p, p)[p > 0], 0.5)


def test_kl_against_rel_entr_and_closed_form():
    p, q = gauss(0.3, 1.2), gauss(-0.5, 0.8)
    ref = np.sum(special.rel_entr(p / p.sum(), q / q.sum()))  # discrete KL of the normalised vectors
    assert abs(T.kl(X, p, q) - ref) < 1e-9
    closed = np.log(0.8 / 1.2) + (1.2**2 + 0.8**2) / (2 * 0.8**2) - 0.5
    assert abs(T.kl(X, p, q) - closed) < 1e-6
    assert T.kl(X, gauss(0, 1), T.Uniform(-1, 1).pdf(X)) == np.inf


def test_jsd_against_scipy_jensenshannon():
    for p, q in PAIRS:
        ref = jensenshannon(p, q) ** 2  # scipy returns the distance sqrt(JSD), natural log by default
        assert abs(T.jsd(X, p, q) - ref) < 1e-6


def test_w1_against_scipy_and_shift():
    p, q = PAIRS[2]
    ref = stats.wasserstein_distance(X, X, u_weights=p, v_weights=q)
    assert abs(T.w1(X, p, q) - ref) < 2 * DX
    assert abs(T.w1(X, gauss(0, 1), gauss(2.5, 1)) - 2.5) < 1e-6
    assert abs(T.w1(X, T.Uniform(-1, 1).pdf(X), T.Uniform(3, 5).pdf(X)) - 4.0) < DX  # edges snap to the grid


def test_shift_sweep_jsd_saturates_while_w1_grows():
    u = T.Uniform(-1, 1)
    sweep = T.shift_sweep(X, u, u, [0.0, 1.0, 2.5, 4.0, 6.0])
    np.testing.assert_allclose(sweep["w1"], [0, 1, 2.5, 4, 6], atol=DX)
    assert sweep["jsd"][0] == 0 and 0 < sweep["jsd"][1] < np.log(2)
    assert np.all(sweep["jsd"][2:] == np.log(2))
    np.testing.assert_allclose(sweep["c"], -LOG4 + 2 * sweep["jsd"], atol=1e-9)


def _histogram_check(G, prior, x):
    """Bin masses of p_g against a 10^6-sample histogram of G(z); bins are groups of 40 of p_g's cells."""
    p_g = T.pushforward_density(G, x, prior)
    cell_edges = np.concatenate(([x[0] - DXF / 2], 0.5 * (x[1:] + x[:-1]), [x[-1] + DXF / 2]))
    edges = cell_edges[::40]
    bins = edges.size - 1
    z = T.sample_prior(1_000_000, prior, torch.Generator().manual_seed(0))
    counts, _ = np.histogram(G(z), bins=edges)
    hist = counts / z.size / np.diff(edges)
    avg = p_g[: 40 * bins].reshape(bins, 40).mean(axis=1)
    tol = 5 * np.sqrt(hist / (z.size * np.diff(edges))) + 1e-3  # 5 binomial standard errors
    assert np.all(np.abs(avg - hist) < tol)
    return p_g


XF = T.x_grid(-6, 6, 2401)
DXF = XF[1] - XF[0]


H = 6 + DXF / 2  # the outer cell edges


@pytest.mark.parametrize("G, prior, mass", [
    (lambda z: 1.5 * z - 0.5, "normal", stats.norm.cdf((H + 0.5) / 1.5) - stats.norm.cdf((0.5 - H) / 1.5)),
    (lambda z: z**2 - 1, "normal", 1 - 2 * stats.norm.cdf(-np.sqrt(H + 1))),
    (lambda z: 2 * np.sin(3 * z), "normal", 1.0),
    (lambda z: np.sin(4 * z), "uniform", 1.0),
])
def test_pushforward_integrates_to_one_and_matches_histogram(G, prior, mass):
    p_g = _histogram_check(G, prior, XF)
    assert abs(np.sum(p_g) * DXF - mass) < 1e-9  # Σ p_g Δx is exactly the prior mass landing on the grid


def test_pushforward_affine_is_exact_gaussian():
    p_g = T.pushforward_density(lambda z: 2 * z + 1, X)
    np.testing.assert_allclose(p_g, gauss(1, 2), atol=1e-6)
    assert abs(np.sum(p_g) * DX - 1) < 1e-7  # mass beyond 12 = P(|z| > 5.5)


def test_pushforward_constant_is_point_mass_cell():
    p_g = T.pushforward_density(lambda z: np.full_like(z, 0.3), X)
    assert abs(np.sum(p_g) * DX - 1) < 1e-12
    assert np.count_nonzero(p_g) == 1 and abs(X[np.argmax(p_g)] - 0.3) <= DX / 2


@pytest.mark.parametrize("target", [T.Mixture([0.5, 0.3, 0.2], [-3, 0, 3], [0.5, 0.8, 0.4]), T.Skewed(),
                                    T.Gaussian(2, 0.5)])
@pytest.mark.parametrize("prior", ["normal", "uniform"])
def test_optimal_map_pushes_prior_onto_target(target, prior):
    p_g = T.pushforward_density(T.optimal_map(target, prior), X, prior)
    assert T.jsd(X, target.pdf(X), p_g) < 2e-5  # U(−1,1)'s end segments carry 1e-5 of mass each
    assert np.max(np.abs(p_g - target.pdf(X))) < 2e-3 * np.max(target.pdf(X)) + 1e-4


def test_optimal_map_is_monotone():
    g = T.optimal_map(T.Mixture([1, 1], [-2, 2], [0.3, 0.3]))(np.linspace(-4, 4, 1001))
    assert np.all(np.diff(g) >= 0)


def test_densities_integrate_to_one_and_cdf_matches():
    for d in (T.Gaussian(1, 2), T.Mixture([1, 2], [-1, 3], [0.5, 1]), T.Uniform(-2, 1), T.Skewed(4, -1, 2),
              T.Affine(T.Uniform(-1, 1), 2.0, 0.5)):
        lo, hi = d.support()
        x = np.linspace(lo - 5, hi + 5, 20001)
        assert abs(np.trapezoid(d.pdf(x), x) - 1) < 1e-3
        np.testing.assert_allclose(np.cumsum(d.pdf(x)) * (x[1] - x[0]), d.cdf(x), atol=2e-3)
        u = np.array([0.1, 0.5, 0.9])
        np.testing.assert_allclose(d.cdf(d.ppf(u)), u, atol=1e-4)


def test_skew_normal_matches_scipy():
    d = T.Skewed(4, -1, 2)
    np.testing.assert_allclose(d.pdf(X), stats.skewnorm.pdf(X, 4, -1, 2))


def test_sampling_reproducible_and_correct():
    m = T.Mixture([0.5, 0.5], [-2, 2], [0.5, 0.5])
    a = m.sample(20_000, torch.Generator().manual_seed(7))
    b = m.sample(20_000, torch.Generator().manual_seed(7))
    c = m.sample(20_000, torch.Generator().manual_seed(8))
    assert a.shape == (20_000, 1) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert stats.kstest(a.numpy().ravel(), m.cdf).pvalue > 1e-3


def test_sigma_clamped_and_validation():
    g = T.Gaussian(0, 0.0)
    assert g.sigma == T.SIGMA_MIN and g.notes
    with pytest.raises(ValueError, match="mixture weights must not all be zero"):
        T.Mixture([0, 0], [0, 1], [1, 1])
    with pytest.raises(ValueError, match="a < b"):
        T.Uniform(1, 1)
    with pytest.raises(ValueError):
        T.Mixture([1, -1], [0, 1], [1, 1])
    with pytest.raises(ValueError):
        T.x_grid(1, 0)


def test_kde_matches_scipy_gaussian_kde():
    d = np.random.default_rng(1).normal(1.0, 2.0, size=400)
    for rule in ("scott", "silverman"):
        ref = stats.gaussian_kde(d, bw_method=rule)(X)
        np.testing.assert_allclose(T.KDE(d, rule).pdf(X), ref, atol=2e-5)
    big = T.KDE(np.random.default_rng(2).normal(size=1_000_000))
    np.testing.assert_allclose(big.pdf(X), stats.norm.pdf(X), atol=5e-3)
    with pytest.raises(ValueError, match="at least 2"):
        T.KDE([1.0])
    with pytest.raises(ValueError, match="equal"):
        T.KDE([2.0, 2.0, 2.0])


def test_parse_samples_csv():
    notes = []
    x = T.parse_samples_csv(b"value\n1.5\n2\nnan\n-3,ignored\n", notes=notes)
    np.testing.assert_array_equal(x, [1.5, 2.0, -3.0])
    assert any("header" in n for n in notes) and any("Dropped 1" in n for n in notes)
    for bad, msg in [(b"", "empty"), (b"1\n2\nabc\n", "Line 3"), (b"v\n1\n\n2\nabc\n", "Line 5"),
                     (b"4.2\n", "at least 2"),
                     (b"1\n1\n1\n", "equal"), (b"\xff\xfe\x00", "UTF-8"), (b"nan\nnan\n", "at least 2")]:
        with pytest.raises(ValueError, match=msg):
            T.parse_samples_csv(bad)


def test_parse_samples_csv_caps_rows_and_bytes():
    notes = []
    x = T.parse_samples_csv("\n".join(["1", "2"] * 1000), max_rows=100, notes=notes)
    assert x.size == 100 and "first 100 of 2,000 rows" in notes[0]
    notes = []
    data = b"0.5\n1.5\n" * 1_000_000  # 8 MB, 2·10^6 rows
    x = T.parse_samples_csv(data, max_bytes=2**20, notes=notes)
    assert x.size == 2**20 // 4 and "first 1 MB" in notes[0]


def test_fit_gaussian_forward_is_moment_matching():
    m = T.Mixture([0.3, 0.7], [-2, 2], [0.5, 0.5])
    mean = 0.3 * -2 + 0.7 * 2
    var = 0.3 * (0.25 + 4) + 0.7 * (0.25 + 4) - mean**2
    mu, s, div = T.fit_gaussian(X, m.pdf(X), "forward")
    assert abs(mu - mean) < 1e-6 and abs(s - np.sqrt(var)) < 1e-5
    assert abs(div - T.kl(X, m.pdf(X), gauss(mean, np.sqrt(var)))) < 1e-9
    # the forward optimum beats nearby Gaussians
    assert div < T.kl(X, m.pdf(X), gauss(mu + 0.1, s)) and div < T.kl(X, m.pdf(X), gauss(mu, s * 1.1))


def test_fit_gaussian_reverse_is_mode_seeking():
    m = T.Mixture([0.3, 0.7], [-3, 3], [0.5, 0.5])
    mu, s, div = T.fit_gaussian(X, m.pdf(X), "reverse")
    assert abs(mu - 3) < 0.05 and abs(s - 0.5) < 0.05  # sits on the heavier mode
    assert abs(div - np.log(1 / 0.7)) < 0.01  # KL(q‖p) ≈ −log w for a well-separated mode
    assert div < T.kl(X, gauss(mu + 0.2, s), m.pdf(X))


def test_prop2_converges_to_minus_log4():
    p = T.Mixture([0.4, 0.6], [-2, 2], [0.6, 0.8]).pdf(X)
    path, c = T.prop2_path(X, p, gauss(0, 4), lr=0.5, steps=40)
    assert path.shape == (41, X.size)
    np.testing.assert_allclose(np.trapezoid(path, X, axis=1), 1.0)
    assert np.all(np.diff(c) <= 1e-12)  # C(G) never increases
    assert abs(c[-1] + LOG4) < 1e-6 and c[0] > -LOG4 + 0.1
    assert T.jsd(X, p, path[-1]) < 1e-6
    # independent recomputation: the mirror step q ∝ q^(1−η)(p + q)^η and C = ∫ p log(p/(p+q)) + q log(q/(p+q))
    pn, q = p / np.trapezoid(p, X), gauss(0, 4) / np.trapezoid(gauss(0, 4), X)
    for t in range(6):
        if t:
            q = np.sqrt(q * (p + q))
            q /= np.trapezoid(q, X)
        if t in (0, 1, 5):
            np.testing.assert_allclose(path[t], q, rtol=1e-9, atol=1e-14)
            s = pn + q
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.where(pn > 0, pn * np.log(pn / s), 0.0) + np.where(q > 0, q * np.log(q / s), 0.0)
            assert c[t] == pytest.approx(np.trapezoid(f, X), abs=1e-12)
    with pytest.raises(ValueError):
        T.prop2_step(X, p, p, lr=1.5)


def test_theory_figures_are_valid_plotly():
    """plots_theory builds figures without validation for speed; re-validate every builder's output here."""
    from ganviz.plots import theory as pt
    from tests.helpers import validated

    x = T.x_grid(-5, 5, 201)
    p, q = stats.norm.pdf(x), stats.norm.pdf(x, 1)
    path, c = T.prop2_path(x, p, q, 0.5, 3)
    z = np.linspace(-2, 2, 7)
    figs = [
        pt.density_figure(x, {"p": (p, pt.P_DATA_STYLE), "q": (x, q, {**pt.P_G_STYLE, "fill": "tozeroy"})},
                          hist=pt.histogram_bars(np.random.default_rng(0).normal(size=100), 10), title="t",
                          yrange=(0, 1)),
        pt.d_figure(x, p, q, d=np.full_like(x, 0.5)),
        pt.mapping_figure(z, 2 * z, x, p, q),
        pt.map_curve_figure(z, {"G": (2 * z, pt.P_G_STYLE)}),
        pt.value_vs_jsd_figure(z, z, z, current=0.0),
        pt.jsd_w1_figure(z, z, z, current=1.0),
        pt.kl_fit_figure(x, p, q, q),
        pt.prop2_figure(x, p, path, 2),
        pt.c_path_figure(c, 1),
    ]
    for fig in figs:
        validated(fig)  # raises ValueError on any invalid property
        assert fig.layout.height and fig.layout.uirevision and fig.layout.template.to_plotly_json() == {"layout": {}}
