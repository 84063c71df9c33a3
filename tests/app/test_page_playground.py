"""AppTest of pages/playground.py: presets, widgets, Step / Step D / Step G / Reset, CSV upload errors."""
import pytest

from ganviz import playground
from tests.apptest import metric_values, open_page

PAGE = "pages/playground.py"


@pytest.fixture
def at():
    at = open_page(PAGE).run()
    assert not at.exception
    return at


def metrics(at):
    return metric_values(at)


def test_page_runs_with_formulas_charts_and_metrics(at):
    m = metrics(at)
    assert m["Step"] == "0"
    assert m["Modes covered"].endswith("/ 2")  # default preset: two Gaussians
    latex = " ".join(x.value for x in at.latex)
    assert r"L_G = -\mathbb{E}[\log D(G(z))]" in latex and r"\log (K q_k)" in latex
    assert len(at.get("plotly_chart")) == 5
    assert "nan" not in " ".join(m.values()).lower()


def test_step_buttons_advance_the_counter_and_show_numbers(at):
    at.button(key="pg_step").click().run()
    assert not at.exception
    m = metrics(at)
    assert m["Step"] == "1" and m["D loss"] != "—"
    # the non-saturating D loss at initialisation is near 2·log 2 (D ≈ ½ everywhere)
    assert abs(float(m["D loss"]) - 1.386) < 0.3
    at.button(key="pg_step_d").click().run()
    at.button(key="pg_step_g").click().run()
    assert metrics(at)["Step"] == "3"
    at.button(key="pg_reset").click().run()
    assert not at.exception and metrics(at)["Step"] == "0"


@pytest.mark.parametrize("index", range(len(playground.PRESETS)))
def test_every_preset_applies_and_steps(at, index):
    name = list(playground.PRESETS)[index]
    cfg = playground.PRESETS[name][1]
    at.button(key=f"pg_preset_{index}").click().run()
    assert not at.exception
    assert at.selectbox(key="pg_dataset").value == cfg.dataset
    assert at.selectbox(key="pg_loss").value == cfg.loss and at.selectbox(key="pg_remedy").value == cfg.remedy
    assert any(name in c.value for c in at.caption)  # its one-line story
    at.button(key="pg_step").click().run()
    assert not at.exception and metrics(at)["Step"] == "1"


def test_loss_and_lr_change_live_keep_the_step(at):
    at.button(key="pg_step").click().run()
    at.selectbox(key="pg_loss").set_value("hinge").run()
    at.select_slider(key="pg_lr_d").set_value(1e-4).run()
    assert not at.exception
    assert metrics(at)["Step"] == "1"  # live change: same nets, same step
    latex = " ".join(x.value for x in at.latex)
    assert r"\max(0, 1 - D(x))" in latex
    assert "critic" in " ".join(metrics(at))
    at.button(key="pg_step").click().run()
    assert metrics(at)["Step"] == "2"


def test_nets_change_resets_the_run(at):
    at.button(key="pg_step").click().run()
    at.select_slider(key="pg_width").set_value(32).run()
    assert not at.exception and metrics(at)["Step"] == "0"


@pytest.mark.parametrize("data", ["spiral", "two-moons", "grid-25"])
def test_datasets(at, data):
    at.selectbox(key="pg_dataset").set_value(data).run()
    assert not at.exception
    at.button(key="pg_step").click().run()
    assert not at.exception and metrics(at)["Step"] == "1"
    assert ("Modes covered" in metrics(at)) == (data == "grid-25")


@pytest.mark.parametrize("remedy", ["pacgan", "unrolled", "spectral_norm", "wgan-gp"])
def test_remedies_step(at, remedy):
    at.selectbox(key="pg_remedy").set_value(remedy).run()
    at.button(key="pg_step").click().run()
    assert not at.exception and metrics(at)["Step"] == "1"


def test_csv_choice_without_file_explains(at):
    at.selectbox(key="pg_dataset").set_value("csv").run()
    assert not at.exception
    assert any("Upload a CSV" in i.value for i in at.info)


def test_one_d_uniform_noise_and_sgd(at):
    at.select_slider(key="pg_z_dim").set_value(1).run()
    at.radio(key="pg_prior").set_value("uniform").run()
    at.selectbox(key="pg_opt").set_value("sgd").run()
    at.button(key="pg_step").click().run()
    assert not at.exception and metrics(at)["Step"] == "1"
