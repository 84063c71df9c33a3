"""Image GAN nets for 28×28 grayscale: DCGAN-28 and the MLP GAN, optionally class-conditional.

DCGAN-28 follows the DCGAN guidelines (Radford et al. 2016): strided (transposed)
convolutions instead of pooling, BatchNorm in G and D (not on G's output nor D's input), ReLU in G with a
tanh output, LeakyReLU(0.2) in D, weights N(0, 0.02), BatchNorm weights N(1, 0.02) with zero bias. The
28×28 shape is the TF-tutorial variant: a dense projection to 7×7, then 7→14→28 (G 0.78 M, D 0.14 M params
at width 64).

Class-conditional variants (used by the latent-space pages): G reads z ⊕ one-hot(y) (a learned class
embedding through the first layer, Mirza & Osindero 2014); D is a projection discriminator,
D(x, y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩ (Miyato & Koyama 2018). Every net maps/reads (N, 1, 28, 28) in [−1, 1].
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganviz.engine import nets

__all__ = ["MODELS", "D_NORMS", "ImageGANSpec", "DCGANGenerator", "DCGANDiscriminator",
           "MLPImageGenerator", "MLPImageDiscriminator", "weights_init", "build_gan", "build_gan_meta", "spec_size",
           "count_parameters", "build_trainer", "GridTimeline", "LiveImageRun", "live_image_run", "checkpoint_zip",
           "sample_grid"]

MODELS = ("dcgan", "mlp")
D_NORMS = ("batch", "layer", "none")
IMAGE_SHAPE = (1, 28, 28)
IMAGE_DIM = 28 * 28
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
    centres μ_k ~ N(0, I) drawn from ``prior_seed`` (ganviz.engine.trainer.LatentPrior; a disconnected latent);
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
        """G's noise prior as a :class:`ganviz.engine.trainer.LatentPrior`."""
        from ganviz.engine.trainer import LATENT_PRIORS, LatentPrior
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


def weights_init(m: nn.Module) -> None:
    """DCGAN init (Radford et al. 2016; pytorch/examples dcgan ``weights_init``): conv/linear/embedding
    weights N(0, 0.02), BatchNorm weight N(1, 0.02) and bias 0. Apply with ``module.apply(weights_init)``."""
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear, nn.Embedding)):
        nn.init.normal_(m.weight, 0.0, 0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def _one_hot(y: torch.Tensor | None, num_classes: int, like: torch.Tensor) -> torch.Tensor | None:
    if not num_classes:
        return None
    if y is None:
        raise ValueError("This class-conditional net needs labels y.")
    return F.one_hot(y.long(), num_classes).to(like.dtype)


def _refine(channels: int, depth: int, norm: Callable[[int], nn.Module], act: Callable[[], nn.Module],
            bias: bool = False) -> nn.Sequential:
    """``depth`` blocks Conv(3, s1, same size) → norm → activation: more layers at one resolution."""
    layers = []
    for _ in range(depth):
        layers += [nn.Conv2d(channels, channels, 3, 1, 1, bias=bias), norm(channels), act()]
    return nn.Sequential(*layers)


class DCGANGenerator(nn.Module):
    """G: z (N, z_dim) [⊕ one-hot y] → Linear → 2w×7×7 → ConvT(4, s2) w×14×14 → ConvT(4, s2) 1×28×28, tanh;
    ``depth`` > 0 adds that many 3×3 conv blocks (BatchNorm, ReLU) at 7×7 and at 14×14."""

    def __init__(self, z_dim: int = 100, width: int = 64, num_classes: int = 0, depth: int = 0):
        super().__init__()
        self.z_dim, self.width, self.num_classes = z_dim, width, num_classes
        c = 2 * width
        self.project = nn.Sequential(nn.Linear(z_dim + num_classes, c * 7 * 7), nn.BatchNorm1d(c * 7 * 7),
                                     nn.ReLU(True))
        self.main = nn.Sequential(
            nn.ConvTranspose2d(c, width, 4, 2, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU(True),  # 14×14
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh(),                                          # 28×28
        )
        relu = lambda: nn.ReLU(True)  # noqa: E731
        self.refine7 = _refine(c, depth, nn.BatchNorm2d, relu) if depth else None
        self.refine14 = _refine(width, depth, nn.BatchNorm2d, relu) if depth else None
        self.apply(weights_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        onehot = _one_hot(y, self.num_classes, z)
        h = self.project(z if onehot is None else torch.cat([z, onehot], 1)).view(-1, 2 * self.width, 7, 7)
        if self.refine7 is None:
            return self.main(h)
        h = self.main[:3](self.refine7(h))
        return self.main[3:](self.refine14(h))


def _norm2d(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":  # LayerNorm over (C, H, W) per sample, as in WGAN-GP's critic (Gulrajani et al. 2017)
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class DCGANDiscriminator(nn.Module):
    """D: 1×28×28 → Conv(4, s2) w×14×14 → Conv(4, s2) 2w×7×7 [norm] → features φ(x) → logit (N, 1);
    ``depth`` > 0 adds that many 3×3 conv blocks (norm, LeakyReLU) at 14×14 and at 7×7.

    Conditional: logit = Linear(φ) + ⟨e(y), φ⟩ (projection discriminator, Miyato & Koyama 2018).
    ``aux_classes`` > 0 adds an auxiliary classifier (AC-GAN, Odena et al. 2017): class logits = Linear(φ(x)).
    """

    def __init__(self, width: int = 64, num_classes: int = 0, norm: str = "batch", depth: int = 0,
                 aux_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        c = 2 * width
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(0.2, True),                                  # 14×14
            nn.Conv2d(width, c, 4, 2, 1, bias=norm == "none"), _norm2d(norm, c), nn.LeakyReLU(0.2, True),  # 7×7
            nn.Flatten(),
        )
        lrelu = lambda: nn.LeakyReLU(0.2, True)  # noqa: E731
        refine = lambda ch: _refine(ch, depth, lambda n: _norm2d(norm, n), lrelu, bias=norm == "none")  # noqa: E731
        self.refine14 = refine(width) if depth else None
        self.refine7 = refine(c) if depth else None
        self.out = nn.Linear(c * 7 * 7, 1)
        self.embed = nn.Embedding(num_classes, c * 7 * 7) if num_classes else None
        self.aux = nn.Linear(c * 7 * 7, aux_classes) if aux_classes else None
        self.apply(weights_init)

    def _phi(self, x: torch.Tensor) -> torch.Tensor:
        if self.refine14 is None:
            return self.features(x)
        h = self.refine14(self.features[:2](x))
        return self.features[5](self.refine7(self.features[2:5](h)))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        phi = self._phi(x)
        return _projection_logit(self.out(phi), phi, self.embed, y)

    def forward_aux(self, x: torch.Tensor, y: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(real/fake logit (N, 1), auxiliary class logits (N, aux_classes)) from one pass over φ(x)."""
        if self.aux is None:
            raise ValueError("This discriminator has no auxiliary classifier.")
        phi = self._phi(x)
        return _projection_logit(self.out(phi), phi, self.embed, y), self.aux(phi)


def _projection_logit(logit: torch.Tensor, phi: torch.Tensor, embed: nn.Embedding | None,
                      y: torch.Tensor | None) -> torch.Tensor:
    """D(x, y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩ (projection discriminator, Miyato & Koyama 2018); ψ(φ) alone if
    unconditional."""
    if embed is None:
        return logit
    if y is None:
        raise ValueError("This class-conditional net needs labels y.")
    return logit + (embed(y.long()) * phi).sum(1, keepdim=True)


class MLPImageGenerator(nn.Module):
    """The seeds' fully connected G: z [⊕ one-hot y] → 256 → 512 → 784 (LeakyReLU 0.2, tanh) → 1×28×28."""

    def __init__(self, z_dim: int = 100, hidden=(256, 512), num_classes: int = 0):
        super().__init__()
        self.z_dim, self.num_classes = z_dim, num_classes
        self.net = nets.mlp(z_dim + num_classes, IMAGE_DIM, hidden, "leaky_relu", "tanh")

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        onehot = _one_hot(y, self.num_classes, z)
        return self.net(z if onehot is None else torch.cat([z, onehot], 1)).view(-1, *IMAGE_SHAPE)


class MLPImageDiscriminator(nn.Module):
    """The seeds' fully connected D: 784 → 512 → 256 (LeakyReLU 0.2) → logit; conditional by projection."""

    def __init__(self, hidden=(512, 256), num_classes: int = 0):
        super().__init__()
        self.num_classes = num_classes
        body = nets.mlp(IMAGE_DIM, 1, hidden, "leaky_relu")
        self.features, self.out = body[:-1], body[-1]
        self.embed = nn.Embedding(num_classes, hidden[-1]) if num_classes else None
        if self.embed is not None:
            nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        phi = self.features(x.flatten(1))
        return _projection_logit(self.out(phi), phi, self.embed, y)


def build_gan(spec: ImageGANSpec, seed: int | None = None) -> tuple[nn.Module, nn.Module]:
    """(G, D) for ``spec``; with ``seed`` the initial weights are reproducible (torch.manual_seed first)."""
    if seed is not None:
        torch.manual_seed(seed)
    k = spec.num_classes
    if spec.model == "dcgan":
        G = DCGANGenerator(spec.z_dim, spec.width, k, spec.depth)
        D = DCGANDiscriminator(spec.width, k, spec.d_norm, spec.depth, spec.aux_classes)
    else:
        G = MLPImageGenerator(spec.z_dim, spec.hidden_g, k)
        D = MLPImageDiscriminator(spec.hidden_d, k)
    if spec.spectral_norm:
        nets.apply_spectral_norm(D)
    return G, D


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def build_gan_meta(spec: ImageGANSpec) -> tuple[nn.Module, nn.Module]:
    """(G, D) for ``spec`` on PyTorch's "meta" device: every shape and dtype, no memory for the numbers — to size
    a net from a config before allocating it, or to load weights into (``load_state_dict(..., assign=True)``)."""
    with torch.device("meta"):
        return build_gan(spec)


def spec_size(spec: ImageGANSpec) -> int:
    """Numbers (parameters and buffers) in G and D together, counted on the meta device (nothing allocated)."""
    return sum(t.numel() for net in build_gan_meta(spec) for t in net.state_dict().values())


def build_trainer(data, spec: ImageGANSpec, config, fixed_n: int = 64):
    """The one :class:`ganviz.engine.trainer.Trainer` for an image GAN on ``data`` (an
    :class:`ganviz.images.data.ImageSet`).

    The nets are built from ``spec`` with ``config.seed`` (same seed, same run); the images are preloaded
    once as one tensor on the trainer's device (no DataLoader). Conditional specs train on (x, y) pairs.
    """
    from ganviz.engine.trainer import Trainer, resolve_device
    from ganviz.images.data import real_sampler

    classes = spec.num_classes or spec.aux_classes  # the labels a conditional G/D or D's classifier learns
    if classes and int(data.labels.max(initial=0)) >= classes:
        raise ValueError(f"The data has {int(data.labels.max()) + 1} classes but the model only {classes}.")
    G, D = build_gan(spec, seed=config.seed)
    device = resolve_device(config.device)
    sample_real = real_sampler(data.images, device, data.labels if classes else None)
    return Trainer(G, D, sample_real, config, z_dim=spec.z_dim, prior=spec.latent_prior(), fixed_n=fixed_n,
                   num_classes=spec.num_classes or None)


class GridTimeline:
    """Sample grids of G on fixed noise every ``every`` steps, bounded: when ``max_frames`` are held, every
    other frame is dropped and the interval doubles, so a long run stays scrubbable from start to end.

    Attach with :meth:`attach` (a Trainer metric hook, so frames land exactly on multiples of ``every``,
    in the training thread); read :meth:`frames` (a tuple copy) from a LiveRun view.
    """

    def __init__(self, every: int = 50, max_frames: int = 120, n: int = 64, nrow: int = 8):
        if every < 1 or max_frames < 4:
            raise ValueError("The timeline needs every ≥ 1 and max_frames ≥ 4.")
        self.every, self.max_frames, self.n, self.nrow = every, max_frames, n, nrow
        self._frames: list[tuple[int, "object"]] = []

    def capture(self, trainer) -> dict:
        from ganviz.images.data import make_grid
        step = trainer.step_count
        if step % self.every == 0:
            grid = make_grid(trainer.generate()[: self.n], self.nrow)
            grid.setflags(write=False)  # immutable: a worker sends each frame to the server once
            self._frames.append((step, grid))
            if len(self._frames) > self.max_frames:
                self.every *= 2
                self._frames = [f for f in self._frames if f[0] % self.every == 0]
        return {}

    def attach(self, trainer) -> "GridTimeline":
        """Record step 0 now, then every ``self.every`` steps (checked every base interval)."""
        self.capture(trainer)
        trainer.add_metric("timeline", self.capture, self.every)
        return self

    def frames(self) -> tuple:
        return tuple(self._frames)


class LiveImageRun:
    """The recipe of a live image run: :meth:`make_trainer` builds :func:`build_trainer` with a
    :class:`GridTimeline`, :meth:`view` gives ``{"grid": uint8 picture of G(fixed z), "timeline": ((step, grid),
    …), "nrow": int}``. Picklable, so a worker process rebuilds the same seeded run.

    Conditional runs sample 100 fixed z with labels 0..9 repeating, so each grid column is one class.
    ``quality`` (e.g. ``metrics.make_tracker(classifier, reference)``) is recorded every ``quality_every`` steps
    (history keys "IS" and "FID"). Each trainer gets a fresh timeline (reset: same seed, same run).
    """

    def __init__(self, data, spec: ImageGANSpec, config, timeline_every: int = 50, max_frames: int = 120,
                 quality=None, quality_every: int = 0):
        self.data, self.spec, self.config = data, spec, config
        self.timeline_every, self.max_frames = timeline_every, max_frames
        self.quality, self.quality_every = quality, quality_every
        self.nrow = 10 if spec.num_classes else 8
        self.fixed_n = self.nrow * self.nrow if spec.num_classes else 64
        self.timeline: GridTimeline | None = None

    def make_trainer(self):
        trainer = build_trainer(self.data, self.spec, self.config, fixed_n=self.fixed_n)
        self.timeline = GridTimeline(self.timeline_every, self.max_frames, n=self.fixed_n, nrow=self.nrow)
        self.timeline.attach(trainer)
        if self.quality is not None and self.quality_every > 0:
            trainer.add_metric("quality", self.quality, self.quality_every)
        return trainer

    def view(self, trainer) -> dict:
        from ganviz.images.data import make_grid
        return {"grid": make_grid(trainer.generate(), self.nrow), "timeline": self.timeline.frames(),
                "nrow": self.nrow}


def live_image_run(data, spec: ImageGANSpec, config, timeline_every: int = 50, max_frames: int = 120,
                   quality=None, quality_every: int = 0, process: bool = True):
    """A live run of :class:`LiveImageRun`: in a worker process (:class:`ganviz.engine.worker.WorkerRun`) or, with
    ``process=False``, a thread of this process (:class:`ganviz.engine.live.LiveRun`)."""
    from ganviz.engine.live import LiveRun
    from ganviz.engine.worker import WorkerRun

    recipe = LiveImageRun(data, spec, config, timeline_every, max_frames, quality, quality_every)
    return (WorkerRun if process else LiveRun)(recipe.make_trainer, recipe.view)


def checkpoint_zip(trainer, config: dict) -> bytes:
    """A live run's checkpoint zip (G as sampled — its EMA if kept — and D) at the trainer's step; picklable for
    :meth:`ganviz.engine.worker.WorkerRun.with_trainer`."""
    from ganviz.images import checkpoint
    return checkpoint.to_zip(trainer.sampling_G, trainer.D, {**config, "step": trainer.step_count})


@torch.no_grad()
def sample_grid(G: nn.Module, config: dict, seed: int = 0, n: int = 64):
    """A uint8 grid of G(z) for z ~ G's prior (N(0, I) or its mixture) drawn from ``seed`` (labels 0..K−1
    repeating if conditional)."""
    from ganviz.images.data import make_grid
    spec = ImageGANSpec.from_dict(config["model"])
    k = spec.num_classes
    n = 100 if k else n
    z = spec.latent_prior().sample(n, torch.Generator().manual_seed(seed))
    y = torch.arange(n) % k if k else None
    was = G.training
    G.eval()
    try:
        out = G(z, y) if k else G(z)
    finally:
        G.train(was)
    return make_grid(out, 10 if k else 8)
