"""The Trainer: Algorithm 1's step structure, seeding, live updates, remedies, NaN handling."""
import numpy as np
import pytest
import torch

from ganviz.engine import losses
from ganviz.engine.device import resolve_device, seed_all
from ganviz.engine.history import History, Series
from ganviz.engine.nets import MLPGenerator, pack
from ganviz.engine.trainer import Diverged, TrainConfig, Trainer
from tests.helpers import gaussian_2d, toy_trainer


def params(module):
    return [p.detach().clone() for p in module.parameters()]


def test_same_seed_same_run():
    a, b = toy_trainer(seed=7), toy_trainer(seed=7)
    for _ in range(25):
        a.step(), b.step()
    for p, q in zip(params(a.G) + params(a.D), params(b.G) + params(b.D), strict=True):
        assert torch.equal(p, q)
    ha, hb = a.history.arrays(), b.history.arrays()
    assert np.array_equal(ha["loss_d"][1], hb["loss_d"][1])
    assert torch.equal(a.generate(), b.generate())
    c = toy_trainer(seed=8)
    c.step()
    assert not torch.equal(a.fixed_z, c.fixed_z)


class Counter:
    def __init__(self, opt):
        self.n, inner = 0, opt.step

        def step(*args, **kw):
            self.n += 1
            return inner(*args, **kw)
        opt.step = step


@pytest.mark.parametrize("k,g_steps", [(1, 1), (3, 1), (2, 2)])
def test_one_iteration_is_k_d_steps_then_g_steps(k, g_steps):
    t = toy_trainer(k=k, g_steps=g_steps)
    cd, cg = Counter(t.opt_d), Counter(t.opt_g)
    t.step()
    assert (cd.n, cg.n, t.step_count) == (k, g_steps, 1)


@pytest.mark.parametrize("loss", losses.LOSSES)
def test_g_step_descends_the_selected_loss(loss):
    """One SGD G-step moves θ_g by exactly −lr·∇θ_g g_loss(D(G(z))) for the z it drew; D is untouched."""
    t = toy_trainer(loss=loss, optimizer="sgd", momentum=0.0, lr_g=0.1)
    g0, d0 = params(t.G), params(t.D)
    state = t.rng.get_state()
    z = t.sample_z(32)
    t.rng.set_state(state)
    ref = [p.detach().clone().requires_grad_(True) for p in t.G.parameters()]
    fake = torch.func.functional_call(t.G, dict(zip([n for n, _ in t.G.named_parameters()], ref, strict=True)), (z,))
    (losses.g_loss(loss, t.D(fake))).backward()
    t.g_step()
    for p0, p1, r in zip(g0, params(t.G), ref, strict=True):
        torch.testing.assert_close(p1, p0 - 0.1 * r.grad)
    for p, q in zip(d0, params(t.D), strict=True):
        assert torch.equal(p, q)


def test_d_step_descends_d_loss():
    t = toy_trainer(loss="lsgan", optimizer="sgd", momentum=0.0, lr_d=0.05)
    d0 = params(t.D)
    state = t.rng.get_state()
    real = gaussian_2d(32, t.rng)
    z = t.sample_z(32)
    t.rng.set_state(state)
    with torch.no_grad():
        fake = t.G(z)
    names = [n for n, _ in t.D.named_parameters()]
    ref = [p.detach().clone().requires_grad_(True) for p in t.D.parameters()]
    call = lambda x: torch.func.functional_call(t.D, dict(zip(names, ref, strict=True)), (x,))
    losses.d_loss("lsgan", call(real), call(fake)).backward()
    t.d_step()
    for p0, p1, r in zip(d0, params(t.D), ref, strict=True):
        torch.testing.assert_close(p1, p0 - 0.05 * r.grad)


def test_wgan_clips_critic_weights():
    t = toy_trainer(loss="wgan", optimizer="rmsprop", lr_d=0.5, clip=0.01)
    t.step()
    assert max(p.abs().max().item() for p in t.D.parameters()) <= 0.01 + 1e-7


def test_pack_shapes():
    x = torch.arange(24.0).reshape(6, 4)
    assert torch.equal(pack(x, 3)[0], torch.arange(12.0))
    img = torch.zeros(8, 1, 28, 28)
    assert pack(img, 2).shape == (4, 2, 28, 28)
    t = toy_trainer(pack=4)
    seen = []
    t.D.register_forward_hook(lambda m, i, o: seen.append(tuple(i[0].shape)))
    t.step()
    assert (8, 8) in seen  # 32 samples of 2-D packed by 4 → 8 inputs of 8 features


def test_unrolled_d_is_restored_after_g_step():
    t = toy_trainer(unroll=3)
    t.d_step()
    d0 = params(t.D)
    t.g_step()
    for p, q in zip(d0, params(t.D), strict=True):
        assert torch.equal(p, q)


def test_live_update_and_rejections():
    t = toy_trainer()
    t.update(lr_g=0.05, lr_d=0.02, loss="hinge", k=2)
    assert t.opt_g.param_groups[0]["lr"] == 0.05 and t.opt_d.param_groups[0]["lr"] == 0.02
    assert t.config.loss == "hinge" and t.config.k == 2
    t.update(optimizer="sgd")
    assert isinstance(t.opt_g, torch.optim.SGD) and t.opt_g.param_groups[0]["lr"] == 0.05
    with pytest.raises(ValueError, match="cannot change during a run"):
        t.update(pack=2)
    with pytest.raises(ValueError, match="lr_g must be a positive number"):
        TrainConfig(lr_g=float("nan"))
    with pytest.raises(ValueError, match="multiple of the packing degree"):
        TrainConfig(batch_size=30, pack=4)


def test_nan_is_caught_with_a_sentence():
    bad = lambda n, g: torch.full((n, 2), float("nan"))
    t = toy_trainer(real=bad, lr_d=0.3)
    with pytest.raises(Diverged, match=r"discriminator loss diverged: it became undefined .*lr_d 0.3"):
        t.step()


def test_huge_learning_rate_diverges_cleanly():
    t = toy_trainer(loss="minimax", optimizer="sgd", lr_d=1e30, lr_g=1e30)
    with pytest.raises(Diverged):
        for _ in range(50):
            t.step()


def test_metrics_and_history():
    t = toy_trainer()
    t.add_metric("mean_x", lambda tr: tr.generate()[:, 0].mean().item(), every=5)
    for _ in range(12):
        t.step()
    h = t.history.arrays()
    assert list(h["mean_x"][0]) == [5, 10]
    assert list(h["loss_g"][0]) == list(range(1, 13))
    assert set(h) >= {"loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"}
    assert np.all(np.isfinite(h["loss_d"][1]))


def test_d_real_is_mean_probability():
    """d_real, d_fake = mean σ(D(x)) over the step's real and fake batches, with D before its update."""
    t = toy_trainer(loss="nonsaturating")
    x, z = torch.randn(32, 2, generator=torch.Generator().manual_seed(5)), torch.randn(32, 2)
    t.sample_real = lambda n, rng: x[:n]
    t.sample_z = lambda n: z[:n]
    with torch.no_grad():
        want_real = torch.sigmoid(t.D(x)).mean().item()
        want_fake = torch.sigmoid(t.D(t.G(z))).mean().item()
    out = t.d_step()
    assert out["d_real"] == pytest.approx(want_real, abs=1e-6) and out["d_fake"] == pytest.approx(want_fake, abs=1e-6)
    assert abs(want_real - want_fake) > 1e-4  # the two batches really differ


def test_series_stays_bounded_and_covers_the_run():
    s = Series(8)
    for step in range(1, 101):
        s.append(step, float(step))
    steps, values = s.arrays()
    # capacity 8: full at step 8 → keep every 2nd (1, 3, 5, 7), stride 2; full again at 16 → (1, 5, 10, 14),
    # stride 4; at 32 → (1, 10, 20, 28), stride 8; at 64 → (1, 20, 40, 56), stride 16; then 80 and 96
    assert list(steps) == [1, 20, 40, 56, 80, 96]
    assert np.array_equal(steps, values.astype(int)) and np.all(np.diff(steps) > 0)
    h = History(8)
    h.record(1, {"a": 1.0})
    assert h.last("a") == 1.0 and np.isnan(h.last("missing"))


def test_device_resolution_and_seeded_init():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    seed_all(3)
    a = torch.nn.Linear(2, 2).weight.clone()
    seed_all(3)
    assert torch.equal(a, torch.nn.Linear(2, 2).weight)


class CondG(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2 + 3, 2)
        self.seen = []

    def forward(self, z, y):
        self.seen.append(y.clone())
        return self.lin(torch.cat([z, torch.nn.functional.one_hot(y, 3).float()], 1))


class CondD(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2 + 3, 1)

    def forward(self, x, y):
        return self.lin(torch.cat([x, torch.nn.functional.one_hot(y, 3).float()], 1))


def test_conditional_fakes_take_the_real_batch_labels():
    labels = []

    def real(n, g):
        y = torch.randint(3, (n,), generator=g)
        labels.append(y)
        return torch.randn(n, 2, generator=g) + y[:, None].float(), y

    G = CondG()
    t = Trainer(G, CondD(), real, TrainConfig(batch_size=16), z_dim=2, num_classes=3, fixed_n=6)
    G.seen.clear()
    t.step()
    assert torch.equal(G.seen[0], labels[-1])  # the D step's fakes carry the real labels (reused by G's step)
    assert torch.equal(t.fixed_y, torch.tensor([0, 1, 2, 0, 1, 2]))
    assert t.generate().shape == (6, 2)


def test_cpu_threads_policy(monkeypatch):
    from ganviz.engine import device
    monkeypatch.setattr(device.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(device.os, "getloadavg", lambda: (0.5, 0.5, 0.5))
    assert device.cpu_threads_for(50_000) == 1 and device.cpu_threads_for(900_000) == 4
    monkeypatch.setattr(device.os, "getloadavg", lambda: (6.0, 6.0, 6.0))
    assert device.cpu_threads_for(900_000) == 1


def test_ema_of_generator_weights_follows_its_formula():
    """θ_ema ← β θ_ema + (1 − β) θ_G after every G step, β = min(ema, (1 + t)/(10 + t)) (Yazıcı et al. 2019)."""
    t = toy_trainer(ema=0.9)
    assert t.G_ema is not None and t.sampling_G is t.G_ema
    for p, q in zip(params(t.G_ema), params(t.G), strict=True):  # starts as a copy of G
        assert torch.equal(p, q)
    for step in range(30):
        before = params(t.G_ema)
        t.step()
        beta = min(0.9, (1 + step) / (10 + step))
        for old, new, g in zip(before, params(t.G_ema), params(t.G), strict=True):
            torch.testing.assert_close(new, beta * old + (1 - beta) * g, rtol=1e-6, atol=1e-7)
    assert not torch.equal(params(t.G_ema)[0], params(t.G)[0])  # an average, not a copy
    # what users see (and checkpoints keep) is the averaged G
    z = torch.randn(8, 2)
    with torch.no_grad():
        assert torch.equal(t.generate(z), t.G_ema(z))
    # a reset from the state reproduces the average too
    u = toy_trainer(ema=0.9)
    u.load_state_dict(t.state_dict())
    assert torch.equal(u.generate(z), t.generate(z))


def test_no_ema_by_default_and_bad_decays_rejected():
    t = toy_trainer()
    assert t.G_ema is None and t.sampling_G is t.G
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="EMA"):
            TrainConfig(ema=bad)


def test_linear_lr_decay_schedule():
    """Both lrs × 1 until decay_start, then linearly to LR_FLOOR over decay_steps (the bench's best config)."""
    from ganviz.engine.trainer import LR_FLOOR
    c = TrainConfig(lr_g=1e-3, lr_d=2e-3, decay_start=10, decay_steps=20)
    assert [c.lr_factor(s) for s in (1, 10, 11, 20, 29, 30, 100)] == pytest.approx(
        [1, 1, 0.95, 0.5, 0.05, LR_FLOOR, LR_FLOOR])
    assert TrainConfig().lr_factor(10**6) == 1.0
    t = toy_trainer(lr_g=1e-3, lr_d=2e-3, decay_start=2, decay_steps=4)
    seen = []
    for _ in range(7):
        t.step()
        seen.append((t.opt_g.param_groups[0]["lr"], t.opt_d.param_groups[0]["lr"]))
    expected = [c2 * f for f in (1, 1, 0.75, 0.5, 0.25, LR_FLOOR, LR_FLOOR) for c2 in (1e-3, 2e-3)]
    assert [lr for pair in seen for lr in pair] == pytest.approx(expected)
    t.update(lr_g=4e-3)  # a live change keeps the schedule's factor
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(4e-3 * LR_FLOOR)
    with pytest.raises(ValueError, match="decay"):
        TrainConfig(decay_steps=-1)


def test_warm_start_copies_weights_and_starts_optimizers_afresh():
    """warm_start: G, its EMA and D equal the source nets; empty Adam state; lr from this run's schedule."""
    src = toy_trainer(seed=1)
    for _ in range(5):
        src.step()
    t = toy_trainer(seed=2, ema=0.99, decay_steps=10, lr_g=4e-3)
    t.step()  # Adam has state now; the warm start drops it
    t.warm_start(src.G, src.D)
    for a, b in ((t.G, src.G), (t.G_ema, src.G), (t.D, src.D)):
        assert all(torch.equal(p, q) for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True))
    assert t.opt_g.state_dict()["state"] == {} and t.opt_d.state_dict()["state"] == {}
    assert t.step_count == 1 and t.opt_g.param_groups[0]["lr"] == pytest.approx(4e-3 * t.config.lr_factor(2))
    t.step()
    assert not torch.equal(t.G.state_dict()["net.0.weight"], src.G.state_dict()["net.0.weight"])
    with pytest.raises(ValueError, match="warm-start generator does not match"):
        t.warm_start(MLPGenerator(2, 2, (8, 8)), None)


def test_latent_priors_sample_what_they_say():
    """normal and uniform draw exactly torch.randn / U(−1, 1) from the run's generator (old runs reproduce);
    the mixture draws μ_k + s·ε with k uniform over K fixed, seeded centres."""
    from scipy import stats

    from ganviz.engine.priors import LatentPrior
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(LatentPrior("normal", 4).sample(10, g1), torch.randn(10, 4, generator=g2))
    assert torch.equal(LatentPrior("uniform", 4).sample(10, g1), torch.rand(10, 4, generator=g2) * 2 - 1)
    p = LatentPrior("mixture", 8, components=5, sd=0.1, seed=1)
    assert torch.equal(p.centres, LatentPrior("mixture", 8, components=5, sd=0.1, seed=1).centres)
    assert not torch.equal(p.centres, LatentPrior("mixture", 8, components=5, sd=0.1, seed=2).centres)
    z = p.sample(20_000, torch.Generator().manual_seed(0))
    dist = torch.cdist(z, p.centres)
    k = dist.argmin(1)
    offsets = z - p.centres[k]
    # offsets are N(0, 0.1² I): their sd, and ‖offset‖²/s² ~ χ²(8) (KS test)
    assert offsets.std().item() == pytest.approx(0.1, rel=0.02)
    assert stats.kstest((offsets.pow(2).sum(1) / 0.01).numpy(), stats.chi2(8).cdf).pvalue > 1e-3
    counts = np.bincount(k.numpy(), minlength=5)
    assert stats.chisquare(counts).pvalue > 1e-3  # components equally likely
    with pytest.raises(ValueError, match="Unknown prior"):
        LatentPrior("cauchy", 2)
    with pytest.raises(ValueError, match="component"):
        LatentPrior("mixture", 2, components=0)
    with pytest.raises(ValueError, match="2-dimensional"):
        Trainer(MLPGenerator(3, 2), MLPGenerator(2, 1), gaussian_2d, TrainConfig(), z_dim=3,
                prior=LatentPrior("normal", 2))
