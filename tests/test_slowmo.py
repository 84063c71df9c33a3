"""Slow motion: every sub-step's numbers equal a plain recomputation of Algorithm 1 written here, on the same
seeded batch and the same weights (plain torch: softplus losses, autograd, torch.optim.Adam)."""
import copy

import numpy as np
import pytest
import torch

from ganviz.plane import playground, slowmo
from ganviz.plane.toy import DATASETS

EXTENT = (-2.0, 2.0)


def plain_iteration(G, D, rng, sample_real, latent, cfg, loss, opt_g_state, opt_d_state):
    """Algorithm 1 by hand: k D steps (real first, then z, from one generator), then G's step on the last D
    step's z (the Trainer reuses that fake, as pytorch/examples dcgan does). Returns the numbers per step."""
    tc = cfg.train_config()
    opt_d = torch.optim.Adam(D.parameters(), lr=tc.lr_d, betas=tc.betas)
    opt_g = torch.optim.Adam(G.parameters(), lr=tc.lr_g, betas=tc.betas)
    opt_d.load_state_dict(opt_d_state)  # the Adam moments of the steps so far
    opt_g.load_state_dict(opt_g_state)
    n, out = tc.batch_size, {"d": []}
    for _ in range(tc.k):
        x = sample_real(n, rng)
        z = latent.sample(n, rng)
        with torch.no_grad():
            fake = G(z)
        a_r, a_f = D(x), D(fake)
        if loss == "hinge":  # Lim & Ye 2017: E max(0, 1 − a_r) + E max(0, 1 + a_f)
            loss_d = torch.clamp(1 - a_r, min=0).mean() + torch.clamp(1 + a_f, min=0).mean()
        else:  # −E log σ(a_r) − E log(1 − σ(a_f)), written out with logs of sigmoids
            loss_d = -torch.log(torch.sigmoid(a_r)).mean() - torch.log(1 - torch.sigmoid(a_f)).mean()
        shown_r, shown_f = (a_r, a_f) if loss == "hinge" else (torch.sigmoid(a_r), torch.sigmoid(a_f))
        opt_d.zero_grad()
        loss_d.backward()
        gn = torch.sqrt(sum((p.grad ** 2).sum() for p in D.parameters()))
        opt_d.step()
        out["d"].append(dict(z=z, real=x, fake=fake, d_real=shown_r.mean().item(),
                             d_fake=shown_f.mean().item(), loss_d=loss_d.item(), grad_norm_d=gn.item()))
    fake = G(z)
    a = D(fake)
    s = a if loss == "hinge" else torch.sigmoid(a)  # what D(G(z)) shows: σ(a), or a critic's raw score
    loss_g = {"minimax": lambda: torch.log(1 - s).mean(), "nonsaturating": lambda: -torch.log(s).mean(),
              "hinge": lambda: -a.mean()}[loss]()
    opt_g.zero_grad()
    D.zero_grad()
    loss_g.backward()
    gn = torch.sqrt(sum((p.grad ** 2).sum() for p in G.parameters()))
    opt_g.step()
    with torch.no_grad():
        after = G(z)
    out["g"] = dict(d_fake_g=s.mean().item(), loss_g=loss_g.item(), grad_norm_g=gn.item(), fake=fake.detach(),
                    after=after, moved=(after - fake).norm(dim=1).mean().item())
    return out


def close(a, b, rel=2e-4):
    return a == pytest.approx(b, rel=rel, abs=1e-6)


@pytest.mark.parametrize("loss,k", [("nonsaturating", 3), ("minimax", 2), ("nonsaturating", 1), ("hinge", 2)])
def test_every_substep_equals_a_plain_recomputation(loss, k):
    cfg = playground.PlaygroundConfig(dataset="ring-8", loss=loss, k=k, batch_size=64, width=32, lr_g=1e-3,
                                      lr_d=2e-3, seed=3)
    data = DATASETS["ring-8"]()
    trainer = playground.build_trainer(cfg, data, metric_every=0)
    for _ in range(2):  # a few ordinary steps first: slow motion starts from any state
        trainer.step()
    G, D = copy.deepcopy(trainer.G), copy.deepcopy(trainer.D)
    rng = torch.Generator()
    rng.set_state(trainer.rng.get_state())
    ref_g, ref_d = copy.deepcopy(trainer.opt_g.state_dict()), copy.deepcopy(trainer.opt_d.state_dict())

    it = slowmo.trace_iteration(trainer, EXTENT, grid_n=16)

    ref = plain_iteration(G, D, rng, data.sample, trainer.latent, cfg, loss, ref_g, ref_d)
    assert [s.kind for s in it.substeps] == list(slowmo.KINDS[:5]) * k + list(slowmo.KINDS[5:])
    for i in range(k):
        steps = {s.kind: s for s in it.substeps if s.d_index == i + 1}
        r = ref["d"][i]
        assert np.array_equal(it.real[i], r["real"].numpy())
        np.testing.assert_allclose(it.fake[i], r["fake"].numpy(), rtol=1e-5, atol=1e-6)
        assert steps["sample_z"].numbers["m"] == 64
        assert close(steps["sample_z"].numbers["mean ‖z‖"], r["z"].norm(dim=1).mean().item())
        assert close(steps["d_both"].numbers["d_real"], r["d_real"])
        assert close(steps["d_both"].numbers["d_fake"], r["d_fake"])
        assert close(steps["d_loss"].numbers["loss_d"], r["loss_d"])
        assert close(steps["d_step"].numbers["grad_norm_d"], r["grad_norm_d"])
    g = {s.kind: s for s in it.substeps if s.d_index == 0}
    assert close(g["g_loss"].numbers["d_fake_g"], ref["g"]["d_fake_g"])
    assert close(g["g_loss"].numbers["loss_g"], ref["g"]["loss_g"])
    assert close(g["g_step"].numbers["grad_norm_g"], ref["g"]["grad_norm_g"])
    np.testing.assert_allclose(it.g_fake_after, ref["g"]["after"].numpy(), rtol=1e-4, atol=1e-5)
    assert close(g["g_step"].numbers["moved"], ref["g"]["moved"], rel=1e-3)
    # the recorded step equals the sub-steps' numbers (the last D step's, as the Trainer records them)
    assert close(it.record["loss_d"], ref["d"][-1]["loss_d"]) and close(it.record["loss_g"], ref["g"]["loss_g"])
    # D's heatmap after its last step is D's shown output (σ(a), or the critic's a) of the plain D on the grid
    axis = torch.linspace(*EXTENT, 16)
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    with torch.no_grad():
        a = D(torch.stack([xx.reshape(-1), yy.reshape(-1)], 1)).reshape(16, 16)
        grid = a if loss == "hinge" else torch.sigmoid(a)
    np.testing.assert_allclose(it.d_grids[-1], grid.numpy(), rtol=1e-4, atol=1e-6)


def test_tracing_does_not_change_training():
    """A traced step trains exactly as an untraced one (the tap draws no random numbers, changes no weight)."""
    cfg = playground.PlaygroundConfig(dataset="ring-8", k=2, batch_size=32, width=16, seed=5)
    data = DATASETS["ring-8"]()
    a, b = (playground.build_trainer(cfg, data, metric_every=0) for _ in range(2))
    for _ in range(3):
        slowmo.trace_iteration(a, EXTENT, grid_n=8)
        b.step()
    for pa, pb in zip([*a.G.parameters(), *a.D.parameters()], [*b.G.parameters(), *b.D.parameters()], strict=True):
        assert torch.equal(pa, pb)
    assert torch.equal(a.rng.get_state(), b.rng.get_state())


def test_walk_forward_and_back_and_reproducible_from_seed():
    cfg = playground.PlaygroundConfig(dataset="two-gaussians", k=2, batch_size=32, width=16, seed=1)
    data = DATASETS["two-gaussians"]()
    sm = slowmo.SlowMotion(playground.build_trainer(cfg, data, metric_every=0), EXTENT, grid_n=8)
    assert sm.current() == (None, 0)
    n = 2 * 5 + 3
    for _ in range(n + 1):
        sm.forward()
    it, s = sm.current()
    assert (it.step, s, len(sm.iterations)) == (2, 0, 2)
    sm.back()
    assert sm.current()[0].step == 1 and sm.current()[1] == n - 1
    sm.back()
    assert sm.current()[1] == n - 2
    sm.forward(), sm.forward()
    assert sm.current()[0].step == 2 and len(sm.iterations) == 2  # walking back and on re-traces nothing
    again = slowmo.SlowMotion(playground.build_trainer(cfg, data, metric_every=0), EXTENT, grid_n=8)
    again.goto(2, 4)
    assert again.current()[0].substeps[4].numbers == sm.iterations[1].substeps[4].numbers


@pytest.mark.parametrize("remedy,param", [("none", 0), ("pacgan", 2), ("unrolled", 3), ("spectral_norm", 0),
                                          ("wgan-gp", 0)])
@pytest.mark.parametrize("loss", ["minimax", "lsgan", "wgan", "hinge"])
def test_every_loss_and_remedy_traces_the_trainers_record(loss, remedy, param):
    """Each sub-step list has 5k + 3 entries; the last D step's and G's numbers are those the Trainer recorded for
    the step; an unrolled D's look-ahead steps are counted, not shown."""
    cfg = playground.PlaygroundConfig(dataset="ring-8", loss=loss, remedy=remedy, remedy_param=param, k=2,
                                      batch_size=32, width=16, seed=2)
    trainer = playground.build_trainer(cfg, DATASETS["ring-8"](), metric_every=0)
    it = slowmo.trace_iteration(trainer, EXTENT, grid_n=8)
    assert len(it.substeps) == 5 * 2 + 3 and it.lookahead == (param if remedy == "unrolled" else 0)
    last_d = {s.kind: s.numbers for s in it.substeps if s.d_index == 2}
    g = {s.kind: s.numbers for s in it.substeps if s.d_index == 0}
    assert last_d["d_loss"]["loss_d"] == pytest.approx(it.record["loss_d"], rel=1e-6)
    assert last_d["d_both"]["d_fake"] == pytest.approx(it.record["d_fake"], rel=1e-6)
    assert last_d["d_step"]["grad_norm_d"] == pytest.approx(it.record["grad_norm_d"], rel=1e-6)
    assert g["g_loss"]["loss_g"] == pytest.approx(it.record["loss_g"], rel=1e-6)
    assert g["g_step"]["grad_norm_g"] == pytest.approx(it.record["grad_norm_g"], rel=1e-6)
    assert it.g_reused == (remedy != "unrolled")
    assert all(np.isfinite(v) for s in it.substeps for v in s.numbers.values())
