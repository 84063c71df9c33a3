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
