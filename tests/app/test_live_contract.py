"""The one live-run contract of the pages: ``ui.live_run(experiment, page, prefix)`` gives the session's run,
applies the live settings to it without new nets, starts a new run for a new key, and draws the controls — and
every page with a live run gets it that way and no other."""
import re

import pytest
from streamlit.testing.v1 import AppTest

from ganviz import ui
from ganviz.engine.experiment import Experiment
from tests.apptest import ROOT, open_page


def _contract_page():
    from functools import partial

    import streamlit as st

    from ganviz import ui
    from ganviz.engine.experiment import Experiment
    from ganviz.engine.live import LiveRun
    from tests.helpers import toy_trainer

    lr = st.select_slider("lr", [1e-3, 5e-4, 2e-4], key="t_lr")
    nets = st.number_input("nets", 0, 3, 0, key="t_nets")
    run, snap = ui.live_run(Experiment(("toy", nets), partial(LiveRun, toy_trainer), {"lr_g": lr, "lr_d": lr}),
                            "contract-test", "t", extra=())
    st.session_state["t_run"] = run
    st.caption(f"shown step {snap.step}")


def test_live_run_applies_live_settings_and_restarts_on_a_new_key():
    at = AppTest.from_function(_contract_page, default_timeout=60).run()
    assert not at.exception
    first = at.session_state["t_run"]
    assert at.button(key="t_toggle").label == "Play"  # the controls are drawn
    at.button(key="t_step").click().run()
    at.button(key="t_step").click().run()
    assert first.trainer.step_count == 2
    at.select_slider(key="t_lr").set_value(5e-4).run()
    assert at.session_state["t_run"] is first  # a live setting: the same run, its two steps kept …
    assert first.trainer.step_count == 2
    assert (first.trainer.config.lr_g, first.trainer.config.lr_d) == (5e-4, 5e-4)  # … at the new learning rate
    for group in (*first.trainer.opt_g.param_groups, *first.trainer.opt_d.param_groups):
        assert group["lr"] == 5e-4
    at.number_input(key="t_nets").set_value(1).run()
    second = at.session_state["t_run"]
    assert second is not first and first.state == "stopped"  # a new key: the old run ends, a fresh one starts
    assert second.trainer.step_count == 0 and second.trainer.config.lr_g == 5e-4
    second.stop()


PAGES = {  # page → (its session key, its widget prefix, clicks that reach its live run)
    "pages/generator.py": ("generator", "gen", ("gen_preset_4",)),  # the MLP preset
    "pages/discriminator.py": ("discriminator", "ds", ()),
    "pages/playground.py": ("playground", "pg", ()),
    "pages/train_images.py": ("train_images", "ti", ()),
    "pages/cyclegan.py": ("cyclegan", "cg", ()),
    "pages/vae.py": ("vae", "vae", ()),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_every_live_page_gets_its_run_from_the_contract(page, monkeypatch):
    page_key, prefix, clicks = PAGES[page]
    seen = []
    real = ui.live_run

    def spy(exp, key, key_prefix, *args, **kwargs):
        seen.append((exp, key, key_prefix))
        return real(exp, key, key_prefix, *args, **kwargs)

    monkeypatch.setattr(ui, "live_run", spy)
    at = open_page(page, timeout=180).run()
    for key in clicks:
        at.button(key=key).click().run()
    assert not at.exception
    assert (page_key, prefix) in [(key, key_prefix) for _, key, key_prefix in seen]
    assert all(isinstance(exp, Experiment) for exp, _, _ in seen)
    assert at.button(key=f"{prefix}_toggle").label == "Play"  # its controls, drawn by the contract


def test_no_page_builds_or_steers_a_run_itself():
    """A page's run comes only from ui.live_run: no page starts a run, asks for the session's run, applies
    settings to it or draws its controls by itself; and every page with a live panel goes through the contract."""
    banned = re.compile(r"\b(session_run|run_controls|WorkerRun|LiveRun|live_image_run|live_vae_run)\b"
                        r"|\b(run|pair)\.update\(")
    live_pages = set()
    for path in sorted((ROOT / "pages").glob("*.py")):
        source = path.read_text()
        assert not banned.search(source), f"{path.name}: {banned.search(source).group(0)}"
        if "ui.live_panel(" in source:
            assert "ui.live_run(" in source, path.name
            live_pages.add(f"pages/{path.name}")
    assert live_pages == set(PAGES)
