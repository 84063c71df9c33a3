"""ganviz.images spec, nets, build and live: DCGAN-28 and MLP image nets (shapes, parameter counts, DCGAN guidelines
and init), class-conditional variants, training steps through the one Trainer, and the sample timeline."""
import functools

import numpy as np
import pytest
import torch
from torch import nn

from ganviz.engine.trainer import TrainConfig
from ganviz.images import live, nets, pretrained
from ganviz.images.build import build_trainer
from ganviz.images.datasets import ImageSet
from ganviz.images.nets import build_gan
from ganviz.images.spec import ImageGANSpec
from ganviz.images.tensors import make_grid
from tests.helpers import mnist_is_fid


def tiny_images(n=64, classes=10) -> ImageSet:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = np.arange(n) % classes
    return ImageSet("tiny", "train", images, labels.astype(np.int64), tuple(map(str, range(classes))), "tiny", "upload")


def test_dcgan28_parameter_counts_match_the_closed_form_and_facts():
    G, D = build_gan(ImageGANSpec(model="dcgan", z_dim=100, width=64))
    c = 128  # 2·width channels at 7×7
    g = (100 * c * 49 + c * 49) + 2 * c * 49 + c * 64 * 16 + 2 * 64 + (64 * 16 + 1)
    d = (16 * 64 + 64) + 64 * c * 16 + 2 * c + (c * 49 + 1)
    assert nets.count_parameters(G) == g == 778_241   # pytorch/examples dcgan at 28×28: G 0.78 M
    assert nets.count_parameters(D) == d == 138_689   # D 0.14 M


def test_depth_adds_3x3_blocks_at_both_resolutions():
    """depth k adds k × (3×3 conv w/o bias + norm) at 7×7 (2w channels) and at 14×14 (w) to G and to D."""
    w, c = 16, 32
    for k in (1, 2):
        G0, D0 = build_gan(ImageGANSpec(width=w))
        G, D = build_gan(ImageGANSpec(width=w, depth=k), seed=0)
        block = lambda ch: ch * ch * 9 + 2 * ch  # noqa: E731 - conv + BatchNorm scale and shift
        extra = k * (block(c) + block(w))
        assert nets.count_parameters(G) - nets.count_parameters(G0) == extra
        assert nets.count_parameters(D) - nets.count_parameters(D0) == extra
        x = G(torch.randn(4, 100))
        assert x.shape == (4, 1, 28, 28) and D(x).shape == (4, 1)
        assert sum(isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) for m in G.modules()) == 2 * k
    with pytest.raises(ValueError, match="depth"):
        ImageGANSpec(depth=5)
    assert ImageGANSpec.from_dict(ImageGANSpec(depth=2).to_dict()).depth == 2


def test_dcgan_shapes_and_ranges():
    G, D = build_gan(ImageGANSpec(width=16), seed=0)
    z = torch.randn(5, 100)
    x = G(z)
    assert x.shape == (5, 1, 28, 28) and x.abs().max() <= 1.0
    h = G.project(z).view(-1, 32, 7, 7)
    assert G.main[0](h).shape == (5, 16, 14, 14)
    assert D(x).shape == (5, 1)
    assert D.features(x).shape == (5, 32 * 7 * 7)


def test_dcgan_follows_the_guidelines_and_init():
    G, D = build_gan(ImageGANSpec(width=64), seed=0)
    assert not any(isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)) for m in [*G.modules(), *D.modules()])
    assert isinstance(G.main[-1], nn.Tanh) and isinstance(G.main[-2], nn.ConvTranspose2d)  # no BN on G's output
    assert all(isinstance(m, nn.ReLU) for m in G.modules() if isinstance(m, (nn.ReLU, nn.LeakyReLU)))
    leaky = [m for m in D.modules() if isinstance(m, nn.LeakyReLU)]
    assert len(leaky) == 2 and all(m.negative_slope == 0.2 for m in leaky)
    assert isinstance(D.features[0], nn.Conv2d) and isinstance(D.features[1], nn.LeakyReLU)  # no BN on D's input
    assert D.features[0].stride == (2, 2) and D.features[2].stride == (2, 2)
    w = G.main[0].weight.detach()  # 131,072 weights ~ N(0, 0.02)
    assert abs(w.mean().item()) < 5e-4 and abs(w.std().item() - 0.02) < 5e-4
    bn = G.main[1]
    assert abs(bn.weight.mean().item() - 1) < 0.01 and bn.weight.std().item() == pytest.approx(0.02, abs=0.01)
    assert bn.bias.abs().max() == 0
    assert D.features[3].weight.mean().item() == pytest.approx(1, abs=0.01)


def test_mlp_nets_are_the_seeds_layers():
    G, D = build_gan(ImageGANSpec(model="mlp"))
    g_lin = [(m.in_features, m.out_features) for m in G.modules() if isinstance(m, nn.Linear)]
    d_lin = [(m.in_features, m.out_features) for m in D.modules() if isinstance(m, nn.Linear)]
    assert g_lin == [(100, 256), (256, 512), (512, 784)] and d_lin == [(784, 512), (512, 256), (256, 1)]
    x = G(torch.randn(3, 100))
    assert x.shape == (3, 1, 28, 28) and x.abs().max() <= 1
    assert D(x).shape == (3, 1)


@pytest.mark.parametrize("model", ["dcgan", "mlp"])
def test_conditional_nets_use_the_label(model):
    G, D = build_gan(ImageGANSpec(model=model, width=8, num_classes=10), seed=0)
    G.eval()
    D.eval()
    z = torch.randn(4, 100)
    a, b = G(z, torch.tensor([0, 1, 2, 3])), G(z, torch.tensor([5, 5, 5, 5]))
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="needs labels"):
        G(z)
    # projection discriminator: D(x, y) = ψ(φ(x)) + ⟨e(y), φ(x)⟩ (Miyato & Koyama 2018)
    y = torch.tensor([1, 3, 3, 9])
    phi = D.features(a.flatten(1) if model == "mlp" else a)
    expected = D.out(phi) + (D.embed.weight[y] * phi).sum(1, keepdim=True)
    assert torch.allclose(D(a, y), expected, atol=1e-6)


def test_spec_validation_and_json_round_trip():
    spec = ImageGANSpec(model="mlp", z_dim=16, num_classes=3, spectral_norm=True)
    assert ImageGANSpec.from_dict(spec.to_dict()) == spec
    for bad, words in [({"model": "vit"}, "Unknown model"), ({"z_dim": 0}, "z_dim"), ({"d_norm": "x"}, "normalisation"),
                       ({"width": "64"}, "wrong type"), ({"width": True}, "wrong type"),
                       ({"evil": 1}, "Unknown model setting"),
                       ({"hidden_g": [1, "a"]}, "integers")]:
        with pytest.raises(ValueError, match=words):
            ImageGANSpec.from_dict(bad)


@pytest.mark.parametrize("spec, loss", [
    (ImageGANSpec(model="mlp", hidden_g=(32, 32), hidden_d=(32, 32)), "nonsaturating"),
    (ImageGANSpec(model="dcgan", width=8), "nonsaturating"),
    (ImageGANSpec(model="dcgan", width=8, num_classes=10), "hinge"),
    (ImageGANSpec(model="dcgan", width=8, d_norm="layer"), "wgan-gp"),
    (ImageGANSpec(model="mlp", hidden_g=(32,), hidden_d=(32,), spectral_norm=True, num_classes=10), "lsgan"),
])
def test_training_steps_change_weights_and_keep_losses_finite(spec, loss):
    torch.set_num_threads(1)
    trainer = build_trainer(tiny_images(), spec, TrainConfig(loss=loss, batch_size=8, seed=1), fixed_n=16)
    before_g = [p.detach().clone() for p in trainer.G.parameters()]
    before_d = [p.detach().clone() for p in trainer.D.parameters()]
    for _ in range(3):
        rec = trainer.step()
        assert all(np.isfinite(v) for v in rec.values())
    assert all(not torch.equal(a, b) for a, b in zip(before_g, trainer.G.parameters(), strict=True))
    assert any(not torch.equal(a, b) for a, b in zip(before_d, trainer.D.parameters(), strict=True))
    samples = trainer.generate()
    assert samples.shape == (16, 1, 28, 28) and torch.isfinite(samples).all()


def test_same_seed_same_run():
    spec, cfg = ImageGANSpec(width=8), TrainConfig(batch_size=8, seed=3)
    runs = []
    for _ in range(2):
        t = build_trainer(tiny_images(), spec, cfg, fixed_n=8)
        t.step()
        t.step()
        runs.append(t.generate())
    assert torch.equal(runs[0], runs[1])


@pytest.mark.parametrize("spec, loss", [
    (ImageGANSpec(model="dcgan", width=16), "nonsaturating"),
    (ImageGANSpec(model="dcgan", width=8, num_classes=10, depth=1), "hinge"),
    (ImageGANSpec(model="dcgan", width=8, d_norm="layer", spectral_norm=True), "wgan-gp"),
])
def test_channels_last_trains_as_the_plain_layout_does(monkeypatch, spec, loss):
    """The Trainer keeps conv nets in NHWC (channels_last) for faster kernels: the same run as in torch's default
    NCHW layout, to float rounding — losses and D(x), D(G(z)) step by step and the samples after 4 steps."""
    from ganviz.engine import trainer as trainer_module
    torch.set_num_threads(1)
    cfg = TrainConfig(loss=loss, batch_size=16, seed=2)
    fast = build_trainer(tiny_images(), spec, cfg, fixed_n=16)
    assert all(p.is_contiguous(memory_format=torch.channels_last)
               for net in (fast.G, fast.D) for p in net.parameters() if p.dim() == 4)
    monkeypatch.setattr(trainer_module, "channels_last", lambda net: net)
    plain = build_trainer(tiny_images(), spec, cfg, fixed_n=16)
    assert all(p.is_contiguous() for p in plain.D.parameters())
    for _ in range(4):
        a, b = fast.step(), plain.step()
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-4, abs=1e-5), k
    torch.testing.assert_close(fast.generate(), plain.generate(), rtol=1e-4, atol=1e-4)


def test_build_trainer_refuses_more_classes_than_the_model():
    with pytest.raises(ValueError, match="classes"):
        build_trainer(tiny_images(classes=10), ImageGANSpec(width=8, num_classes=5), TrainConfig(batch_size=8))


def test_grid_timeline_keeps_multiples_and_stays_bounded():
    trainer = build_trainer(tiny_images(), ImageGANSpec(model="mlp", hidden_g=(8,), hidden_d=(8,)),
                            TrainConfig(batch_size=4), fixed_n=4)
    tl = live.GridTimeline(every=2, max_frames=4, n=4, nrow=2).attach(trainer)
    for _ in range(8):
        trainer.step()
    steps = [s for s, _ in tl.frames()]
    # frames 0,2,4,6 then 8 overflows: interval doubles to 4 and odd multiples are dropped
    assert steps == [0, 4, 8] and tl.every == 4
    for _ in range(4):
        trainer.step()
    assert [s for s, _ in tl.frames()] == [0, 4, 8, 12]
    grid = tl.frames()[-1][1]
    assert grid.dtype == np.uint8 and grid.shape == (2 * 30 + 2, 2 * 30 + 2)
    assert np.array_equal(grid, make_grid(trainer.generate()[:4], 2))  # the last frame is G now


def test_sample_grid_is_seeded():
    spec = ImageGANSpec(width=8, num_classes=10)
    G, _ = build_gan(spec, seed=0)
    cfg = {"model": spec.to_dict()}
    a, b, c = (pretrained.sample_grid(G, cfg, s) for s in (1, 1, 2))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.shape == (10 * 30 + 2, 10 * 30 + 2)  # 100 samples, one class per column


@pytest.mark.slow
def test_fast_dcgan_preset_learns_digits():
    """The page's default preset, headless: after 1,200 steps (≈ 45 CPU-s) the shipped MNIST classifier
    recognises the samples (classifier-IS ≥ 7.5, measured 8.7; noise or blobs score 2–4) and every digit is
    drawn when asked for (≥ 7 % of the samples each)."""
    from ganviz.images.datasets import load_images
    from ganviz.scoring import classifier, metrics
    try:
        clf = classifier.load_classifier("mnist")
    except FileNotFoundError:
        pytest.skip("no shipped MNIST classifier in models/")
    torch.set_num_threads(1)
    from ganviz import recipes
    images = load_images("mnist")
    spec, config = recipes.build(recipes.resolve("digits_fast"), len(images.class_names))
    trainer = build_trainer(images, spec, config)
    for _ in range(1200):
        trainer.step()
    z = torch.randn(2000, spec.z_dim, generator=torch.Generator().manual_seed(1))
    _, probs = clf.extract(trainer.generate(z, torch.arange(2000) % 10))
    score, _ = metrics.inception_score(probs)
    assert score >= 7.5
    assert np.bincount(probs.argmax(1), minlength=10).min() >= 0.07 * 2000


def test_live_image_run_tracks_is_and_fid_with_the_shipped_classifier():
    from ganviz.scoring import classifier, metrics
    clf = classifier.load_classifier("mnist")
    tracker = metrics.make_tracker(clf, classifier.load_reference("mnist", "test"), n=50)
    run = live.live_image_run(tiny_images(), ImageGANSpec(width=8, z_dim=8), TrainConfig(batch_size=16),
                                  timeline_every=2, quality=tracker, quality_every=2)
    run.step(4)
    hist = run.snapshot().history
    assert list(hist["IS"][0]) == [2, 4] and list(hist["FID"][0]) == [2, 4]
    want_is, want_fid = run.with_trainer(functools.partial(mnist_is_fid, n=50))
    assert hist["IS"][1][-1] == pytest.approx(want_is, rel=1e-6)  # the value of G at step 4, recomputed
    assert hist["FID"][1][-1] == pytest.approx(want_fid, rel=1e-4)


@pytest.mark.parametrize("bad, message", [
    ({"prior": 5}, "wrong type"), ({"prior": "cauchy"}, "prior"), ({"prior": "uniform"}, "prior"),
    ({"prior": "mixture", "mixture_k": 0}, "mixture_k"), ({"prior": "mixture", "mixture_sd": -1.0}, "spread"),
    ({"mixture_sd": True}, "wrong type")])
def test_bad_prior_settings_are_one_sentence(bad, message):
    with pytest.raises(ValueError, match=message):
        ImageGANSpec.from_dict(bad)


def _acgan_trainer(aux_weight=0.7, loss="nonsaturating", conditional=True):
    """A width-8 DCGAN whose D has an auxiliary classifier (AC-GAN when conditional) on fixed real (x, y)."""
    torch.set_num_threads(1)
    images = tiny_images(n=16)
    trainer = build_trainer(images, ImageGANSpec(width=8, num_classes=10 if conditional else 0, aux_classes=10),
                            TrainConfig(loss=loss, batch_size=16, seed=2, aux_weight=aux_weight), fixed_n=8)
    x = torch.as_tensor(images.images, dtype=torch.float32).unsqueeze(1) / 127.5 - 1
    y = torch.as_tensor(images.labels)
    trainer.sample_real = lambda n, rng: (x[:n], y[:n])  # the same real batch every time, drawing nothing
    return trainer, x, y


def test_acgan_discriminator_adds_class_logits_to_the_same_pass():
    D = nets.DCGANDiscriminator(width=8, num_classes=10, aux_classes=10)
    x, y = torch.randn(5, 1, 28, 28), torch.arange(5)
    calls, seen = [], {}
    D.features.register_forward_hook(lambda m, i, o: calls.append(1))
    D.aux.register_forward_hook(lambda m, i, o: seen.update(phi=i[0]))
    D.eval()  # BatchNorm on running statistics, so a second pass sees the same normalisation
    logit, classes = D.forward_aux(x, y)
    assert len(calls) == 1 and classes.shape == (5, 10)  # one pass over the trunk φ
    torch.testing.assert_close(classes, seen["phi"] @ D.aux.weight.T + D.aux.bias)  # the linear head on that φ
    torch.testing.assert_close(logit, D(x, y))  # the real/fake logit is D's ordinary output
    with pytest.raises(ValueError, match="no auxiliary classifier"):
        nets.DCGANDiscriminator(width=8).forward_aux(x)
    for bad in (dict(model="mlp", aux_classes=10), dict(aux_classes=1), dict(num_classes=10, aux_classes=5)):
        with pytest.raises(ValueError, match="auxiliary classifier needs a DCGAN"):
            ImageGANSpec(**bad)
    spec = ImageGANSpec(width=8, num_classes=10, aux_classes=10)
    assert ImageGANSpec.from_dict(spec.to_dict()) == spec and build_gan(spec)[1].aux.out_features == 10
    assert ImageGANSpec.from_dict({"num_classes": 10}).aux_classes == 0  # old checkpoints: no classifier
    with pytest.raises(ValueError, match="weight"):
        TrainConfig(aux_weight=-1)


def test_acgan_losses_add_the_weighted_cross_entropy():
    """D: L_D + λ·CE(C(x_real), y_real) (the classifier learns from real images only); G: L_G + λ·CE(C(G(z, y)), y)
    — each recomputed independently from the same draws of the run's generator."""
    import torch.nn.functional as F

    from ganviz.engine import losses
    lam = 0.7
    t, x, y = _acgan_trainer(lam)
    g = torch.Generator().set_state(t.rng.get_state())
    z = t.latent.sample(16, g)
    with torch.no_grad():
        fake = t.G(z, y)
        out_real, classes_real = t.D.forward_aux(x, y)
        out_fake = t.D(fake, y)
    ce_real = F.cross_entropy(classes_real, y)
    rec = t.d_step()
    assert rec["aux_real"] == pytest.approx(ce_real.item(), rel=1e-5)
    assert rec["loss_d"] == pytest.approx((losses.d_loss("nonsaturating", out_real, out_fake) + lam * ce_real).item(),
                                          rel=1e-5)
    g = torch.Generator().set_state(t.rng.get_state())
    z, yg = t.latent.sample(16, g), torch.randint(10, (16,), generator=g)
    with torch.no_grad():
        out_fake, classes_fake = t.D.forward_aux(t.G(z, yg), yg)
    ce_fake = F.cross_entropy(classes_fake, yg)
    rec = t.g_step()
    assert rec["aux_fake"] == pytest.approx(ce_fake.item(), rel=1e-5)
    assert rec["loss_g"] == pytest.approx((losses.g_loss("nonsaturating", out_fake) + lam * ce_fake).item(), rel=1e-5)


def test_acgan_classifier_learns_the_real_labels_and_weight_zero_leaves_it_untrained():
    """Fifty D steps on one fixed labelled batch drive the auxiliary CE far below log 10 (it memorises the 16
    labels); with aux_weight 0 the head gets no gradient at all."""
    t, x, y = _acgan_trainer(1.0)
    first = t.d_step()["aux_real"]
    assert first == pytest.approx(np.log(10), abs=0.3)
    for _ in range(50):
        last = t.d_step()["aux_real"]
    assert last < 0.3 * first
    t0, _, _ = _acgan_trainer(0.0)
    head = t0.D.aux.weight.detach().clone()
    for _ in range(3):
        t0.step()
    assert torch.equal(head, t0.D.aux.weight)


def test_warm_start_of_an_acgan_from_a_plain_conditional_run():
    """A conditional D without the classifier head starts an AC-GAN (the head keeps its own init); nets that
    differ elsewhere are still refused."""
    plain = build_trainer(tiny_images(), ImageGANSpec(width=8, num_classes=10), TrainConfig(batch_size=8, seed=1))
    plain.step()
    t, _, _ = _acgan_trainer()
    head = t.D.aux.weight.detach().clone()
    t.warm_start(plain.G, plain.D)
    assert torch.equal(t.D.out.weight, plain.D.out.weight) and torch.equal(t.D.aux.weight, head)
    with pytest.raises(ValueError, match="warm-start discriminator does not match"):
        t.warm_start(plain.G, nets.DCGANDiscriminator(width=8, num_classes=10, depth=1))
    from ganviz.engine.trainer import Trainer
    unlabelled = Trainer(plain.G, t.D, lambda n, g: torch.zeros(n, 1, 28, 28), TrainConfig(batch_size=8), z_dim=100)
    with pytest.raises(ValueError, match="labels"):
        unlabelled.step()


def test_catgan_term_is_minus_log_inception_score_of_the_batch():
    """Unconditional G term: E H[p(y|x)] − H[E p(y|x)] = −log IS of the batch (Salimans et al. 2016, one split),
    checked against scipy; −log K for sure, balanced predictions, 0 when every picture gets the same p."""
    from scipy.stats import entropy

    from ganviz.engine.losses import generator_class_term
    logits = torch.randn(64, 10, generator=torch.Generator().manual_seed(0)) * 3
    p = torch.softmax(logits.double(), 1).numpy()
    is_batch = np.exp(np.mean([entropy(row, p.mean(0)) for row in p]))
    assert generator_class_term(logits, None).item() == pytest.approx(-np.log(is_batch), rel=1e-5)
    sure = torch.eye(10).repeat(3, 1) * 60
    assert generator_class_term(sure, None).item() == pytest.approx(-np.log(10), abs=1e-6)
    assert generator_class_term(logits[:1].repeat(8, 1), None).item() == pytest.approx(0, abs=1e-6)
    y = torch.arange(64) % 10
    lg = logits.double().numpy()
    ce = np.mean(np.log(np.exp(lg - lg.max(1, keepdims=True)).sum(1)) + lg.max(1) - lg[np.arange(64), y.numpy()])
    assert generator_class_term(logits, y).item() == pytest.approx(ce, rel=1e-5)  # −mean log softmax(a)_y


def test_unconditional_g_with_the_classifier_trains_on_labels_it_never_sees():
    """Unconditional aux classifier: D's head learns the real labels while G and D take no y; the recorded G term
    equals the CatGAN terms recomputed from the same draws."""
    from ganviz.engine.losses import generator_class_term
    t, x, y = _acgan_trainer(1.0, conditional=False)
    assert t.G.num_classes == 0 and t.D.embed is None
    t.d_step()
    g = torch.Generator().set_state(t.rng.get_state())
    z = t.latent.sample(16, g)
    with torch.no_grad():
        _, classes_fake = t.D.forward_aux(t.G(z))
    rec = t.g_step()
    assert rec["aux_fake"] == pytest.approx(generator_class_term(classes_fake, None).item(), rel=1e-5)
    first = t.d_step()["aux_real"]
    for _ in range(40):
        last = t.d_step()["aux_real"]
    assert last < 0.3 * first
