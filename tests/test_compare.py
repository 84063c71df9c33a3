"""Fork and compare: the fork differs in exactly the chosen setting, starts from the same weights, batches and
step, and the pair steps in lockstep (also through a worker process)."""
import copy
import time
from dataclasses import fields
from functools import partial

import pytest
import torch

from ganviz.engine.worker import WorkerRun
from ganviz.plane import compare, playground
from ganviz.plane.toy import DATASETS

BASE = playground.PlaygroundConfig(dataset="ring-8", width=16, batch_size=32, seed=4)
DATA = DATASETS["ring-8"]()


def differing(a, b):
    return {f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)}


@pytest.mark.parametrize("setting,value,expected", [
    ("loss", "minimax", {"loss"}), ("prior", "mixture", {"prior"}), ("remedy", "pacgan", {"remedy", "remedy_param"}),
    ("remedy", "spectral_norm", {"remedy"}), ("lr", 1e-4, {"lr_g", "lr_d"}), ("k", 5, {"k"})])
def test_fork_changes_only_the_chosen_setting(setting, value, expected):
    fork = compare.fork_config(BASE, setting, value)
    assert differing(BASE, fork) == expected == compare.changed_fields(BASE, fork)
    assert compare.setting_value(fork, setting) == ((value, value) if setting == "lr" else value)


def test_fork_refuses_no_change_and_bad_values():
    with pytest.raises(ValueError, match="differ"):
        compare.fork_config(BASE, "k", BASE.k)
    with pytest.raises(ValueError):
        compare.fork_config(BASE, "loss", "no-such-loss")
    with pytest.raises(ValueError, match="Unknown setting"):
        compare.fork_config(BASE, "width", 8)


def test_presets_give_the_classic_contrasts_either_way():
    expect = {"Saturating vs non-saturating": ("loss", "minimax"), "Gaussian vs mixture latent": ("prior", "mixture"),
              "PacGAN off / on": ("remedy", "pacgan"), "k = 1 vs 5": ("k", 5)}
    for name, (setting, value) in expect.items():
        fork = compare.contrast_fork(BASE, compare.PRESETS[name])
        assert compare.setting_value(fork, setting) == value
        back = compare.contrast_fork(fork, compare.PRESETS[name])  # from the other side: back to A's value
        assert compare.setting_value(back, setting) == compare.setting_value(BASE, setting)


@pytest.mark.parametrize("setting,value", [("loss", "minimax"), ("prior", "mixture"), ("remedy", "pacgan"),
                                           ("k", 5), ("lr", 1e-4)])
def test_fork_starts_from_the_same_state(setting, value):
    """From a run 7 steps in: both start at step 7 with its G (and D, unless PacGAN reshapes D), its Adam
    moments and its batch generator — so their first real batch is the same."""
    source = playground.build_trainer(BASE, DATA, metric_every=0)
    for _ in range(7):
        source.step()
    state = compare.export_state(source)
    pair = compare.build_pair(BASE, compare.fork_config(BASE, setting, value), DATA, state, metric_every=0)
    for t in (pair.a, pair.b):
        assert t.step_count == 7 and torch.equal(t.rng.get_state(), source.rng.get_state())
        assert compare.same_weights(t.G, source.G)
        assert t.opt_g.state_dict()["state"][0]["exp_avg"].equal(source.opt_g.state_dict()["state"][0]["exp_avg"])
    assert compare.same_weights(pair.a.D, source.D)
    assert compare.same_weights(pair.b.D, source.D) == (setting != "remedy")
    assert pair.a.config == BASE.train_config()
    assert pair.b.config == compare.fork_config(BASE, setting, value).train_config()
    # both draw the same real batch next (same generator state)
    xa = pair.a.sample_real(8, copy.deepcopy(pair.a.rng))
    xb = pair.b.sample_real(8, copy.deepcopy(pair.b.rng))
    assert torch.equal(xa, xb)


def test_fork_from_the_seed_matches_a_fresh_run_and_same_setting_trains_identically():
    """No state: both start from the seed's weights, and the pair trains A exactly as a lone run does."""
    lone = playground.build_trainer(BASE, DATA, metric_every=0)
    pair = compare.build_pair(BASE, compare.fork_config(BASE, "k", 2), DATA, metric_every=0)
    assert compare.same_weights(pair.a.G, lone.G) and compare.same_weights(pair.b.D, lone.D)
    for _ in range(3):
        lone.step()
        pair.step()
    assert compare.same_weights(pair.a.G, lone.G) and not compare.same_weights(pair.b.G, lone.G)


def test_lockstep_and_live_changes_keep_the_forked_setting():
    pair = compare.build_pair(BASE, compare.fork_config(BASE, "k", 5), DATA, metric_every=5)
    for _ in range(10):
        pair.step()
    pair.d_step()
    assert pair.a.step_count == pair.b.step_count == pair.step_count == 11
    h = pair.history.arrays()
    assert list(h["loss_d"][0]) == list(h["loss_d" + compare.B_SUFFIX][0]) == list(range(1, 12))
    assert list(h["modes_covered"][0]) == list(h["modes_covered" + compare.B_SUFFIX][0]) == [5, 10]
    pair.update(lr_g=5e-4, k=2)  # the page's live changes: both get lr, B keeps its own k
    assert pair.a.config.lr_g == pair.b.config.lr_g == 5e-4
    assert (pair.a.config.k, pair.b.config.k) == (2, 5)


def test_pair_in_a_worker_process_stays_in_lockstep():
    fork = compare.contrast_fork(BASE, compare.PRESETS["Saturating vs non-saturating"])
    run = WorkerRun(partial(compare.build_pair, BASE, fork, DATA), view=compare.PairView(DATA, seed=BASE.seed),
                    publish_every_s=0.05)
    try:
        run.step(5, wait=60)
        snap = run.snapshot()
        for _ in range(200):
            if snap.step == 5:
                break
            time.sleep(0.05)
            snap = run.snapshot()
        assert snap.step == 5 and snap.view["step_b"] == 5
        h = snap.history
        assert len(h["loss_g"][0]) == len(h["loss_g" + compare.B_SUFFIX][0]) == 5
        assert snap.view["a"]["fake"].shape == snap.view["b"]["fake"].shape
    finally:
        run.stop()
