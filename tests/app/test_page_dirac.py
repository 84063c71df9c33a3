"""AppTest of pages/dirac.py: the closed-form numbers on screen, presets, Play / Step / Reset, every slider swept."""
import re

import pytest

from ganviz import ui
from ganviz.beyond import dirac
from tests.apptest import live_figures, metric_values, open_page

PAGE = "pages/dirac.py"


@pytest.fixture
def at():
    at = open_page(PAGE).run()
    assert not at.exception
    return at


def shown_step(at) -> int:
    for c in at.caption:
        m = re.match(r"Step ([\d,]+) · (\w+)", c.value)
        if m:
            return int(m.group(1).replace(",", ""))
    raise AssertionError("no step line")


def clean(at) -> dict:
    assert not at.exception and not at.error
    m = metric_values(at)
    text = " ".join(m.values()).lower()
    assert "nan" not in text and "inf" not in text
    return m


def pair(values) -> str:
    """The eigenvalue pair as the test expects to read it."""
    a = max(values, key=lambda z: z.imag)
    if abs(a.imag) < 1e-12:
        return None
    return f"±{abs(a.imag):.3f}i" if abs(a.real) < 5e-4 else f"{a.real:.3f} ± {abs(a.imag):.3f}i"


def test_page_shows_the_rotation_and_its_eigenvalues(at):
    m = clean(at)
    assert m["Eigenvalues of J"] == "±0.500i" and m["f′(0)"] == "0.500" and m["damping d"] == "0.000"
    assert m["Spectral radius ρ(M)"] == "1.00000"
    assert m["θₜ"] == "1.000" and m["ψₜ"] == "1.000" and shown_step(at) == 0
    assert any("**circle**" in md.value for md in at.markdown)
    assert len(live_figures(at)) == 2 and len(at.get("download_button")) == 1
    assert any("oscillation detector" in c.value and "**fires**" in c.value for c in at.caption)


def test_step_play_pause_and_reset(at):
    at.button(key="dirac_step").click().run()
    assert shown_step(at) == 1
    traj = dirac.trajectory(dirac.DiracConfig())
    assert metric_values(at)["θₜ"] == f"{traj[1, 0]:.3f}"
    at.button(key="dirac_toggle").click().run()  # Play: each frame of the fragment advances steps // 60
    assert not at.exception and shown_step(at) == 1 + 1000 // 60
    assert at.button(key="dirac_toggle").label == "Pause" and at.button(key="dirac_step").disabled
    at.button(key="dirac_toggle").click().run()
    assert at.button(key="dirac_toggle").label == "Play"
    at.button(key="dirac_reset").click().run()
    assert shown_step(at) == 0


def test_every_preset_applies_its_settings_story_and_closed_forms(at):
    for index, (name, (story, changes)) in enumerate(dirac.PRESETS.items()):
        at.button(key=f"dirac_preset_{index}").click().run()
        m = clean(at)
        cfg = dirac.DiracConfig(**changes)
        assert at.selectbox(key="dirac_loss").value == cfg.loss and at.radio(key="dirac_method").value == cfg.method
        assert at.select_slider(key="dirac_lr").value == cfg.lr and at.slider(key="dirac_d_steps").value == cfg.d_steps
        assert any(ui.md_escape(story) in c.value for c in at.caption), name  # shown through Markdown as written
        lam = dirac.eigenvalues(cfg)
        if lam is None:
            assert "Eigenvalues of J" not in m and any("no Jacobian" in w.value for w in at.warning), name
            continue
        assert m["Eigenvalues of J"] == pair(lam), name
        assert m["Spectral radius ρ(M)"] == f"{dirac.spectral_radius(cfg):.5f}", name


def test_sliders_swept_over_their_ranges(at):
    at.checkbox(key="dirac_r1").check().run()
    sweeps = {"dirac_lr": [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0], "dirac_gamma": [0.05, 0.3, 2.0],
              "dirac_noise": [0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5], "dirac_steps": [200, 500, 1000, 2000, 5000]}
    for key, values in sweeps.items():
        assert len(at.select_slider(key=key).options) >= len(values)
        for value in values:
            at.select_slider(key=key).set_value(value).run()
            clean(at)
    for key, values in (("dirac_d_steps", (1, 7, 20)), ("dirac_theta0", (-2.0, 0.0, 2.0)),
                        ("dirac_psi0", (-2.0, 0.0, 2.0))):
        for value in values:
            at.slider(key=key).set_value(value).run()
            clean(at)
    at.slider(key="dirac_theta0").set_value(0.0).run()  # start at the equilibrium: nothing moves
    at.slider(key="dirac_psi0").set_value(0.0).run()
    m = clean(at)
    assert m["Distance to (0, 0)"] == "0" and m["… relative to the start"] == "—"
    for loss in dirac.LOSSES:
        at.selectbox(key="dirac_loss").set_value(loss).run()
        clean(at)
    at.radio(key="dirac_method").set_value("simultaneous").run()
    assert at.slider(key="dirac_d_steps").disabled
    at.select_slider(key="dirac_lr").set_value(1.0).run()  # a large step: the run blows up, the page says "—"
    at.selectbox(key="dirac_loss").set_value("wgan").run()
    at.slider(key="dirac_theta0").set_value(2.0).run()
    at.select_slider(key="dirac_steps").set_value(5000).run()
    clean(at)
