"""The Evaluating GANs page's shipped scores (models/eval_views.*): each entry equals what the live code computes
from today's inputs, the page's default view is read from them without computing, and any change of an input
(a GAN's weights, the real images) misses the store instead of showing stale numbers."""
import json
import shutil
from dataclasses import asdict
from unittest import mock

import numpy as np
import pytest

from ganviz.images import datasets, pretrained
from ganviz.scoring import classifier as C
from ganviz.scoring import eval_views as V
from ganviz.scoring import evaluation

pytestmark = pytest.mark.skipif(not C.classifier_path("mnist").with_suffix(".safetensors").is_file(),
                                reason="no shipped MNIST classifier")
CFG = {**V.DEFAULTS, **V.SETTINGS}


@pytest.fixture(scope="module")
def mnist():
    clf, ref = C.load_classifier("mnist"), C.load_reference("mnist", "test").with_radii(3)
    pool = datasets.load_images("mnist", "train")
    return clf, ref, pool, V.evaluator_digest("mnist"), V.pool_digest(pool)


@pytest.fixture(scope="module")
def store():
    s = V.load_store()
    assert s, "models/eval_views.json/.npz missing: run `python -m ganviz eval-views`"
    return s


def same_scores(a, b):
    da, db = asdict(a), asdict(b)
    np.testing.assert_allclose(da.pop("class_hist"), db.pop("class_hist"), rtol=1e-6, atol=1e-9)
    assert da.keys() == db.keys()
    for k in da:
        assert da[k] == pytest.approx(db[k], rel=1e-5, abs=1e-9), k


def every_view():
    return V.prepared_views(V.PRESETS, V.DEFAULTS)


def test_the_store_holds_every_prepared_view_and_shipped_gan_of_mnist_at_todays_digests(mnist, store):
    _, _, _, ev, pd = mnist
    for drop, noise, blur in every_view():
        assert V.degraded_key(ev, pd, drop, noise, blur, CFG["n"], V.DEFAULT_SEED, CFG["kid"]) in store
        assert V.fid_curve_key(ev, pd, drop, noise, blur, V.DEFAULT_SEED) in store
    gans = [g for g in pretrained.list_models() if g.dataset in (None, "mnist")]
    assert len(gans) >= 1
    for g in gans:
        assert V.gan_key(ev, V.source_digest(g.path), CFG["n"], V.DEFAULT_SEED, CFG["kid"]) in store, g.name


@pytest.mark.parametrize("view", [0, 1])
def test_a_stored_degraded_row_equals_the_live_computation(mnist, store, view):
    clf, ref, pool, ev, pd = mnist
    drop, noise, blur = every_view()[view]
    scores, replaced, grid = V.score_degraded(clf, ref, pool, drop, noise, blur, CFG["n"], V.DEFAULT_SEED,
                                              CFG["kid"])
    s_scores, s_replaced, s_grid = store[V.degraded_key(ev, pd, drop, noise, blur, CFG["n"], V.DEFAULT_SEED,
                                                        CFG["kid"])]
    same_scores(s_scores, scores)
    assert s_replaced == replaced
    np.testing.assert_array_equal(s_grid, grid)
    ns, fids, inf, slope = store[V.fid_curve_key(ev, pd, drop, noise, blur, V.DEFAULT_SEED)]
    live = V.fid_curve(clf, ref, pool, drop, noise, blur, V.DEFAULT_SEED)
    np.testing.assert_array_equal(ns, live[0])
    np.testing.assert_allclose(fids, live[1], rtol=1e-6)
    assert (inf, slope) == pytest.approx(live[2:], rel=1e-6)


@pytest.mark.slow
def test_every_stored_row_equals_the_live_computation(store):
    live = V.compute_store(C.CLASSIFIER_DATASETS, every_view(), CFG["n"], V.DEFAULT_SEED, CFG["kid"], log=lambda s: 0)
    assert live.keys() <= store.keys()
    for key, value in live.items():
        stored = store[key]
        kind = json.loads(key)[0]
        if kind == "fidn":
            if value is None:
                assert stored is None
                continue
            np.testing.assert_allclose(stored[1], value[1], rtol=1e-6)
        else:
            same_scores(stored[0], value[0])
            np.testing.assert_array_equal(stored[-1], value[-1])


def test_a_gan_rows_stored_value_equals_the_live_computation(mnist, store):
    clf, ref, _, ev, _ = mnist
    g = next(g for g in pretrained.list_models() if g.dataset == "mnist")
    G, cfg = pretrained.load(g.path)
    scores, grid = V.score_gan(clf, ref, G, cfg, CFG["n"], V.DEFAULT_SEED, CFG["kid"])
    s_scores, s_grid = store[V.gan_key(ev, V.source_digest(g.path), CFG["n"], V.DEFAULT_SEED, CFG["kid"])]
    same_scores(s_scores, scores)
    np.testing.assert_array_equal(s_grid, grid)


def test_changed_weights_or_images_change_the_key(tmp_path, mnist):
    _, _, pool, _, pd = mnist
    g = next(g for g in pretrained.list_models() if g.dataset == "mnist")
    stem = tmp_path / "copy"
    for suffix in (".safetensors", ".json"):
        shutil.copy(f"{g.path}{suffix}", f"{stem}{suffix}")
    assert V.source_digest(str(stem)) == V.source_digest(g.path)
    raw = bytearray(open(f"{stem}.safetensors", "rb").read())
    raw[-1] ^= 1  # one bit of one weight
    open(f"{stem}.safetensors", "wb").write(bytes(raw))
    assert V.source_digest(str(stem)) != V.source_digest(g.path)
    images = pool.images.copy()
    images[0, 0, 0] ^= 1
    changed = datasets.ImageSet(pool.name, pool.split, images, pool.labels, pool.class_names, pool.source,
                            pool.source_kind)
    assert V.pool_digest(changed) != pd
    uploads = (("config.json", b"{}"), ("model.safetensors", b"x"))
    assert V.source_digest(uploads) != V.source_digest((("config.json", b"{}"), ("model.safetensors", b"y")))


def test_store_round_trip_and_unreadable_store(tmp_path):
    scores = evaluation.metrics.Scores(n=10, is_mean=1.5, is_std=0.25, fid=3.0, kid_mean=0.1, kid_std=0.01,
                                       precision=0.5, recall=0.75, class_hist=np.array([0.5, 0.5]), kl_uniform=0.0)
    grid = np.arange(12, dtype=np.uint8).reshape(3, 4)
    entries = {"a": (scores, True, grid), "b": (np.array([500, 1000]), np.array([2.0, 1.0]), 0.5, 750.0),
               "c": None}
    V.save_store(entries, tmp_path)
    back = V.load_store(tmp_path)
    same_scores(back["a"][0], scores)
    assert back["a"][1] is True
    np.testing.assert_array_equal(back["a"][2], grid)
    np.testing.assert_array_equal(back["b"][0], [500, 1000])
    assert back["b"][2:] == (0.5, 750.0) and back["c"] is None
    (tmp_path / "eval_views.json").write_text("{not json")
    assert V.load_store(tmp_path) == {}
    assert V.load_store(tmp_path / "missing") == {}


def test_the_page_shows_the_default_view_without_computing_and_its_numbers_are_the_stored_ones(mnist, store):
    from tests.apptest import open_page

    _, _, _, ev, pd = mnist
    with mock.patch.object(evaluation, "score_images", side_effect=AssertionError("computed live")), \
            mock.patch.object(evaluation, "fid_curve", side_effect=AssertionError("computed live")):
        at = open_page("pages/evaluation.py", timeout=180)
        at.run()
    assert not at.exception and not at.error
    df = at.table[0].value
    base = store[V.degraded_key(ev, pd, (), 0.0, 0.0, CFG["n"], V.DEFAULT_SEED, CFG["kid"])][0]
    row = df[df["set"] == "real train (baseline)"].iloc[0]
    assert row["FID"] == pytest.approx(base.fid, rel=1e-9) and row["IS"] == pytest.approx(base.is_mean, rel=1e-9)
