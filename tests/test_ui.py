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
    from ganviz.images import pretrained
    from ganviz.ui.latent import describe
    model = {"z_dim": 8, "num_classes": 0, "prior": "mixture", "mixture_k": 5, "mixture_sd": 0.5, "aux_classes": 10}
    config = {"model": model, "data": {"name": "mnist", "n": 10_000}, "step": 4000, "train": {"loss": "hinge"}}
    text = describe(config, pretrained.info_from_config(config, "m", "run"))
    assert text.startswith("trained on mnist (10,000 images); 4,000 steps; hinge loss")
    assert "mixture of 5 Gaussians" in text and "CatGAN" in text and "needs no label" in text
    cond = {"model": {"z_dim": 8, "num_classes": 10, "aux_classes": 10}}
    text = describe(cond, pretrained.info_from_config(cond, "c", "run"))
    assert "class-conditional (10 classes)" in text and "(AC-GAN)" in text and "mixture" not in text


def test_md_escape_backslashes_every_markdown_character():
    """CommonMark: a backslash before ASCII punctuation makes it literal, so D* and p_g are shown as written."""
    import re

    from ganviz.ui import md_escape

    text = "p_g = p_data: D* = ½; optimal map G*; 2*x and *not italic* `code` [link] $x$ ~s~ #1 a\\b"
    escaped = md_escape(text)
    assert not re.search(r"(?<!\\)[*_`$~#\[\]]", escaped.replace("\\\\", ""))  # none left unescaped
    assert re.sub(r"\\(.)", r"\1", escaped) == text  # and nothing else changed


def test_chart_fonts_are_14_px_and_follow_the_font_scale():
    import numpy as np

    from ganviz.plots import base, live1d, toy
    from ganviz.plots import eval as pe

    x = np.linspace(-3, 3, 50)
    figs = [live1d.d_star_figure(x, x * 0 + 0.1, x * 0 + 0.1, x * 0 + 0.5),
            toy.series_figure({"loss_d": (np.arange(5), np.ones(5))}, {"loss_d": "D loss"}),
            pe.class_hist_figure({"a": np.full(10, 0.1)}, [str(i) for i in range(10)])]
    for fig in figs:
        layout = fig.layout.to_plotly_json()
        assert layout["font"]["size"] == 14 and layout["xaxis"]["tickfont"]["size"] == 14
        assert layout["legend"]["font"]["size"] == 14
    try:
        base.set_font_scale_source(lambda: 1.5)
        assert live1d.d_star_figure(x, x, x, x).layout.font.size == 21
    finally:
        from ganviz import ui
        base.set_font_scale_source(lambda: ui.PRESENTER_SCALE if ui.presenting() else 1.0)
