"""AppTest of pages/discriminator.py: runs, Step advances the step shown, presets and sliders move the numbers,
extreme settings never show NaN or crash."""
import pytest

from tests.apptest import metric_values, open_page


def number(text: str) -> float:
    return float(text.replace(",", ""))


@pytest.fixture()
def at():
    page = open_page("pages/discriminator.py").run()
    assert not page.exception
    yield page
    page.button(key="ds_reset").click().run()  # stop this session's run


def test_step_advances_the_step_and_d_approaches_d_star(at):
    m = metric_values(at)
    assert m["D step"] == "0" and number(m["max V(G, D*)"]) == pytest.approx(-1.0123, abs=1e-4)
    gap0, v0 = number(m["‖D − D*‖"]), number(m["V(G, D)"])
    for _ in range(3):
        at.button(key="ds_step").click().run()
    m = metric_values(at)
    assert not at.exception and m["D step"] == "3"
    assert number(m["‖D − D*‖"]) != gap0 and number(m["V(G, D)"]) != v0
    assert number(m["V(G, D)"]) <= number(m["max V(G, D*)"])
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
