"""AppTest of pages/discriminator.py: runs, Step advances the step shown, presets and sliders move the numbers,
extreme settings never show NaN or crash."""
import base64

import numpy as np
import pytest
from scipy import integrate, stats

from tests.apptest import live_figures, metric_values, open_page


def number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture()
def at():
    page = open_page("pages/discriminator.py").run()
    assert not page.exception
    yield page
    page.button(key="ds_reset").click().run()  # stop this session's run


def shown_d(at) -> tuple[np.ndarray, np.ndarray]:
    """The trained D(x) the page plots (x, D) — every 3rd point of its grid."""
    def arr(a):
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=a["dtype"]) if isinstance(a, dict) else np.array(a)
    for fig in live_figures(at):
        for trace in fig["data"]:
            if trace.get("name") == "D(x), trained":
                return arr(trace["x"]), arr(trace["y"])
    raise AssertionError("no trained D on the page")


def reference_v_and_gap(at, p_data, p_g) -> tuple[float, float]:
    """V(G, D) = ∫ p_data log D + p_g log(1 − D) and ‖D − D*‖ = (∫ (D − D*)² (p_data + p_g)/2)^½ for the D the page
    plots, by Simpson's rule on its points with the analytic densities (scipy.stats)."""
    x, d = shown_d(at)
    p, q = p_data(x), p_g(x)
    v = integrate.simpson(p * np.log(d) + q * np.log1p(-d), x=x)
    gap = np.sqrt(integrate.simpson((d - p / (p + q)) ** 2 * (p + q) / 2, x=x))
    return v, gap


def test_step_advances_the_step_and_v_and_gap_are_the_integrals_of_the_shown_d(at):
    m = metric_values(at)
    assert m["D step"] == "0" and number(m["max V(G, D*)"]) == pytest.approx(-1.0123, abs=1e-4)
    def p_data(x):
        return 0.5 * stats.norm.pdf(x, -2, 0.6) + 0.5 * stats.norm.pdf(x, 2, 0.6)

    def p_g(x):
        return stats.norm.pdf(x, 0, 1.5)

    for steps in (0, 3):
        for _ in range(steps):
            at.button(key="ds_step").click().run()
        m = metric_values(at)
        assert not at.exception and m["D step"] == str(steps)
        v, gap = reference_v_and_gap(at, p_data, p_g)
        assert abs(number(m["V(G, D)"]) - v) <= 5e-5 + 1e-6 and abs(number(m["‖D − D*‖"]) - gap) <= 5e-5 + 1e-6
        assert number(m["V(G, D)"]) <= number(m["max V(G, D*)"])
    at.radio(key="ds_data").set_value("gaussian").run()
    at.slider(key="ds_mu1").set_value(1.0).run()
    at.slider(key="ds_sigma_g").set_value(0.5).run()
    at.button(key="ds_step").click().run()
    m = metric_values(at)
    v, gap = reference_v_and_gap(at, lambda x: stats.norm.pdf(x, 1.0, 0.6), lambda x: stats.norm.pdf(x, 0, 0.5))
    assert abs(number(m["V(G, D)"]) - v) <= 5e-5 + 1e-6 and abs(number(m["‖D − D*‖"]) - gap) <= 5e-5 + 1e-6
    assert len(at.latex) >= 3 and at.number_input(key="ds_seed").value == 0


def test_presets_and_sliders_move_the_numbers(at):
    at.button(key="ds_preset_2").click().run()
    m = metric_values(at)
    assert not at.exception and m["max V(G, D*)"] == "0.0000"  # −log 4 + 2·log 2
    at.button(key="ds_preset_3").click().run()
    assert metric_values(at)["max V(G, D*)"] == "-1.3863"  # −log 4
    at.slider(key="ds_mu_g").set_value(1.0).run()
    v = number(metric_values(at)["max V(G, D*)"])
    assert not at.exception and -1.3863 < v < 0


def test_extreme_settings_never_show_nan(at):
    at.slider(key="ds_sigma").set_value(0.1).run()
    at.slider(key="ds_sigma_g").set_value(3.0).run()
    at.select_slider(key="ds_lr").set_value(1.0).run()
    for _ in range(3):
        at.button(key="ds_step").click().run()
    at.radio(key="ds_data").set_value("gaussian").run()
    at.button(key="ds_step").click().run()
    assert not at.exception
    shown = " ".join(metric_values(at).values()).lower()
    assert "nan" not in shown and "inf" not in shown


@pytest.mark.slow
def test_figure1_button_shows_the_equilibrium(at):
    at.button(key="ds_fig1_run").click().run(timeout=180)
    m = metric_values(at)
    assert not at.exception
    assert number(m["W1(p_g, p_data) at the start"]) > 1.5
    assert number(m["W1(p_g, p_data) at the end"]) < 0.1
    assert number(m["E_p_data |D − ½| at the end"]) < 0.1
