"""Live 1-D experiments of the theory pages, all run by the one :class:`ganviz.train.Trainer`.

* :class:`DStarExperiment` — D alone trained against a fixed pair (p_data, p_g), compared with the exact
  D*(x) = p_data/(p_data + p_g) (Goodfellow et al. 2014, Prop. 1) and V(G, D) with its maximum V(G, D*).
* :func:`figure1_experiment` — Goodfellow et al. 2014, Fig. 1 (a)–(d) replayed by an alternating 1-D GAN.
* :func:`saturation_experiment` — a GAN started from a confident D, trained with each G loss from the same
  state (Goodfellow et al. 2014, §3: log(1 − D(G(z))) saturates, −log D(G(z)) does not).

Exact quantities (densities, D*, V, W1) come from :mod:`ganviz.theory` on a grid; p_g of an MLP G is its
pushforward density G#p_z (change of variables over all preimages), not a histogram.
"""
from __future__ import annotations

import copy
import functools
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch
from scipy import special
from torch import nn

from ganviz import losses, theory
from ganviz.live import LiveRun
from ganviz.nets import MLPDiscriminator, MLPGenerator
from ganviz.train import Diverged, Trainer, TrainConfig, seed_all

#: D is clipped to [EPS, 1 − EPS] before log D, log(1 − D) are integrated: a confident float D rounds to
#: exactly 0 or 1 where the other density is still a (tiny) positive number, which would give −inf.
EPS = 1e-12
N_GRID = 2001
N_Z = 20_001  # z-grid of the pushforward p_g = G#p_z (G is piecewise linear/smooth at this resolution)


# ----------------------------------------------------------------------------------------------------------
# Shared pieces
# ----------------------------------------------------------------------------------------------------------
class FixedGaussianG(nn.Module):
    """A fixed generator G(z) = mu + sigma·z, so p_g = N(mu, sigma²) exactly; its two parameters are frozen
    (requires_grad=False), so a D-only run can never move it."""

    def __init__(self, mu: float, sigma: float):
        super().__init__()
        self.mu = nn.Parameter(torch.tensor(float(mu)), requires_grad=False)
        self.sigma = nn.Parameter(torch.tensor(float(sigma)), requires_grad=False)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.mu + self.sigma * z


@dataclass(frozen=True)
class Grid:
    """Densities of a pair on a common grid (each renormalised to integrate to 1 there), D* and C(G)."""
    x: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    d_star: np.ndarray
    v_star: float  # V(G, D*) = C(G) = −log 4 + 2·JSD

    @property
    def mixture(self) -> np.ndarray:
        """M = (p_data + p_g)/2, the measure of the gap ‖D − D*‖."""
        return 0.5 * (self.p_data + self.p_g)


def _normalised(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    return p / theory.mass_on_grid(x, p)


def pair_grid(p_data: theory.Density, p_g: theory.Density, n: int = N_GRID) -> Grid:
    """A grid covering both supports, the two densities on it, D* (Prop. 1) and V(G, D*) (Thm. 1)."""
    lo = min(p_data.support()[0], p_g.support()[0])
    hi = max(p_data.support()[1], p_g.support()[1])
    x = theory.make_grid(lo, hi, n)
    p, q = _normalised(x, p_data.pdf(x)), _normalised(x, p_g.pdf(x))
    return Grid(x, p, q, theory.d_star(p, q), theory.c_of_g(x, p, q))


@contextmanager
def one_thread():
    """Run tiny 1-D nets on one intra-op thread, then restore the count. For 32-unit MLPs extra threads only
    add synchronisation, and on a busy CPU they cost 20x (measured here: Fig. 1 in 163 s on 2 threads vs 7 s
    on 1; a D forward on the grid 110 ms vs 0.3 ms). torch's count is per thread once set (OpenMP), so this
    changes the calling thread only (and, while it lasts, the default of threads started meanwhile)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def single_threaded(fn):
    """Decorator form of :func:`one_thread`."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_thread():
            return fn(*args, **kwargs)
    return wrapper


@torch.no_grad()
def d_on_grid(trainer: Trainer, x: np.ndarray) -> np.ndarray:
    """D(x) = σ(a(x)) on the grid in float64 from D's raw logits, clipped to [EPS, 1 − EPS]."""
    xt = torch.as_tensor(np.asarray(x), dtype=torch.float32).reshape(-1, 1).to(trainer.device)
    with one_thread():
        a = trainer.D(xt).double().cpu().numpy().ravel()
    return np.clip(special.expit(a), EPS, 1 - EPS)


def d_star_gap(grid: Grid, d: np.ndarray) -> float:
    """‖D − D*‖ in L2(M), M = (p_data + p_g)/2:  sqrt(∫ (D − D*)² M dx)  (trapezoid rule)."""
    return math.sqrt(max(theory.mass_on_grid(grid.x, (d - grid.d_star) ** 2 * grid.mixture), 0.0))


def value_of(grid: Grid, d: np.ndarray) -> float:
    """V(G, D) = ∫ p_data log D + p_g log(1 − D) dx (Goodfellow et al. 2014, eq. 1) via theory.value."""
    return theory.value(grid.x, grid.p_data, grid.p_g, d)


def p_g_on_grid(trainer: Trainer, x: np.ndarray) -> np.ndarray:
    """p_g = G#p_z on the grid (exact change of variables summed over all preimages, theory.pushforward_density)."""
    with one_thread():
        return theory.pushforward_density(theory.numpy_map(trainer.generate), x, trainer.prior, n_z=N_Z)


#: W1 on the grid is only reported while at least this share of p_g lies on the grid.
MIN_MASS = 0.99


def w1_to_data(x: np.ndarray, p_data: np.ndarray, p_g: np.ndarray) -> float:
    """W1(p_g, p_data) on the grid (theory.w1); NaN once more than 1 % of p_g has left the grid (the grid's
    renormalised W1 would then be wrong, so the page shows a sentence instead of a number)."""
    if not theory.mass_on_grid(x, p_g) >= MIN_MASS:
        return float("nan")
    return theory.w1(x, p_data, p_g)


# ----------------------------------------------------------------------------------------------------------
# (a) D alone against a fixed pair: converging to D*
# ----------------------------------------------------------------------------------------------------------
P_DATA_KINDS = ("gaussian", "mixture")


@dataclass(frozen=True)
class DStarSetup:
    """The D* experiment: p_data (Gaussian or 2-component mixture), a fixed Gaussian p_g, D's net and optimiser."""
    data: str = "mixture"
    mu1: float = -2.0          # p_data mean (the first component's, for a mixture)
    mu2: float = 2.0           # the second component's mean (mixture only)
    sigma_data: float = 0.6    # σ of p_data's component(s)
    weight1: float = 0.5       # weight of the first component (mixture only)
    mu_g: float = 0.0
    sigma_g: float = 1.5
    hidden: int = 32
    lr_d: float = 3e-3
    batch_size: int = 512
    seed: int = 0
    every: int = 5             # record the gap and V(G, D) every this many steps

    def __post_init__(self):
        if self.data not in P_DATA_KINDS:
            raise ValueError(f"Unknown p_data {self.data!r}; choose gaussian or mixture.")
        if not 0 <= self.weight1 <= 1:
            raise ValueError(f"The first component's weight must lie in [0, 1] (got {self.weight1}).")
        if self.hidden < 1:
            raise ValueError("D needs at least one hidden unit.")

    def p_data(self) -> theory.Density:
        if self.data == "gaussian":
            return theory.Gaussian(self.mu1, self.sigma_data)
        return theory.Mixture([self.weight1, 1 - self.weight1], [self.mu1, self.mu2],
                              [self.sigma_data, self.sigma_data])

    def p_g(self) -> theory.Gaussian:
        return theory.Gaussian(self.mu_g, self.sigma_g)

    def nets_key(self) -> "DStarSetup":
        """Everything but the live-changeable learning rate: a change here needs a new run."""
        return replace(self, lr_d=1.0)


class DStarExperiment:
    """D (MLP, sigmoid output) trained alone by Trainer.d_step against p_data and a fixed G with p_g = N(mu_g, σ_g²).

    Recorded every ``setup.every`` steps: "gap" = ‖D − D*‖_L2(M) and "v_d" = V(G, D); ``grid.v_star`` = V(G, D*)
    is the maximum V(G, D) can reach (Goodfellow et al. 2014, Prop. 1 and Thm. 1).
    """

    def __init__(self, setup: DStarSetup):
        self.setup = setup
        self.p_data_density, self.p_g_density = setup.p_data(), setup.p_g()
        self.notes = self.p_data_density.notes + self.p_g_density.notes
        self.grid = pair_grid(self.p_data_density, self.p_g_density)

    def make_trainer(self) -> Trainer:
        s = self.setup
        config = TrainConfig(loss="minimax", lr_d=s.lr_d, lr_g=s.lr_d, betas=(0.9, 0.999),
                             batch_size=s.batch_size, seed=s.seed)
        seed_all(s.seed)
        G = FixedGaussianG(self.p_g_density.mu, self.p_g_density.sigma)
        D = MLPDiscriminator(1, (s.hidden, s.hidden), "relu")
        trainer = Trainer(G, D, self.p_data_density.sample, config, z_dim=1, fixed_n=16)
        trainer.add_metric("dstar", self.metrics, s.every)
        return trainer

    def metrics(self, trainer: Trainer) -> dict:
        """{"gap": ‖D − D*‖, "v_d": V(G, D)} for the trainer's current D."""
        return self._numbers(d_on_grid(trainer, self.grid.x))

    def view(self, trainer: Trainer) -> dict:
        """What the live panel draws: D(x) on the grid, and the current gap and V(G, D)."""
        d = d_on_grid(trainer, self.grid.x)
        return {"d": d, **self._numbers(d)}

    def _numbers(self, d: np.ndarray) -> dict:
        return {"gap": d_star_gap(self.grid, d), "v_d": value_of(self.grid, d)}

    def live_run(self, max_steps: int = 5_000) -> LiveRun:
        return LiveRun(self.make_trainer, self.view, mode="d", max_steps=max_steps)

    def run_headless(self, steps: int) -> Trainer:
        """``steps`` D steps without a thread (tests, benchmarks) — the same Trainer the page drives."""
        trainer = self.make_trainer()
        with one_thread():
            for _ in range(int(steps)):
                trainer.d_step()
        return trainer


# ----------------------------------------------------------------------------------------------------------
# (b) The alternating 1-D GAN (MLP G and D)
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GANSetup:
    """A 1-D GAN: p_data = N(mu_data, sigma_data²), z ~ N(0, 1), G and D two-hidden-layer MLPs."""
    mu_data: float = 2.0
    sigma_data: float = 0.5
    loss: str = "nonsaturating"
    optimizer: str = "adam"
    lr_d: float = 4e-3
    lr_g: float = 1e-3
    momentum: float = 0.0
    batch_size: int = 1024
    hidden: int = 32
    seed: int = 0
    x_range: tuple = (-4.0, 6.0)

    def p_data(self) -> theory.Gaussian:
        return theory.Gaussian(self.mu_data, self.sigma_data)


def make_gan_trainer(setup: GANSetup, p_data: theory.Density | None = None, prior: str = "normal") -> Trainer:
    """The alternating GAN of Algorithm 1: G = MLP(1→h→h→1, ELU), D = MLP(1→h→h→1, LeakyReLU), seeded.
    ``p_data`` defaults to the setup's Gaussian; any theory density (mixtures, a user's KDE) works."""
    config = TrainConfig(loss=setup.loss, optimizer=setup.optimizer, lr_d=setup.lr_d, lr_g=setup.lr_g,
                         momentum=setup.momentum, batch_size=setup.batch_size, seed=setup.seed)
    seed_all(setup.seed)
    G = MLPGenerator(1, 1, (setup.hidden, setup.hidden), "elu")
    D = MLPDiscriminator(1, (setup.hidden, setup.hidden), "leaky_relu")
    target = p_data if p_data is not None else setup.p_data()
    return Trainer(G, D, target.sample, config, z_dim=1, prior=prior, fixed_n=512)


@dataclass(frozen=True)
class Panel:
    """One panel of Fig. 1: p_g and D on the grid at a step, with D* for that p_g."""
    label: str
    caption: str
    step: int
    p_g: np.ndarray
    d: np.ndarray
    d_star: np.ndarray


@dataclass(frozen=True)
class Figure1Result:
    x: np.ndarray
    p_data: np.ndarray
    panels: tuple
    steps: np.ndarray          # GAN iterations at which W1 was recorded
    w1: np.ndarray             # W1(p_g, p_data) there
    final_w1: float
    final_d_dev: float         # E_{p_data} |D − ½| at the end
    error: str | None = None


def d_deviation(x: np.ndarray, p_data: np.ndarray, d: np.ndarray) -> float:
    """E_{x~p_data} |D(x) − ½|: how far D is from "can't tell" on the data region."""
    return theory.mass_on_grid(x, p_data * np.abs(d - 0.5))


def _cosine(step: int, total: int, floor: float = 0.05) -> float:
    """Learning-rate factor decaying from 1 to ``floor`` along a half cosine (settles the game at the end)."""
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(step, total) / max(total, 1)))


@single_threaded
def figure1_experiment(setup: GANSetup = GANSetup(), d_steps_a: int = 25, d_steps_b: int = 300,
                       gan_steps: int = 600, step_c: int = 40, record_every: int = 20,
                       progress: Callable[[float, str], None] | None = None) -> Figure1Result:
    """Goodfellow et al. 2014, Fig. 1 replayed by a real 1-D GAN on the one Trainer.

    (a) D after ``d_steps_a`` D steps against the initial G — partially accurate;
    (b) D after ``d_steps_b`` D steps — close to D* = p_data/(p_data + p_g) (the inner loop of Algorithm 1);
    (c) after ``step_c`` alternating iterations the gradient of D has guided G(z) toward the data;
    (d) after ``gan_steps`` iterations (learning rates decayed by a half cosine to 5 %) p_g ≈ p_data, D ≈ ½.
    """
    x = theory.make_grid(*setup.x_range, N_GRID)
    p = _normalised(x, setup.p_data().pdf(x))
    trainer = make_gan_trainer(setup)
    total = d_steps_b + gan_steps
    panels, steps, w1s, error = [], [], [], None

    def snap(label: str, caption: str, step: int) -> np.ndarray:
        q, d = p_g_on_grid(trainer, x), d_on_grid(trainer, x)
        panels.append(Panel(label, caption, step, q, d, theory.d_star(p, q)))
        return q

    def tick(done: int, text: str) -> None:
        if progress is not None:
            progress(min(done / total, 1.0), text)

    try:
        for i in range(1, d_steps_b + 1):
            trainer.d_step()
            if i == d_steps_a:
                snap("(a)", f"D after {d_steps_a} D steps: partially accurate", 0)
            if i % 50 == 0:
                tick(i, f"Training D against the initial G: {i}/{d_steps_b}")
        q = snap("(b)", f"D after {d_steps_b} D steps: close to D* = p_data/(p_data + p_g)", 0)
        steps.append(0), w1s.append(w1_to_data(x, p, q))
        for i in range(1, gan_steps + 1):
            f = _cosine(i, gan_steps)
            trainer.update(lr_d=setup.lr_d * f, lr_g=setup.lr_g * f)
            trainer.step()
            if i == step_c:
                snap("(c)", f"after {step_c} GAN iterations: G(z) flows toward the data", i)
            if i % record_every == 0 or i == gan_steps:
                steps.append(i), w1s.append(w1_to_data(x, p, p_g_on_grid(trainer, x)))
            if i % 50 == 0:
                tick(d_steps_b + i, f"Alternating GAN training: {i}/{gan_steps}")
        snap("(d)", f"after {gan_steps} iterations: p_g ≈ p_data and D ≈ ½", gan_steps)
    except (Diverged, ValueError) as err:  # ValueError: G's outputs are no longer finite
        error = f"Training stopped at step {trainer.step_count}: {err}"
    tick(total, "Done")
    q = panels[-1].p_g if panels else np.zeros_like(x)
    d = panels[-1].d if panels else np.full_like(x, np.nan)
    return Figure1Result(x, p, tuple(panels), np.asarray(steps), np.asarray(w1s), w1_to_data(x, p, q),
                         d_deviation(x, p, d), error)


# ----------------------------------------------------------------------------------------------------------
# (c) Saturation: a GAN started from a confident D, one run per G loss
# ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SaturationSetup:
    """Plain SGD (as in the paper, without momentum here): its step is proportional to the gradient, so a
    vanishing gradient means a G that does not move (Adam would rescale it away)."""
    mu_data: float = 3.0
    sigma_data: float = 0.5
    pretrain_steps: int = 300
    steps: int = 300
    lr_d: float = 0.1
    lr_g: float = 0.02
    batch_size: int = 256
    hidden: int = 32
    seed: int = 0
    record_every: int = 5

    def gan(self, loss: str) -> GANSetup:
        return GANSetup(mu_data=self.mu_data, sigma_data=self.sigma_data, loss=loss, optimizer="sgd",
                        lr_d=self.lr_d, lr_g=self.lr_g, momentum=0.0, batch_size=self.batch_size,
                        hidden=self.hidden, seed=self.seed, x_range=(-8.0, 8.0))


@dataclass(frozen=True)
class SaturationRun:
    loss: str
    d_fake_start: float         # mean D(G(z)) after pre-training: how confidently D rejects fakes
    steps: np.ndarray           # G iterations 1..steps
    grad_norm_g: np.ndarray     # ‖∇_θg L_G‖ at each
    d_fake: np.ndarray          # mean D(G(z)) (σ(a); the raw score for LSGAN) at each
    w1_steps: np.ndarray        # iterations at which W1 was recorded (0 = start)
    w1: np.ndarray              # W1(p_g, p_data)
    error: str | None = None

    @property
    def left_grid_at(self) -> int | None:
        """The first recorded iteration at which p_g had left the grid (W1 not defined there), else None."""
        bad = np.flatnonzero(~np.isfinite(self.w1))
        return int(self.w1_steps[bad[0]]) if bad.size else None


@single_threaded
def saturation_experiment(setup: SaturationSetup = SaturationSetup(), loss_names=("minimax", "nonsaturating"),
                          progress: Callable[[float, str], None] | None = None) -> dict[str, SaturationRun]:
    """Pre-train D for ``pretrain_steps`` D steps against the initial G (a confident D), then train the GAN
    for ``steps`` iterations with each G loss — from the same seed, so every run starts from the same G and D.

    Goodfellow et al. 2014, §3: with a confident D, σ(a) → 0 on fakes and log(1 − D(G(z))) has d/da = −σ(a) → 0
    (G's gradient vanishes), while −log D(G(z)) has d/da = −(1 − σ(a)) → −1.
    """
    grid_x = theory.make_grid(-8.0, 8.0, N_GRID)
    p = _normalised(grid_x, setup.gan("minimax").p_data().pdf(grid_x))
    runs: dict[str, SaturationRun] = {}
    pretrained: dict[str, dict] = {}  # the 2014 losses share D's loss, hence the same pre-trained state
    n, total = max(len(loss_names), 1), max(setup.pretrain_steps + setup.steps, 1)
    for k, loss in enumerate(loss_names):
        trainer = make_gan_trainer(setup.gan(loss))
        family = "2014" if loss in losses.PROBABILISTIC else loss
        w1_steps, w1s, gn, dfake, error = [], [], [], [], None
        d_fake_start, started = float("nan"), False

        def tick(done: int, text: str) -> None:
            if progress is not None:
                progress(min((k + done / total) / n, 1.0), f"{loss}: {text}")

        try:
            if family in pretrained:
                trainer.load_state_dict(copy.deepcopy(pretrained[family]))
            else:
                for i in range(1, setup.pretrain_steps + 1):
                    trainer.d_step()
                    if i % 100 == 0:
                        tick(i, "pre-training D")
                pretrained[family] = copy.deepcopy(trainer.state_dict())
            d_fake_start = float(trainer.discriminate(trainer.generate()).mean())
            started = True
            w1_steps.append(0), w1s.append(w1_to_data(grid_x, p, p_g_on_grid(trainer, grid_x)))
            for i in range(1, setup.steps + 1):
                rec = trainer.step()
                gn.append(rec["grad_norm_g"]), dfake.append(rec["d_fake"])
                if i % setup.record_every == 0 or i == setup.steps:
                    w1_steps.append(i), w1s.append(w1_to_data(grid_x, p, p_g_on_grid(trainer, grid_x)))
                if i % 50 == 0:
                    tick(setup.pretrain_steps + i, "training")
        except (Diverged, ValueError) as err:  # ValueError: G's outputs are no longer finite
            error = str(err) if started else f"While pre-training D: {err}"
        runs[loss] = SaturationRun(loss, d_fake_start, np.arange(1, len(gn) + 1), np.asarray(gn),
                                   np.asarray(dfake), np.asarray(w1_steps), np.asarray(w1s), error)
    if progress is not None:
        progress(1.0, "Done")
    return runs


# ----------------------------------------------------------------------------------------------------------
# The G losses as curves of D's logit (for the saturation page)
# ----------------------------------------------------------------------------------------------------------
#: "D confidently rejects a fake" when D(G(z)) = σ(a) is below this.
REJECT_D = 0.05
REJECT_LOGIT = float(special.logit(REJECT_D))


@dataclass(frozen=True)
class LossCurves:
    a: np.ndarray            # D's logit on a fake
    d: np.ndarray            # D(G(z)) = σ(a)
    loss: dict               # name -> G loss at each a
    grad: dict               # name -> d loss / d a (autograd, ganviz.losses.g_loss_curve)


def g_loss_curves(names=("minimax", "nonsaturating", "lsgan", "wgan"), a_lo: float = -10.0, a_hi: float = 10.0,
                  n: int = 401) -> LossCurves:
    """Each G loss and its derivative over a logit grid, from the real loss functions by autograd.

    minimax log(1 − σ(a)): d/da = −σ(a); non-saturating −log σ(a): d/da = −(1 − σ(a)) (Goodfellow et al. 2014,
    §3); LSGAN ½(a − 1)²: d/da = a − 1; WGAN −a: d/da = −1 (for these two, a is the raw critic score).
    """
    a = torch.linspace(float(a_lo), float(a_hi), int(n), dtype=torch.float64)
    out_loss, out_grad = {}, {}
    for name in names:
        loss, grad = losses.g_loss_curve(name, a)
        out_loss[name], out_grad[name] = loss.numpy(), grad.numpy()
    return LossCurves(a.numpy(), torch.sigmoid(a).numpy(), out_loss, out_grad)


class ResultCache:
    """A bounded, thread-safe memo of deterministic experiment results keyed on their frozen settings.

    The pages keep one per process (st.cache_resource) instead of st.cache_data, because the experiments report
    progress to a bar drawn outside them, which st.cache_data cannot replay.
    """

    def __init__(self, max_entries: int = 8):
        self.max_entries = max(1, int(max_entries))
        self._items: dict = {}
        self._lock = threading.Lock()

    def get(self, key, compute: Callable[[], object]):
        with self._lock:
            if key in self._items:
                self._items[key] = self._items.pop(key)  # most recently used last
                return self._items[key]
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.max_entries:
                self._items.pop(next(iter(self._items)))
        return value

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items
