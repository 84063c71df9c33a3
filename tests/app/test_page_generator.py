"""AppTest of pages/generator.py: views drawn, numbers match an independent quad reference, bad input gives one
sentence."""
import math

from ganviz.onedim import theory as T
from tests.app.test_page_generator_sweep import BASE, MAPS, close, reference, view_of
from tests.apptest import live_figures, live_keys, metric_values, open_page
from tests.test_mlp_pushforward import BIMODAL, UNIF, MLPRef, trained
from tests.test_mlp_pushforward import reference as mlp_reference


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


def shown_equal_mlp_reference(at, target, prior, steps, seed=0):
    """The live MLP's KL, JSD, W1 and mass in view as shown, against the quad reference on the weights of the
    same run replayed headless (same seed, same steps, one torch thread as in the worker): within half a unit
    of the last shown digit; KL = ∞ comes with its one-sentence reason. Returns the worst error in those units."""
    live, trainer, _ = trained(target, prior, seed, steps)
    ref = mlp_reference(target, MLPRef(trainer.sampling_G, prior), (live.x[0], live.x[-1]))
    ref["mass"] *= 100
    m = metric_values(at)
    shown = {"kl": m["KL(p_data ‖ p_g)"], "jsd": m["JSD(p_data ‖ p_g)"], "w1": m["W1(p_data, p_g)"],
             "mass": m["p_g mass in view"]}
    errors = {k: close(shown[k], ref[k]) for k in shown}
    print("error in units of the last shown digit:", errors)
    assert max(errors.values()) <= 0.5, (shown, ref)
    reasons = [c.value for c in at.caption if c.value.startswith("KL = ∞:")]
    assert (shown["kl"] == "∞") == math.isinf(ref["kl"]) == bool(reasons), (shown, reasons)
    assert all("p_data has mass where p_g = 0 (G(z) only reaches" in r for r in reasons), reasons
    outside = [w.value for w in at.warning if "outside the plotted range" in w.value]
    assert bool(outside) == (ref["mass"] < 100 - 5e-3), (outside, ref["mass"])
    assert all(w.endswith("KL, JSD and W1 above use all of p_g.") for w in outside), outside
    # the live notes slot always holds one caption: an empty slot is not drawn and the charts under it would move
    notes = [c.value for c in at.caption if c.value.startswith(("KL = ∞:", "KL, JSD and W1 from G's exact"))]
    assert len(notes) == 1, notes
    return max(errors.values())


def test_mlp_steps_with_the_trainer_and_shows_exact_numbers():
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
    shown_equal_mlp_reference(at, BIMODAL, "normal", 3)
    # U(−1, 1) noise onto U(−1, 2): G's range is a bounded interval, so KL = ∞ with its reason
    at.radio(key="gen_prior").set_value("uniform").run()
    at.selectbox(key="gen_target").set_value("uniform").run()
    at.slider(key="gen_ub").set_value(2.0).run()
    for _ in range(2):
        at.button(key="gen_step").click().run()
    assert not at.exception and any(c.value.startswith("Step 2") for c in at.caption)
    shown_equal_mlp_reference(at, UNIF, "uniform", 2)
