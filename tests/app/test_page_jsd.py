"""AppTest of pages/jsd.py: the shown numbers match ganviz.onedim.theory and move with the sliders."""
import numpy as np

from ganviz.onedim import theory as T
from tests.apptest import metric_values, open_page

X = T.make_grid(-16.0, 16.0, 3201)


def mix(w, shift=0.0, scale=1.0):
    return T.Affine(T.Mixture([w, 1 - w], [-2, 2], [0.7, 0.7]), shift, scale).pdf(X)


def test_theorem1_numbers_agree_and_match_theory():
    at = open_page("pages/jsd.py").run()
    assert not at.exception
    m = metric_values(at)
    assert m["V(G, D*) by integration"] == m["−log 4 + 2·JSD"]
    p, q = mix(0.5), mix(0.5, 1.5)
    assert float(m["V(G, D*) by integration"]) == round(T.c_of_g(X, p, q), 6)
    assert float(m["JSD(p_data ‖ p_g)"]) == round(T.jsd(X, p, q), 6)
    at.slider(key="jsd_shift").set_value(0.0).run()
    m = metric_values(at)
    assert m["V(G, D*) by integration"] == m["−log 4 + 2·JSD"] == f"{-np.log(4):.6f}"
    at.slider(key="jsd_scale").set_value(2.0).run()
    at.slider(key="jsd_wg").set_value(0.9).run()
    m2 = metric_values(at)
    assert not at.exception and float(m2["JSD(p_data ‖ p_g)"]) > 0.05
    assert m2["V(G, D*) by integration"] == m2["−log 4 + 2·JSD"]


def test_disjoint_supports_log2_and_w1_grows():
    at = open_page("pages/jsd.py").run()
    for theta, w1 in ((3.0, "3.0000"), (5.5, "5.5000")):
        at.slider(key="jsd_theta").set_value(theta).run()
        m = metric_values(at)
        assert not at.exception
        assert m["JSD"] == f"{np.log(2):.6f}" and m["C(G) = V(G, D*)"] in ("0.000000", "-0.000000")
        assert m["W1"] == w1


def test_forward_reverse_kl_fits():
    at = open_page("pages/jsd.py").run()
    at.slider(key="jsd_sep").set_value(6.0).run()
    at.slider(key="jsd_wmode").set_value(0.3).run()
    m = metric_values(at)
    assert not at.exception
    mu_f, s_f = map(float, m["forward: μ, σ"].split(","))
    mu_r, s_r = map(float, m["reverse: μ, σ"].split(","))
    assert abs(mu_f - (0.3 * -3 + 0.7 * 3)) < 0.01 and s_f > 2.5  # moment matching spans both modes
    assert abs(mu_r - 3.0) < 0.05 and abs(s_r - 0.6) < 0.05  # sits on the heavier mode


def test_prop2_steps_lower_c_to_minus_log4():
    at = open_page("pages/jsd.py").run()
    c0 = float(metric_values(at)["C(G) now"])
    at.button(key="jsd_step").click().run()
    assert at.slider(key="jsd_steps").value == 1
    c1 = float(metric_values(at)["C(G) now"])
    assert c1 < c0
    at.slider(key="jsd_steps").set_value(60).run()
    m = metric_values(at)
    assert not at.exception and abs(float(m["C(G) now"]) + np.log(4)) < 1e-5
    at.button(key="jsd_reset").click().run()
    assert at.slider(key="jsd_steps").value == 0


def test_presets_run():
    at = open_page("pages/jsd.py").run()
    for i in range(5):
        at.button(key=f"jsd_preset_{i}").click().run()
        assert not at.exception
    assert at.slider(key="jsd_steps").value == 30
