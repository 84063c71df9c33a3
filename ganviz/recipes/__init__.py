"""Named image-GAN runs ("recipes"), in the spirit of nanoGPT's ``config/*.py``: one source for the page, the CLI,
the benchmarks and the tests.

A run is described by flat :class:`Settings` — the command line's names (``--lr-g`` is ``lr_g``), each ``None``
until a recipe or a flag sets it. :func:`build` turns them into the nets' :class:`ganviz.images.spec.ImageGANSpec`
and the frozen :class:`ganviz.engine.trainer.TrainConfig`; what nobody set comes from those dataclasses' defaults,
except
where the loss asks for another optimiser (:func:`ganviz.engine.losses.training_defaults`). Every module of this package
defines ``RECIPES``, a tuple of :class:`Recipe`: ``presets`` holds the "Train on images" page's presets, and one file
per shipped model in ``models/`` lists the chained stages that trained it (``python -m ganviz reproduce dcgan_mnist``).

    python -m ganviz train --recipe digits_fast --loss wgan --out runs/x     # the recipe, one field overridden
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Mapping

from ganviz.engine.losses import training_defaults
from ganviz.engine.trainer import TrainConfig
from ganviz.images.spec import ImageGANSpec

__all__ = ["Settings", "Stage", "Recipe", "build", "resolve", "get", "all_recipes", "to_argv",
           "PAGE_MIXTURE", "from_widgets", "to_widgets"]

_SPEC, _TRAIN = ImageGANSpec(), TrainConfig()


def _f(help_: str, default, **meta):
    """A Settings field: ``default`` is what an unset field becomes (shown in --help), ``help`` the flag's text."""
    return field(default=None, metadata={"help": help_, "default": default, **meta})


@dataclass(frozen=True)
class Settings:
    """Everything a headless image-GAN run reads besides its output folder; ``None`` = not set (the default)."""
    # data
    data: str | None = _f("mnist | fashion-mnist | digits8x8, or a .zip/.npz/.npy of your images", "mnist")
    data_dir: str | None = _f("folder with the IDX files (default: the usual sources)", None)
    # the nets (ImageGANSpec)
    model: str | None = _f("dcgan | mlp", _SPEC.model, choices=("dcgan", "mlp"))
    width: int | None = _f("DCGAN base channels (64: G 0.78 M, D 0.14 M params)", _SPEC.width)
    depth: int | None = _f("extra 3×3 conv blocks per resolution in the DCGAN's G and D", _SPEC.depth)
    z_dim: int | None = _f("dimension of G's noise z", _SPEC.z_dim)
    conditional: bool | None = _f("class-conditional G and D (labels of the data)", False)
    aux_classifier: bool | None = _f(
        "D also classifies the real images (their labels); G is trained to make the asked class (with "
        "--conditional: AC-GAN, Odena et al. 2017), or pictures it names surely, all classes equally often "
        "(unconditional: CatGAN's terms, Springenberg 2016)", False)
    prior: str | None = _f("G's noise: N(0, I) or a mixture of K Gaussians (a disconnected latent; centres drawn "
                           "from --prior-seed)", _SPEC.prior, choices=("normal", "mixture"))
    mixture_k: int | None = _f("components of the mixture prior", _SPEC.mixture_k)
    mixture_sd: float | None = _f("standard deviation of each mixture component", _SPEC.mixture_sd)
    prior_seed: int | None = _f("seed of the mixture's centres (going on from a mixture-prior run needs that "
                                "run's prior)", "--seed")
    d_norm: str | None = _f("normalisation in D", "layer for wgan-gp, batch otherwise",
                            choices=("batch", "layer", "none"))
    spectral_norm: bool | None = _f("spectral normalisation in D (Miyato et al. 2018)", _SPEC.spectral_norm)
    # training (TrainConfig)
    loss: str | None = _f("the GAN loss (ganviz.engine.losses)", _TRAIN.loss,
                          choices=("minimax", "nonsaturating", "lsgan", "wgan", "wgan-gp", "hinge"))
    optimizer: str | None = _f("optimiser of both nets", "rmsprop for wgan, adam otherwise",
                               choices=("adam", "sgd", "rmsprop"))
    lr_g: float | None = _f("G's learning rate", _TRAIN.lr_g)
    lr_d: float | None = _f("D's learning rate", _TRAIN.lr_d)
    beta1: float | None = _f("Adam's β₁", "0 for wgan-gp, 0.5 otherwise")
    beta2: float | None = _f("Adam's β₂", "0.9 for wgan-gp, 0.999 otherwise")
    batch_size: int | None = _f("minibatch size m (real and fake each)", _TRAIN.batch_size, flags=("--batch",))
    k: int | None = _f("D steps per G step", _TRAIN.k)
    ema: float | None = _f("EMA decay of G's weights, e.g. 0.999 (0: off); the checkpoint and sample grids use "
                           "the averaged G", _TRAIN.ema)
    aux_weight: float | None = _f("weight of the auxiliary classifier's loss", _TRAIN.aux_weight)
    decay_start: int | None = _f("step where both learning rates start to decay linearly (with --decay-steps)",
                                 _TRAIN.decay_start)
    decay_steps: int | None = _f("length of the linear learning-rate decay (0: none)", _TRAIN.decay_steps)
    seed: int | None = _f("seed of the nets' initialisation, the noise and the minibatches", _TRAIN.seed)
    device: str | None = _f("auto | cpu | cuda | mps", _TRAIN.device)
    amp: bool | None = _f("bf16 autocast (CUDA only)", _TRAIN.amp)
    compile: bool | None = _f("torch.compile the nets (CUDA only)", _TRAIN.compile)
    # the run around the Trainer
    steps: int | None = _f("training steps (one step = k D-steps and one G-step)", 5000)
    threads: int | None = _f("CPU threads for torch (default: ganviz.engine.device.cpu_threads_for; "
                             "on a busy machine 1 is often fastest)", None)
    sample_every: int | None = _f("write a PNG sample grid every N steps", 500)
    log_every: int | None = _f("write a metrics.csv row every N steps", 10)
    save_every: int | None = _f("also save a checkpoint in OUT/step_N every N steps (0: only the final one)", 0)

    def value(self, name: str):
        """The field's value, or its default when unset (the loss's own:
        :func:`ganviz.engine.losses.training_defaults`)."""
        v = getattr(self, name)
        if v is not None:
            return v
        if name in _LOSS_RULED:
            return training_defaults(self.value("loss"))[name]
        if name == "prior_seed":
            return self.value("seed")
        return _FIELDS[name].metadata["default"]

    def set(self) -> dict:
        """The fields set (not None), e.g. to write a recipe or compare two."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def override(self, **changes) -> "Settings":
        """These settings with ``changes`` (None values ignored: "not given")."""
        unknown = set(changes) - set(_FIELDS)
        if unknown:
            raise ValueError(f"Unknown run setting(s): {', '.join(sorted(unknown))}.")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_FIELDS = {f.name: f for f in fields(Settings)}
_LOSS_RULED = ("optimizer", "beta1", "beta2", "d_norm")


_SPEC_FIELDS = ("model", "z_dim", "width", "depth", "d_norm", "spectral_norm", "prior", "mixture_k", "mixture_sd",
                "prior_seed")
_TRAIN_FIELDS = ("loss", "optimizer", "lr_g", "lr_d", "k", "ema", "aux_weight", "batch_size", "decay_start",
                 "decay_steps", "seed", "device", "amp", "compile")


def build(settings: Settings, num_classes: int) -> tuple[ImageGANSpec, TrainConfig]:
    """(the nets' spec, the frozen TrainConfig) of a run on data with ``num_classes`` labelled classes (0 or 1:
    unlabelled). A conditional G/D or D's classifier gets one class per label of the data. ValueError (one
    sentence) for impossible settings."""
    s = settings.value
    classes = num_classes if num_classes >= 2 else 0
    if (s("conditional") or s("aux_classifier")) and not classes:
        raise ValueError("A class-conditional run or an auxiliary classifier needs data with 2 or more labelled "
                         "classes.")
    spec = ImageGANSpec(**{n: s(n) for n in _SPEC_FIELDS}, num_classes=classes if s("conditional") else 0,
                        aux_classes=classes if s("aux_classifier") else 0)
    config = TrainConfig(**{n: s(n) for n in _TRAIN_FIELDS}, betas=(float(s("beta1")), float(s("beta2"))))
    return spec, config


@dataclass(frozen=True)
class Stage:
    """One training run of a chain: its settings; ``init_from`` names the earlier stage whose G and D it starts
    from (``--init-from``). ``recorded_out`` is the run folder the shipped model's JSON names for it."""
    name: str
    settings: Settings
    init_from: str | None = None
    recorded_out: str | None = None
    hardware: str = ""


@dataclass(frozen=True)
class Recipe:
    """A named run: ``settings``, and for a shipped model the ``stages`` that trained it (its settings are then
    the last stage's: ``train --recipe`` runs that stage alone, from scratch; ``reproduce`` runs the chain)."""
    name: str
    title: str
    settings: Settings = Settings()
    stages: tuple[Stage, ...] = ()
    notes: str = ""

    def __post_init__(self):
        names = [st.name for st in self.stages]
        if len(set(names)) != len(names):
            raise ValueError(f"Recipe {self.name}: stage names repeat.")
        for i, st in enumerate(self.stages):
            if st.init_from is not None and st.init_from not in names[:i]:
                raise ValueError(f"Recipe {self.name}: stage {st.name} starts from {st.init_from}, not an earlier "
                                 "stage.")
        if self.stages and self.settings == Settings():
            object.__setattr__(self, "settings", self.stages[-1].settings)


def settings(**values) -> Settings:
    """Settings from keyword values (a recipe file's way to write them)."""
    return Settings().override(**values)


_REGISTRY: dict[str, Recipe] | None = None


def all_recipes() -> Mapping[str, Recipe]:
    """Every recipe of every module in this package, by name."""
    global _REGISTRY
    if _REGISTRY is None:
        found: dict[str, Recipe] = {}
        for mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
            for recipe in getattr(importlib.import_module(f"{__name__}.{mod}"), "RECIPES", ()):
                if recipe.name in found:
                    raise ValueError(f"Two recipes are named {recipe.name}.")
                found[recipe.name] = recipe
        _REGISTRY = found
    return MappingProxyType(_REGISTRY)


def get(name: str) -> Recipe:
    """The recipe called ``name``; ValueError listing the names otherwise."""
    recipes = all_recipes()
    if name not in recipes:
        raise ValueError(f"No recipe {name!r}; choose one of {', '.join(sorted(recipes))}.")
    return recipes[name]


def resolve(recipe: str | Recipe | None = None, **overrides) -> Settings:
    """A recipe's settings (none: all defaults) with ``overrides`` (None = keep)."""
    base = Settings() if recipe is None else (get(recipe) if isinstance(recipe, str) else recipe).settings
    return base.override(**overrides)


def flag(name: str) -> str:
    """The command line's flag of a Settings field (``lr_g`` → ``--lr-g``; ``batch_size`` → ``--batch``)."""
    return _FIELDS[name].metadata.get("flags", ("--" + name.replace("_", "-"),))[0]


def to_argv(s: Settings) -> list[str]:
    """The ``ganviz train`` flags that set exactly the fields ``s`` sets."""
    argv = []
    for name, v in s.set().items():
        if isinstance(v, bool):
            argv.append(flag(name) if v else f"--no-{flag(name)[2:]}")
        else:
            argv += [flag(name), repr(v) if isinstance(v, float) else str(v)]
    return argv


# ---- the "Train on images" page's widgets <-> settings --------------------------------------------------------
#: The page's EMA toggle is β = 0.999 (Yazıcı et al. 2019's value).
PAGE_EMA = 0.999
#: The disconnected latent of the shipped unconditional DCGANs and of the page's mixture toggle: 500 blobs of sd 0.5.
PAGE_MIXTURE = MappingProxyType({"mixture_k": 500, "mixture_sd": 0.5})


def from_widgets(*, dataset: str, model: str, width: int, depth: int, z_dim: int, conditional: bool, aux: bool,
                 loss: str, lr_g: float, lr_d: float, batch: int, k: int, ema: bool, mixture: bool, seed: int,
                 amp: bool = False, compile: bool = False, mixture_k: int | None = None,
                 mixture_sd: float | None = None) -> Settings:
    """The settings the page's widgets describe (the widgets' own names and types). The page always trains an
    MLP at its seeds' size (width and depth only apply to the DCGAN) and a mixture prior of the shipped models'
    size (``mixture_k``/``mixture_sd``: see :data:`PAGE_MIXTURE`)."""
    dcgan = model == "dcgan"
    mix = dict(PAGE_MIXTURE) if mixture_k is None else {"mixture_k": mixture_k, "mixture_sd": mixture_sd}
    return settings(data=dataset, model=model, width=width if dcgan else None, depth=depth if dcgan else None,
                    z_dim=z_dim, conditional=conditional, aux_classifier=aux, loss=loss, lr_g=lr_g, lr_d=lr_d,
                    batch_size=batch, k=k, ema=PAGE_EMA if ema else 0.0, prior="mixture" if mixture else "normal",
                    seed=seed, amp=amp, compile=compile, **(mix if mixture else {}))


def to_widgets(recipe: str | Recipe | Settings) -> dict:
    """The page's widget values (keys without the page prefix; the seed stays the user's) that describe a recipe;
    ValueError when the page cannot express it (e.g. spectral norm, other betas, a learning-rate decay)."""
    s = recipe if isinstance(recipe, Settings) else resolve(recipe)
    values = {"dataset": s.value("data"), "model": s.value("model"), "width": s.value("width"),
              "depth": s.value("depth"), "z_dim": s.value("z_dim"), "conditional": bool(s.value("conditional")),
              "aux": bool(s.value("aux_classifier")), "loss": s.value("loss"), "lr_g": s.value("lr_g"),
              "lr_d": s.value("lr_d"), "batch": s.value("batch_size"), "k": s.value("k"),
              "ema": s.value("ema") > 0, "mixture": s.value("prior") == "mixture"}
    back = from_widgets(**values, seed=s.value("seed"))
    if build(back, 10) != build(s, 10):
        raise ValueError("The page cannot express these settings (its widgets lack some of them).")
    return values
