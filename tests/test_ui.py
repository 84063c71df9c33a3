"""Numbers on screen are never NaN or inf."""
import math

from ganviz.ui import device_description, fmt


def test_fmt_guards_non_finite_values():
    assert fmt(float("nan")) == "—"
    assert fmt(float("inf")) == "∞" and fmt(-math.inf) == "−∞"
    assert fmt(None) == "—" and fmt("abc") == "—"
    assert fmt(1 / 3) == "0.3333" and fmt(-math.log(4), ".3f") == "-1.386"


def test_device_description_names_the_device():
    d = device_description()
    assert d.startswith(("CPU · ", "CUDA · ", "Apple MPS"))


def test_fmt_never_shows_negative_zero():
    assert fmt(-1e-9) == "0.0000" and fmt(-0.5, ".2f") == "-0.50"


def test_model_description_names_the_prior_and_the_auxiliary_classifier():
    """The pretrained page's one-line description says how the model was trained, not only on what."""
    from ganviz import pretrained
    from ganviz.ui.latent import describe
    model = {"z_dim": 8, "num_classes": 0, "prior": "mixture", "mixture_k": 5, "mixture_sd": 0.5, "aux_classes": 10}
    config = {"model": model, "data": {"name": "mnist", "n": 10_000}, "step": 4000, "train": {"loss": "hinge"}}
    text = describe(config, pretrained.info_from_config(config, "m", "run"))
    assert text.startswith("trained on mnist (10,000 images); 4,000 steps; hinge loss")
    assert "mixture of 5 Gaussians" in text and "CatGAN" in text and "needs no label" in text
    cond = {"model": {"z_dim": 8, "num_classes": 10, "aux_classes": 10}}
    text = describe(cond, pretrained.info_from_config(cond, "c", "run"))
    assert "class-conditional (10 classes)" in text and "(AC-GAN)" in text and "mixture" not in text
