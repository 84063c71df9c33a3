"""AppTest of pages/train_images.py: it runs, its main widgets move, and the shown numbers change."""
import numpy as np
import pytest

from tests.apptest import live_figures, live_images, metric_values, open_page

PAGE = "pages/train_images.py"


@pytest.fixture
def at():
    at = open_page(PAGE, timeout=120)
    at.session_state["ti_dataset"] = "digits8x8"  # the smallest built-in dataset keeps the test fast
    at.session_state["ti_model"] = "mlp"
    at.session_state["ti_conditional"] = False
    return at.run()


def test_page_shows_source_formula_and_idle_numbers(at):
    assert not at.exception
    assert any("sklearn 8×8 digits train, 1,497 images" in c.value for c in at.caption)
    assert any(r"\min_G \max_D" in x.value for x in at.latex)
    m = metric_values(at)
    assert m["Step"] == "0" and m["D(x)"] == "—"
    assert at.number_input(key="ti_seed").value == 0


def test_step_buttons_advance_the_run_and_fill_d_outputs(at):
    at.button(key="ti_step").click().run()
    assert not at.exception
    m = metric_values(at)
    assert m["Step"] == "1"
    d_x = float(m["D(x)"])
    assert 0.0 < d_x < 1.0  # a probability after σ for the non-saturating loss
    at.button(key="ti_step_d").click().run()
    assert metric_values(at)["Step"] == "2"
    assert len(live_figures(at)) == 3  # losses, D outputs, gradient norms
    grid = live_images(at)["ti_grid"]  # G(z) on fixed noise, enlarged 3× by repeating pixels
    assert grid.ndim == 2 and grid.shape[0] % 3 == 0 and grid.shape[1] % 3 == 0
    np.testing.assert_array_equal(np.repeat(np.repeat(grid[::3, ::3], 3, axis=0), 3, axis=1), grid)
    assert grid.min() < grid.max()  # a picture, not a blank
    assert at.slider(key="ti_k").value == 1


def test_preset_and_live_settings(at):
    preset = [b for b in at.button if b.label.startswith("WGAN-GP")][0]
    preset.click().run()
    assert not at.exception
    assert at.selectbox(key="ti_loss").value == "wgan-gp" and at.slider(key="ti_k").value == 5
    m = metric_values(at)
    assert "critic(x)" in m and "D(x)" not in m  # a critic's raw score is not a probability
    at.select_slider(key="ti_lr_g").set_value(5e-4).run()
    at.slider(key="ti_k").set_value(2).run()
    at.button(key="ti_step").click().run()
    assert not at.exception
    assert metric_values(at)["Step"] == "1"
    assert at.select_slider(key="ti_lr_g").value == 5e-4


def test_dcgan_conditional_and_new_seed_reset_the_run(at):
    at.button(key="ti_step").click().run()
    assert metric_values(at)["Step"] == "1"
    at.radio(key="ti_model").set_value("dcgan").run()
    at.select_slider(key="ti_width").set_value(16).run()
    assert not any("D(x,y)" in x.value for x in at.latex)
    at.toggle(key="ti_conditional").set_value(True).run()
    assert not at.exception
    assert any("D(x,y)" in x.value for x in at.latex)  # the conditional objective is shown
    assert metric_values(at)["Step"] == "0"  # new nets, new run
    at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "1"
    at.number_input(key="ti_seed").set_value(7).run()
    assert metric_values(at)["Step"] == "0"


def test_deeper_dcgan_and_ema_start_new_runs_that_train(at):
    at.radio(key="ti_model").set_value("dcgan").run()
    at.select_slider(key="ti_width").set_value(16).run()
    at.select_slider(key="ti_depth").set_value(1).run()
    at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "1"
    at.toggle(key="ti_ema").set_value(True).run()  # the averaged G needs its own copy: a new run
    assert not at.exception and metric_values(at)["Step"] == "0"
    at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "1"


def test_timeline_scrubs_snapshots_and_offers_downloads(at):
    at.select_slider(key="ti_every").set_value(5).run()
    for _ in range(5):
        at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "5"
    timeline = at.slider(key="ti_timeline")
    assert (timeline.min, timeline.max) == (0, 1)  # grids at steps 0 and 5
    timeline.set_value(1).run()
    assert not at.exception and at.slider(key="ti_timeline").value == 1
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["PNG of the grid", "GIF of the timeline", "Checkpoint (.zip)"]


def test_page_runs_inside_the_app_navigation():
    at = open_page("app.py", timeout=120).run()
    at.switch_page("pages/train_images.py").run()
    assert not at.exception
    assert at.title[0].value == "Train on images"
    assert at.selectbox(key="ti_dataset").value == "mnist" and at.radio(key="ti_model").value == "dcgan"
    assert at.toggle(key="ti_conditional").value is True  # the measured 3-minute preset
    assert any("Source:" in c.value and "images" in c.value for c in at.caption)


def test_mixture_latent_starts_a_new_run_that_trains(at):
    at.button(key="ti_step").click().run()
    at.toggle(key="ti_mixture").set_value(True).run()  # a new prior: new nets and a new run
    assert not at.exception and metric_values(at)["Step"] == "0"
    at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "1"


def test_acgan_toggle_needs_a_conditional_dcgan_and_plots_the_classifier(at):
    """The classifier toggle is off-limits for the MLP; on a conditional DCGAN (AC-GAN) it starts a new run whose
    D has the auxiliary classifier, and its two terms are plotted once it trains."""
    assert at.toggle(key="ti_aux").disabled
    at.radio(key="ti_model").set_value("dcgan").run()
    at.select_slider(key="ti_width").set_value(16)
    at.toggle(key="ti_conditional").set_value(True).run()
    at.toggle(key="ti_aux").set_value(True).run()
    assert not at.exception and not at.toggle(key="ti_aux").disabled
    for _ in range(2):
        at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "2"
    assert any("classifier C on D's features" in c.value for c in at.caption)  # drawn once C's losses are recorded


def test_sharpened_unconditional_preset_sets_the_recipe_and_trains(at):
    """One click: unconditional DCGAN, mixture latent and D's classifier; the run steps and plots C's terms."""
    at.button(key="ti_preset_2").click().run()
    assert not at.exception
    assert at.toggle(key="ti_conditional").value is False and at.radio(key="ti_model").value == "dcgan"
    assert at.toggle(key="ti_mixture").value is True and at.toggle(key="ti_aux").value is True
    at.selectbox(key="ti_dataset").set_value("digits8x8").run()  # keep the steps small
    at.button(key="ti_step").click().run()
    assert not at.exception and metric_values(at)["Step"] == "1"
    assert any("classifier C on D's features" in c.value for c in at.caption)
