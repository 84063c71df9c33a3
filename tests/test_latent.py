"""ganviz.images.latent against closed forms: slerp endpoints and norms (White 2016), walks, Radford §6.3 arithmetic."""
import math

import pytest
import scipy.stats
import torch

from ganviz.images import latent


def test_slerp_endpoints_are_exact_and_lerp_is_the_straight_line():
    g = torch.Generator().manual_seed(0)
    z0, z1 = torch.randn(100, generator=g), torch.randn(100, generator=g)
    path = latent.slerp(z0, z1, [0.0, 1.0])
    assert torch.allclose(path[0], z0, atol=1e-5) and torch.allclose(path[1], z1, atol=1e-5)
    lp = latent.lerp(z0, z1, [0.0, 0.25, 1.0])
    assert torch.allclose(lp[1], 0.75 * z0 + 0.25 * z1)
    assert torch.equal(latent.interpolate(z0, z1, 5, "lerp")[0], z0)


def test_slerp_of_orthonormal_vectors_is_the_unit_circle():
    e1, e2 = torch.eye(3)[0], torch.eye(3)[1]
    t = torch.linspace(0, 1, 7)
    path = latent.slerp(e1, e2, t)
    expected = torch.stack([torch.cos(t * math.pi / 2), torch.sin(t * math.pi / 2), torch.zeros(7)], 1)
    assert torch.allclose(path, expected, atol=1e-6)
    assert torch.allclose(latent.path_norms(path), torch.ones(7), atol=1e-6)


def test_midpoint_norms_of_100d_gaussians_slerp_10_lerp_7():
    """White 2016: lerp midpoint of two N(0, I_100) vectors has ‖z‖ ≈ 7.1, slerp ≈ 10."""
    g = torch.Generator().manual_seed(1)
    z = torch.randn(400, 2, 100, generator=g)
    mid_l = torch.stack([latent.lerp(a, b, 0.5)[0] for a, b in z])
    mid_s = torch.stack([latent.slerp(a, b, 0.5)[0] for a, b in z])
    chi_mean = scipy.stats.chi(100).mean()
    assert latent.expected_norm(100) == pytest.approx(chi_mean, rel=1e-12)
    assert latent.expected_norm(100, 2 ** -0.5) == pytest.approx(chi_mean / math.sqrt(2), rel=1e-12)
    assert latent.path_norms(mid_l).mean().item() == pytest.approx(chi_mean / math.sqrt(2), abs=0.1)   # ≈ 7.05
    assert latent.path_norms(mid_s).mean().item() == pytest.approx(chi_mean, abs=0.1)                  # ≈ 9.97


def test_slerp_between_equal_norm_vectors_keeps_the_norm_along_the_path():
    g = torch.Generator().manual_seed(2)
    a, b = torch.randn(50, generator=g), torch.randn(50, generator=g)
    b = b / b.norm() * a.norm()
    norms = latent.path_norms(latent.interpolate(a, b, 11, "slerp"))
    assert torch.allclose(norms, torch.full((11,), a.norm().item()), rtol=1e-5)


def test_parallel_vectors_fall_back_to_lerp_without_nan():
    z = torch.ones(10)
    path = latent.slerp(z, 2 * z, torch.linspace(0, 1, 5))
    assert torch.isfinite(path).all()
    assert torch.allclose(path, latent.lerp(z, 2 * z, torch.linspace(0, 1, 5)))


def test_bad_interpolation_arguments_raise_clear_errors():
    z = torch.zeros(4)
    with pytest.raises(ValueError, match="lerp or slerp"):
        latent.interpolate(z, z, 5, "cubic")
    with pytest.raises(ValueError, match="at least 2"):
        latent.interpolate(z, z, 1)
    with pytest.raises(ValueError, match="one shape"):
        latent.lerp(torch.zeros(3), torch.zeros(4), 0.5)
    with pytest.raises(ValueError, match="zero vector"):
        latent.walk(torch.ones(3), torch.zeros(3), [0, 1])


def test_walk_moves_in_equal_steps_along_a_unit_direction():
    z = torch.randn(20, generator=torch.Generator().manual_seed(3))
    u = latent.random_direction(20, seed=4)
    assert u.norm().item() == pytest.approx(1.0, abs=1e-6)
    pts = latent.walk(z, 3 * u, [-2.0, 0.0, 1.0, 4.0])
    assert torch.allclose(pts[1], z)
    assert torch.allclose((pts[3] - pts[1]).norm(), torch.tensor(4.0), atol=1e-5)
    assert torch.allclose((pts[2] - pts[1]) / 1.0, u, atol=1e-6)


def test_vector_arithmetic_is_mean_a_minus_mean_b_plus_mean_c_with_bounded_noise():
    g = torch.Generator().manual_seed(5)
    a, b, c = (torch.randn(3, 100, generator=g) for _ in range(3))
    y, variants = latent.vector_arithmetic(a, b, c, n_variants=8, noise=0.25, seed=9)
    assert y.shape == (100,) and variants.shape == (8, 100)
    assert torch.allclose(y, a.mean(0) - b.mean(0) + c.mean(0))
    assert (variants - y).abs().max().item() <= 0.25
    assert (variants - y).abs().max().item() > 0.2          # the noise really spans ±0.25
    y2, v2 = latent.vector_arithmetic(a, b, c, n_variants=8, noise=0.25, seed=9)
    assert torch.equal(y, y2) and torch.equal(variants, v2)   # deterministic for a seed
    assert not torch.equal(variants, latent.vector_arithmetic(a, b, c, seed=10)[1])
    with pytest.raises(ValueError, match="exemplar for B"):
        latent.vector_arithmetic(a, b[:0], c)


def test_pixel_arithmetic_is_clipped_to_the_image_range():
    ones, minus = torch.ones(3, 1, 28, 28), -torch.ones(2, 1, 28, 28)
    out = latent.pixel_arithmetic(ones, minus, ones)   # 1 − (−1) + 1 = 3 → clipped to 1
    assert out.shape == (1, 28, 28) and torch.equal(out, torch.ones(1, 28, 28))
    assert torch.allclose(latent.pixel_arithmetic(ones, ones, minus), -torch.ones(1, 28, 28))


def test_latent_figures_carry_the_values_they_are_given():
    import numpy as np

    from ganviz.plots import latent as plots_latent
    t = np.linspace(0, 1, 5)
    from tests.helpers import validated

    fig = validated(plots_latent.norms_figure(t, np.array([10, 8, 7, 8, 10.0]), np.full(5, 10.0), 9.97))
    assert [tr.name for tr in fig.data] == ["lerp", "slerp"]
    assert list(fig.data[0].y) == [10, 8, 7, 8, 10] and fig.layout.height == 260
    (line,) = fig.layout.shapes  # E‖z‖ across the whole width, labelled
    assert (line.y0, line.y1, line.xref) == (9.97, 9.97, "x domain") and fig.layout.annotations[0].y == 9.97
    assert fig.layout.yaxis.range == pytest.approx((0.8 * 7, 1.1 * 10))
    x = -torch.ones(10, 1, 28, 28)
    grid = plots_latent.numbered_grid(x, nrow=5, scale=2)
    assert grid.shape == ((2 * 30 + 2) * 2, (5 * 30 + 2) * 2, 3)
    assert tuple(grid[2 * 2 + 1, 2 * 2 + 1]) == (255, 215, 0)      # the yellow index badge of image 0
    assert plots_latent.strip(x[:4], 3).shape == (32 * 3, (4 * 30 + 2) * 3)


def test_prior_norm_is_the_chi_mean_for_gaussians_and_a_seeded_mean_for_mixtures():
    from ganviz.engine.priors import LatentPrior
    chi = 2 ** 0.5 * math.exp(math.lgamma(50.5) - math.lgamma(50))  # E‖z‖, z ~ N(0, I_100): the chi mean
    assert latent.prior_norm(100) == pytest.approx(chi, rel=1e-12)
    assert latent.prior_norm(100, None, midpoint=True) == pytest.approx(chi / 2 ** 0.5, rel=1e-12)  # N(0, I/2)
    prior = LatentPrior("mixture", 100, components=50, sd=0.5, seed=0)
    other = prior.sample(20_000, torch.Generator().manual_seed(99)).norm(dim=1).mean().item()
    assert latent.prior_norm(100, prior) == pytest.approx(other, rel=0.01)
    pairs = prior.sample(20_000, torch.Generator().manual_seed(98))
    mid = ((pairs[:10_000] + pairs[10_000:]) / 2).norm(dim=1).mean().item()
    assert latent.prior_norm(100, prior, midpoint=True) == pytest.approx(mid, rel=0.01)
