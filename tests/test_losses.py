"""Each loss against its formula (Goodfellow et al. 2014), gradients against torch.autograd and closed forms."""
import math

import pytest
import torch

from ganviz.engine import losses
from ganviz.engine.nets import mlp

A = torch.tensor([-6.0, -2.0, -0.5, 0.0, 0.7, 3.0], dtype=torch.float64)
B = torch.tensor([-1.0, 0.2, 2.5, -4.0], dtype=torch.float64)


def sig(a):
    return 1 / (1 + torch.exp(-a))


@pytest.mark.parametrize("name", ["minimax", "nonsaturating"])
def test_d_loss_is_minus_value(name):
    # −V(D,G) = −E log D(x) − E log(1 − D(G(z))), D = σ(a)
    expected = -(torch.log(sig(A)).mean() + torch.log(1 - sig(B)).mean())
    assert losses.d_loss(name, A, B).item() == pytest.approx(expected.item(), rel=1e-12)


def test_other_d_losses():
    want = 0.5 * ((A - 1) ** 2).mean() + 0.5 * (B**2).mean()
    assert losses.d_loss("lsgan", A, B).item() == pytest.approx(want.item())
    assert losses.d_loss("wgan", A, B).item() == pytest.approx((B.mean() - A.mean()).item())
    assert losses.d_loss("wgan-gp", A, B).item() == pytest.approx((B.mean() - A.mean()).item())
    hinge = torch.clamp(1 - A, min=0).mean() + torch.clamp(1 + B, min=0).mean()
    assert losses.d_loss("hinge", A, B).item() == pytest.approx(hinge.item())


def test_g_losses_values():
    assert losses.g_loss("minimax", B).item() == pytest.approx(torch.log(1 - sig(B)).mean().item(), rel=1e-12)
    assert losses.g_loss("nonsaturating", B).item() == pytest.approx(-torch.log(sig(B)).mean().item(), rel=1e-12)
    assert losses.g_loss("lsgan", B).item() == pytest.approx((0.5 * (B - 1) ** 2).mean().item())
    for name in ("wgan", "wgan-gp", "hinge"):
        assert losses.g_loss(name, B).item() == pytest.approx(-B.mean().item())


def test_saturation_gradients_closed_form():
    # d/da log(1 − σ(a)) = −σ(a); d/da −log σ(a) = −(1 − σ(a))   (Goodfellow et al. 2014)
    _, g_sat = losses.g_loss_curve("minimax", A)
    _, g_ns = losses.g_loss_curve("nonsaturating", A)
    torch.testing.assert_close(g_sat, -sig(A))
    torch.testing.assert_close(g_ns, -(1 - sig(A)))
    # confident rejection a = −6: saturating gradient vanishes, non-saturating stays near −1
    assert abs(g_sat[0].item()) < 0.003 and g_ns[0].item() < -0.99


def test_stable_at_extreme_logits():
    big = torch.tensor([-200.0, 200.0])
    for name in losses.LOSSES:
        assert torch.isfinite(losses.d_loss(name, big, big))
        assert torch.isfinite(losses.g_loss(name, big))


def test_unknown_loss_is_a_sentence():
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.d_loss("bogus", A, B)


def test_gradient_penalty_by_hand():
    # Linear D(x) = w·x + b: ∇D = w everywhere, so the penalty is exactly (‖w‖ − 1)².
    d = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        d.weight.copy_(torch.tensor([[2.0, -1.0, 2.0]]))  # ‖w‖ = 3
    real, fake = torch.randn(16, 3, dtype=torch.float64), torch.randn(16, 3, dtype=torch.float64)
    gp = losses.gradient_penalty(d, real, fake, torch.Generator().manual_seed(0))
    assert gp.item() == pytest.approx(4.0, rel=1e-12)


def test_gradient_penalty_matches_manual_autograd():
    torch.manual_seed(0)
    d = mlp(2, 1, (8,), "tanh").double()
    real, fake = torch.randn(5, 2, dtype=torch.float64), torch.randn(5, 2, dtype=torch.float64)
    gp = losses.gradient_penalty(d, real, fake, torch.Generator().manual_seed(3))
    eps = torch.rand((5, 1), generator=torch.Generator().manual_seed(3)).double()
    total = 0.0
    for i in range(5):
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).detach().requires_grad_(True)
        (g,) = torch.autograd.grad(d(x[None]).sum(), x)
        total += (g.norm().item() - 1) ** 2
    assert gp.item() == pytest.approx(total / 5, rel=1e-10)


def test_d_output_to_prob():
    assert losses.d_output_to_prob("nonsaturating", torch.tensor([0.0])).item() == 0.5
    assert losses.d_output_to_prob("wgan", torch.tensor([3.5])).item() == 3.5
    assert math.isclose(losses.d_output_to_prob("minimax", torch.tensor([math.log(3)])).item(), 0.75, rel_tol=1e-6)
