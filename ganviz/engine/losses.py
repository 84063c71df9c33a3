"""GAN losses as pure functions of the discriminator's raw output (logit or critic score).

Conventions: D maps x to a raw score ``a``. For the 2014 losses D(x) = σ(a). Each ``d_loss`` is what D
*minimises*; each ``g_loss`` is what G minimises. :func:`generator_class_term` is G's extra term from D's auxiliary
classifier (AC-GAN / CatGAN).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("minimax", "nonsaturating", "lsgan", "wgan", "wgan-gp", "hinge")

LOSS_LABELS = {
    "minimax": "Minimax (saturating) — Goodfellow 2014",
    "nonsaturating": "Non-saturating — Goodfellow 2014",
    "lsgan": "Least squares — Mao et al. 2017",
    "wgan": "WGAN, weight clipping — Arjovsky et al. 2017",
    "wgan-gp": "WGAN-GP — Gulrajani et al. 2017",
    "hinge": "Hinge — Lim & Ye 2017, Miyato et al. 2018",
}

#: Losses whose D output is a probability after a sigmoid (the others are critics / raw scores).
PROBABILISTIC = ("minimax", "nonsaturating")


def training_defaults(loss: str) -> dict:
    """The optimiser, Adam betas and D normalisation a loss is trained with unless a recipe or flag says otherwise.

    WGAN (weight clipping): RMSprop — momentum-based optimisers made the clipped critic unstable (Arjovsky et al.
    2017, §3). WGAN-GP: Adam with β = (0, 0.9), and no BatchNorm in the critic, whose gradient penalty is per
    sample — layer normalisation instead (Gulrajani et al. 2017, Algorithm 1 and §4). Otherwise Adam with
    β = (0.5, 0.999) and BatchNorm (Radford et al. 2016).
    """
    check_loss(loss)
    return {"optimizer": "rmsprop" if loss == "wgan" else "adam",
            "beta1": 0.0 if loss == "wgan-gp" else 0.5,
            "beta2": 0.9 if loss == "wgan-gp" else 0.999,
            "d_norm": "layer" if loss == "wgan-gp" else "batch"}


def check_loss(name: str) -> str:
    if name not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.")
    return name


def d_loss(name: str, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """Discriminator loss (minimised).

    minimax / non-saturating: −E[log σ(a_real)] − E[log(1 − σ(a_fake))]  (−V(D, G), Goodfellow 2014)
    lsgan:  ½E[(a_real − 1)²] + ½E[a_fake²]                              (Mao et al. 2017)
    wgan, wgan-gp: E[a_fake] − E[a_real]                                 (Arjovsky et al. 2017)
    hinge:  E[relu(1 − a_real)] + E[relu(1 + a_fake)]                    (Lim & Ye 2017)
    """
    check_loss(name)
    if name in PROBABILISTIC:
        # −log σ(a) = softplus(−a);  −log(1 − σ(a)) = softplus(a): stable for any a.
        return F.softplus(-real_out).mean() + F.softplus(fake_out).mean()
    if name == "lsgan":
        return 0.5 * ((real_out - 1) ** 2).mean() + 0.5 * (fake_out**2).mean()
    if name in ("wgan", "wgan-gp"):
        return fake_out.mean() - real_out.mean()
    return F.relu(1 - real_out).mean() + F.relu(1 + fake_out).mean()


def g_loss(name: str, fake_out: torch.Tensor) -> torch.Tensor:
    """Generator loss (minimised), per element then averaged; see :func:`g_loss_elementwise`."""
    return g_loss_elementwise(name, fake_out).mean()


def g_loss_elementwise(name: str, a: torch.Tensor) -> torch.Tensor:
    """Generator loss for each fake's score ``a``.

    minimax (saturating):  log(1 − σ(a))      d/da = −σ(a)       → 0 when D rejects (σ(a) → 0)
    non-saturating:        −log σ(a)          d/da = −(1 − σ(a)) → −1 there     (Goodfellow 2014 §3)
    lsgan:                 ½(a − 1)²                                             (Mao et al. 2017)
    wgan, wgan-gp, hinge:  −a                                                    (Arjovsky 2017; Lim & Ye 2017)
    """
    check_loss(name)
    if name == "minimax":
        return -F.softplus(a)  # log(1 − σ(a)) = −softplus(a)
    if name == "nonsaturating":
        return F.softplus(-a)  # −log σ(a)
    if name == "lsgan":
        return 0.5 * (a - 1) ** 2
    return -a


def g_loss_curve(name: str, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The G loss at each logit and its derivative d loss / d a, by autograd (for the theory plots)."""
    a = logits.detach().clone().requires_grad_(True)
    loss = g_loss_elementwise(name, a)
    (grad,) = torch.autograd.grad(loss.sum(), a)
    return loss.detach(), grad


def d_output_to_prob(name: str, out: torch.Tensor) -> torch.Tensor:
    """What to show as "D(x)": σ(a) for the 2014 losses, the raw score for LSGAN/WGAN/hinge critics."""
    return torch.sigmoid(out) if name in PROBABILISTIC else out


def gradient_penalty(
    discriminator, real: torch.Tensor, fake: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """WGAN-GP penalty E[(‖∇_x̂ D(x̂)‖₂ − 1)²], x̂ = ε·x + (1 − ε)·G(z), ε ~ U(0, 1) per sample.

    Gulrajani et al. 2017, Algorithm 1 (the caller multiplies by λ = 10).
    """
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=generator, device="cpu").to(real.device, real.dtype)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    out = discriminator(x_hat)
    (grad,) = torch.autograd.grad(out.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()


def generator_class_term(class_logits: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    """G's auxiliary-classifier term, from D's class logits on fakes.

    With asked labels y (AC-GAN, Odena et al. 2017): CE(C(G(z, y)), y). Unconditional (CatGAN's generator
    terms, Springenberg 2016): E_z H[C(G(z))] − H[E_z C(G(z))] over the batch — each picture surely one class, all
    classes equally often; it equals −log of the classifier's Inception Score of the batch, so it is ≥ −log K.
    """
    if y is not None:
        return F.cross_entropy(class_logits, y)
    log_p = F.log_softmax(class_logits.float(), 1)
    p = log_p.exp()
    conditional_entropy = -(p * log_p).sum(1).mean()
    marginal = p.mean(0)
    marginal_entropy = -(marginal * marginal.clamp_min(1e-12).log()).sum()
    return conditional_entropy - marginal_entropy
