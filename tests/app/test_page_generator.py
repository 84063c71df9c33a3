"""AppTest of pages/generator.py: views drawn, numbers match an independent quad reference, bad input gives one
sentence."""
import numpy as np

from ganviz.onedim import theory as T
from tests.app.test_page_generator_sweep import BASE, MAPS, reference, view_of
from tests.apptest import live_figures, live_keys, metric_values, open_page


def expected_jsd(**setting):
    """JSD by scipy quad on the analytic densities (tests/app/test_page_generator_sweep.py), to 4 decimals."""
    s = {**BASE, **setting}
    return f"{reference(s, view_of(s))['jsd']:.4f}"


def test_default_affine_matches_theory_and_sliders_move_numbers():
    at = open_page("pages/generator.py").run()
    assert not at.exception
    assert len(live_figures(at)) == 3
    m = metric_values(at)
    assert m["JSD(p_data ‖ p_g)"] == expected_jsd()
    at.slider(key="gen_a").set_value(2.0).run()
    m2 = metric_values(at)
    assert m2["JSD(p_data ‖ p_g)"] == expected_jsd(a=2.0)
    assert m2["W1(p_data, p_g)"] != m["W1(p_data, p_g)"]


def test_presets_affine_exact_and_optimal_map():
    at = open_page("pages/generator.py").run()
    at.button(key="gen_preset_0").click().run()  # N(0,1) → N(2, 0.5²) with a = 0.5, b = 2
    m = metric_values(at)
    assert not at.exception and m["JSD(p_data ‖ p_g)"] == "0.0000" and m["W1(p_data, p_g)"] == "0.0000"
    at.button(key="gen_preset_2").click().run()  # G* onto a 3-bump mixture
    m = metric_values(at)
    assert not at.exception and m["JSD(p_data ‖ p_g)"] == "0.0000"
    at.radio(key="gen_prior").set_value("uniform").run()
    assert not at.exception and metric_values(at)["JSD(p_data ‖ p_g)"] == "0.0000"


def test_non_monotone_and_targets():
    at = open_page("pages/generator.py").run()
    at.button(key="gen_preset_3").click().run()  # z², skewed target
    assert not at.exception
    assert metric_values(at)["JSD(p_data ‖ p_g)"] == expected_jsd(target="skewed", gen="nonmono", f=MAPS[0])
    for f in list(T.EXAMPLE_MAPS)[1:]:
        at.selectbox(key="gen_f").set_value(f).run()
        assert not at.exception
    for kind in ("gaussian", "uniform", "skewed", "mixture"):
        at.selectbox(key="gen_target").set_value(kind).run()
        assert not at.exception and len(live_figures(at)) == 3


def test_bad_input_gives_one_sentence():
    at = open_page("pages/generator.py").run()
    at.slider(key="gen_w0").set_value(0.0).run()
    at.slider(key="gen_w1").set_value(0.0).run()
    assert not at.exception and "mixture weights must not all be zero" in at.error[0].value
    at.selectbox(key="gen_target").set_value("uniform").run()
    at.slider(key="gen_ua").set_value(2.0).run()
    at.slider(key="gen_ub").set_value(1.0).run()
    assert not at.exception and "a < b" in at.error[0].value
    at.selectbox(key="gen_target").set_value("gaussian").run()
    at.slider(key="gen_sigma").set_value(0.0).run()
    assert not at.exception and any("raised to the minimum" in w.value for w in at.warning)
    assert "nan" not in " ".join(m.value for m in at.metric).lower()
    at.slider(key="gen_a").set_value(0.0).run()  # constant G: a point mass
    assert not at.exception and any("point mass" in i.value for i in at.info)


def test_mlp_steps_with_the_trainer():
    at = open_page("pages/generator.py").run()
    at.button(key="gen_preset_4").click().run()
    assert not at.exception and at.button(key="gen_toggle").label == "Play"
    # the history chart is there (empty) from step 0: (a)–(c) under it never move when its curves arrive
    assert live_keys(at) == ["gen_fig_h", "gen_fig_a", "gen_fig_b", "gen_fig_c"]
    assert live_figures(at)[0]["data"] == []
    j0 = metric_values(at)["JSD(p_data ‖ p_g)"]
    for _ in range(3):
        at.button(key="gen_step").click().run()
    assert not at.exception
    assert any(c.value.startswith("Step 3") for c in at.caption)
    assert metric_values(at)["JSD(p_data ‖ p_g)"] != j0
    assert 0 <= float(metric_values(at)["JSD(p_data ‖ p_g)"]) <= np.log(2)
