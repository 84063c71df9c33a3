"""Values of ganviz.scoring.metrics against closed forms and independent reference formulas (Heusel et al. 2017;
Bińkowski et al. 2018; Kynkäänniemi et al. 2019)."""

import math

import numpy as np
import pytest
import scipy.linalg

from ganviz.scoring import metrics as M


def exact_gaussian_sample(mu, sigma, n, rng):
    """n points whose sample mean is exactly mu and whose np.cov is exactly sigma (whitened, then coloured)."""
    x = rng.standard_normal((n, len(mu)))
    x -= x.mean(0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T
    return x @ np.linalg.cholesky(sigma).T + mu


def random_spd(d, rng, scale=1.0):
    a = rng.standard_normal((d, d))
    return scale * (a @ a.T / d + 0.1 * np.eye(d))


def pytorch_fid_formula(mu1, s1, mu2, s2, eps=1e-6):
    """calculate_frechet_distance of pytorch-fid (mseitzer/pytorch-fid, fid_score.py), with scipy.linalg.sqrtm."""
    diff = mu1 - mu2
    covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
    if not np.isfinite(covmean).all():
        offset = np.eye(s1.shape[0]) * eps
        covmean = scipy.linalg.sqrtm((s1 + offset).dot(s2 + offset))
    if np.iscomplexobj(covmean):
        assert np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3)
        covmean = covmean.real
    return diff.dot(diff) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)


# ---------------------------------------------------------------------------------------------- FID
def test_fid_of_gaussian_feature_sets_equals_closed_form_commuting():
    rng = np.random.default_rng(0)
    d = 6
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))  # common eigenvectors: Σ1 Σ2 commute
    a, b = rng.uniform(0.5, 3, d), rng.uniform(0.5, 3, d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    s1, s2 = q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T
    x1, x2 = exact_gaussian_sample(mu1, s1, 400, rng), exact_gaussian_sample(mu2, s2, 300, rng)
    closed = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert M.fid(x1, x2) == pytest.approx(closed, rel=1e-9)


def test_fid_2d_non_commuting_closed_form():
    # for 2×2, Tr sqrt(M) = sqrt(Tr M + 2 sqrt(det M)) (eigenvalues λ1, λ2: (√λ1 + √λ2)² = Tr M + 2√(λ1λ2))
    s1 = np.array([[2.0, 0.7], [0.7, 1.0]])
    s2 = np.array([[0.5, -0.3], [-0.3, 1.5]])
    mu1, mu2 = np.array([1.0, -2.0]), np.array([0.5, 0.5])
    m = s1 @ s2
    tr_sqrt = math.sqrt(np.trace(m) + 2 * math.sqrt(np.linalg.det(m)))
    closed = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    rng = np.random.default_rng(1)
    x1, x2 = exact_gaussian_sample(mu1, s1, 50, rng), exact_gaussian_sample(mu2, s2, 70, rng)
    assert M.frechet_distance(mu1, s1, mu2, s2) == pytest.approx(closed, rel=1e-12)
    assert M.fid(x1, x2) == pytest.approx(closed, rel=1e-9)


def test_fid_scaled_covariance_closed_form():
    rng = np.random.default_rng(2)
    s = random_spd(20, rng)
    mu = rng.standard_normal(20)
    # Σ2 = c² Σ1 -> Tr(Σ1 + c²Σ1 − 2cΣ1) = (1 − c)² Tr Σ1
    assert M.frechet_distance(mu, s, mu, 9 * s) == pytest.approx(4 * np.trace(s), rel=1e-10)
    assert M.frechet_distance(mu, s, mu + 1, s) == pytest.approx(20.0, rel=1e-10)
    assert M.frechet_distance(mu, s, mu, s) == pytest.approx(0.0, abs=1e-9)


def test_fid_matches_pytorch_fid_sqrtm_on_full_rank_features():
    rng = np.random.default_rng(3)
    d = 64
    f1 = rng.standard_normal((2000, d)) @ rng.standard_normal((d, d)) * 0.3 + 1.0
    f2 = rng.standard_normal((1500, d)) @ rng.standard_normal((d, d)) * 0.3
    mu1, s1 = M.feature_stats(f1)
    mu2, s2 = M.feature_stats(f2)
    np.testing.assert_allclose(s1, np.cov(f1, rowvar=False))
    ref = pytorch_fid_formula(mu1, s1, mu2, s2)
    assert M.fid(f1, f2) == pytest.approx(ref, rel=1e-6)


def test_fid_with_fewer_samples_than_dimensions_is_real_and_matches_nuclear_norm():
    # N < d: Σ singular. Tr sqrt(Σ1Σ2) = ‖X1c X2cᵀ‖_* / sqrt((N1−1)(N2−1)) with centred data X (the singular values
    # of A B where Σ1 = AAᵀ, Σ2 = BBᵀ), a formula that needs no matrix square root.
    rng = np.random.default_rng(4)
    d = 128
    f1, f2 = rng.standard_normal((50, d)), rng.standard_normal((40, d)) + 0.2
    c1, c2 = f1 - f1.mean(0), f2 - f2.mean(0)
    tr_sqrt = np.linalg.svd(c1 @ c2.T, compute_uv=False).sum() / math.sqrt(49 * 39)
    s1, s2 = np.cov(f1, rowvar=False), np.cov(f2, rowvar=False)
    expected = np.sum((f1.mean(0) - f2.mean(0)) ** 2) + np.trace(s1) + np.trace(s2) - 2 * tr_sqrt
    value = M.fid(f1, f2)
    assert isinstance(value, float) and math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-8)
    assert M.trace_sqrt_product(s1, s2) == pytest.approx(tr_sqrt, rel=1e-8)
    assert M.fid(f1, f1) == pytest.approx(0.0, abs=1e-8 * np.trace(s1))


def test_fid_rejects_non_finite_statistics():
    s = np.eye(3)
    with pytest.raises(ValueError, match="NaN"):
        M.frechet_distance(np.array([0, np.nan, 0]), s, np.zeros(3), s)


# ----------------------------------------------------------------------------------------- FID∞
def test_fid_infinity_recovers_intercept_of_exact_linear_fid_n():
    ns = np.array([5000, 10000, 20000, 35000, 50000])
    fids = 3.25 + 4000.0 / ns
    inf, slope = M.fid_infinity(ns, fids)
    assert inf == pytest.approx(3.25, rel=1e-10)
    assert slope == pytest.approx(4000.0, rel=1e-8)


def test_fid_vs_n_bias_falls_with_n_and_fid_infinity_is_near_truth():
    # same distribution as the reference: true FID = 0, FID_N ≈ c/N > 0 (Chong & Forsyth 2020)
    rng = np.random.default_rng(5)
    d = 16
    mu, sigma = np.zeros(d), np.eye(d)
    feats = rng.standard_normal((20000, d))
    ns, fids = M.fid_vs_n(feats, mu, sigma, [500, 1000, 2000, 5000, 10000, 20000], seed=0)
    assert fids[0] > fids[2] > fids[-1] > 0
    inf, slope = M.fid_infinity(ns, fids)
    assert slope > 0
    assert abs(inf) < 0.1 * fids[0]  # the 1/N extrapolation removes most of the bias seen at small N


# ------------------------------------------------------------------------------------------ IS
def test_inception_score_is_one_for_identical_predictions():
    p = np.tile([0.1, 0.2, 0.7], (1000, 1))
    mean, std = M.inception_score(p, splits=10)
    assert mean == pytest.approx(1.0, abs=1e-12) and std == pytest.approx(0.0, abs=1e-12)


def test_inception_score_is_c_for_confident_balanced_predictions():
    c = 10
    p = np.eye(c)[np.arange(5000) % c]
    assert M.inception_score(p, splits=1)[0] == pytest.approx(c, rel=1e-12)
    mean, std = M.inception_score(p, splits=10, seed=0)  # shuffled splits are only nearly balanced
    assert mean == pytest.approx(c, rel=0.02) and mean <= c + 1e-9


def test_inception_score_matches_kl_formula_and_torch_fidelity_splits():
    rng = np.random.default_rng(6)
    logits = rng.standard_normal((1000, 5)) * 2
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    perm = np.random.RandomState(7).permutation(1000)
    scores = []
    for k in range(4):
        part = p[perm][k * 250:(k + 1) * 250]
        py = part.mean(0)
        scores.append(math.exp(np.mean([np.sum(q * np.log(q / py)) for q in part])))
    mean, std = M.inception_score(p, splits=4, seed=7)
    assert mean == pytest.approx(np.mean(scores), rel=1e-12)
    assert std == pytest.approx(np.std(scores), rel=1e-9)


# ----------------------------------------------------------------------------------------- KID
def test_kid_single_subset_equals_unbiased_mmd2_formula():
    rng = np.random.default_rng(8)
    x, y = rng.standard_normal((60, 4)), rng.standard_normal((60, 4)) + 0.5
    k = lambda a, b: (a @ b.T / 4 + 1) ** 3  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    m = 60
    expected = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
    mean, std = M.kid(x, y, subsets=1, subset_size=60)  # the subset is all points (MMD² is order-free)
    assert mean == pytest.approx(expected, rel=1e-5) and std == 0.0  # float32 Gram matrices, float64 sums


def test_kid_near_zero_for_one_distribution_and_larger_when_shifted():
    rng = np.random.default_rng(9)
    d = 32
    a, b = rng.standard_normal((3000, d)), rng.standard_normal((3000, d))
    same_mean, same_std = M.kid(a, b, subsets=50, subset_size=500, seed=0)
    shifted_mean, _ = M.kid(a, b + 0.3, subsets=50, subset_size=500, seed=0)
    assert abs(same_mean) < 3 * same_std + 1e-4
    assert shifted_mean > 20 * abs(same_mean) and shifted_mean > 10 * same_std


# ------------------------------------------------------------------------------- precision / recall
def clusters(n_per, centres, rng, scale=0.3):
    return np.concatenate([c + scale * rng.standard_normal((n_per, len(c))) for c in centres])


def test_precision_recall_identical_sets_is_one():
    rng = np.random.default_rng(10)
    f = rng.standard_normal((700, 8))
    assert M.precision_recall(f, f.copy(), k=3) == (1.0, 1.0)


def test_recall_drops_and_precision_stays_when_classes_are_dropped():
    rng = np.random.default_rng(11)
    angles = 2 * np.pi * np.arange(10) / 10
    centres = 10 * np.stack([np.cos(angles), np.sin(angles)], 1)  # ten well separated classes on a ring
    real = clusters(200, centres, rng)
    fake = clusters(400, centres[:5], rng)  # mode dropping: 5 of 10 classes
    precision, recall = M.precision_recall(real, fake, k=3)
    assert precision > 0.95
    assert recall == pytest.approx(0.5, abs=0.05)
    # blockwise distances and cached real radii (Reference.with_radii) give the same answer
    assert M.precision_recall(real, fake, k=3, batch_size=37) == (precision, recall)
    ref = M.reference_from_features(real).with_radii(3)
    assert M.precision_recall(real, fake, k=3, real_radii=ref.radii) == (precision, recall)


def test_precision_drops_for_off_manifold_samples():
    rng = np.random.default_rng(12)
    real = clusters(300, 6 * np.eye(4), rng)
    fake = np.concatenate([clusters(150, 6 * np.eye(4), rng), rng.uniform(-20, 20, (600, 4))])
    precision, recall = M.precision_recall(real, fake, k=3)
    assert precision < 0.5 and recall > 0.9


# ----------------------------------------------------------------------------------- class histogram
def test_class_histogram_and_kl_to_uniform():
    p = np.eye(4)[[0, 0, 1, 3]]
    np.testing.assert_allclose(M.class_histogram(p), [0.5, 0.25, 0.0, 0.25])
    assert M.kl_to_uniform(np.full(10, 0.1)) == pytest.approx(0.0, abs=1e-15)
    assert M.kl_to_uniform(np.eye(10)[3]) == pytest.approx(math.log(10))
    q = np.array([0.5, 0.25, 0.0, 0.25])
    assert M.kl_to_uniform(q) == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(1.0))


def test_evaluate_bundles_the_metrics():
    rng = np.random.default_rng(13)
    real = rng.standard_normal((1200, 8))
    fake = rng.standard_normal((1000, 8))
    probs = np.eye(10)[np.arange(1000) % 10]
    ref = M.reference_from_features(real)
    s = M.evaluate(fake, probs, ref, splits=1, kid_subsets=10, kid_subset_size=500)
    assert s.fid == pytest.approx(M.fid(fake, real), rel=1e-6)
    assert s.is_mean == pytest.approx(10, rel=1e-12)
    assert s.precision > 0.8 and s.recall > 0.8 and s.kl_uniform == pytest.approx(0.0, abs=1e-12)
