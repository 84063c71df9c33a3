"""Unpaired translation on 2-D toys: CycleGAN (Zhu, Park, Isola & Efros, ICCV 2017) through the one Trainer.

Two domains X and Y with no pairs. G: X → Y and F: Y → X are small MLPs; D_Y tells real y from G(x), D_X real x
from F(y). The paper's full objective (§3, Eq. 3), with its least-squares adversarial losses (§4):

    L(G, F, D_X, D_Y) = L_GAN(G, D_Y) + L_GAN(F, D_X) + λ·L_cyc(G, F),
    L_cyc = E_x ‖F(G(x)) − x‖₁ + E_y ‖G(F(y)) − y‖₁,   λ = 10 in the paper.

The Trainer sees the pair as one game: its "noise" z is a batch [x, y] of both domains (:class:`Domains`), its
generator maps [x, y] ↦ [G(x), F(y)] (:class:`Translators`), its "real data" is [y′, x′] (:class:`Targets`) and its
discriminator scores [u, v] ↦ [D_Y(u), D_X(v)] (:class:`Critics`). With the Trainer's LSGAN losses (means over both
columns, each with a factor ½) its G loss is ¼ of the paper's adversarial sum for G and F, and its D loss ½ of the
sum of the paper's D objectives (already halved there); so :meth:`Translators.cycle_loss` returns ¼·L_cyc and
TrainConfig.cycle_weight is the paper's λ: the Trainer minimises exactly ¼ of the paper's G objective.

Without the cycle term nothing ties F to G: each matches its target distribution on its own, so x ↦ G(x) can be
any map that moves the mass right (many-to-one, arbitrary permutations of modes) and F(G(x)) lands far from x.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import partial

import numpy as np
import torch
from torch import nn

from ganviz.engine import nets
from ganviz.engine.device import seed_all
from ganviz.engine.experiment import Experiment
from ganviz.engine.live import LiveRun
from ganviz.engine.trainer import TrainConfig, Trainer
from ganviz.plane import toy

ADVERSARIAL_SCALE = 0.25  # the Trainer's LSGAN G loss over both sides = ¼ × the paper's sum (see module doc)


def square8() -> toy.Toy2D:
    """Square-8: 8 Gaussians on the border of the 3×3 grid {−2, 0, 2}² (corners and edge midpoints), σ = 0.05."""
    centres = np.array([(x, y) for x in (-2.0, 0.0, 2.0) for y in (-2.0, 0.0, 2.0) if (x, y) != (0.0, 0.0)])
    return toy.gaussian_mixture("square-8", "Square of 8 Gaussians",
                                "8 modes on a square's border: the same count as the ring, another shape.",
                                centres, 0.05, (-3.2, 3.2))


def ring8_wide() -> toy.Toy2D:
    """Ring-8 with σ = 0.1 (the playground's ring is σ = 0.02): a source whose modes have visible width."""
    d = toy.ring8()
    return toy.gaussian_mixture("ring-8", "Ring of 8 Gaussians (σ = 0.1)", d.story, d.centres, 0.1, d.extent)


DOMAINS = {"ring-8": ring8_wide, "square-8": square8, "two-moons": toy.two_moons, "spiral": toy.spiral,
           "grid-25": toy.grid25}
PAIRS = {"ring-8 → square-8": ("ring-8", "square-8"), "two-moons → ring-8": ("two-moons", "ring-8"),
         "ring-8 → ring-8": ("ring-8", "ring-8"), "spiral → two-moons": ("spiral", "two-moons")}


class Domains:
    """The Trainer's p_z for translation: z = [x, y], x ~ X and y ~ Y drawn independently (no pairs)."""

    kind = "domains"
    z_dim = 4

    def __init__(self, x: toy.Toy2D, y: toy.Toy2D):
        self.x, self.y = x, y

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.cat([self.x.sample(n, generator), self.y.sample(n, generator)], dim=1)


class Targets:
    """The Trainer's real data: [y′, x′] — what G's outputs (first two columns) and F's (last two) must match."""

    def __init__(self, x: toy.Toy2D, y: toy.Toy2D):
        self.x, self.y = x, y

    def __call__(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return torch.cat([self.y.sample(n, generator), self.x.sample(n, generator)], dim=1)


def _swap(t: torch.Tensor) -> torch.Tensor:
    return torch.cat([t[:, 2:], t[:, :2]], dim=1)


class Translators(nn.Module):
    """[x, y] ↦ [G(x), F(y)]: G: X → Y and F: Y → X, MLPs 2 → hidden → 2."""

    def __init__(self, hidden=(64, 64), activation: str = "relu"):
        super().__init__()
        self.G = nets.mlp(2, 2, hidden, activation)
        self.F = nets.mlp(2, 2, hidden, activation)

    def forward(self, xy: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.G(xy[:, :2]), self.F(xy[:, 2:])], dim=1)

    def cycle_error(self, xy: torch.Tensor, fake: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(E_x ‖F(G(x)) − x‖₁, E_y ‖G(F(y)) − y‖₁) for z = [x, y] (``fake`` = forward(z) if already computed)."""
        fake = self(xy) if fake is None else fake
        back = self(_swap(fake))  # [G(F(y)), F(G(x))]
        err = (back - _swap(xy)).abs()
        return err[:, 2:].sum(1).mean(), err[:, :2].sum(1).mean()

    def cycle_loss(self, xy: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """¼·L_cyc (the Trainer's scale, see the module doc): its weight TrainConfig.cycle_weight is the paper's λ."""
        cx, cy = self.cycle_error(xy, fake)
        return ADVERSARIAL_SCALE * (cx + cy)


class Critics(nn.Module):
    """[u, v] ↦ [D_Y(u), D_X(v)]: two MLP critics 2 → hidden → 1 (raw scores; least-squares losses)."""

    def __init__(self, hidden=(64, 64), activation: str = "relu"):
        super().__init__()
        self.D_Y = nets.mlp(2, 1, hidden, activation)
        self.D_X = nets.mlp(2, 1, hidden, activation)

    def forward(self, uv: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.D_Y(uv[:, :2]), self.D_X(uv[:, 2:])], dim=1)


@dataclass(frozen=True)
class CycleConfig:
    """One translation run: the domain pair (a key of PAIRS), λ (0 = no cycle term), nets, Adam's rate, batch, seed."""

    pair: str = "ring-8 → square-8"
    cycle_weight: float = 10.0
    width: int = 64
    hidden_layers: int = 2
    lr: float = 1e-3
    batch_size: int = 128
    seed: int = 0

    def __post_init__(self):
        if self.pair not in PAIRS:
            raise ValueError(f"Unknown domain pair {self.pair!r}; choose one of {', '.join(PAIRS)}.")
        if not 1 <= self.width <= 512 or not 1 <= self.hidden_layers <= 4:
            raise ValueError("The nets need 1 to 4 hidden layers of 1 to 512 units.")
        self.train_config()  # validates λ, the learning rate and the batch

    @property
    def domains(self) -> tuple[toy.Toy2D, toy.Toy2D]:
        x, y = PAIRS[self.pair]
        return DOMAINS[x](), DOMAINS[y]()

    def train_config(self) -> TrainConfig:
        return TrainConfig(loss="lsgan", optimizer="adam", lr_g=self.lr, lr_d=self.lr, betas=(0.5, 0.999),
                           batch_size=self.batch_size, cycle_weight=self.cycle_weight, seed=self.seed, device="cpu")

    def nets_key(self) -> tuple:
        return (self.pair, self.width, self.hidden_layers, self.seed)

    def live_changes(self) -> dict:
        return {"cycle_weight": self.cycle_weight, "lr_g": self.lr, "lr_d": self.lr, "batch_size": self.batch_size}

    def to_dict(self) -> dict:
        return asdict(self)


def build_trainer(cfg: CycleConfig, metric_every: int = 50, metric_n: int = 1000) -> Trainer:
    """Seeded translators and critics as one Trainer (LSGAN, Adam β₁ = 0.5 as the paper); records
    :class:`CycleMetricFn` every ``metric_every`` steps (0 = never)."""
    x, y = cfg.domains
    seed_all(cfg.seed)
    hidden = (cfg.width,) * cfg.hidden_layers
    trainer = Trainer(Translators(hidden), Critics(hidden), Targets(x, y), cfg.train_config(), z_dim=4,
                      prior=Domains(x, y), fixed_n=256)
    if metric_every:
        trainer.add_metric("cycle", CycleMetricFn(x, y, n=metric_n, seed=cfg.seed), metric_every)
    return trainer


def mode_map(source: np.ndarray, image: np.ndarray, src_centres: np.ndarray, dst_centres: np.ndarray) -> np.ndarray:
    """counts[i, j]: how many samples of source mode i (nearest centre) the map sends to target mode j."""
    si, _ = toy.nearest_mode(source, src_centres)
    ok = np.isfinite(image).all(axis=1)
    counts = np.zeros((len(src_centres), len(dst_centres)), dtype=np.int64)
    if ok.any():
        di, _ = toy.nearest_mode(image[ok], dst_centres)
        np.add.at(counts, (si[ok], di), 1)
    return counts


def map_summary(counts: np.ndarray) -> dict:
    """From a mode map: ``distinct_targets`` — how many target modes are the main image of some source mode
    (= the number of source modes for a one-to-one map, fewer when several modes go to one); ``consistency`` —
    the share of samples that land on their source mode's main target (1 for a map of modes to modes)."""
    rows = counts.sum(1)
    used = rows > 0
    if not used.any():
        return {"distinct_targets": 0, "consistency": 0.0}
    main = counts.argmax(1)[used]
    return {"distinct_targets": int(len(set(main.tolist()))),
            "consistency": float(counts.max(1)[used].sum() / rows[used].sum())}


class CycleMetricFn:
    """``fn(trainer) -> dict`` for Trainer.add_metric, on fixed evaluation samples (their own seed):
    cycle_x = mean ‖F(G(x)) − x‖₁, cycle_y = mean ‖G(F(y)) − y‖₁; for a target with modes, modes_y (modes of Y
    covered by G(x), VEEGAN's high-quality rule) and, when X has modes too, the mode map's distinct_targets and
    consistency, and round_trip — the share of x whose F(G(x)) is nearest to x's own mode; modes_x likewise for
    F(y)."""

    def __init__(self, x: toy.Toy2D, y: toy.Toy2D, n: int = 1000, seed: int = 0):
        self.x, self.y = x, y
        g = torch.Generator().manual_seed(seed + 271_828)
        self.z = torch.cat([x.sample(n, g), y.sample(n, g)], dim=1)

    def __call__(self, trainer: Trainer) -> dict:
        G = trainer.sampling_G
        with torch.no_grad():
            fake = G(self.z)
            cx, cy = G.cycle_error(self.z, fake)
            back_x = G(_swap(fake))[:, 2:].numpy()  # F(G(x))
        out = {"cycle_x": float(cx), "cycle_y": float(cy)}
        xs, ys, gx, fy = self.z[:, :2].numpy(), self.z[:, 2:].numpy(), fake[:, :2].numpy(), fake[:, 2:].numpy()
        for name, src, img, dom_s, dom_t in (("y", xs, gx, self.x, self.y), ("x", ys, fy, self.y, self.x)):
            if dom_t.has_modes and np.isfinite(img).any():
                out[f"modes_{name}"] = float(toy.mode_metrics(img, dom_t.centres, dom_t.sigma)["modes_covered"])
                if dom_s.has_modes and name == "y":
                    out.update({k: float(v) for k, v in
                                map_summary(mode_map(src, img, dom_s.centres, dom_t.centres)).items()})
        if self.x.has_modes:
            home, _ = toy.nearest_mode(xs, self.x.centres)
            ok = np.isfinite(back_x).all(axis=1)
            back = toy.nearest_mode(back_x[ok], self.x.centres)[0] if ok.any() else np.zeros(0, dtype=int)
            out["round_trip"] = float((back == home[ok]).sum() / len(xs))
        return out


class CycleView:
    """``view(trainer) -> dict`` for LiveRun: fixed x and y (n each), G(x), F(G(x)), F(y), G(F(y)) as numpy,
    samples of both domains for the background, and ``metrics``: :class:`CycleMetricFn` now (the same fixed
    evaluation samples as the history's, so the numbers on screen are the chart's latest, at every step)."""

    def __init__(self, x: toy.Toy2D, y: toy.Toy2D, n: int = 160, seed: int = 0, metric_n: int = 1000):
        self.metrics = CycleMetricFn(x, y, n=metric_n, seed=seed)
        g = torch.Generator().manual_seed(seed + 31_415)
        self.z = torch.cat([x.sample(n, g), y.sample(n, g)], dim=1)
        self.x_real, self.y_real = x.sample(600, g).numpy(), y.sample(600, g).numpy()

    def __call__(self, trainer: Trainer) -> dict:
        G = trainer.sampling_G
        with torch.no_grad():
            fake = G(self.z)
            back = G(_swap(fake))  # [G(F(y)), F(G(x))]
        return {"step": trainer.step_count, "x": self.z[:, :2].numpy(), "y": self.z[:, 2:].numpy(),
                "g_x": fake[:, :2].numpy(), "f_y": fake[:, 2:].numpy(), "f_g_x": back[:, 2:].numpy(),
                "g_f_y": back[:, :2].numpy(), "x_real": self.x_real, "y_real": self.y_real,
                "metrics": self.metrics(trainer)}


def live_experiment(cfg: CycleConfig) -> Experiment:
    """The CycleGAN page's live run (a thread of this process): new nets for new domains, widths or seed;
    ``cfg.live_changes()`` (λ, the learning rate, the batch) apply live."""
    return Experiment(cfg.nets_key(), partial(_start, cfg), cfg.live_changes())


def _start(cfg: CycleConfig) -> LiveRun:
    x, y = cfg.domains
    return LiveRun(partial(build_trainer, cfg), view=CycleView(x, y, seed=cfg.seed), publish_every_s=0.25)


def view_csv(view: dict) -> bytes:
    """The view's points as CSV, one row per fixed x (and y): x, G(x), F(G(x)), y, F(y), G(F(y))."""
    cols = ("x", "g_x", "f_g_x", "y", "f_y", "g_f_y")
    header = ",".join(f"{c}_{i}" for c in cols for i in (1, 2))
    table = np.concatenate([np.asarray(view[c], dtype=np.float64) for c in cols], axis=1)
    lines = [header] + [",".join(repr(float(v)) for v in row) for row in table]
    return ("\n".join(lines) + "\n").encode()


#: One-click presets: name -> (the story, CycleConfig). The contrast with vs without the cycle term is measured
#: in tests/test_cyclegan.py.
PRESETS: dict[str, tuple[str, CycleConfig]] = {
    "With the cycle loss (λ = 10)": (
        "The paper's objective: G and F must undo each other, so each ring mode is sent to one square mode and "
        "back — the segments x → G(x) form a consistent map and F(G(x)) lands on x (cycle error → small).",
        CycleConfig(cycle_weight=10.0)),
    "Without the cycle loss (λ = 0)": (
        "Only the two adversarial losses: G(x) still lands on Y's modes and F(y) on X's, but nothing ties the two "
        "maps — F(G(x)) lands on some other ring mode, and the cycle error stays large.",
        CycleConfig(cycle_weight=0.0)),
    "Moons to ring, λ = 10": (
        "A continuous source to 8 separate modes: the cycle term forces G to cut the moons into 8 arcs, one per "
        "mode, that F can map back.", CycleConfig(pair="two-moons → ring-8", cycle_weight=10.0)),
}
DEFAULT_PRESET = "With the cycle loss (λ = 10)"
