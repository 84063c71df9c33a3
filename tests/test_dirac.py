"""ganviz.beyond.dirac against Mescheder, Geiger & Nowozin 2018's closed forms, torch autograd of the objective written
here, scipy quadrature for instance noise, finite differences and a plain recomputation of the iterates."""
import math

import numpy as np
import pytest
import torch
from scipy import integrate

from ganviz.beyond import dirac
from ganviz.beyond.dirac import DiracConfig
from ganviz.plots import dirac as plots
from tests.helpers import validated

GAN = ("minimax", "nonsaturating")
POINTS = [(0.7, -0.4), (-1.3, 0.9), (0.2, 1.8), (2.0, 0.5), (-0.5, -1.5)]


def f_torch(loss, t):
    """The paper's f: −log(1 + e^(−t)) for the GAN, t for the WGAN."""
    return -torch.nn.functional.softplus(-t) if loss in GAN else t


def field_by_autograd(loss, theta, psi, gamma_r1=0.0, gamma_gp=0.0):
    """v = (−∂L_G/∂θ, ∂L_D/∂ψ) by torch autograd of the objectives written out from the paper (no noise)."""
    th = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    ps = torch.tensor(psi, dtype=torch.float64, requires_grad=True)
    zero = torch.zeros((), dtype=torch.float64)
    l_g = -f_torch(loss, -ps * th) if loss == "nonsaturating" else f_torch(loss, ps * th)
    l_d = f_torch(loss, ps * th) + f_torch(loss, zero) - gamma_r1 / 2 * ps ** 2 \
        - gamma_gp / 2 * (ps.abs() - 1) ** 2
    (g_th,) = torch.autograd.grad(l_g, th)
    (g_ps,) = torch.autograd.grad(l_d, ps)
    return -g_th.item(), g_ps.item()


@pytest.mark.parametrize("loss", list(dirac.LOSSES))
def test_field_matches_autograd_of_the_objective(loss):
    for r1 in (False, True):
        cfg = DiracConfig(loss=loss, r1=r1, gamma=0.7)
        for theta, psi in POINTS:
            want = field_by_autograd(loss, theta, psi, 0.7 if r1 else 0.0, 0.7 if loss == "wgan-gp" else 0.0)
            got = dirac.vector_field(cfg, theta, psi)
            np.testing.assert_allclose([float(got[0]), float(got[1])], want, rtol=1e-12, atol=1e-14)


def test_field_is_the_papers_formula():
    """v(θ, ψ) = (−ψ f′(ψθ), θ f′(ψθ)); f′(t) = 1/(1 + e^t) for the GAN, 1 for the WGAN (a pure rotation)."""
    theta, psi = np.meshgrid(np.linspace(-2, 2, 9), np.linspace(-2, 2, 9))
    vt, vp = dirac.vector_field(DiracConfig(loss="minimax"), theta, psi)
    fp = 1 / (1 + np.exp(psi * theta))
    np.testing.assert_allclose(vt, -psi * fp, rtol=1e-12)
    np.testing.assert_allclose(vp, theta * fp, rtol=1e-12)
    vt, vp = dirac.vector_field(DiracConfig(loss="wgan"), theta, psi)
    np.testing.assert_allclose(vt, -psi)
    np.testing.assert_allclose(vp, theta)


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan"])
def test_instance_noise_field_is_the_expected_gradient(loss):
    """With ε ~ N(0, σ²) on both samples the field is the gradient of the expected objective: here by scipy
    quadrature of the noisy objective and central finite differences."""
    sigma = 0.8
    cfg = DiracConfig(loss=loss, noise=sigma)
    f = {"minimax": lambda t: -np.logaddexp(0, -t), "nonsaturating": lambda t: -np.logaddexp(0, -t),
         "wgan": lambda t: t}[loss]
    pdf = lambda e: math.exp(-e * e / (2 * sigma ** 2)) / (sigma * math.sqrt(2 * math.pi))  # noqa: E731

    def expect(g):
        return integrate.quad(lambda e: pdf(e) * g(e), -12 * sigma, 12 * sigma, epsabs=1e-13, epsrel=1e-12)[0]

    def l_d(th, ps):
        return expect(lambda e: f(ps * (th + e))) + expect(lambda e: f(-ps * e))

    def l_g(th, ps):
        return expect(lambda e: -f(-ps * (th + e))) if loss == "nonsaturating" else expect(lambda e: f(ps * (th + e)))

    h = 1e-5
    for theta, psi in POINTS[:3]:
        want_t = -(l_g(theta + h, psi) - l_g(theta - h, psi)) / (2 * h)
        want_p = (l_d(theta, psi + h) - l_d(theta, psi - h)) / (2 * h)
        got = dirac.vector_field(cfg, theta, psi)
        np.testing.assert_allclose([float(got[0]), float(got[1])], [want_t, want_p], atol=2e-7)


def jacobian_fd(cfg, h=1e-6):
    cols = []
    for d in ((h, 0.0), (0.0, h)):
        plus = np.array(dirac.vector_field(cfg, d[0], d[1]), dtype=float)
        minus = np.array(dirac.vector_field(cfg, -d[0], -d[1]), dtype=float)
        cols.append((plus - minus) / (2 * h))
    return np.column_stack(cols)


CASES = [dict(loss="minimax"), dict(loss="nonsaturating"), dict(loss="wgan"), dict(loss="minimax", r1=True, gamma=0.3),
         dict(loss="wgan", r1=True, gamma=2.5), dict(loss="minimax", noise=0.7), dict(loss="nonsaturating", noise=1.2),
         dict(loss="wgan", noise=1.0), dict(loss="minimax", r1=True, gamma=0.2, noise=0.5)]


@pytest.mark.parametrize("kw", CASES, ids=lambda kw: "-".join(f"{k}={v}" for k, v in kw.items()))
def test_jacobian_at_the_equilibrium_matches_finite_differences(kw):
    cfg = DiracConfig(**kw)
    np.testing.assert_allclose(dirac.jacobian(cfg), jacobian_fd(cfg), atol=1e-7)


def test_eigenvalues_are_the_papers_closed_forms():
    # unregularised: ±i f′(0), f′(0) = ½ (GAN) or 1 (WGAN)
    for loss, a in (("minimax", 0.5), ("nonsaturating", 0.5), ("wgan", 1.0)):
        lam = dirac.eigenvalues(DiracConfig(loss=loss))
        np.testing.assert_allclose(sorted(lam, key=lambda z: z.imag), [-1j * a, 1j * a], atol=1e-15)
    # R1: −γ/2 ± √(γ²/4 − f′(0)²), complex for γ < 2 f′(0), real (overdamped) above
    for gamma in (0.3, 1.0, 2.5):
        lam = dirac.eigenvalues(DiracConfig(loss="minimax", r1=True, gamma=gamma))
        root = np.sqrt(complex(gamma ** 2 / 4 - 0.25))
        np.testing.assert_allclose(sorted(lam, key=lambda z: (z.real, z.imag)),
                                   sorted([-gamma / 2 + root, -gamma / 2 - root], key=lambda z: (z.real, z.imag)))
        assert all(z.real < 0 for z in lam)
    # instance noise: f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²), f″(0) = −¼ for the GAN; no effect on the WGAN
    for sigma in (0.5, 1.0, 2.0):
        lam = dirac.eigenvalues(DiracConfig(loss="minimax", noise=sigma))
        c = -0.25 * sigma ** 2
        root = np.sqrt(complex(c * c - 0.25))
        np.testing.assert_allclose(sorted(lam, key=lambda z: (z.real, z.imag)),
                                   sorted([c + root, c - root], key=lambda z: (z.real, z.imag)), atol=1e-15)
    np.testing.assert_allclose(np.abs(dirac.eigenvalues(DiracConfig(loss="wgan", noise=1.0)).real), 0)
    # and they are the eigenvalues of the finite-difference Jacobian
    for kw in CASES:
        cfg = DiracConfig(**kw)
        want = np.linalg.eigvals(jacobian_fd(cfg))
        np.testing.assert_allclose(sorted(dirac.eigenvalues(cfg), key=lambda z: (z.imag, z.real)),
                                   sorted(want, key=lambda z: (z.imag, z.real)), atol=1e-6)
    gp = DiracConfig(loss="wgan-gp")
    assert dirac.eigenvalues(gp) is None and dirac.jacobian(gp) is None


def step_jacobian_fd(cfg, h=1e-6):
    cols = []
    for d in ((h, 0.0), (0.0, h)):
        plus = np.array(dirac.step(cfg, d[0], d[1]))
        minus = np.array(dirac.step(cfg, -d[0], -d[1]))
        cols.append((plus - minus) / (2 * h))
    return np.column_stack(cols)


@pytest.mark.parametrize("method", list(dirac.METHODS))
def test_update_operator_is_the_linearised_training_step(method):
    for kw in CASES:
        for lr, n_d in ((0.1, 1), (0.3, 3), (0.05, 7)):
            cfg = DiracConfig(method=method, lr=lr, d_steps=n_d, **kw)
            np.testing.assert_allclose(dirac.update_operator(cfg), step_jacobian_fd(cfg), atol=1e-7)


def test_spectral_radius_closed_forms():
    """Simultaneous, undamped: ρ = √(1 + h² f′(0)²) > 1. Alternating, undamped: 1 − α²/2 ± √((1 − α²/2)² − 1)
    with α = √n_d · h · f′(0), on the unit circle for α ≤ 2 (Mescheder et al. 2018 §2.2)."""
    for loss, a in (("minimax", 0.5), ("wgan", 1.0)):
        for h in (0.01, 0.1, 0.5):
            assert dirac.spectral_radius(DiracConfig(loss=loss, method="simultaneous", lr=h)) == \
                pytest.approx(math.sqrt(1 + h * h * a * a), rel=1e-12)
            for n_d in (1, 4, 10):
                cfg = DiracConfig(loss=loss, method="alternating", lr=h, d_steps=n_d)
                alpha = math.sqrt(n_d) * h * a
                c = 1 - alpha ** 2 / 2
                want = [c + np.sqrt(complex(c * c - 1)), c - np.sqrt(complex(c * c - 1))]
                got = np.linalg.eigvals(dirac.update_operator(cfg))
                np.testing.assert_allclose(sorted(got, key=lambda z: (z.imag, z.real)),
                                           sorted(want, key=lambda z: (z.imag, z.real)), atol=1e-12)
                if alpha <= 2:
                    assert dirac.spectral_radius(cfg) == pytest.approx(1.0, abs=1e-12)
                    assert dirac.verdict(cfg) == "circles"
    assert dirac.verdict(DiracConfig(method="simultaneous")) == "diverges"
    assert dirac.verdict(DiracConfig(r1=True)) == "converges"
    assert dirac.verdict(DiracConfig(noise=1.0)) == "converges"
    assert dirac.verdict(DiracConfig(loss="wgan", noise=1.0)) == "circles"
    assert dirac.verdict(DiracConfig(loss="wgan-gp")) == "no equilibrium Jacobian"


def plain_iterates(loss, method, h, n_d, steps, theta, psi, gamma_r1=0.0):
    """The Dirac-GAN trained by hand for the unregularised or R1 GAN/WGAN, no noise."""
    fp = (lambda t: 1 / (1 + math.exp(t))) if loss == "minimax" else (lambda t: 1.0)
    out = [(theta, psi)]
    for _ in range(steps):
        if method == "simultaneous":
            theta, psi = theta - h * psi * fp(psi * theta), psi + h * (theta * fp(psi * theta) - gamma_r1 * psi)
        else:
            for _ in range(n_d):
                psi = psi + h * (theta * fp(psi * theta) - gamma_r1 * psi)
            theta = theta - h * psi * fp(psi * theta)
        out.append((theta, psi))
    return np.array(out)


@pytest.mark.parametrize("loss", ["minimax", "wgan"])
@pytest.mark.parametrize("method", list(dirac.METHODS))
def test_trajectory_matches_a_plain_recomputation(loss, method):
    for r1, n_d in ((False, 1), (True, 3)):
        cfg = DiracConfig(loss=loss, method=method, r1=r1, gamma=0.4, lr=0.2, d_steps=n_d, steps=300, theta0=1.1,
                          psi0=-0.6)
        want = plain_iterates(loss, method, 0.2, n_d, 300, 1.1, -0.6, 0.4 if r1 else 0.0)
        np.testing.assert_allclose(dirac.trajectory(cfg), want, rtol=1e-9, atol=1e-12)


def test_trajectories_tell_the_papers_story():
    radius = lambda cfg: np.hypot(*dirac.trajectory(cfg)[[0, -1]].T)  # noqa: E731
    r0, r1 = radius(DiracConfig(loss="wgan", method="simultaneous", steps=500))
    assert r1 > 1.5 * r0  # spirals out: ρ^500 = 1.01^250 ≈ 12 in the linear regime
    r0, r1 = radius(DiracConfig(loss="wgan", method="alternating", steps=2000))
    assert r1 == pytest.approx(r0, rel=0.1)  # circles
    r0, r1 = radius(DiracConfig(r1=True, steps=1000))
    assert r1 < 1e-4 * r0  # converges
    r0, r1 = radius(DiracConfig(noise=1.0, steps=1000))
    assert r1 < 1e-4 * r0
    traj = dirac.trajectory(DiracConfig(loss="wgan-gp", gamma=1.0, steps=3000))
    assert np.hypot(*traj[-500:].T).min() > 0.3  # WGAN-GP keeps away from the equilibrium


def test_blow_up_is_cut_off_and_extent_is_capped():
    traj = dirac.trajectory(DiracConfig(loss="wgan", method="simultaneous", lr=2.0, steps=200))
    assert np.isnan(traj[-1]).all() and np.isfinite(traj[0]).all()
    assert dirac.view_extent(traj) == 6.0
    assert dirac.view_extent(np.array([[0.5, 0.2], [0.1, 0.0]])) == 1.0
    assert dirac.view_extent(np.array([[2.0, -3.0]])) == pytest.approx(3.45)


def test_oscillation_detector_sees_circling_not_converging():
    for circling in (DiracConfig(), DiracConfig(loss="wgan"), DiracConfig(method="simultaneous", theta0=0.5, psi0=0.5)):
        assert dirac.oscillation_detected(circling, dirac.trajectory(circling))
    converging = DiracConfig(r1=True)
    assert not dirac.oscillation_detected(converging, dirac.trajectory(converging))


def test_d_on_fake_is_sigma_of_minus_psi_theta():
    traj = np.array([[1.0, 2.0], [-0.5, 0.5]])
    np.testing.assert_allclose(dirac.d_on_fake(DiracConfig(), traj), 1 / (1 + np.exp([2.0, -0.25])))
    np.testing.assert_allclose(dirac.d_on_fake(DiracConfig(loss="wgan"), traj), [-2.0, 0.25])


@pytest.mark.parametrize("bad", [dict(loss="lsgan"), dict(method="adam"), dict(lr=0.0), dict(lr=float("nan")),
                                 dict(gamma=-1.0), dict(noise=-0.1), dict(d_steps=0), dict(steps=0),
                                 dict(theta0=float("inf"))])
def test_bad_settings_say_why(bad):
    with pytest.raises(ValueError):
        DiracConfig(**bad)


def test_plane_figure_draws_the_field_directions_and_the_path():
    cfg = DiracConfig()
    traj = dirac.trajectory(cfg)
    grid = dirac.field_grid(cfg, 2.0, n=5)
    fig = validated(plots.plane_figure(grid, traj[:11], 2.0, whole=traj))
    field = fig.data[0]
    seg = np.array(field.x, dtype=float).reshape(-1, 3), np.array(field.y, dtype=float).reshape(-1, 3)
    lengths = np.hypot(seg[0][:, 1] - seg[0][:, 0], seg[1][:, 1] - seg[1][:, 0])
    assert len(lengths) == 24  # 25 grid points, the one at (0, 0) has no direction
    np.testing.assert_allclose(lengths, 0.18)
    # each segment points along v at its start
    vt, vp = dirac.vector_field(cfg, seg[0][:, 0], seg[1][:, 0])
    cos = ((seg[0][:, 1] - seg[0][:, 0]) * vt + (seg[1][:, 1] - seg[1][:, 0]) * vp) / (lengths * np.hypot(vt, vp))
    np.testing.assert_allclose(cos, 1.0)
    names = [t.name for t in fig.data]
    path = fig.data[names.index("iterates so far (θₜ, ψₜ)")]
    assert len(path.x) == 11 and path.x[0] == 1.0
    assert fig.data[names.index("now")].x[0] == traj[10, 0]
    assert list(fig.layout.xaxis.range) == [-2.0, 2.0]
    fig = validated(plots.iterates_figure(traj[:50], dirac.d_on_fake(cfg, traj[:50]), "D", 1000))
    assert len(fig.data) == 3 and list(fig.layout.xaxis.range) == [0, 1000]


def test_presets_tell_their_story():
    """Each preset's run does what its story says, measured on its iterates and closed forms."""
    got = {}
    for name, (story, changes) in dirac.PRESETS.items():
        cfg = DiracConfig(**changes)
        traj = dirac.trajectory(cfg)
        r = np.hypot(*traj.T)
        got[name] = (dirac.verdict(cfg), r[-1] / r[0], dirac.oscillation_detected(cfg, traj))
        assert story and np.isfinite(traj).all(), name
    assert got["Simultaneous GD spirals out"][0] == "diverges" and got["Simultaneous GD spirals out"][1] > 2
    assert got["Alternating GD circles"][0] == "circles" and 0.9 < got["Alternating GD circles"][1] < 1.1
    assert got["R1 penalty converges"][0] == "converges" and got["R1 penalty converges"][1] < 1e-3
    assert got["WGAN circles forever"][0] == "circles" and 0.9 < got["WGAN circles forever"][1] < 1.1
    assert got["WGAN-GP does not settle"][1] > 0.5
    assert got["Instance noise converges"][0] == "converges" and got["Instance noise converges"][1] < 1e-3
    assert got["Smaller steps, more D steps"][0] == "circles" and got["Smaller steps, more D steps"][1] > 0.9
    for name in ("Simultaneous GD spirals out", "Alternating GD circles", "WGAN circles forever",
                 "WGAN-GP does not settle", "Smaller steps, more D steps"):
        assert got[name][2], name  # the playground's oscillation detector fires on every non-converging preset
    for name in ("R1 penalty converges", "Instance noise converges"):
        assert not got[name][2], name


def test_trajectory_csv_holds_the_iterates():
    cfg = DiracConfig(loss="wgan", method="simultaneous", lr=2.0, steps=40)
    traj = dirac.trajectory(cfg)
    lines = dirac.trajectory_csv(cfg, traj).decode().splitlines()
    assert lines[0] == "t,theta,psi,d_fake" and len(lines) == 42
    t, th, ps, df = lines[1].split(",")
    assert (int(t), float(th), float(ps), float(df)) == (0, 1.0, 1.0, -1.0)
    assert lines[-1] == "40,,,"  # blown up: empty cells, never 'nan'
