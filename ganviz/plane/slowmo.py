"""Slow motion: one iteration of Algorithm 1 (Goodfellow et al. 2014) walked through its sub-steps.

For each of the k discriminator steps: sample z and compute G(z); sample real x; D on both; the D loss; D's
gradient step. Then for the generator: its z; the G loss; G's gradient step. :func:`trace_iteration` runs the
Trainer's own ``step()`` with its ``tap`` set, so every number is the one the Trainer computed in that step;
it also records what the plot needs (D on the plane before and after each D step, the fakes before and after
G's step). :class:`SlowMotion` keeps the traced iterations to walk forward and back, user-paced, in the
page's own process (one 2-D iteration takes milliseconds), on its own copy of the run.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ganviz.engine import losses
from ganviz.engine.trainer import Trainer
from ganviz.plane.playground import d_on_plane, g_loss_gradient

KINDS = ("sample_z", "sample_x", "d_both", "d_loss", "d_step", "g_z", "g_loss", "g_step")
TITLES = {
    "sample_z": "Sample noise z and compute G(z)",
    "sample_x": "Sample real examples x",
    "d_both": "D on both",
    "d_loss": "The D loss",
    "d_step": "D's gradient step (the heatmap moves)",
    "g_z": "Noise for G's step",
    "g_loss": "The G loss",
    "g_step": "G's gradient step (the fakes move along the arrows)",
}
# Algorithm 1's terms, written for the probabilistic losses; the page shows the chosen loss's own formula
LATEX = {
    "sample_z": r"\{z^{(1)}, \dots, z^{(m)}\} \sim p_z(z),\quad \tilde x^{(i)} = G(z^{(i)})",
    "sample_x": r"\{x^{(1)}, \dots, x^{(m)}\} \sim p_{\text{data}}(x)",
    "d_both": r"\tfrac1m \textstyle\sum_i D(x^{(i)}),\quad \tfrac1m \sum_i D(G(z^{(i)}))",
    "d_loss": None,  # the chosen loss's L_D
    "d_step": r"\theta_d \leftarrow \theta_d - \eta_d\, \text{opt}(\nabla_{\theta_d} L_D)",
    "g_z": r"\{z^{(1)}, \dots, z^{(m)}\} \sim p_z(z)",
    "g_loss": None,  # the chosen loss's L_G
    "g_step": r"\theta_g \leftarrow \theta_g - \eta_g\, \text{opt}(\nabla_{\theta_g} L_G)",
}
#: The numbers' names as shown; "D(x)" is σ(a) for the 2014 losses, the raw critic score otherwise
LABELS = {"m": "batch size m", "mean ‖z‖": "mean ‖z‖", "d_real": "mean D(x)", "d_fake": "mean D(G(z))",
          "loss_d": "L_D", "grad_norm_d": "‖∇θ_d L_D‖", "lr_d": "η_d", "d_fake_g": "mean D(G(z))", "loss_g": "L_G",
          "grad_norm_g": "‖∇θ_g L_G‖", "lr_g": "η_g", "moved": "mean move ‖ΔG(z)‖"}
NOTES = {
    "sample_z": "A fresh minibatch of noise from the prior, pushed through the current G: the green points.",
    "sample_x": "A minibatch of real examples from the data: the black points.",
    "d_both": "D scores both batches; the heatmap is D's output on the whole plane.",
    "d_loss": "D's loss on the two batches: low when D says \"real\" on x and \"fake\" on G(z).",
    "d_step": "One optimizer step on D's weights (G held fixed): the heatmap has moved.",
    "g_z": "Algorithm 1 draws fresh noise for G's step.",
    "g_loss": "G's loss through the updated D; the arrows are −∂ℓ_G/∂x at each fake, where G pushes it.",
    "g_step": "One optimizer step on G's weights (D held fixed): each fake moves, roughly along its arrow.",
}
REUSED_NOTE = ("Algorithm 1 draws fresh noise for G's step; this Trainer reuses the last D step's z and G(z) "
               "(as pytorch/examples dcgan does): the same distribution, one G pass fewer.")


@dataclass
class SubStep:
    """One sub-step: its kind, which D step (1..k; 0 for G's), its numbers and what the plot shows."""
    kind: str
    d_index: int
    numbers: dict[str, float]
    title: str = ""


@dataclass
class Iteration:
    """One traced iteration: its sub-steps and the pictures (numpy) they point into.

    real[i], z[i], fake[i]: D step i's batch; d_grids[0]: D before the iteration, d_grids[i + 1]: after D step
    i; g_fake / g_fake_after: G's batch before and after G's step; g_arrows: −∂ℓ_G/∂x at g_fake."""
    step: int  # the step count after this iteration
    k: int
    loss: str
    substeps: list[SubStep]
    grid_axis: np.ndarray
    d_grids: list[np.ndarray]
    real: list[np.ndarray] = field(default_factory=list)
    fake: list[np.ndarray] = field(default_factory=list)
    g_fake: np.ndarray | None = None
    g_fake_after: np.ndarray | None = None
    g_arrows: np.ndarray | None = None
    g_reused: bool = False
    lookahead: int = 0
    record: dict = field(default_factory=dict)


def _f(t: torch.Tensor) -> float:
    return float(t.detach().float().reshape(()))


def trace_iteration(trainer: Trainer, extent: tuple[float, float], grid_n: int = 48) -> Iteration:
    """Run one ``trainer.step()`` (k D steps, then G) with its tap set, and return its sub-steps.

    The tap only reads: D on the plane and G(z) are evaluated in no-grad mode and draw no random numbers, so a
    traced step trains exactly as an untraced one. Unrolled-D look-ahead steps (Metz et al. 2017) are counted
    but not shown as sub-steps (D is restored after them)."""
    c = trainer.config
    axis, grid0 = d_on_plane(trainer, extent, grid_n)
    it = Iteration(step=trainer.step_count + 1, k=c.k, loss=c.loss, substeps=[], grid_axis=axis, d_grids=[grid0])
    d_seen = [0]

    def tap(kind: str, t: dict) -> None:
        if kind == "d":
            d_seen[0] += 1
            i = d_seen[0]
            if i > c.k:  # an unrolling look-ahead step inside G's step
                it.lookahead += 1
                return
            it.real.append(t["real"].detach().cpu().numpy())
            it.fake.append(t["fake"].detach().float().cpu().numpy())
            it.d_grids.append(d_on_plane(trainer, extent, grid_n)[1])
            it.substeps += [
                SubStep("sample_z", i, {"m": float(len(t["z"])), "mean ‖z‖": _f(t["z"].norm(dim=1).mean())}),
                SubStep("sample_x", i, {"m": float(len(t["real"]))}),
                SubStep("d_both", i, {"d_real": _f(t["d_real"]), "d_fake": _f(t["d_fake"])}),
                SubStep("d_loss", i, {"loss_d": _f(t["loss_d"])}),
                SubStep("d_step", i, {"grad_norm_d": _f(t["grad_norm_d"]),
                                      "lr_d": trainer.opt_d.param_groups[0]["lr"]}),
            ]
            return
        fake = t["fake"].detach().float()
        with torch.no_grad():
            after = trainer.generate(t["z"].detach()).numpy()
        it.g_fake = fake.cpu().numpy()
        it.g_fake_after = after
        it.g_arrows = -g_loss_gradient(trainer, fake).numpy()
        it.g_reused = bool(t["reused"])
        d_fake_g = _f(losses.d_output_to_prob(c.loss, t["out_fake"]).mean())
        moved = float(np.linalg.norm(after - it.g_fake, axis=1).mean())
        it.substeps += [
            SubStep("g_z", 0, {"m": float(len(t["z"]))}),
            SubStep("g_loss", 0, {"d_fake_g": d_fake_g, "loss_g": _f(t["loss_g"])}),
            SubStep("g_step", 0, {"grad_norm_g": _f(t["grad_norm_g"]), "lr_g": trainer.opt_g.param_groups[0]["lr"],
                                  "moved": moved}),
        ]

    trainer.tap = tap
    try:
        it.record = trainer.step()
    finally:
        trainer.tap = None
    for s in it.substeps:
        s.title = TITLES[s.kind] + (f" (D step {s.d_index} of {it.k})" if s.d_index and it.k > 1 else "")
    return it


class SlowMotion:
    """A user-paced walk through traced iterations of its own Trainer: ``forward()`` / ``back()`` move one
    sub-step (forward past the last one traces the next iteration), ``current()`` is (iteration, sub-step
    index). The last ``keep`` iterations stay walkable backwards."""

    def __init__(self, trainer: Trainer, extent: tuple[float, float], grid_n: int = 48, keep: int = 20):
        self.trainer, self.extent, self.grid_n, self.keep = trainer, extent, grid_n, keep
        self.start_step = trainer.step_count
        self.iterations: list[Iteration] = []
        self.pos = (-1, 0)  # (iteration index, sub-step index); -1: nothing traced yet

    def forward(self) -> None:
        i, s = self.pos
        if i >= 0 and s + 1 < len(self.iterations[i].substeps):
            self.pos = (i, s + 1)
        elif i + 1 < len(self.iterations):
            self.pos = (i + 1, 0)
        else:
            self.next_iteration()

    def next_iteration(self) -> None:
        """Trace a new iteration (or go to the start of the next traced one) and show its first sub-step."""
        i, _ = self.pos
        if i + 1 < len(self.iterations):
            self.pos = (i + 1, 0)
            return
        self.iterations.append(trace_iteration(self.trainer, self.extent, self.grid_n))
        if len(self.iterations) > self.keep:
            self.iterations.pop(0)
        self.pos = (len(self.iterations) - 1, 0)

    def back(self) -> None:
        i, s = self.pos
        if s > 0:
            self.pos = (i, s - 1)
        elif i > 0:
            self.pos = (i - 1, len(self.iterations[i - 1].substeps) - 1)

    def current(self) -> tuple[Iteration | None, int]:
        i, s = self.pos
        return (self.iterations[i], s) if i >= 0 else (None, 0)

    def goto(self, iteration_step: int, sub: int) -> None:
        """Show sub-step ``sub`` of the iteration that ends at ``iteration_step`` (tracing up to it)."""
        while not self.iterations or self.iterations[-1].step < iteration_step:
            self.next_iteration()
        for i, it in enumerate(self.iterations):
            if it.step == iteration_step:
                self.pos = (i, max(0, min(sub, len(it.substeps) - 1)))
                return
