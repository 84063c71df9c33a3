"""The one training loop of ganviz: Algorithm 1 of Goodfellow et al. 2014, with modern options.

One iteration = ``k`` discriminator steps, then ``g_steps`` generator steps. Losses come from
:mod:`ganviz.engine.losses`; remedies: PacGAN packing (Lin et al. 2018) and an unrolled D (Metz et al. 2017). A
generator
with a ``cycle_loss`` (a pair of translators, :mod:`ganviz.beyond.cyclegan`) adds ``cycle_weight`` × that term to G's
loss (CycleGAN, Zhu et al. 2017).
Every page, the CLI, the benchmarks and the tests drive this same :class:`Trainer`, configured by a frozen
:class:`TrainConfig`. The noise prior is in :mod:`ganviz.engine.priors`, the device and threads in
:mod:`ganviz.engine.device`.
"""
from __future__ import annotations

import copy
import inspect
import math
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields, replace
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ganviz.engine import losses
from ganviz.engine.device import channels_last, cpu_threads_for, resolve_device
from ganviz.engine.history import History
from ganviz.engine.monitor import Event, Monitor
from ganviz.engine.nets import pack
from ganviz.engine.priors import LatentPrior

OPTIMIZERS = ("adam", "sgd", "rmsprop")
_OPTIMIZER_NAMES = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}
#: Settings a running game may change without new nets.
LIVE_FIELDS = ("loss", "optimizer", "lr_g", "lr_d", "betas", "momentum", "k", "g_steps", "batch_size",
               "gp_weight", "clip", "unroll", "decay_start", "decay_steps", "cycle_weight")
LR_FLOOR = 1e-3  # a decayed learning rate never goes below this fraction of its value (Adam stays defined)


@dataclass(frozen=True)
class TrainConfig:
    loss: str = "nonsaturating"
    optimizer: str = "adam"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple = (0.5, 0.999)
    momentum: float = 0.9
    k: int = 1
    g_steps: int = 1
    batch_size: int = 64
    gp_weight: float = 10.0
    clip: float = 0.01
    pack: int = 1
    unroll: int = 0
    ema: float = 0.0
    aux_weight: float = 1.0
    cycle_weight: float = 0.0
    decay_start: int = 0
    decay_steps: int = 0
    seed: int = 0
    device: str = "auto"
    amp: bool = False
    compile: bool = False
    history_len: int = 20_000

    def __post_init__(self):
        losses.check_loss(self.loss)
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"Unknown optimizer {self.optimizer!r}; choose one of {', '.join(OPTIMIZERS)}.")
        for name in ("lr_g", "lr_d"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value}.")
        if self.k < 1 or self.g_steps < 1:
            raise ValueError("k and g_steps must be at least 1.")
        if self.batch_size < 2:
            raise ValueError("The batch size must be at least 2.")
        if self.decay_start < 0 or self.decay_steps < 0:
            raise ValueError("The learning-rate decay's start and length must be 0 or more steps.")
        if not (math.isfinite(self.aux_weight) and self.aux_weight >= 0):
            raise ValueError(f"The auxiliary classifier's weight must be 0 or more, got {self.aux_weight}.")
        if not (math.isfinite(self.cycle_weight) and self.cycle_weight >= 0):
            raise ValueError(f"The cycle-consistency weight must be 0 or more, got {self.cycle_weight}.")
        if not 0.0 <= self.ema < 1.0:
            raise ValueError(f"The EMA decay must be in [0, 1), got {self.ema}.")
        if self.pack < 1 or self.batch_size % self.pack:
            raise ValueError(f"The batch size ({self.batch_size}) must be a multiple of the packing degree "
                             f"({self.pack}).")

    def lr_factor(self, step: int) -> float:
        """Both learning rates' multiplier at ``step``: 1 until ``decay_start``, then linear down to LR_FLOOR over
        ``decay_steps`` steps, and LR_FLOOR after (no decay when ``decay_steps`` is 0)."""
        if not self.decay_steps or step <= self.decay_start:
            return 1.0
        return max(LR_FLOOR, 1.0 - (step - self.decay_start) / self.decay_steps)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        d = {k: v for k, v in d.items() if k in known}
        if "betas" in d:
            d["betas"] = tuple(d["betas"])
        return cls(**d)


class Diverged(RuntimeError):
    """A loss became NaN or infinite; the message says which loss, how, when and at what settings, in words (it
    never prints nan or inf), and what to change."""


def _grad_norm(params: list[torch.Tensor]) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


class Trainer:
    """Alternating GAN training (Algorithm 1). See ENGINE docs in the README for the fields."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module,
                 sample_real: Callable[[int, torch.Generator], torch.Tensor], config: TrainConfig,
                 z_dim: int, prior: str | LatentPrior = "normal", fixed_n: int = 512, num_classes: int | None = None,
                 monitor_every: int = 50):
        # p_z: a LatentPrior by name, or any object with kind, z_dim and sample(n, generator) (CycleGAN's domains)
        self.latent = LatentPrior(prior, z_dim, seed=config.seed) if isinstance(prior, str) else prior
        if self.latent.z_dim != z_dim:
            raise ValueError(f"The prior is {self.latent.z_dim}-dimensional but z_dim is {z_dim}.")
        self.config = config
        self.device = resolve_device(config.device)
        self.G = channels_last(generator.to(self.device))
        self.D = channels_last(discriminator.to(self.device))
        self.aux_classifier = getattr(discriminator, "aux", None) is not None  # see _d_update / _g_update
        self.cycle_consistent = callable(getattr(generator, "cycle_loss", None))  # see _g_update
        self._check_cycle(config)
        if self.aux_classifier and config.pack > 1:
            raise ValueError("An auxiliary classifier does not work with packing.")
        self.sample_real = sample_real
        self.z_dim, self.prior, self.num_classes = z_dim, self.latent.kind, num_classes
        self.rng = torch.Generator().manual_seed(config.seed)
        self.fixed_z = self.sample_z(fixed_n)
        self.fixed_y = torch.arange(fixed_n) % num_classes if num_classes else None
        self._g_fwd = torch.compile(self.G) if config.compile and self.device.type == "cuda" else self.G
        self._d_fwd = torch.compile(self.D) if config.compile and self.device.type == "cuda" else self.D
        self._d_fwd_g = self._d_fwd  # D as G's step calls it (never through DistributedDataParallel)
        self.rank, self.world_size = 0, 1  # see distribute()
        self._build_optimizers()
        self._set_lrs(config.lr_factor(1))
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False) if config.ema > 0 else None
        n_params = sum(p.numel() for p in (*self.G.parameters(), *self.D.parameters()))
        self.cpu_threads = cpu_threads_for(n_params) if self.device.type == "cpu" else None
        self.history = History(config.history_len)
        self.monitor = Monitor(monitor_every)
        self.events: list[Event] = []
        self.step_count = 0
        self._metrics: list[tuple[str, Callable, int]] = []
        self._reuse: tuple | None = None
        self.tap: Callable[[str, dict], None] | None = None  # sees each D and G step's tensors (ganviz.plane.slowmo)

    # ---- set-up -------------------------------------------------------------------------------
    def _optimizer(self, params, lr: float) -> torch.optim.Optimizer:
        """Adam / SGD+momentum / RMSprop; the fused kernels where torch has them (3× faster steps on CPU)."""
        c = self.config
        params = list(params)
        if c.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)
        make = (lambda **kw: torch.optim.Adam(params, lr=lr, betas=tuple(c.betas), **kw)) if c.optimizer == "adam" \
            else (lambda **kw: torch.optim.SGD(params, lr=lr, momentum=c.momentum, **kw))
        try:
            return make(fused=True)
        except (RuntimeError, TypeError, ValueError):  # no fused kernel for this device or dtype
            return make()

    def _build_optimizers(self) -> None:
        self.opt_g = self._optimizer(self.G.parameters(), self.config.lr_g)
        self.opt_d = self._optimizer(self.D.parameters(), self.config.lr_d)
        self._d_params = [p for p in self.D.parameters() if p.requires_grad]
        self._g_params = [p for p in self.G.parameters() if p.requires_grad]

    def update(self, **changes) -> None:
        """Apply live changes (lr, loss, k, …, see LIVE_FIELDS); new optimizer kind or betas rebuild it."""
        bad = set(changes) - set(LIVE_FIELDS)
        if bad:
            raise ValueError(f"{', '.join(sorted(bad))} cannot change during a run; reset with new settings.")
        old, new = self.config, replace(self.config, **changes)
        self._check_cycle(new)
        self.config = new
        if (new.optimizer, tuple(new.betas), new.momentum) != (old.optimizer, tuple(old.betas), old.momentum):
            self._build_optimizers()
        self._set_lrs(new.lr_factor(self.step_count + 1))

    def _check_cycle(self, config: TrainConfig) -> None:
        if config.cycle_weight > 0 and not self.cycle_consistent:
            raise ValueError("A cycle-consistency weight needs a generator pair with a cycle loss "
                             "(ganviz.beyond.cyclegan).")

    def _set_lrs(self, factor: float) -> None:
        self._lr_factor = factor
        for opt, lr in ((self.opt_g, self.config.lr_g), (self.opt_d, self.config.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * factor

    def add_metric(self, name: str, fn: Callable[["Trainer"], float | dict], every: int) -> None:
        """Record ``fn(trainer)`` (a float, or a dict of floats) in the history every ``every`` steps."""
        self._metrics.append((name, fn, every))

    def distribute(self, rank: int, world_size: int, sync_batchnorm: bool = False) -> None:
        """Data-parallel training over ``world_size`` processes (torch.distributed initialised, e.g. by torchrun).

        G and D are wrapped separately in DistributedDataParallel (gradients averaged over the processes; D's
        forward in G's step stays unwrapped, as D's weights get no gradient there). ``config.batch_size`` stays the
        global batch: every process draws it from the same seeded generator and trains on its 1/world_size slice,
        so the processes together see exactly a single process's minibatches, and the recorded losses are the
        global batch's means. BatchNorm normalises each process's slice unless ``sync_batchnorm`` (CUDA only:
        torch's SyncBatchNorm), which normalises over the global batch. Call before the first step."""
        from torch.nn.parallel import DistributedDataParallel as DDP
        c = self.config
        if self.step_count:
            raise ValueError("Distribute a run before its first step.")
        if world_size < 1 or not 0 <= rank < world_size:
            raise ValueError(f"Rank {rank} is not one of {world_size} processes.")
        if c.batch_size % world_size or (c.batch_size // world_size) % c.pack or c.batch_size // world_size < 2:
            raise ValueError(f"The batch size ({c.batch_size}) must split into {world_size} equal parts of at least 2 "
                             "(each a multiple of the packing degree).")
        if sync_batchnorm:
            if self.device.type != "cuda":
                raise ValueError("SyncBatchNorm needs CUDA devices; on CPUs BatchNorm stays per process.")
            self.G = nn.SyncBatchNorm.convert_sync_batchnorm(self.G)
            self.D = nn.SyncBatchNorm.convert_sync_batchnorm(self.D)
            self._build_optimizers()
            self._set_lrs(c.lr_factor(1))
            if self.G_ema is not None:
                self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        ids = [self.device.index if self.device.index is not None else torch.cuda.current_device()] \
            if self.device.type == "cuda" else None
        # BatchNorm's running statistics stay each process's own (no broadcast in every forward)
        quiet = {"forward_sync_buffers": False} if "forward_sync_buffers" in inspect.signature(DDP).parameters \
            else {"broadcast_buffers": False}
        g, d = (DDP(net, device_ids=ids, **quiet) for net in (self.G, self.D))
        compiled = c.compile and self.device.type == "cuda"
        self._g_fwd, self._d_fwd = (torch.compile(g), torch.compile(d)) if compiled else (g, d)
        self._d_fwd_g = torch.compile(self.D) if compiled else self.D
        self.rank, self.world_size = rank, world_size

    # ---- sampling -----------------------------------------------------------------------------
    def sample_z(self, n: int) -> torch.Tensor:
        """z ~ p_z (:class:`LatentPrior`) from the run's seeded generator (on CPU, so every device agrees)."""
        return self.latent.sample(n, self.rng)

    def _labels(self, n: int) -> torch.Tensor | None:
        if not self.num_classes:
            return None
        return torch.randint(self.num_classes, (n,), generator=self.rng).to(self.device)

    def _real(self, n: int):
        batch = self.sample_real(n, self.rng)
        if isinstance(batch, (tuple, list)):
            return batch[0].to(self.device, non_blocking=True), batch[1].to(self.device)
        return batch.to(self.device, non_blocking=True), None

    def _G(self, z, y):
        return self._g_fwd(z) if y is None else self._g_fwd(z, y)

    def _D(self, x, y, g_step: bool = False):
        m = self.config.pack
        fwd = self._d_fwd_g if g_step else self._d_fwd
        if y is None:
            return fwd(pack(x, m))
        return fwd(pack(x, m), y[::m])

    def _shard(self, t: torch.Tensor | None) -> torch.Tensor | None:
        """This process's slice of a global batch (all of it in a single process)."""
        if self.world_size == 1 or t is None:
            return t
        n = t.shape[0] // self.world_size
        return t[self.rank * n:(self.rank + 1) * n]

    def _D_aux(self, x, y):
        """(D's logit, its auxiliary classifier's class logits) from one pass over D's features."""
        out, classes = self.D.forward_aux(x, y)
        return out.float(), classes.float()

    def _autocast(self):
        if self.config.amp and self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return nullcontext()

    @property
    def sampling_G(self) -> nn.Module:
        """The generator users see and checkpoints keep: the EMA copy when ``config.ema`` > 0, else G."""
        return self.G if self.G_ema is None else self.G_ema

    @torch.no_grad()
    def generate(self, z: torch.Tensor | None = None, y: torch.Tensor | None = None) -> torch.Tensor:
        """sampling_G(z) in eval mode (BatchNorm running stats), on CPU; default z = the fixed noise."""
        if z is None:
            z, y = self.fixed_z, self.fixed_y
        z, y = z.to(self.device), None if y is None else y.to(self.device)
        if self.G_ema is not None:
            return (self.G_ema(z) if y is None else self.G_ema(z, y)).float().cpu()
        was = self.G.training
        self.G.eval()
        try:
            out = self._G(z, y)
        finally:
            self.G.train(was)
        return out.float().cpu()

    @torch.no_grad()
    def discriminate(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """D's output as shown to users (σ(a) for the 2014 losses, else the raw score), on CPU."""
        was = self.D.training
        self.D.eval()
        try:
            out = self._D(x.to(self.device), None if y is None else y.to(self.device))
        finally:
            self.D.train(was)
        return losses.d_output_to_prob(self.config.loss, out.float()).cpu()

    # ---- Algorithm 1 --------------------------------------------------------------------------
    def _check(self, name: str, value: torch.Tensor) -> None:
        if not torch.isfinite(value).all():
            c = self.config
            what = "overflowed" if bool(torch.isinf(value).any()) else "became undefined (0/0 or ∞ − ∞)"
            fix = "lower the learning rate" + ("" if c.optimizer == "adam" else " or switch to Adam")
            raise Diverged(f"The {name} loss diverged: it {what} at step {self.step_count} ({c.loss} loss, "
                           f"{_OPTIMIZER_NAMES.get(c.optimizer, c.optimizer)}, lr_d {c.lr_d:g}, lr_g {c.lr_g:g}) — "
                           f"{fix}, and reset.")

    def _d_update(self, keep_fake: bool = False) -> dict:
        c = self.config
        n = c.batch_size
        real, labels = self._real(n)
        real, labels = self._shard(real), self._shard(labels)  # distributed: this rank's part of the global batch
        if self.aux_classifier and labels is None:
            raise ValueError("An auxiliary classifier needs the real images' labels.")
        y_real = labels if self.num_classes else None  # what a conditional D and G see
        # conditional: fakes get the real batch's labels (the data's class balance; GP pairs match)
        z, y_fake = self._shard(self.sample_z(n)).to(self.device, non_blocking=True), y_real
        with self._autocast():
            if keep_fake:  # this fake is reused by the next G step (as pytorch/examples dcgan does)
                fake = self._G(z, y_fake)
                self._reuse = (fake, y_fake, z)
            else:
                with torch.no_grad():
                    fake = self._G(z, y_fake)
            if self.aux_classifier:  # D's classifier C learns the real images' labels — real images only: the
                # original AC-GAN also fits C to fakes, which pulls G toward easy-to-classify samples (Shu et al. 2017)
                out_real, classes_real = self._D_aux(real, y_real)
                aux_real = F.cross_entropy(classes_real, labels)
            else:
                out_real = self._D(real, y_real).float()
            out_fake = self._D(fake.detach(), y_fake).float()
            loss = losses.d_loss(c.loss, out_real, out_fake)
            if self.aux_classifier:
                loss = loss + c.aux_weight * aux_real
            if c.loss == "wgan-gp":
                gp = losses.gradient_penalty(lambda x: self._D(x, y_real).float(), real, fake.detach(), self.rng)
                loss = loss + c.gp_weight * gp
        self._check("discriminator", loss)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = _grad_norm(self._d_params)
        self.opt_d.step()
        if c.loss == "wgan":
            with torch.no_grad():
                for p in self._d_params:
                    p.clamp_(-c.clip, c.clip)
        # D(x), D(G(z)) as users read them: mean σ(a) for the 2014 losses, mean raw score for critics
        d_real = losses.d_output_to_prob(c.loss, out_real.detach()).mean()
        d_fake = losses.d_output_to_prob(c.loss, out_fake.detach()).mean()
        out = {"loss_d": loss.detach(), "d_real": d_real, "d_fake": d_fake, "grad_norm_d": grad_norm}
        if self.tap is not None:
            self.tap("d", {**out, "z": z, "real": real, "fake": fake.detach(), "out_real": out_real.detach(),
                           "out_fake": out_fake.detach()})
        if self.aux_classifier:
            out["aux_real"] = aux_real.detach()
        return out

    def _g_update(self) -> dict:
        c = self.config
        backup = self._unroll() if c.unroll > 0 else None
        reused = self._reuse is not None
        if reused and backup is None:
            fake, y_fake, z = self._reuse
        else:
            n = c.batch_size
            z, y_fake = self._shard(self.sample_z(n)).to(self.device, non_blocking=True), self._shard(self._labels(n))
            with self._autocast():
                fake = self._G(z, y_fake)
        self._reuse = None
        for p in self._d_params:  # D's weights need no gradient in G's step
            p.requires_grad_(False)
        try:
            with self._autocast():
                if self.aux_classifier:
                    out_fake, classes_fake = self._D_aux(fake, y_fake)
                    aux_fake = losses.generator_class_term(classes_fake, y_fake)
                    loss = losses.g_loss(c.loss, out_fake) + c.aux_weight * aux_fake
                else:
                    out_fake = self._D(fake, y_fake, g_step=True).float()
                    loss = losses.g_loss(c.loss, out_fake)
                if self.cycle_consistent:  # recorded at weight 0 too, as the run's cycle error
                    with nullcontext() if c.cycle_weight > 0 else torch.no_grad():
                        cycle = self.G.cycle_loss(z, fake)
                    if c.cycle_weight > 0:
                        loss = loss + c.cycle_weight * cycle
            self._check("generator", loss)
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            for p in self._d_params:
                p.requires_grad_(True)
            if backup is not None:
                self.D.load_state_dict(backup[0])
                self.opt_d.load_state_dict(backup[1])
        grad_norm = _grad_norm(self._g_params)
        self.opt_g.step()
        if self.G_ema is not None:
            self._update_ema()
        out = {"loss_g": loss.detach(), "grad_norm_g": grad_norm}
        if self.tap is not None:
            self.tap("g", {**out, "z": z, "fake": fake.detach(), "out_fake": out_fake.detach(),
                           "reused": backup is None and reused})
        if self.aux_classifier:
            out["aux_fake"] = aux_fake.detach()
        if self.cycle_consistent:
            out["loss_cycle"] = cycle.detach()
        return out

    @torch.no_grad()
    def _update_ema(self) -> None:
        """θ_ema ← β θ_ema + (1 − β) θ_G after each G step, β = min(ema, (1 + t)/(10 + t)) so early samples are not
        dominated by the random init (Yazıcı et al. 2019, "The unusual effectiveness of averaging in GAN training";
        warm-up as TensorFlow's ExponentialMovingAverage). BatchNorm running statistics are copied, not averaged."""
        t = self.step_count
        beta = min(self.config.ema, (1 + t) / (10 + t))
        torch._foreach_lerp_(list(self.G_ema.parameters()), list(self.G.parameters()), 1.0 - beta)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
            b_ema.copy_(b)

    def _unroll(self):
        """Metz et al. 2017: G's loss sees D after ``unroll`` extra D steps; D is then restored.
        (First-order variant: gradients do not flow through the unrolled updates.)"""
        backup = (copy.deepcopy(self.D.state_dict()), copy.deepcopy(self.opt_d.state_dict()))
        for _ in range(self.config.unroll):
            self._d_update()
        return backup

    def d_step(self) -> dict:
        """One discriminator step only (e.g. the D* page, or the "Step D" button)."""
        return self._finish(self._d_update())

    def g_step(self) -> dict:
        """One generator step only."""
        return self._finish(self._g_update())

    def step(self) -> dict:
        """One iteration of Algorithm 1: k D-steps (the last keeps its fake for G), then g_steps G-steps, at the
        learning rates of ``config.lr_factor`` for this step."""
        c = self.config
        factor = c.lr_factor(self.step_count + 1)
        if factor != self._lr_factor:
            self._set_lrs(factor)
        reuse = c.unroll == 0
        for i in range(c.k):
            d = self._d_update(keep_fake=reuse and i == c.k - 1)
        for _ in range(c.g_steps):
            d.update(self._g_update())
        return self._finish(d)

    def _finish(self, out: dict) -> dict:
        self.step_count += 1
        names = list(out)
        values = torch.stack([v.float().reshape(()) for v in out.values()])
        if self.world_size > 1:  # the global batch's means (equal shards: the mean of the ranks' means)
            torch.distributed.all_reduce(values)
            values = values / self.world_size
        values = values.tolist()
        rec = dict(zip(names, values, strict=True))
        prob = self.config.loss in losses.PROBABILISTIC
        for name, fn, every in self._metrics:
            if self.step_count % every == 0:
                value = fn(self)
                rec.update(value if isinstance(value, dict) else {name: float(value)})
        self.history.record(self.step_count, rec)
        new = self.monitor.check(self.step_count, self.history, prob)
        self.events.extend(new)
        return rec

    # ---- checkpoints --------------------------------------------------------------------------
    def state_dict(self) -> dict:
        state = {"G": self.G.state_dict(), "D": self.D.state_dict(), "opt_g": self.opt_g.state_dict(),
                 "opt_d": self.opt_d.state_dict(), "step": self.step_count, "rng": self.rng.get_state()}
        if self.G_ema is not None:
            state["G_ema"] = self.G_ema.state_dict()
        return state

    def warm_start(self, G: nn.Module, D: nn.Module | None) -> None:
        """Start from another run's weights (fine-tuning, e.g. a longer run with a learning-rate decay): G's
        (and the EMA's) and D's parameters and buffers are copied from nets of the same architecture, and the
        optimizers start afresh (the step count and the lr schedule go on from this run's). ValueError when the
        shapes or names differ — except that a D without an auxiliary classifier may start a D with one (the
        classifier head then keeps its own initialisation)."""
        pairs = [(G, self.G, "generator")] + ([] if D is None else [(D, self.D, "discriminator")])
        if self.G_ema is not None:
            pairs.append((G, self.G_ema, "generator"))
        for src, dst, what in pairs:
            try:
                state = {k: v.to(self.device) for k, v in src.state_dict().items()}
                result = dst.load_state_dict(state, strict=False)
                missing = [k for k in result.missing_keys if not (dst is self.D and k.startswith("aux."))]
                if missing or result.unexpected_keys:
                    raise RuntimeError(f"missing {missing}, unexpected {result.unexpected_keys}")
            except RuntimeError as err:
                raise ValueError(f"The warm-start {what} does not match this run's {what}: {err}") from None
        self._build_optimizers()
        self._set_lrs(self.config.lr_factor(self.step_count + 1))

    def load_state_dict(self, state: dict) -> None:
        self.G.load_state_dict(state["G"])
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state.get("G_ema", state["G"]))
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.step_count = int(state["step"])
        self.rng.set_state(state["rng"])
        self._set_lrs(self.config.lr_factor(self.step_count + 1))
