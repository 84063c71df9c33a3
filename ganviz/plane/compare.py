"""Fork and compare: a second 2-D run that differs from the first in one setting, trained in lockstep.

:func:`fork_config` changes one setting (loss, prior, remedy, lr or k) of a :class:`PlaygroundConfig`;
:func:`build_pair` builds both runs from the same seed and the same state (weights, optimizer moments, the
batch generator's state and step count) — every net whose shape the setting leaves alone starts identical
(PacGAN's D reads m points at once, so its D cannot). A :class:`TrainerPair` steps both one iteration at a
time (same step count), so one worker process holds the pair (one job slot; each run gets half of it).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, fields, replace
from functools import partial

import torch

from ganviz.engine.experiment import Experiment
from ganviz.engine.trainer import LIVE_FIELDS, Trainer
from ganviz.engine.worker import WorkerRun
from ganviz.plane.playground import PlaygroundConfig, PlaygroundView, build_trainer
from ganviz.plane.toy import Toy2D

SETTINGS = {"loss": "Loss", "prior": "Noise prior p_z", "remedy": "Mode-collapse remedy",
            "lr": "Learning rates (G and D)", "k": "k: D steps per G step"}
REMEDY_PARAMS = {"pacgan": 4, "unrolled": 5}  # m and the unrolling steps a forked remedy gets
B_SUFFIX = "@B"  # history keys of the second run


@dataclass(frozen=True)
class Contrast:
    """A classic contrast: ``setting`` at ``a`` against ``b`` (the fork takes whichever the run does not have)."""
    setting: str
    a: object
    b: object
    story: str


PRESETS: dict[str, Contrast] = {
    "Saturating vs non-saturating": Contrast(
        "loss", "nonsaturating", "minimax",
        "Same nets, same batches: only G's loss differs. Where D rejects the fakes (D(G(z)) → 0) the saturating "
        "log(1 − D(G(z))) is flat, so that G barely moves; −log D(G(z)) still pushes (Goodfellow et al. 2014, §3)."),
    "Gaussian vs mixture latent": Contrast(
        "prior", "normal", "mixture",
        "A connected latent must bridge the gaps between modes; a mixture of K blobs can send each blob to one "
        "mode (Khayatkhoei et al. 2018). Watch the high-quality share of the two runs."),
    "PacGAN off / on": Contrast(
        "remedy", "none", "pacgan",
        "The packed D judges m = 4 samples at once and spots a collapsed G's lack of variety (Lin et al. 2018): "
        "compare the modes covered and the reverse KL."),
    "k = 1 vs 5": Contrast(
        "k", 1, 5,
        "Algorithm 1's k: D takes 5 steps per G step in the second run. A stronger D gives G sharper gradients "
        "— or, with the saturating loss, none at all."),
}


def setting_value(cfg: PlaygroundConfig, setting: str):
    """The setting's value in ``cfg`` (lr: the pair (lr_g, lr_d))."""
    if setting not in SETTINGS:
        raise ValueError(f"Unknown setting {setting!r}; choose one of {', '.join(SETTINGS)}.")
    return (cfg.lr_g, cfg.lr_d) if setting == "lr" else getattr(cfg, setting)


def fork_config(cfg: PlaygroundConfig, setting: str, value) -> PlaygroundConfig:
    """``cfg`` with one setting changed: loss, prior, remedy (with its default m / unrolling steps), lr (both
    learning rates set to ``value``) or k. ValueError when ``value`` equals the current one or is invalid."""
    setting_value(cfg, setting)
    if setting == "lr":
        new = replace(cfg, lr_g=float(value), lr_d=float(value))
    elif setting == "remedy":
        new = replace(cfg, remedy=value, remedy_param=REMEDY_PARAMS.get(value, 0))
    elif setting == "k":
        new = replace(cfg, k=int(value))
    else:
        new = replace(cfg, **{setting: value})
    if new == cfg:
        raise ValueError("The second run must differ from the first: pick another value.")
    return new


def contrast_fork(cfg: PlaygroundConfig, contrast: Contrast) -> PlaygroundConfig:
    """The fork of ``cfg`` for a preset: the contrast's other value (``b``, or ``a`` when ``cfg`` has ``b``)."""
    current = setting_value(cfg, contrast.setting)
    return fork_config(cfg, contrast.setting, contrast.a if current == contrast.b else contrast.b)


def changed_fields(a: PlaygroundConfig, b: PlaygroundConfig) -> set[str]:
    """The PlaygroundConfig fields in which b differs from a."""
    return {f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)}


def export_state(trainer: Trainer) -> dict:
    """A detached copy of the run's state (weights, optimizers, step, the batch generator) to fork from."""
    return copy.deepcopy(trainer.state_dict())


def load_compatible(trainer: Trainer, state: dict) -> bool:
    """Load ``state`` into ``trainer``; D and its optimizer only where their shapes match (returns whether
    D was loaded). G, its optimizer, the step count and the batch generator are always taken."""
    trainer.G.load_state_dict(state["G"])
    trainer.opt_g.load_state_dict(state["opt_g"])
    if trainer.G_ema is not None:
        trainer.G_ema.load_state_dict(state.get("G_ema", state["G"]))
    mine = trainer.D.state_dict()
    same_d = mine.keys() == state["D"].keys() and all(mine[k].shape == v.shape for k, v in state["D"].items())
    if same_d:
        trainer.D.load_state_dict(state["D"])
        trainer.opt_d.load_state_dict(state["opt_d"])
    trainer.step_count = int(state["step"])
    trainer.rng.set_state(state["rng"])
    trainer._set_lrs(trainer.config.lr_factor(trainer.step_count + 1))
    return same_d


class _PairHistory:
    """Both runs' histories as one dict: the first run's keys as they are, the second's with B_SUFFIX."""

    def __init__(self, a: Trainer, b: Trainer):
        self.a, self.b = a, b

    def arrays(self) -> dict:
        out = dict(self.a.history.arrays())
        out.update({k + B_SUFFIX: v for k, v in self.b.history.arrays().items()})
        return out


class TrainerPair:
    """Two Trainers stepped in lockstep: ``step()`` is one iteration of each (A, then B), so both always show
    the same step count. ``update`` applies the page's live changes to both, except the setting B differs in."""

    def __init__(self, a: Trainer, b: Trainer):
        self.a, self.b = a, b
        ca, cb = a.config, b.config
        self._b_own = {f: getattr(cb, f) for f in LIVE_FIELDS if getattr(ca, f) != getattr(cb, f)}
        self.history = _PairHistory(a, b)
        self.cpu_threads = a.cpu_threads

    @property
    def config(self):
        return self.a.config

    @property
    def step_count(self) -> int:
        return self.a.step_count

    @property
    def events(self) -> list:
        return self.a.events

    @property
    def events_b(self) -> list:
        return self.b.events

    def step(self) -> dict:
        rec = self.a.step()
        rec.update({k + B_SUFFIX: v for k, v in self.b.step().items()})
        return rec

    def d_step(self) -> dict:
        return self.step()  # one unit of work for both, so the step counts never part

    g_step = d_step

    def update(self, **changes) -> None:
        self.a.update(**changes)
        self.b.update(**{**changes, **{k: v for k, v in self._b_own.items() if k in changes}})


def build_pair(cfg_a: PlaygroundConfig, cfg_b: PlaygroundConfig, dataset: Toy2D, state: dict | None = None,
               metric_every: int = 50) -> TrainerPair:
    """Both runs from ``cfg_a``'s seed; with ``state`` (see :func:`export_state`) both start from it, else
    from the seed's initial weights (B's nets copied from A's where the shapes agree)."""
    a = build_trainer(cfg_a, dataset, metric_every=metric_every)
    b = build_trainer(cfg_b, dataset, metric_every=metric_every)
    start = state if state is not None else export_state(a)
    load_compatible(a, start)
    load_compatible(b, start)
    return TrainerPair(a, b)


class PairView:
    """``view(pair) -> {"a": view, "b": view}``: the playground's picture of each run."""

    def __init__(self, dataset: Toy2D, seed: int = 0, n_real: int = 256, grid_n: int = 48):
        self.view_a = PlaygroundView(dataset, n_real=n_real, grid_n=grid_n, seed=seed)
        self.view_b = PlaygroundView(dataset, n_real=n_real, grid_n=grid_n, seed=seed)

    def __call__(self, pair: TrainerPair) -> dict:
        return {"a": self.view_a(pair.a), "b": self.view_b(pair.b), "step": pair.step_count,
                "step_b": pair.b.step_count}


def live_experiment(cfg_a: PlaygroundConfig, cfg_b: PlaygroundConfig, dataset: Toy2D, state: dict | None,
                    key: tuple) -> Experiment:
    """The comparison's pair (:func:`build_pair`, one worker process for both runs), named by ``key`` (the fork:
    the data, the setting and its value, the step it starts from); A's live settings apply live to both runs
    (B keeps its own value of the compared setting)."""
    return Experiment(key, partial(_start_pair, cfg_a, cfg_b, dataset, state), cfg_a.live_changes())


def _start_pair(cfg_a: PlaygroundConfig, cfg_b: PlaygroundConfig, dataset: Toy2D, state: dict | None) -> WorkerRun:
    return WorkerRun(partial(build_pair, cfg_a, cfg_b, dataset, state), view=PairView(dataset, seed=cfg_a.seed),
                     publish_every_s=0.25)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    """Whether two nets hold exactly the same parameters and buffers."""
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(sa[k].shape == sb[k].shape and torch.equal(sa[k], sb[k]) for k in sa)
