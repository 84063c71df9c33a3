"""The 2-D playground's core: its settings, presets, trainer builder and what it draws.

Pages read widgets into a :class:`PlaygroundConfig`, build a :class:`~ganviz.engine.trainer.Trainer` with
:func:`build_trainer` (the one training loop), and draw the dicts that :class:`PlaygroundView` computes in
LiveRun's worker thread. :class:`ModeMetricFn` records the mode metrics of ganviz.plane.toy in the history.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from functools import partial

import numpy as np
import torch

from ganviz.engine import losses, nets
from ganviz.engine.device import seed_all
from ganviz.engine.experiment import Experiment
from ganviz.engine.priors import LATENT_PRIORS, MIXTURE_COMPONENTS, LatentPrior
from ganviz.engine.trainer import TrainConfig, Trainer
from ganviz.engine.worker import WorkerRun
from ganviz.plane.toy import DATASETS, Toy2D, diversity, mode_metrics

REMEDIES = {
    "none": "None",
    "pacgan": "PacGAN: D sees m samples at once (Lin et al. 2018)",
    "unrolled": "Unrolled D: G plays against D k steps ahead (Metz et al. 2017)",
    "spectral_norm": "Spectral norm on D (Miyato et al. 2018)",
    "wgan-gp": "WGAN-GP: critic + gradient penalty (Gulrajani et al. 2017)",
}
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu")


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything one playground run is made of. ``remedy_param`` is m for PacGAN, k for unrolling.

    The remedy "wgan-gp" overrides ``loss`` with "wgan-gp". With PacGAN the batch is rounded down to a
    multiple of m (it counts samples, not packs).
    """

    dataset: str = "ring-8"
    z_dim: int = 2
    prior: str = "normal"
    mixture_k: int = MIXTURE_COMPONENTS
    hidden_layers: int = 2
    width: int = 128
    activation: str = "relu"
    remedy: str = "none"
    remedy_param: int = 0
    loss: str = "nonsaturating"
    optimizer: str = "adam"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    beta1: float = 0.5
    k: int = 1
    batch_size: int = 256
    ema: float = 0.0
    decay_start: int = 0
    decay_steps: int = 0
    seed: int = 0

    def __post_init__(self):
        if self.remedy not in REMEDIES:
            raise ValueError(f"Unknown remedy {self.remedy!r}; choose one of {', '.join(REMEDIES)}.")
        if self.remedy == "pacgan" and not 2 <= self.remedy_param <= 8:
            raise ValueError("PacGAN needs a packing degree m between 2 and 8.")
        if self.remedy == "unrolled" and not 1 <= self.remedy_param <= 20:
            raise ValueError("Unrolling needs between 1 and 20 steps.")
        if self.z_dim < 1 or self.hidden_layers < 1 or self.width < 1:
            raise ValueError("The noise dimension, the number of layers and their width must be at least 1.")
        if self.prior not in LATENT_PRIORS:
            raise ValueError(f"Unknown prior {self.prior!r}; choose one of {', '.join(LATENT_PRIORS)}.")
        if not 1 <= self.mixture_k <= 1000:
            raise ValueError("The mixture prior needs between 1 and 1,000 components.")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"Unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
        self.train_config()  # validates loss, optimizer, learning rates, k and batch

    @property
    def pack(self) -> int:
        return self.remedy_param if self.remedy == "pacgan" else 1

    @property
    def effective_loss(self) -> str:
        return "wgan-gp" if self.remedy == "wgan-gp" else self.loss

    @property
    def effective_batch(self) -> int:
        m = self.pack
        return max(2 * m, self.batch_size - self.batch_size % m)

    def train_config(self) -> TrainConfig:
        return TrainConfig(loss=self.effective_loss, optimizer=self.optimizer, lr_g=self.lr_g, lr_d=self.lr_d,
                           betas=(self.beta1, losses.training_defaults(self.effective_loss)["beta2"]), k=self.k,
                           batch_size=self.effective_batch, pack=self.pack,
                           unroll=self.remedy_param if self.remedy == "unrolled" else 0, ema=self.ema,
                           decay_start=self.decay_start, decay_steps=self.decay_steps, seed=self.seed,
                           device="cpu")

    def nets_key(self) -> tuple:
        """What needs new nets (a reset) when it changes; everything else applies live (``live_changes``)."""
        return (self.dataset, self.z_dim, self.prior, self.mixture_k if self.prior == "mixture" else 0,
                self.hidden_layers, self.width, self.activation, self.pack, self.remedy == "spectral_norm", self.ema,
                self.seed)

    def live_changes(self) -> dict:
        """The settings Trainer.update accepts while a run goes on."""
        c = self.train_config()
        return {"loss": c.loss, "optimizer": c.optimizer, "lr_g": c.lr_g, "lr_d": c.lr_d, "betas": c.betas,
                "k": c.k, "batch_size": c.batch_size, "unroll": c.unroll, "decay_start": c.decay_start,
                "decay_steps": c.decay_steps}

    def to_dict(self) -> dict:
        return asdict(self)


def build_trainer(cfg: PlaygroundConfig, dataset: Toy2D | None = None, fixed_n: int = 512,
                  metric_every: int = 50, metric_n: int = 2500) -> Trainer:
    """Seeded MLP G and D for a 2-D run (+ spectral norm / packing as the remedy asks), as a Trainer that
    records ModeMetricFn every ``metric_every`` steps (0 = never)."""
    dataset = dataset if dataset is not None else DATASETS[cfg.dataset]()
    seed_all(cfg.seed)
    hidden = (cfg.width,) * cfg.hidden_layers
    G = nets.MLPGenerator(cfg.z_dim, 2, hidden, cfg.activation)
    D = nets.MLPDiscriminator(2, hidden, cfg.activation, pack=cfg.pack)
    if cfg.remedy == "spectral_norm":
        nets.apply_spectral_norm(D)
    trainer = Trainer(G, D, dataset.sample, cfg.train_config(), z_dim=cfg.z_dim,
                      prior=LatentPrior(cfg.prior, cfg.z_dim, cfg.mixture_k, seed=cfg.seed), fixed_n=fixed_n)
    if metric_every:
        trainer.add_metric("modes", ModeMetricFn(dataset, n=metric_n, seed=cfg.seed), metric_every)
    return trainer




def latent_range(prior: str) -> tuple[float, float]:
    """Span of z drawn for the manifold: ±2.5 for N(0, 1) and the mixture (centres ~ N(0, 1); 98.8 % of the
    mass), ±1 for U(−1, 1)."""
    return (-1.0, 1.0) if prior == "uniform" else (-2.5, 2.5)


def latent_grid_lines(z_dim: int, prior: str, n_lines: int = 11, n_points: int = 60) -> torch.Tensor:
    """Lines of a regular grid in z, shape (L, n_points, z_dim); pushed through G they show its manifold.

    z_dim = 1: a single line; z_dim ≥ 2: n_lines lines along z₁ and n_lines along z₂ (a slice through the
    first two coordinates, the others held at 0).
    """
    lo, hi = latent_range(prior)
    t = torch.linspace(lo, hi, n_points)
    if z_dim == 1:
        return t.reshape(1, n_points, 1)
    levels = torch.linspace(lo, hi, n_lines)
    lines = torch.zeros(2 * n_lines, n_points, z_dim)
    lines[:n_lines, :, 0] = t
    lines[:n_lines, :, 1] = levels[:, None]
    lines[n_lines:, :, 0] = levels[:, None]
    lines[n_lines:, :, 1] = t
    return lines


def _pack_degree(trainer) -> int:
    return int(trainer.config.pack)


@torch.no_grad()
def d_on_plane(trainer, extent: tuple[float, float], n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """D's displayed output (σ(a) or the critic score) on an n×n grid over extent², shape (n, n), row = y.

    With PacGAN packing m, D reads m samples at once; a point's value is D of m copies of that point.
    """
    axis = torch.linspace(extent[0], extent[1], n)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    pts = torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1)
    out = trainer.discriminate(pts.repeat_interleave(_pack_degree(trainer), dim=0))
    return axis.numpy(), out.reshape(n, n).numpy()


def g_loss_gradient(trainer, x: torch.Tensor) -> torch.Tensor:
    """∂ℓ_G(D(x_i))/∂x_i at each fake point, by autograd, for the trainer's selected G loss.

    ℓ_G is ganviz.engine.losses.g_loss_elementwise (e.g. −log σ(a) for non-saturating, log(1 − σ(a)) for the
    saturating minimax loss), so the arrows differ by loss — unlike GAN Lab, which draws ∇D for all.
    G moves its points along −∂ℓ_G/∂x. With packing m, a pack of m consecutive points shares one D output;
    a trailing remainder of fewer than m points gets zero gradient.
    """
    m = _pack_degree(trainer)
    x = x.detach().to(trainer.device).float()
    used = len(x) - len(x) % m
    grad = torch.zeros_like(x)
    if used == 0:
        return grad.cpu()
    xs = x[:used].clone().requires_grad_(True)
    with torch.enable_grad():
        out = trainer.D(nets.pack(xs, m)).float()
        loss = losses.g_loss_elementwise(trainer.config.loss, out).sum()
        (g,) = torch.autograd.grad(loss, xs)
    grad[:used] = g
    return grad.cpu()


class PlaygroundView:
    """``view(trainer) -> dict of numpy arrays`` for the 2-D playground (run by LiveRun at publish time).

    Keys: real (n_real, 2), fake (fixed noise through G, each row keeps its identity), grad (−∂ℓ_G/∂x at
    each fake, the direction G pushes it), grid_axis (n,), d_grid (n, n), manifold (L, P, 2), step.
    """

    def __init__(self, dataset: Toy2D, n_real: int = 256, grid_n: int = 64, n_arrows: int = 256, seed: int = 0):
        self.dataset, self.grid_n, self.n_arrows = dataset, grid_n, n_arrows
        self.real = dataset.sample(n_real, torch.Generator().manual_seed(seed + 7919)).numpy()
        self._lines: torch.Tensor | None = None

    def __call__(self, trainer) -> dict:
        if self._lines is None:
            self._lines = latent_grid_lines(trainer.z_dim, trainer.prior)
        fake_t = trainer.generate()
        fake = fake_t.numpy()
        finite = bool(np.isfinite(fake).all())
        grad = -g_loss_gradient(trainer, fake_t[: self.n_arrows]).numpy() if finite else np.zeros((0, 2))
        axis, d_grid = d_on_plane(trainer, self.dataset.extent, self.grid_n)
        lines = self._lines
        manifold = trainer.generate(lines.reshape(-1, lines.shape[-1])).numpy().reshape(lines.shape[0], -1, 2)
        return {"step": trainer.step_count, "real": self.real, "fake": fake, "grad": grad,
                "grid_axis": axis, "d_grid": d_grid, "manifold": manifold}


def live_experiment(cfg: PlaygroundConfig, dataset: Toy2D, data_key: tuple) -> Experiment:
    """The playground's live run in a worker process: new nets when ``cfg.nets_key()`` or the data (named by
    ``data_key``) change; ``cfg.live_changes()`` (lr, loss, k, batch, unroll, decay) apply live."""
    return Experiment(cfg.nets_key() + tuple(data_key), partial(_start, cfg, dataset), cfg.live_changes())


def _start(cfg: PlaygroundConfig, dataset: Toy2D) -> WorkerRun:
    return WorkerRun(partial(build_trainer, cfg, dataset), view=PlaygroundView(dataset, seed=cfg.seed),
                     publish_every_s=0.25)


class ModeMetricFn:
    """``fn(trainer) -> dict`` for Trainer.add_metric: mode metrics of n fakes from fixed evaluation noise
    (its own seed, so recording never changes the training run) plus ``diversity`` against the real data.
    Datasets without modes (spiral, moons, CSV) get ``diversity`` only."""

    def __init__(self, dataset: Toy2D, n: int = 2500, seed: int = 0):
        self.dataset, self.n, self.seed = dataset, n, seed
        self.real = dataset.sample(n, torch.Generator().manual_seed(seed + 104729)).numpy()
        self._z: torch.Tensor | None = None

    def eval_z(self, trainer) -> torch.Tensor:
        if self._z is None or self._z.shape[1] != trainer.z_dim:
            self._z = trainer.latent.sample(self.n, torch.Generator().manual_seed(self.seed + 15485863))
        return self._z

    def __call__(self, trainer) -> dict:
        fake = trainer.generate(self.eval_z(trainer)).numpy()
        out = {"diversity": diversity(fake, self.real)}
        if self.dataset.has_modes and np.isfinite(fake).any():
            m = mode_metrics(fake, self.dataset.centres, self.dataset.sigma)
            out.update({k: float(m[k]) for k in ("modes_covered", "modes_covered_strict", "hq_fraction",
                                                   "reverse_kl")})
        return out


_RING = dict(dataset="ring-8", z_dim=2, hidden_layers=2, width=128, activation="relu", batch_size=256)
# The 2014 recipe (SGD + momentum) on small nets: collapses onto one or two modes and hops between them.
_VANILLA = dict(dataset="ring-8", z_dim=2, hidden_layers=2, width=32, activation="relu", batch_size=64,
                optimizer="sgd", lr_g=2e-3, lr_d=2e-3, loss="nonsaturating")
LATENT_PRESET = "Disconnected latent: every mode in ~30 s"
BEST_PRESET = "Best config: every mode, ≥ 97 % in 10k steps"
# A disconnected latent (mixture of K = 35 blobs), 3×128 leaky-ReLU nets, Adam 1e-3, decay over steps 2k–7k
_MIXTURE = dict(dataset="ring-8", z_dim=8, prior="mixture", mixture_k=35, hidden_layers=3, width=128,
                activation="leaky_relu", lr_g=1e-3, lr_d=1e-3, beta1=0.5, batch_size=256, decay_start=2_000,
                decay_steps=5_000)
#: One-click presets: name -> (the one-line story it shows, its settings). Each one was run headless to check
#: that it shows its story (tests/test_playground.py::test_presets_tell_their_story and, for the remedy presets
#: at their 30-second step budgets, ::test_preset_keeps_its_promise; both mostly marked slow).
PRESETS: dict[str, tuple[str, PlaygroundConfig]] = {
    "Healthy NS-GAN": (
        "Non-saturating loss on two Gaussians: D(x) and D(G(z)) meet at ½ and the fakes cover both blobs.",
        PlaygroundConfig(dataset="two-gaussians", lr_g=1e-3, lr_d=1e-3)),
    "Mode collapse: vanilla GAN rotates through the ring": (
        "SGD with momentum, as in 2014: the fakes pile onto one or two modes, and when D catches up they hop "
        "to the next — watch the reverse KL stay high.",
        PlaygroundConfig(**_VANILLA)),
    "Saturating loss: D wins": (
        "D trains 5× per G step at a 100× larger learning rate: D(G(z)) → 0, where the minimax G loss "
        "log(1 − D(G(z))) is flat — G stalls (switch to non-saturating and it moves again).",
        PlaygroundConfig(**_RING, loss="minimax", lr_g=1e-4, lr_d=1e-2, k=5)),
    "PacGAN spreads the fakes (still blurry)": (
        "The vanilla game, but D judges m = 4 samples at once: L_D = −E log D(x₁, …, x₄) − E log(1 − D(G(z₁), …, "
        "G(z₄))), so a pack drawn from a collapsed G lacks the variety of a real pack and is easy to spot. Watch "
        "the fakes leave the single mode and spread round the ring (reverse KL falls below 0.2 on 7 of 10 seeds; "
        "seeds 1, 4 and 8 stay collapsed) — but \"High quality\" stays low (≤ 13 % on the seeds that spread): "
        "with these small SGD nets the packed D, reading 8 numbers at once, does not resolve modes of width "
        "σ = 0.02 within 30 s. Packing fixes the spread, not the sharpness. Play pauses at step 14,000 (~15 s); "
        "train on and this small SGD game loses the ring again: by step 26,000 the fakes sit off every mode on 8 "
        "of 10 seeds.",
        PlaygroundConfig(**_VANILLA, remedy="pacgan", remedy_param=4)),
    "Unrolled D: too slow for 30 s": (
        "The vanilla game, but G's loss is taken against D after 5 more D steps (first-order unrolling): "
        "L_G(θ_G, D_{θ_D^5}), so hopping to the mode D has not yet learned to reject no longer pays. Each G step "
        "costs 6 D steps, so 30 s is only ~4,000 steps: on 8 of 10 seeds the rotation has stopped and the fakes "
        "spread over the ring by then (reverse KL ≤ 0.09), on seeds 2 and 5 they still sit on one mode — and "
        "\"High quality\" stays low on all (below 18 %). Let it run for minutes, or pick a faster remedy.",
        PlaygroundConfig(**_VANILLA, remedy="unrolled", remedy_param=5)),
    "WGAN-GP: still spreading after 30 s": (
        "A critic instead of a classifier: L_D = E D(G(z)) − E D(x) + λ E(‖∇D(x̂)‖ − 1)², L_G = −E D(G(z)) "
        "(λ = 10, k = 5 critic steps per G step, Adam 1e-4, β = (0, 0.9), Gulrajani et al. 2017). The critic's "
        "gradient points G toward every mode it misses: watch the fakes spread out toward all 8 modes "
        "(reverse KL falls) — but with 5 critic steps per G step, 30 s is only ~1,200 steps: the fakes are "
        "still a blurry, uneven ring (reverse KL ≤ 0.2 on 6 of 10 seeds, below 6 % high quality on every seed); "
        "they even out over the next minutes.",
        PlaygroundConfig(**_RING, remedy="wgan-gp", lr_g=1e-4, lr_d=1e-4, beta1=0.0, k=5)),
    LATENT_PRESET: (
        "The objective is unchanged; the noise is not: z comes from a mixture of K = 35 separated Gaussian "
        "blobs instead of one N(0, I). A continuous G maps a connected noise space onto a connected set, so "
        "with N(0, I) it must leave fakes on bridges between the modes; with a disconnected p_z it can send "
        "each blob to one mode. Adam at 1e-3 moves the blobs onto the modes in the first ~2,000 steps; both "
        "learning rates then decay linearly to ~0 by step 7,000 and the fakes settle into the modes. Watch "
        "\"Modes covered\" reach 8/8 and \"High quality\" pass 90 % by step 7,500 (27–29 s of Play on a 2-core "
        "laptop, up to ~40 s on a slower one); "
        "on grid-25 (switch Data) every mode too, at ~92–97 % high quality. Switch the prior to Gaussian and the "
        "bridges come back.",
        PlaygroundConfig(**_MIXTURE)),
    BEST_PRESET: (
        "The most accurate setting measured: the disconnected latent (K = 35 blobs) with batch 512, both "
        "learning rates decaying linearly to ~0 from step 6,000 to 10,000. Each blob lands on one mode, so no "
        "fakes sit on bridges: every mode and at least 97 % of the samples within 3σ at step 10,000 on every one "
        "of 10 seeds, ring-8 and grid-25 (switch Data), ahead of the published PacGAN rows; Play pauses there, "
        "after about a minute on a 2-core laptop (~1.5 min on a slower one). Watch \"High quality\" climb once the "
        "decay starts at step 6,000. Switch the prior to Gaussian to see the bridges come back.",
        PlaygroundConfig(**{**_MIXTURE, "batch_size": 512, "decay_start": 6_000, "decay_steps": 4_000})),
}
DEFAULT_PRESET = "Healthy NS-GAN"

#: In-app / headless training speed of the playground with Chromium showing the page on a 2-core box: the
#: latent preset ran 5,438 steps in 30 s of Play (bench/preset_30s.py) against 265 headless steps/s
#: (bench/mode_collapse.py --speed), both on a quiet box (the slowest ratio measured; another 2-core box: 7,721 and
#: 8,234 steps in 30 s against 302 steps/s, 0.85–0.91); bench/RESULTS.md.
IN_APP_RATIO = 0.68
BUDGET_S = 30.0  # what a lecturer waits after Play


@dataclass(frozen=True)
class Promise:
    """What a preset shows after ``steps`` steps — the steps its budget allows (STEP_BUDGETS; how many seconds
    of Play the app takes to get there: ``bench/preset_30s.py``) — on each dataset of
    ``datasets`` (the preset's own and any the user switches to). Per dataset: at least ``min_modes`` modes
    covered (absent: every mode), at least ``min_hq`` of the samples within 3σ, reverse KL at most ``max_rkl``
    (absent: no bound). Checked over 10 seeds by ``bench/mode_collapse.py --budget`` and on 2 seeds by the tests.
    """

    steps: int
    datasets: tuple = ("ring-8", "grid-25")
    min_modes: tuple = ()   # ((dataset, modes), …)
    min_hq: tuple = ()      # ((dataset, fraction), …)
    max_rkl: tuple = ()     # ((dataset, nats), …)

    def modes_needed(self, dataset: str, n_modes: int) -> int:
        return dict(self.min_modes).get(dataset, n_modes)

    def hq_needed(self, dataset: str) -> float:
        return dict(self.min_hq).get(dataset, 0.0)

    def rkl_allowed(self, dataset: str) -> float:
        return dict(self.max_rkl).get(dataset, float("inf"))

    def kept(self, dataset: str, metrics: dict) -> bool:
        """Whether ``mode_metrics`` output on ``dataset`` keeps the promise."""
        return (metrics["modes_covered"] >= self.modes_needed(dataset, metrics["n_modes"])
                and metrics["hq_fraction"] >= self.hq_needed(dataset)
                and metrics["reverse_kl"] <= self.rkl_allowed(dataset))


#: The remedy presets' step budgets. Set from headless steps per CPU-second × 0.86 × BUDGET_S in an earlier round;
#: counted in the app with Chromium attached (bench/preset_30s.py, bench/RESULTS.md), 30 s of Play run 1.3–2.2× the
#: budgets of PacGAN / unrolling / WGAN-GP on the two 2-core boxes measured, and 1.03–1.10× the latent preset's
#: 7,500 steps on one (27–29 s), 0.72× on the other (41 s).
STEP_BUDGETS: dict[str, int] = {
    "PacGAN spreads the fakes (still blurry)": 14_000,
    "Unrolled D: too slow for 30 s": 4_000,
    "WGAN-GP: still spreading after 30 s": 1_200,
    LATENT_PRESET: 7_500,
}
#: The best preset's measured budget (bench/mode_collapse.py best10k).
BEST_STEPS = 10_000
#: Where Play pauses for a remedy preset left as it is: its step budget, so the picture at the pause is the one its
#: caption and the 10-seed tables of bench/RESULTS.md describe, whatever the machine's speed (Play again trains on).
PAUSE_AT: dict[str, int] = {**STEP_BUDGETS, BEST_PRESET: BEST_STEPS}


def preset_pause(name: str | None, cfg: PlaygroundConfig) -> int | None:
    """The step where Play pauses (PAUSE_AT) when ``cfg`` is preset ``name``'s settings on any Data and seed (its
    promise covers ring-8 and grid-25 on every seed); None once a setting has changed, or for other presets."""
    if name not in PAUSE_AT:
        return None
    preset = PRESETS[name][1]
    return PAUSE_AT[name] if replace(cfg, dataset=preset.dataset, seed=preset.seed) == preset else None


#: The promises measured on seeds that did not tune them (preset name -> Promise); bench/RESULTS.md has the table.
PROMISES: dict[str, Promise] = {
    # every mode and ≥ 90 % HQ on all 10 seeds (0–9) on both datasets (grid 92.2–96.5 %; K = 35 was chosen among
    # 30 / 35 / 40 / 50 on grid seeds 2, 6, 9); bench/RESULTS.md
    LATENT_PRESET: Promise(steps=STEP_BUDGETS[LATENT_PRESET], min_hq=(("ring-8", 0.90), ("grid-25", 0.90))),
    # spread (low reverse KL), not sharp: on 10 ring seeds (bench/RESULTS.md) 7 spread (rKL ≤ 0.105, 4–8 modes);
    # seeds 1, 4 and 8 stay collapsed; seeds 0 / 2: 5 / 8 modes, rKL 0.029 / 0.006, 12.6 / 5.7 % HQ
    "PacGAN spreads the fakes (still blurry)": Promise(
        steps=STEP_BUDGETS["PacGAN spreads the fakes (still blurry)"], datasets=("ring-8",),
        min_modes=(("ring-8", 4),), max_rkl=(("ring-8", 0.2),)),
}
