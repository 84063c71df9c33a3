"""Live 1-D experiments of the theory pages, all run by the one :class:`ganviz.engine.trainer.Trainer`.

* :class:`DStarExperiment` — D alone trained against a fixed pair (p_data, p_g), compared with the exact
  D*(x) = p_data/(p_data + p_g) (Goodfellow et al. 2014, Prop. 1) and V(G, D) with its maximum V(G, D*).
* :func:`figure1_experiment` — Goodfellow et al. 2014, Fig. 1 (a)–(d) replayed by an alternating 1-D GAN.
(The saturation experiment, which reuses these pieces, is in :mod:`ganviz.onedim.saturation`.)

Exact quantities (densities, D*, V, W1) come from :mod:`ganviz.onedim.theory` on a grid; p_g of an MLP G is its
pushforward density G#p_z (change of variables over all preimages), not a histogram. The Generator page's live
MLP (:class:`LiveGenerator`) shows KL, JSD and W1 of its exact pushforward (:func:`mlp_pushforward`).
"""
from __future__ import annotations

import functools
import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import torch
from scipy import special
from threadpoolctl import threadpool_limits
from torch import nn

from ganviz.engine.device import seed_all
from ganviz.engine.experiment import Experiment
from ganviz.engine.live import LiveRun
from ganviz.engine.nets import MLPDiscriminator, MLPGenerator
from ganviz.engine.trainer import Diverged, TrainConfig, Trainer
from ganviz.engine.worker import WorkerRun
from ganviz.onedim import pushforward, theory

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


def normalised(x: np.ndarray, p: np.ndarray) -> np.ndarray:
    return p / theory.mass_on_grid(x, p)


def pair_grid(p_data: theory.Density, p_g: theory.Density, n: int = N_GRID) -> Grid:
    """A grid covering both supports, the two densities on it, D* (Prop. 1) and V(G, D*) (Thm. 1)."""
    lo = min(p_data.support()[0], p_g.support()[0])
    hi = max(p_data.support()[1], p_g.support()[1])
    x = theory.x_grid(lo, hi, n)
    p, q = normalised(x, p_data.pdf(x)), normalised(x, p_g.pdf(x))
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
        """A thread of this process, not a worker: this short run reached its 5,000 steps sooner in a thread
        (bench/worker_vs_thread.py)."""
        return LiveRun(self.make_trainer, self.view, mode="d", max_steps=max_steps)

    def live_experiment(self) -> Experiment:
        """The D* page's live run: new nets for a new setup; D's learning rate applies live."""
        return Experiment(self.setup.nets_key(), self.live_run, {"lr_d": self.setup.lr_d})

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


class LiveGenerator:
    """The Generator page's live MLP: the 1-D GAN of :func:`make_gan_trainer` toward ``target`` from ``prior``,
    JSD and W1 of its pushforward on the plot grid recorded every 25 steps (the history chart); :meth:`view`
    gives the page's three views and the exact KL, JSD, W1. Picklable (module-level class, numpy arrays), so a
    worker process can rebuild it."""

    def __init__(self, target: theory.Density, prior: str, seed: int, lr: float, n_hist: int = 20_000,
                 n_z: int = 20_001):
        self.target, self.prior, self.seed, self.lr, self.n_z = target, prior, seed, lr, n_z
        self.x = theory.plot_grid(target, None, prior)
        self.p_data = target.pdf(self.x)
        self.z = theory.sample_prior(n_hist, prior, torch.Generator().manual_seed(seed))
        self.g_star = theory.optimal_map(target, prior)(theory.curve_z(prior))

    def make_trainer(self) -> Trainer:
        trainer = make_gan_trainer(GANSetup(lr_d=self.lr, lr_g=self.lr, batch_size=256, seed=self.seed),
                                   self.target, self.prior)
        trainer.add_metric("divergence", theory.PushforwardMetric(self.x, self.p_data, self.prior), every=25)
        return trainer

    def view(self, trainer: Trainer) -> dict:
        """The curve, samples and plotted p_g (theory.generator_views), and KL, JSD, W1 and p_g's mass in view
        from G's exact pushforward (:func:`mlp_pushforward`, pushforward.divergences). numpy's BLAS runs on one
        thread here: for 32-wide matrices a second thread only waits for a busy CPU (measured ×3–10 slower)."""
        v = theory.generator_views(theory.numpy_map(trainer.generate), self.x, self.prior, self.z, n_z=self.n_z)
        with threadpool_limits(1, user_api="blas"):
            pf = mlp_pushforward(trainer.sampling_G, self.prior)
            m = pushforward.divergences(self.target, pf)
        v.update(x=self.x, p_data=self.p_data, g_star=self.g_star, kl=m.kl, jsd=m.jsd, w1=m.w1,
                 kl_reason=m.kl_reason, mass=pf.mass_in(self.x[0], self.x[-1]))
        return v


_ACT_NAMES = {nn.ELU: "elu", nn.ReLU: "relu", nn.LeakyReLU: "leaky_relu", nn.Tanh: "tanh"}


def mlp_layers(G: nn.Module) -> list[tuple]:
    """(W, b, activation, LeakyReLU slope) per Linear layer of an MLP generator (float64 numpy copies)."""
    layers = []
    for m in (G.net if hasattr(G, "net") else G).children():
        if isinstance(m, nn.Linear):
            b = m.bias.detach().double().numpy() if m.bias is not None else np.zeros(m.out_features)
            layers.append([m.weight.detach().double().numpy().copy(), b.copy(), None, 0.0])
        elif type(m) in _ACT_NAMES and layers and layers[-1][2] is None:
            if isinstance(m, nn.ELU) and m.alpha != 1.0:
                raise ValueError("Only ELU with α = 1 is supported.")
            layers[-1][2] = _ACT_NAMES[type(m)]
            layers[-1][3] = float(getattr(m, "negative_slope", 0.0))
        else:
            raise ValueError(f"Cannot read {type(m).__name__} as a layer of an MLP G: R → R.")
    return [tuple(layer) for layer in layers]


def mlp_pushforward(G: nn.Module, prior: str) -> pushforward.MLPPushforward:
    """The exact law of G(z), z ~ p_z, for the live MLP G (pushforward.MLPPushforward on its weights)."""
    return pushforward.MLPPushforward(mlp_layers(G), prior)


def generator_experiment(target: theory.Density, target_key: tuple, prior: str, seed: int, lr: float,
                         n_hist: int = 20_000) -> Experiment:
    """The Generator page's live MLP (:class:`LiveGenerator`) in a worker process: new nets for a new target
    (named by ``target_key``), prior or seed; the learning rate (G's and D's) applies live."""
    return Experiment((target_key, prior, seed), functools.partial(_start_generator, target, prior, seed, lr, n_hist),
                      {"lr_g": lr, "lr_d": lr})


def _start_generator(target: theory.Density, prior: str, seed: int, lr: float, n_hist: int) -> WorkerRun:
    live_g = LiveGenerator(target, prior, seed, lr, n_hist=n_hist)
    return WorkerRun(live_g.make_trainer, view=live_g.view, publish_every_s=0.3)


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
    x = theory.x_grid(*setup.x_range, N_GRID)
    p = normalised(x, setup.p_data().pdf(x))
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
