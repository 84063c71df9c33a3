"""AppTest of pages/playground.py: presets, widgets, Step / Step D / Step G / Reset, live changes, CSV upload."""
import pytest

from ganviz.plane import playground
from tests.apptest import live_figures, metric_values, open_page

PAGE = "pages/playground.py"


@pytest.fixture
def at():
    at = open_page(PAGE).run()
    assert not at.exception
    return at


def step(at, key="pg_step"):
    at.button(key=key).click().run()
    assert not at.exception
    return metric_values(at)


def test_page_runs_with_formulas_charts_and_metrics(at):
    m = metric_values(at)
    assert m["Step"] == "0"
    assert m["Modes covered"].endswith("/ 2")  # default preset: two Gaussians
    latex = " ".join(x.value for x in at.latex)
    assert r"L_G = -\mathbb{E}[\log D(G(z))]" in latex and r"\log (K q_k)" in latex
    assert len(live_figures(at)) == 5
    assert "nan" not in " ".join(m.values()).lower()


def test_step_buttons_advance_the_counter_and_reset(at):
    m = step(at)
    assert m["Step"] == "1" and m["D loss"] != "—"
    # the non-saturating D loss at initialisation is near 2·log 2 ≈ 1.386 (D ≈ ½ everywhere)
    assert abs(float(m["D loss"]) - 1.386) < 0.3
    step(at, "pg_step_d")
    assert step(at, "pg_step_g")["Step"] == "3"
    assert step(at, "pg_reset")["Step"] == "0"


def test_redraw_period_keeps_the_run(at):
    """The live view's redraw period is the user's choice; changing it never touches the run."""
    assert at.select_slider(key="pg_refresh").value == 1.0
    step(at)
    for period in (0.25, 5.0):
        at.select_slider(key="pg_refresh").set_value(period).run()
        assert not at.exception and metric_values(at)["Step"] == "1"


def test_every_preset_applies_its_settings_and_story(at):
    for index, (name, (story, cfg)) in enumerate(playground.PRESETS.items()):
        at.button(key=f"pg_preset_{index}").click().run()
        assert not at.exception, name
        assert at.selectbox(key="pg_dataset").value == cfg.dataset
        assert at.selectbox(key="pg_loss").value == cfg.loss
        assert at.selectbox(key="pg_remedy").value == cfg.remedy
        assert at.select_slider(key="pg_lr_g").value == cfg.lr_g and at.slider(key="pg_k").value == cfg.k
        assert at.select_slider(key="pg_decay_from").value == (cfg.decay_start if cfg.decay_steps else 0)
        assert at.select_slider(key="pg_mixture_k").value == cfg.mixture_k, name
        assert any(story in c.value.replace("\\", "") for c in at.caption), name  # shown Markdown-escaped
    assert step(at)["Step"] == "1"  # the last preset trains


def pause_note(at) -> str:
    return " ".join(c.value for c in at.caption if "the preset's budget" in c.value)


def test_remedy_presets_pause_at_their_step_budget_on_any_data_until_a_setting_changes(at):
    """Each remedy preset (and the best one) tells where Play pauses: its step budget, on ring-8 or grid-25 alike;
    the other presets, and a remedy preset once a setting changed, pause nowhere."""
    for index, name in enumerate(playground.PRESETS):
        at.button(key=f"pg_preset_{index}").click().run()
        budget = {**playground.STEP_BUDGETS, playground.BEST_PRESET: 10_000}.get(name)
        if budget is None:
            assert pause_note(at) == "", name
            continue
        assert f"Play pauses at step {budget:,}, the preset's budget" in pause_note(at), name
        at.selectbox(key="pg_dataset").set_value("grid-25").run()
        assert f"Play pauses at step {budget:,}" in pause_note(at), name
        width = at.select_slider(key="pg_width")
        width.set_value(64 if width.value != 64 else 32).run()
        assert pause_note(at) == "", name


def test_loss_and_lr_change_live_and_keep_the_step(at):
    step(at)
    at.selectbox(key="pg_loss").set_value("hinge").run()
    at.select_slider(key="pg_lr_d").set_value(1e-4).run()
    assert not at.exception
    m = metric_values(at)
    assert m["Step"] == "1"  # live change: same nets, same step
    assert any(label.startswith("critic") for label in m)
    assert r"\max(0, 1 - D(x))" in " ".join(x.value for x in at.latex)
    assert step(at)["Step"] == "2"
    at.select_slider(key="pg_decay_from").set_value(1_000).run()  # the lr schedule is live too
    assert not at.exception and metric_values(at)["Step"] == "2"


def test_nets_change_resets_the_run(at):
    step(at)
    at.select_slider(key="pg_width").set_value(32).run()
    assert not at.exception and metric_values(at)["Step"] == "0"


def test_datasets_remedies_noise_and_optimizers_step(at):
    for data in ("spiral", "two-moons", "grid-25"):
        at.selectbox(key="pg_dataset").set_value(data).run()
        m = step(at)
        assert m["Step"] == "1" and ("Modes covered" in m) == (data == "grid-25"), data
    for remedy in ("pacgan", "unrolled", "spectral_norm", "wgan-gp"):
        at.selectbox(key="pg_remedy").set_value(remedy).run()
        assert not at.exception, remedy
        step(at)
    at.select_slider(key="pg_z_dim").set_value(1).run()
    at.radio(key="pg_prior").set_value("uniform").run()
    at.selectbox(key="pg_opt").set_value("sgd").run()
    assert step(at)["Step"] == "1"


def test_csv_upload_trains_and_bad_csv_says_why(at):
    at.selectbox(key="pg_dataset").set_value("csv").run()
    assert not at.exception and any("Upload a CSV" in i.value for i in at.info)
    at.file_uploader(key="pg_csv").set_value(("pts.csv", b"x,y\n0,0\n1,1\n2,0\n3,1\n", "text/csv")).run()
    assert not at.exception and not at.error
    assert step(at)["Step"] == "1"
    at.file_uploader(key="pg_csv").set_value(("bad.csv", b"x,y\n1,2\n3,oops\n", "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Data row 2 has a value that is not a number: 'oops'."]


def test_mixture_prior_and_its_k_reset_the_run_and_train(at):
    """The mixture prior (a disconnected latent) and its K are net settings: choosing them resets, then it trains."""
    assert at.select_slider(key="pg_mixture_k").disabled  # only for the mixture prior
    step(at)
    at.radio(key="pg_prior").set_value("mixture").run()
    assert not at.exception and metric_values(at)["Step"] == "0"
    assert not at.select_slider(key="pg_mixture_k").disabled
    step(at)
    at.select_slider(key="pg_mixture_k").set_value(2).run()
    assert metric_values(at)["Step"] == "0"
    m = step(at)
    assert m["Step"] == "1" and "nan" not in " ".join(m.values()).lower()


def test_a_reload_within_the_grace_period_reattaches_to_the_run(at):
    """The run's id is in the URL; a closed session detaches the run (ganviz.engine.reattach) and a new session
    opening the same URL takes it back: the step count continues instead of starting from 0."""
    import streamlit as st
    step(at)
    step(at)
    run_id = at.query_params["run"]
    assert run_id
    st.cache_resource.clear()  # what streamlit does when the session ends: on_release detaches the run
    again = open_page(PAGE)
    again.query_params["run"] = run_id
    again.run()
    assert not again.exception and metric_values(again)["Step"] == "2"
    assert again.query_params["run"] == run_id
    st.cache_resource.clear()
    fresh = open_page(PAGE).run()  # no id in the URL: a new run
    assert metric_values(fresh)["Step"] == "0" and fresh.query_params["run"] != run_id
