"""What describes an image GAN's nets: :class:`ImageGANSpec` (architecture, conditioning, D's normalisation, the
noise prior), validated on construction and stored as JSON in checkpoints' config.json."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from ganviz.engine.priors import LATENT_PRIORS, LatentPrior

MODELS = ("dcgan", "mlp")
D_NORMS = ("batch", "layer", "none")
MAX_HIDDEN_LAYERS = 8           # MLP hidden layers per net (the seeds' nets have 2)
MAX_MIXTURE_VALUES = 1 << 20    # numbers in a mixture prior's centres (the shipped models' 500 × 100 = 50,000)


@dataclass(frozen=True)
class ImageGANSpec:
    """What it takes to rebuild an image GAN's nets (stored in checkpoints' config.json).

    model: "dcgan" | "mlp"; z_dim; width: DCGAN base channels (G 2w@7×7 → w@14×14; D w → 2w);
    depth: extra 3×3 conv blocks at each resolution (7×7 and 14×14) of the DCGAN's G and D (0 = Radford's
    plain DCGAN); num_classes: 0 = unconditional; d_norm: normalisation in D ("layer" suits WGAN-GP, whose
    penalty is per sample); spectral_norm on D's layers (Miyato et al. 2018); MLP hidden widths (the seeds' nets);
    prior: G's noise p_z, "normal" N(0, I) or "mixture" of ``mixture_k`` Gaussians N(μ_k, mixture_sd² I) with
    centres μ_k ~ N(0, I) drawn from ``prior_seed`` (ganviz.engine.priors.LatentPrior; a disconnected latent);
    aux_classes: > 0 gives a DCGAN's D an auxiliary classifier over that many classes of the data, trained on the
    real images' labels; G is trained to make the asked class (conditional: AC-GAN, Odena et al. 2017) or, when
    unconditional, pictures the classifier names surely and all classes equally often (CatGAN's generator terms,
    Springenberg 2016). The Trainer's ``aux_weight`` weighs these terms; sampling needs no labels either way.
    """
    model: str = "dcgan"
    z_dim: int = 100
    width: int = 64
    depth: int = 0
    num_classes: int = 0
    d_norm: str = "batch"
    spectral_norm: bool = False
    hidden_g: tuple = (256, 512)
    hidden_d: tuple = (512, 256)
    prior: str = "normal"
    mixture_k: int = 50
    mixture_sd: float = 0.1
    prior_seed: int = 0
    aux_classes: int = 0

    def __post_init__(self):
        if self.model not in MODELS:
            raise ValueError(f"Unknown model {self.model!r}; choose one of {', '.join(MODELS)}.")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"Unknown D normalisation {self.d_norm!r}; choose one of {', '.join(D_NORMS)}.")
        if not (1 <= self.z_dim <= 1024 and 1 <= self.width <= 512 and 0 <= self.num_classes <= 1000
                and 0 <= self.depth <= 4):
            raise ValueError("z_dim must be 1..1024, width 1..512, depth 0..4 and num_classes 0..1000.")
        if self.prior == "mixture" and self.mixture_k * self.z_dim > MAX_MIXTURE_VALUES:
            raise ValueError(f"The mixture prior's centres (mixture_k × z_dim) must hold at most "
                             f"{MAX_MIXTURE_VALUES:,} numbers.")
        self.latent_prior()  # validates the prior
        if self.aux_classes and (self.model != "dcgan" or self.aux_classes < 2
                                 or self.num_classes not in (0, self.aux_classes)):
            raise ValueError("The auxiliary classifier needs a DCGAN, 2 or more classes, and as many classes as a "
                             "conditional G has.")
        if len(self.hidden_g) > MAX_HIDDEN_LAYERS or len(self.hidden_d) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"An MLP may have at most {MAX_HIDDEN_LAYERS} hidden layers.")
        for h in (*self.hidden_g, *self.hidden_d):
            if not 1 <= int(h) <= 8192:
                raise ValueError(f"Hidden widths must be 1..8192, got {h}.")
        object.__setattr__(self, "hidden_g", tuple(int(h) for h in self.hidden_g))
        object.__setattr__(self, "hidden_d", tuple(int(h) for h in self.hidden_d))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden_g"], d["hidden_d"] = list(self.hidden_g), list(self.hidden_d)
        return d

    def latent_prior(self):
        """G's noise prior as a :class:`ganviz.engine.priors.LatentPrior`."""
        if self.prior not in LATENT_PRIORS or self.prior == "uniform":
            raise ValueError(f"Unknown image-GAN prior {self.prior!r}; choose normal or mixture.")
        if not 1 <= self.mixture_k <= 10_000:
            raise ValueError("mixture_k must be 1..10000.")
        return LatentPrior(self.prior, self.z_dim, self.mixture_k, float(self.mixture_sd), seed=self.prior_seed)

    @classmethod
    def from_dict(cls, d: dict) -> "ImageGANSpec":
        """Build from a JSON dict; unknown keys or wrong types raise ValueError with a clear sentence."""
        if not isinstance(d, dict):
            raise ValueError("The model description must be a JSON object.")
        known = {f.name: f for f in fields(cls)}
        unknown = set(d) - set(known)
        if unknown:
            raise ValueError(f"Unknown model setting(s): {', '.join(sorted(unknown))}.")
        types = {"model": str, "d_norm": str, "z_dim": int, "width": int, "depth": int, "num_classes": int,
                 "spectral_norm": bool, "hidden_g": (list, tuple), "hidden_d": (list, tuple), "prior": str,
                 "mixture_k": int, "mixture_sd": (int, float), "prior_seed": int, "aux_classes": int}
        for k, v in d.items():
            if not isinstance(v, types[k]) or (types[k] in (int, (int, float)) and isinstance(v, bool)):
                raise ValueError(f"Model setting {k!r} has the wrong type ({type(v).__name__}).")
            if k.startswith("hidden") and not all(isinstance(h, int) and not isinstance(h, bool) for h in v):
                raise ValueError(f"Model setting {k!r} must be a list of integers.")
        return cls(**d)
