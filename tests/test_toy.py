"""Tests for ganviz.plane.toy: exact dataset definitions (the VEEGAN protocol, Srivastava et al. 2017), mode metrics
with
known answers, CSV checks."""
import math

import numpy as np
import pytest
import torch

from ganviz.plane import toy


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_ring8_definition():
    d = toy.ring8()
    assert d.sigma == 0.02 and d.centres.shape == (8, 2)
    angles = np.mod(np.arctan2(d.centres[:, 1], d.centres[:, 0]), 2 * np.pi)
    np.testing.assert_allclose(np.sort(angles), 2 * np.pi * np.arange(8) / 8, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(d.centres, axis=1), 2.0)
    # 8 distinct modes (linspace(0, 2π, 8) would repeat angle 0): smallest pairwise distance = chord 2·2·sin(π/8)
    dist = np.linalg.norm(d.centres[:, None] - d.centres[None], axis=-1) + np.eye(8) * 99
    assert dist.min() == pytest.approx(4 * math.sin(math.pi / 8))


def test_grid25_definition():
    d = toy.grid25()
    assert d.sigma == 0.05 and d.centres.shape == (25, 2)
    expected = {(x, y) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)}
    assert {tuple(c) for c in d.centres.astype(int).tolist()} == expected
    np.testing.assert_array_equal(d.centres, d.centres.round())


@pytest.mark.parametrize("make", [toy.ring8, toy.grid25, toy.two_gaussians])
def test_mixture_samples_match_definition(make):
    d = make()
    x = d.sample(20_000, gen(1)).numpy()
    assert x.shape == (20_000, 2) and x.dtype == np.float32
    idx, dist = toy.nearest_mode(x, d.centres)
    counts = np.bincount(idx, minlength=len(d.centres))
    assert counts.min() > 0.8 * 20_000 / len(d.centres)  # equal weights
    residual = x - d.centres[idx]
    assert residual.std() == pytest.approx(d.sigma, rel=0.05)  # σ per coordinate
    # within 3σ of its mode: P(chi_2 ≤ 3) = 1 − exp(−9/2) ≈ 0.9889 for an isotropic 2-D Gaussian
    assert (dist <= 3 * d.sigma).mean() == pytest.approx(1 - math.exp(-4.5), abs=0.005)


def test_same_seed_same_points_and_all_datasets_sample():
    for name, make in toy.DATASETS.items():
        d = make()
        a, b = d.sample(100, gen(3)), d.sample(100, gen(3))
        assert torch.equal(a, b), name
        assert a.shape == (100, 2) and torch.isfinite(a).all(), name
        lo, hi = d.extent
        assert (a > lo).all() and (a < hi).all(), name
    assert set(toy.DATASETS) == {"ring-8", "grid-25", "spiral", "two-moons", "two-gaussians"}


def test_spiral_and_moons_shapes():
    s = toy.spiral(noise=0.0).sample(2000, gen()).numpy()
    r = np.linalg.norm(s, axis=1)
    assert r.min() >= 0.5 - 1e-6 and r.max() <= 3.5 + 1e-5  # r = 0.5 + θ/π, θ ∈ [0, 3π]
    m = toy.two_moons(noise=0.0).sample(2000, gen()).numpy()
    # undo the ×2 scale and shift: points lie on the unit circle around (0, 0) or around (1, 0.5)
    u = m / 2 + np.array([0.5, 0.25])
    on_outer = np.isclose(np.linalg.norm(u, axis=1), 1, atol=1e-5)
    on_inner = np.isclose(np.linalg.norm(u - np.array([1.0, 0.5]), axis=1), 1, atol=1e-5)
    assert np.all(on_outer | on_inner) and 0.4 < on_outer.mean() < 0.6


def test_mode_metrics_all_modes_exact():
    d = toy.ring8()
    x = np.repeat(d.centres, 10, axis=0)  # 10 samples exactly on each mode
    m = toy.mode_metrics(x, d.centres, d.sigma)
    assert m["modes_covered"] == 8 and m["modes_covered_strict"] == 8
    assert m["hq_fraction"] == 1.0
    assert m["reverse_kl"] == pytest.approx(0.0, abs=1e-12)


def test_mode_metrics_one_mode():
    d = toy.ring8()
    jitter = np.clip(0.01 * np.random.default_rng(0).standard_normal((500, 2)), -0.03, 0.03)  # ‖·‖ ≤ 0.043 < 3σ
    x = d.centres[[3]] + jitter
    m = toy.mode_metrics(x, d.centres, d.sigma)
    assert m["modes_covered"] == 1 and m["modes_covered_strict"] == 1
    assert m["hq_fraction"] == 1.0
    assert m["reverse_kl"] == pytest.approx(math.log(8))


def test_mode_metrics_off_mode_samples():
    d = toy.grid25()
    x = d.centres + np.array([1.0, 1.0])  # every sample at a cell corner: far from all modes
    m = toy.mode_metrics(x, d.centres, d.sigma)
    assert m["hq_fraction"] == 0.0 and m["modes_covered"] == 0 and m["modes_covered_strict"] == 0


def test_mode_metrics_partial_known_answer():
    d = toy.ring8()
    # 3 modes: shares 1/2, 1/4, 1/4 on modes 0, 1, 2; 4 HQ samples missing from mode 2 (placed 0.1 away)
    x = np.concatenate([np.repeat(d.centres[[0]], 200, 0), np.repeat(d.centres[[1]], 100, 0),
                        np.repeat(d.centres[[2]], 96, 0), d.centres[[2]] + np.array([[0.1, 0.0]] * 4)])
    m = toy.mode_metrics(x, d.centres, d.sigma)
    q = np.array([0.5, 0.25, 0.25])
    assert m["reverse_kl"] == pytest.approx(float((q * np.log(q * 8)).sum()))
    assert m["hq_fraction"] == pytest.approx(396 / 400)
    assert m["modes_covered"] == 3
    # strict: a mode needs ≥ 1 % of all samples (4 of 400) as HQ samples
    y = np.concatenate([x, np.repeat(d.centres[[5]], 3, 0)])
    assert toy.mode_metrics(y, d.centres, d.sigma)["modes_covered"] == 4
    assert toy.mode_metrics(y, d.centres, d.sigma)["modes_covered_strict"] == 3


def test_mode_metrics_boundary_3_sigma_and_nan():
    d = toy.ring8()
    x = d.centres[[0, 0]] + np.array([[0.0599, 0.0], [0.0601, 0.0]])
    assert toy.mode_metrics(x, d.centres, d.sigma)["hq_fraction"] == 0.5
    y = np.concatenate([d.centres, [[np.nan, 0.0], [np.inf, 1.0]]])
    m = toy.mode_metrics(y, d.centres, d.sigma)
    assert m["hq_fraction"] == pytest.approx(8 / 10) and m["reverse_kl"] == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        toy.mode_metrics(np.full((3, 2), np.nan), d.centres, d.sigma)


def test_sample_spread():
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    assert toy.sample_spread(x) == pytest.approx(1.0)
    assert toy.sample_spread(np.ones((5, 2))) == 0.0
    assert toy.sample_spread(2 * x + 7) == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------------- CSV


def test_csv_parses_with_and_without_header():
    pts = toy.parse_points_csv(b"x,y\n1,2\n3,4.5\n\n-1e-3, 7\n")
    np.testing.assert_array_equal(pts, [[1, 2], [3, 4.5], [-1e-3, 7]])
    np.testing.assert_array_equal(toy.parse_points_csv("1,2\n3,4\n"), [[1, 2], [3, 4]])


def test_csv_dataset_is_centred_and_scaled():
    d = toy.load_points_csv(b"0,0\n10,0\n0,20\n")
    x = d.sample(3000, gen()).numpy()
    assert np.abs(x).max() == pytest.approx(toy.CSV_BOX)
    assert len(np.unique(x, axis=0)) == 3 and not d.has_modes


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"\n\n  \n", "empty"),
        (b"x,y\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        (b"\xff\xfe1,2", "UTF-8"),
        (b"1,2\n3,abc\n", "not a number"),
        (b"1,2\n3,nan\n", "NaN or infinity"),
        (b"1,2\ninf,3\n", "NaN or infinity"),
        (b"1,2,3\n4,5,6\n", "exactly two numbers"),
        (b"1\n2\n", "exactly two numbers"),
        (b"1,2\n", "at least 2"),
    ],
)
def test_csv_errors_are_one_clear_sentence(data, words):
    with pytest.raises(ValueError) as e:
        toy.parse_points_csv(data)
    msg = str(e.value)
    assert words in msg and msg.endswith(".") and "\n" not in msg


def test_csv_row_and_byte_caps():
    with pytest.raises(ValueError, match="limit is 5 rows"):
        toy.parse_points_csv(b"1,2\n" * 6, max_rows=5)
    with pytest.raises(ValueError, match="limit is 1 MB"):
        toy.parse_points_csv(b"1,2\n" * 300_000, max_bytes=2**20)


def test_diversity():
    x = np.random.default_rng(0).standard_normal((1000, 2))
    assert toy.diversity(x, x) == pytest.approx(1.0)
    assert toy.diversity(0.1 * x, x) == pytest.approx(0.1)
    assert toy.diversity(np.zeros((10, 2)), x) == 0.0
