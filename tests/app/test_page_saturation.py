"""AppTest of pages/saturation.py: the logit slider moves the gradient numbers (checked against −σ(a) and
−(1 − σ(a))), presets work, and a diverging experiment is reported in a sentence."""
import math

import numpy as np
import pytest

from tests.apptest import metric_values, open_page

SAT, NS = "saturating: d/da log(1 − σ(a))", "non-saturating: d/da (−log σ(a))"


def test_logit_slider_moves_the_gradients_to_their_closed_forms():
    at = open_page("pages/saturation.py").run()
    assert not at.exception and len(at.latex) >= 3
    for a in (-6.0, 0.0, 4.0):
        at.slider(key="sat_a").set_value(a).run()
        m = metric_values(at)
        s = 1 / (1 + math.exp(-a))
        assert float(m["D(G(z)) = σ(a)"]) == pytest.approx(s, rel=1e-3)
        assert float(m[SAT]) == pytest.approx(-s, rel=1e-3)
        assert float(m[NS]) == pytest.approx(-(1 - s), rel=1e-3)


def test_ratio_of_the_slopes_is_exp_minus_a_at_every_logit():
    """(1 − σ(a))/σ(a) = e^(−a): shown with thousands separators and no decimals from 10 on, else 3 digits."""
    at = open_page("pages/saturation.py").run()
    s = at.slider(key="sat_a")
    lo, hi, step = float(s.min), float(s.max), float(s.step)
    for a in np.round(np.arange(lo, hi + step / 2, step), 10):
        at.slider(key="sat_a").set_value(float(a)).run()
        shown = metric_values(at)["ratio of the slopes"]
        r = math.exp(-a)
        assert shown == (f"{r:,.0f}×" if r >= 10 else f"{r:.3g}×"), (a, shown)


def test_diverging_experiment_is_a_sentence_and_presets_apply():
    at = open_page("pages/saturation.py").run()
    at.button(key="sat_preset_1").click().run()
    assert at.select_slider(key="sat_pretrain").value == 0 and at.slider(key="sat_a").value == 0.0
    at.button(key="sat_preset_3").click().run()
    assert at.select_slider(key="sat_lr_g").value == 3.0
    at.select_slider(key="sat_pretrain").set_value(25).run()  # both G's then blow up within ~30 steps
    at.button(key="sat_run").click().run(timeout=120)
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "loss diverged" in warnings and " nan " not in warnings and "lower the learning rate" in warnings
    shown = " ".join(metric_values(at).values()).lower()
    assert "nan" not in shown and "inf" not in shown


@pytest.mark.slow
def test_default_experiment_shows_saturation():
    at = open_page("pages/saturation.py").run()
    at.button(key="sat_run").click().run(timeout=180)
    m = metric_values(at)
    assert not at.exception
    g_sat = float(m["G's gradient norm, first step · minimax"])
    g_ns = float(m["G's gradient norm, first step · nonsaturating"])
    assert g_sat < g_ns / 100
