"""Experiment, the live-run contract of the core: which settings need new nets (the key), which apply live, and each
page's experiment builder keeping that split (checked against the page's own settings, setting by setting)."""
from dataclasses import fields, replace
from functools import partial

import numpy as np

from ganviz.beyond import cyclegan, vae
from ganviz.engine.experiment import Experiment, settings_key
from ganviz.engine.live import LiveRun
from ganviz.engine.trainer import LIVE_FIELDS, TrainConfig
from ganviz.images import live
from ganviz.images.datasets import ImageSet
from ganviz.images.spec import ImageGANSpec
from ganviz.onedim import theory
from ganviz.onedim import theory_live as tl
from ganviz.plane import compare, playground, toy
from tests.helpers import toy_trainer


def test_changes_are_the_live_settings_that_differ():
    exp = Experiment("k", lambda: None, {"lr_g": 1e-3, "lr_d": 2e-4, "k": 3})
    assert exp.changes(TrainConfig(lr_g=1e-3)) == {"k": 3}          # lr_d 2e-4 is the default already
    assert exp.changes(TrainConfig(lr_g=1e-3, lr_d=2e-4, k=3)) == {}
    assert exp.changes(TrainConfig(lr_g=5e-4, k=2)) == {"lr_g": 1e-3, "k": 3}
    assert exp.changes(None) == {}                                   # a run not yet published: just built from exp


def test_settings_key_is_every_other_field_in_order():
    c = TrainConfig(lr_g=1e-3, seed=4)
    key = settings_key(c, ("lr_g", "lr_d", "loss"))
    assert key == tuple((f.name, getattr(c, f.name)) for f in fields(c) if f.name not in ("lr_g", "lr_d", "loss"))
    assert settings_key(replace(c, lr_g=0.5, loss="hinge"), ("lr_g", "lr_d", "loss")) == key
    assert settings_key(replace(c, seed=5), ("lr_g", "lr_d", "loss")) != key


def test_a_run_takes_the_changes_live_and_keeps_its_step():
    exp = Experiment("toy", partial(LiveRun, toy_trainer), {"lr_g": 1e-3})
    run = exp.start()
    try:
        run.step(3)
        newer = Experiment("toy", exp.start, {"lr_g": 5e-4, "k": 2})
        changes = newer.changes(run.snapshot().config)
        assert changes == {"lr_g": 5e-4, "k": 2}
        run.update(**changes)
        run.step(1)
        snap = run.snapshot()
        assert snap.step == 4 and snap.config.lr_g == 5e-4 and snap.config.k == 2
        assert newer.changes(snap.config) == {}
    finally:
        run.stop()


def _same_key(make, base: dict, live_changes: dict, nets_changes: dict) -> None:
    """``make(**settings)`` → Experiment: every live change keeps the key and shows in ``live``; every nets change
    gives a new key."""
    ref = make(**base)
    for name, value in live_changes.items():
        exp = make(**{**base, name: value})
        assert exp.key == ref.key, name
        assert exp.live != ref.live, name
    for name, value in nets_changes.items():
        assert make(**{**base, name: value}).key != ref.key, name


def test_playground_experiment_splits_like_its_config():
    ring = toy.DATASETS["ring-8"]()

    def make(**kw):
        return playground.live_experiment(playground.PlaygroundConfig(**kw), ring, ("ring8",))
    base = {"dataset": "ring-8"}
    _same_key(make, base, {"lr_g": 5e-4, "lr_d": 5e-4, "k": 3, "batch_size": 128, "loss": "hinge"},
              {"width": 64, "hidden_layers": 3, "seed": 2, "z_dim": 4})
    cfg = playground.PlaygroundConfig(lr_g=1e-3, k=2)
    exp = playground.live_experiment(cfg, ring, ("ring8",))
    c = cfg.train_config()
    assert all(getattr(c, f) == v for f, v in exp.live.items()) and exp.key == cfg.nets_key() + ("ring8",)
    assert playground.live_experiment(cfg, ring, ("csv", "abc")).key != exp.key


def test_compare_pair_experiment_takes_a_live_settings():
    ring = toy.DATASETS["ring-8"]()
    a = playground.PlaygroundConfig(lr_g=1e-3)
    b = compare.fork_config(a, "k", 3)
    exp = compare.live_experiment(a, b, ring, None, ("fork", 1))
    assert exp.key == ("fork", 1) and exp.live == a.live_changes()


def test_cyclegan_experiment_starts_the_configured_run():
    def make(**kw):
        return cyclegan.live_experiment(cyclegan.CycleConfig(**kw))
    _same_key(make, {}, {"cycle_weight": 0.0, "lr": 5e-4, "batch_size": 64}, {"width": 16, "hidden_layers": 3,
                                                                                  "seed": 3})
    cfg = cyclegan.CycleConfig(cycle_weight=2.0, lr=1e-3, batch_size=64)
    run = cyclegan.live_experiment(cfg).start()
    try:
        assert isinstance(run, LiveRun)
        c = run.snapshot().config
        assert (c.cycle_weight, c.lr_g, c.lr_d, c.batch_size) == (2.0, 1e-3, 1e-3, 64)
    finally:
        run.stop()


def test_image_experiment_key_and_lazy_quality():
    rng = np.random.default_rng(0)
    data = ImageSet("mnist", "train", rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), np.zeros(40, np.int64),
                    ("0",), "forty random pictures", "folder")
    spec = ImageGANSpec(model="mlp", z_dim=4, hidden_g=(8,), hidden_d=(8,))
    calls = []

    def make(**kw):
        return live.live_experiment(data, spec, TrainConfig(**kw), quality=lambda: calls.append(1))
    _same_key(make, {}, {"loss": "hinge", "lr_g": 1e-3, "lr_d": 1e-3, "k": 2, "batch_size": 32},
              {"seed": 1, "ema": 0.999, "optimizer": "rmsprop", "betas": (0.0, 0.9)})
    assert calls == []  # the classifier is loaded only when a run starts
    assert set(live.LIVE_SETTINGS) <= set(LIVE_FIELDS)  # all of them a running Trainer takes
    assert live.live_experiment(data, replace(spec, z_dim=8), TrainConfig()).key != make().key
    assert live.live_experiment(data, spec, TrainConfig(), timeline_every=10).key != make().key


def test_vae_experiment_key():
    images = np.zeros((10, 28, 28), np.uint8)
    spec = vae.VAESpec(z_dim=2, width=4)

    def make(**kw):
        return vae.live_experiment(images, spec, vae.VAEConfig(**kw), ("mnist", "src", 10))
    _same_key(make, {}, {"lr": 5e-4, "beta": 2.0, "batch_size": 32}, {"seed": 1})
    assert vae.live_experiment(images, spec, vae.VAEConfig(), ("fashion-mnist", "src", 10)).key != make().key


def test_one_dimensional_experiments():
    setup = tl.DStarSetup(lr_d=1e-3)
    exp = tl.DStarExperiment(setup).live_experiment()
    assert exp.live == {"lr_d": 1e-3} and exp.key == tl.DStarExperiment(replace(setup, lr_d=0.1)).live_experiment().key
    assert exp.key != tl.DStarExperiment(replace(setup, hidden=8)).live_experiment().key
    target = theory.Gaussian(1.0, 0.5)
    g = tl.generator_experiment(target, ("gaussian", 1.0, 0.5), "normal", 0, 1e-3)
    assert g.live == {"lr_g": 1e-3, "lr_d": 1e-3}
    assert g.key == tl.generator_experiment(target, ("gaussian", 1.0, 0.5), "normal", 0, 5e-4).key
    assert g.key != tl.generator_experiment(target, ("gaussian", 1.0, 0.5), "uniform", 0, 1e-3).key
