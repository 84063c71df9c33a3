"""The saturation experiment (Goodfellow et al. 2014, §3): a 1-D GAN started from a confident D, trained with
each G loss from the same state, and the G-loss curves of :mod:`ganviz.engine.losses` with their autograd slopes.
log(1 − D(G(z))) saturates where D rejects the fakes; −log D(G(z)) does not. Runs on the one Trainer via
:func:`ganviz.onedim.theory_live.make_gan_trainer`."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from scipy import special

from ganviz.engine import losses
from ganviz.engine.trainer import Diverged
from ganviz.onedim import theory
from ganviz.onedim.theory_live import (
    N_GRID,
    GANSetup,
    make_gan_trainer,
    normalised,
    p_g_on_grid,
    single_threaded,
    w1_to_data,
)


# ----------------------------------------------------------------------------------------------------------
# A GAN started from a confident D, one run per G loss
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
    grid_x = theory.x_grid(-8.0, 8.0, N_GRID)
    p = normalised(grid_x, setup.gan("minimax").p_data().pdf(grid_x))
    runs: dict[str, SaturationRun] = {}
    pretrained: dict[str, dict] = {}  # the 2014 losses share D's loss, hence the same pre-trained state
    n, total = max(len(loss_names), 1), max(setup.pretrain_steps + setup.steps, 1)
    for k, loss in enumerate(loss_names):
        trainer = make_gan_trainer(setup.gan(loss))
        family = "2014" if loss in losses.PROBABILISTIC else loss
        w1_steps, w1s, gn, dfake, error = [], [], [], [], None
        d_fake_start, started = float("nan"), False

        def tick(done: int, text: str, k: int = k, loss: str = loss) -> None:
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
    grad: dict               # name -> d loss / d a (autograd, ganviz.engine.losses.g_loss_curve)


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
