"""The Dirac-GAN: the smallest GAN, and why its training circles instead of converging.

Mescheder, Geiger & Nowozin, ICML 2018, "Which training methods for GANs do actually converge?" (§2–3):
p_data = δ₀, G = δ_θ (one parameter θ: where the fake sits), a linear discriminator D_ψ(x) = ψ·x, and the
objective L(θ, ψ) = f(D_ψ(G_θ)) + f(−D_ψ(0)) = f(ψθ) + f(0), which G minimises and D maximises, with
f(t) = −log(1 + e^(−t)) for the 2014 GAN and f(t) = t for the WGAN. (In the paper's sign convention σ(−D) is the
probability D gives "real".) The only equilibrium is (θ, ψ) = (0, 0).

Gradient vector field v = (−∂L/∂θ, ∂L/∂ψ) = (−ψ f′(ψθ), θ f′(ψθ)); its Jacobian at (0, 0) is
J = [[0, −f′(0)], [f′(0), −d]] with d = 0 without regularisation: eigenvalues ±i f′(0), a pure rotation.
Remedies add damping d > 0 (eigenvalues −d/2 ± √(d²/4 − f′(0)²)):
- R1 (the paper's zero-centred penalty on real data, (γ/2)‖∇ₓD(x)‖² = (γ/2)ψ²): d = γ;
- instance noise N(0, σ²) on real and fake samples: d = −2σ² f″(0) (f″(0) = −¼ for the GAN, 0 for the WGAN —
  noise does not help a linear critic); the paper's eigenvalues f″(0)σ² ± √(f″(0)²σ⁴ − f′(0)²).
- WGAN-GP's penalty (γ/2)(|ψ| − g₀)² (Gulrajani et al. 2017 with target g₀ = 1) is not differentiable at ψ = 0:
  near the equilibrium it pushes |ψ| *away* from 0, so there is no Jacobian and the iterates do not settle.

Training is discrete: simultaneous steps (θ, ψ) ← (θ, ψ) + h·v, or alternating steps (n_d D-steps, then one
G-step, D's new ψ used by G). Near (0, 0) one iteration is the linear map M (``update_operator``); it converges iff
its spectral radius ρ(M) < 1. Simultaneous: M = I + hJ, ρ = √(1 + h² f′(0)²) > 1 without damping (spirals out);
alternating, undamped: eigenvalues 1 − α²/2 ± √((1 − α²/2)² − 1), α = √n_d · h f′(0), on the unit circle for
α ≤ 2 (circles forever, Mescheder et al. 2018 §2.2) — a smaller step or more D-steps do not help.

Pure numpy: one step is a few flops, so a whole trajectory takes microseconds and needs no Trainer or worker.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from ganviz.engine.history import History
from ganviz.engine.monitor import oscillation

LOSSES = {
    "minimax": "GAN (minimax), f(t) = −log(1 + e^(−t))",
    "nonsaturating": "GAN, non-saturating G loss",
    "wgan": "WGAN, f(t) = t",
    "wgan-gp": "WGAN-GP, f(t) = t + penalty (γ/2)(|ψ| − 1)²",
}
METHODS = {"simultaneous": "Simultaneous gradient descent", "alternating": "Alternating gradient descent"}
GP_TARGET = 1.0  # g₀ of WGAN-GP's penalty (γ/2)(‖∇D‖ − g₀)²
# Gauss–Hermite nodes for E over instance noise ε ~ N(0, σ²): exact for polynomials of degree ≤ 2·N − 1
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(t, dtype=np.float64)))


def f_prime(loss: str, t):
    """f′(t): 1/(1 + e^t) for the GAN (f(t) = −log(1 + e^(−t))), 1 for the WGAN (f(t) = t)."""
    t = np.asarray(t, dtype=np.float64)
    return _sigmoid(-t) if loss in ("minimax", "nonsaturating") else np.ones_like(t)


def f_second(loss: str) -> float:
    """f″(0): −¼ for the GAN, 0 for the WGAN."""
    return -0.25 if loss in ("minimax", "nonsaturating") else 0.0


@dataclass(frozen=True)
class DiracConfig:
    """One Dirac-GAN run: loss, regularisers (R1 weight ``gamma``, instance-noise sd ``noise``; for WGAN-GP
    ``gamma`` weighs its penalty), method, step size ``lr`` (h), D-steps per G-step ``d_steps`` (alternating
    only), number of iterations and the start (θ₀, ψ₀)."""

    loss: str = "minimax"
    method: str = "alternating"
    r1: bool = False
    gamma: float = 0.3
    noise: float = 0.0
    lr: float = 0.1
    d_steps: int = 1
    steps: int = 1000
    theta0: float = 1.0
    psi0: float = 1.0

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise ValueError(f"Unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}.")
        if self.method not in METHODS:
            raise ValueError(f"Unknown method {self.method!r}; choose one of {', '.join(METHODS)}.")
        for name in ("lr", "gamma", "noise", "theta0", "psi0"):
            if not math.isfinite(getattr(self, name)):
                raise ValueError(f"{name} must be a finite number.")
        if not 0 < self.lr <= 2:
            raise ValueError("The step size must be in (0, 2].")
        if self.gamma < 0 or self.noise < 0:
            raise ValueError("The penalty weight and the noise level must be 0 or more.")
        if not 1 <= self.d_steps <= 100:
            raise ValueError("The number of D-steps per G-step must be between 1 and 100.")
        if not 1 <= self.steps <= 100_000:
            raise ValueError("The number of iterations must be between 1 and 100,000.")

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def damping(self) -> float:
        """d in J = [[0, −f′(0)], [f′(0), −d]]: γ from R1 plus −2σ² f″(0) from instance noise."""
        return (self.gamma if self.r1 else 0.0) - 2 * self.noise ** 2 * f_second(self.loss)


def vector_field(cfg: DiracConfig, theta, psi) -> tuple[np.ndarray, np.ndarray]:
    """v(θ, ψ) = (−∂L_G/∂θ, ∂L_D/∂ψ), elementwise over arrays.

    L_G = f(ψθ) (minimax, WGAN) or −f(−ψθ) (non-saturating); L_D = f(ψθ) + f(0) − R1 − GP. With instance noise
    the expectations over ε₁, ε₂ ~ N(0, σ²) of the noisy objective f(ψ(θ + ε₁)) + f(−ψε₂) are taken by
    Gauss–Hermite quadrature: v_θ = −E[ψ f′(±ψ(θ + ε₁))], v_ψ = E[(θ + ε₁) f′(ψ(θ + ε₁))] − E[ε₂ f′(−ψε₂)].
    """
    theta, psi = np.broadcast_arrays(np.asarray(theta, np.float64), np.asarray(psi, np.float64))
    loss, s = cfg.loss, cfg.noise
    e = (s * _NODES if s > 0 else np.zeros(1)).reshape((-1,) + (1,) * theta.ndim)
    w = (_WEIGHTS if s > 0 else np.ones(1)).reshape(e.shape)
    x_fake = theta + e  # the fake sample θ plus noise
    sign = -1.0 if loss == "nonsaturating" else 1.0
    v_theta = -(w * psi * f_prime(loss, sign * psi * x_fake)).sum(0)
    v_psi = (w * (x_fake * f_prime(loss, psi * x_fake) - e * f_prime(loss, -psi * e))).sum(0)
    if cfg.r1:
        v_psi = v_psi - cfg.gamma * psi
    if loss == "wgan-gp":
        v_psi = v_psi - cfg.gamma * (np.abs(psi) - GP_TARGET) * np.sign(psi)
    return v_theta, v_psi


def jacobian(cfg: DiracConfig) -> np.ndarray | None:
    """J = ∂v/∂(θ, ψ) at the equilibrium (0, 0), in closed form: [[0, −f′(0)], [f′(0), −d]] (see module doc);
    None for WGAN-GP, whose field jumps at ψ = 0."""
    if cfg.loss == "wgan-gp":
        return None
    a = float(f_prime(cfg.loss, 0.0))
    return np.array([[0.0, -a], [a, -cfg.damping]])


def eigenvalues(cfg: DiracConfig) -> np.ndarray | None:
    """Eigenvalues of J at the equilibrium: −d/2 ± √(d²/4 − f′(0)²) (complex; ±i f′(0) when d = 0)."""
    if cfg.loss == "wgan-gp":
        return None
    a, d = float(f_prime(cfg.loss, 0.0)), cfg.damping
    root = np.sqrt(complex(d * d / 4 - a * a))
    return np.array([-d / 2 + root, -d / 2 - root])


def update_operator(cfg: DiracConfig) -> np.ndarray | None:
    """M: one training iteration linearised at (0, 0). Simultaneous: I + hJ. Alternating: A_G·A_Dⁿ with one
    D-step A_D = [[1, 0], [h f′(0), 1 − h d]] (ψ moves, θ fixed) and one G-step A_G = [[1, −h f′(0)], [0, 1]]."""
    J = jacobian(cfg)
    if J is None:
        return None
    h = cfg.lr
    if cfg.method == "simultaneous":
        return np.eye(2) + h * J
    a, d = J[1, 0], cfg.damping
    A_D = np.array([[1.0, 0.0], [h * a, 1.0 - h * d]])
    A_G = np.array([[1.0, -h * a], [0.0, 1.0]])
    return A_G @ np.linalg.matrix_power(A_D, cfg.d_steps)


def spectral_radius(cfg: DiracConfig) -> float | None:
    """ρ(M) = max |λ(M)|: < 1 the iterates spiral in, = 1 they circle, > 1 they spiral out (near (0, 0))."""
    M = update_operator(cfg)
    return None if M is None else float(np.abs(np.linalg.eigvals(M)).max())


def verdict(cfg: DiracConfig, tol: float = 1e-9) -> str:
    """"converges" | "circles" | "diverges" | "no equilibrium Jacobian" from ρ(M)."""
    rho = spectral_radius(cfg)
    if rho is None:
        return "no equilibrium Jacobian"
    if rho < 1 - tol:
        return "converges"
    return "circles" if rho <= 1 + tol else "diverges"


def step(cfg: DiracConfig, theta: float, psi: float) -> tuple[float, float]:
    """One iteration: simultaneous (θ, ψ) += h·v(θ, ψ); alternating: n_d times ψ += h·v_ψ(θ, ψ), then
    θ += h·v_θ(θ, ψ) with the new ψ."""
    h = cfg.lr
    if cfg.method == "simultaneous":
        vt, vp = vector_field(cfg, theta, psi)
        return float(theta + h * vt), float(psi + h * vp)
    for _ in range(cfg.d_steps):
        psi = float(psi + h * vector_field(cfg, theta, psi)[1])
    return float(theta + h * vector_field(cfg, theta, psi)[0]), psi


def trajectory(cfg: DiracConfig) -> np.ndarray:
    """(steps + 1, 2) iterates (θ_t, ψ_t) from (θ₀, ψ₀); a blow-up past 1e6 is cut off (rows stay NaN)."""
    out = np.full((cfg.steps + 1, 2), np.nan)
    theta, psi = cfg.theta0, cfg.psi0
    out[0] = theta, psi
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, cfg.steps + 1):
            theta, psi = step(cfg, theta, psi)
            if not (abs(theta) < 1e6 and abs(psi) < 1e6):
                break
            out[t] = theta, psi
    return out


def d_on_fake(cfg: DiracConfig, traj: np.ndarray) -> np.ndarray:
    """What D says about the fake at each iterate, as the playground's D(G(z)) series: σ(−ψθ) for the GAN
    (its probability of "real"), the critic score −ψθ for the WGANs (the paper's D is positive on fakes)."""
    score = -traj[:, 0] * traj[:, 1]
    return _sigmoid(score) if cfg.loss in ("minimax", "nonsaturating") else score


def field_grid(cfg: DiracConfig, extent: float, n: int = 17) -> dict:
    """v(θ, ψ) on an n×n grid over [−extent, extent]²: arrays theta, psi, v_theta, v_psi (n, n)."""
    axis = np.linspace(-extent, extent, n)
    theta, psi = np.meshgrid(axis, axis)
    v_theta, v_psi = vector_field(cfg, theta, psi)
    return {"theta": theta, "psi": psi, "v_theta": v_theta, "v_psi": v_psi}


def oscillation_detected(cfg: DiracConfig, traj: np.ndarray) -> bool:
    """Whether the 2-D playground's oscillation detector (ganviz.engine.monitor.oscillation, on the last 400 values of
    D(G(z))) fires on this run's :func:`d_on_fake` series."""
    history = History(max(4, len(traj)))
    for t, value in enumerate(d_on_fake(cfg, traj)):
        if np.isfinite(value):
            history.record(t, {"d_fake": float(value)})
    return oscillation(history)


def view_extent(traj: np.ndarray, cap: float = 6.0) -> float:
    """Half-width of a square view holding the whole trajectory (so the axes never jump while it plays), at
    least 1, at most ``cap``."""
    pts = traj[np.isfinite(traj).all(axis=1)]
    reach = float(np.abs(pts).max()) if len(pts) else 1.0
    return float(min(cap, max(1.0, 1.15 * reach)))


def trajectory_csv(cfg: DiracConfig, traj: np.ndarray) -> bytes:
    """The iterates as CSV: t, theta, psi, d_fake (empty cells after a blow-up)."""
    d = d_on_fake(cfg, traj)
    rows = ["t,theta,psi,d_fake"]
    for t, ((th, ps), df) in enumerate(zip(traj, d, strict=True)):
        rows.append(",".join([str(t)] + ["" if not np.isfinite(v) else repr(float(v)) for v in (th, ps, df)]))
    return ("\n".join(rows) + "\n").encode()


#: One-click presets: name -> (the story it shows, DiracConfig fields that differ from the defaults); each story
#: is checked in tests/test_dirac.py::test_presets_tell_their_story.
PRESETS: dict[str, tuple[str, dict]] = {
    "Simultaneous GD spirals out": (
        "Both players step at once: the update's eigenvalues 1 ± i·h·f′(0) lie outside the unit circle, so every "
        "iteration moves a little further from the equilibrium (started nearer, at (0.5, 0.5), to watch it grow).",
        {"method": "simultaneous", "theta0": 0.5, "psi0": 0.5}),
    "Alternating GD circles": (
        "D steps, then G answers with D's new ψ: the eigenvalues sit exactly on the unit circle — the iterates "
        "circle the equilibrium forever, and D(G(z)) swings with them.", {}),
    "R1 penalty converges": (
        "The zero-centred penalty (γ/2)ψ² on real data adds damping: eigenvalues −γ/2 ± √(γ²/4 − f′(0)²) have a "
        "negative real part, and the iterates spiral into (0, 0).", {"r1": True}),
    "WGAN circles forever": (
        "f(t) = t: the field is exactly the rotation (−ψ, θ); nothing saturates and nothing damps it.",
        {"loss": "wgan"}),
    "WGAN-GP does not settle": (
        "The penalty (γ/2)(|ψ| − 1)² wants |ψ| = 1, so near ψ = 0 it pushes D away from the equilibrium: the "
        "iterates keep circling.", {"loss": "wgan-gp", "gamma": 1.0}),
    "Instance noise converges": (
        "Noise N(0, σ²) on real and fake samples makes the expected field damped by −2σ²·f″(0) = σ²/2: the "
        "iterates spiral in (for the WGAN, f″ = 0, noise does not help).", {"noise": 1.0}),
    "Smaller steps, more D steps": (
        "h = 0.05 and 5 D-steps per G-step: alternating updates still circle (|λ| = 1 for √n_d·h·f′(0) ≤ 2) — "
        "neither a smaller learning rate nor a better-trained D removes the rotation.",
        {"lr": 0.05, "d_steps": 5, "steps": 2000}),
}
DEFAULT_PRESET = "Alternating GD circles"
