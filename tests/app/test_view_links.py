"""Links that restore a view: a page opened with URL parameters (AppTest query_params, as the browser sends them)
shows the same widgets and the same numbers as the same settings made by hand; ``?<prefix>_preset=<i>`` applies a
preset; ``?present=1`` turns the presenter view on."""

import pytest

from ganviz.plane import playground
from tests.apptest import live_figures, metric_values, open_page


def opened(path: str, **params) -> object:
    at = open_page(path)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    return at


def stop(at, key: str) -> None:
    at.button(key=key).click().run()  # stop this session's run


def steps(at, key: str, n: int) -> dict:
    for _ in range(n):
        at.button(key=key).click().run()
    return metric_values(at)


def test_discriminator_url_equals_the_same_settings_by_hand():
    # one after the other: AppTest sessions share the page's run slot
    url = opened("pages/discriminator.py", ds_data="Gaussian", ds_mu1="0.5", ds_sigma="0.7", ds_mu_g="1.5",
                 ds_sigma_g="0.4", ds_hidden="8", ds_seed="3")
    assert url.radio(key="ds_data").value == "gaussian" and url.slider(key="ds_mu_g").value == 1.5
    assert url.select_slider(key="ds_hidden").value == 8 and url.number_input(key="ds_seed").value == 3
    a = steps(url, "ds_step", 2)
    stop(url, "ds_reset")
    hand = opened("pages/discriminator.py")
    fresh = metric_values(hand)
    hand.radio(key="ds_data").set_value("gaussian").run()
    for key, value in (("ds_mu1", 0.5), ("ds_sigma", 0.7), ("ds_mu_g", 1.5), ("ds_sigma_g", 0.4)):
        hand.slider(key=key).set_value(value).run()
    hand.select_slider(key="ds_hidden").set_value(8).run()
    hand.number_input(key="ds_seed").set_value(3).run()
    b = steps(hand, "ds_step", 2)
    assert a == b and a["D step"] == "2"
    assert fresh["max V(G, D*)"] != a["max V(G, D*)"]  # the URL did change the view
    stop(hand, "ds_reset")


def test_a_value_equal_to_the_widgets_own_minimum_survives_in_the_url():
    """μ₁ = −4 is the slider's minimum but not the page default (−2): the URL must still carry and restore it."""
    at = opened("pages/discriminator.py", ds_mu1="-4")
    assert at.slider(key="ds_mu1").value == -4.0
    default = opened("pages/discriminator.py")
    assert default.slider(key="ds_mu1").value == -2.0
    stop(at, "ds_reset"), stop(default, "ds_reset")


def test_preset_in_the_url_applies_it_and_further_parameters_override_it():
    at = opened("pages/discriminator.py", ds_preset="2")  # "Disjoint p_g"
    assert at.radio(key="ds_data").value == "gaussian" and at.slider(key="ds_mu_g").value == 2.5
    assert any("Disjoint p" in c.value for c in at.caption)
    over = opened("pages/discriminator.py", ds_preset="2", ds_mu_g="3")
    assert over.slider(key="ds_mu_g").value == 3.0 and over.slider(key="ds_sigma").value == 0.4
    assert not any("Disjoint p" in c.value for c in over.caption)  # never a story that contradicts them
    over.run()
    assert any("settings changed since" in c.value for c in over.caption)
    stop(at, "ds_reset"), stop(over, "ds_reset")


def test_saturation_url_equals_the_slider_moved_by_hand():
    url = opened("pages/saturation.py", sat_a="-3.5")
    hand = opened("pages/saturation.py")
    hand.slider(key="sat_a").set_value(-3.5).run()
    assert metric_values(url) == metric_values(hand)
    assert metric_values(url) != metric_values(opened("pages/saturation.py"))


def test_playground_preset_and_seed_from_the_url_equal_the_clicks():
    i = list(playground.PRESETS).index("PacGAN spreads the fakes (still blurry)")
    url = opened("pages/playground.py", pg_preset=str(i), pg_seed="3")
    assert url.selectbox(key="pg_remedy").value == "pacgan" and url.number_input(key="pg_seed").value == 3
    a = steps(url, "pg_step", 3)
    stop(url, "pg_reset")
    hand = opened("pages/playground.py")
    hand.button(key=f"pg_preset_{i}").click().run()
    hand.number_input(key="pg_seed").set_value(3).run()
    b = steps(hand, "pg_step", 3)
    assert a["Step"] == "3" and a == b
    stop(hand, "pg_reset")


def test_pretrained_url_equals_the_same_seed_grid_and_truncation():
    url = opened("pages/pretrained.py", pt_seed="7", pt_n="4", pt_psi="0.5")
    hand = opened("pages/pretrained.py")
    hand.number_input(key="pt_seed").set_value(7).run()
    hand.slider(key="pt_n").set_value(4).run()
    hand.slider(key="pt_psi").set_value(0.5).run()
    assert metric_values(url) == metric_values(hand) and metric_values(url)["Images"] == "16"
    assert metric_values(url) != metric_values(opened("pages/pretrained.py"))  # mean ‖z‖ depends on seed and ψ


@pytest.mark.parametrize("preset, tab", [(1, "Walk along a direction"), (2, "Vector arithmetic"),
                                         (3, "Style vs class")])
def test_latent_presets_open_the_tab_with_their_result(preset, tab):
    at = open_page("pages/latent.py").run()
    at.button(key=f"lt_preset_{preset}").click().run()
    assert not at.exception and at.session_state["lt_tab"] == tab
    url = opened("pages/latent.py", lt_preset=str(preset))
    assert url.session_state["lt_tab"] == tab


def test_presenter_view_from_the_url_hides_settings_and_scales_chart_fonts():
    home = opened("app.py", present="1")
    assert home.session_state["present"] is True and home.toggle(key="present").value is True
    assert not any("Every live page here runs this same loop" in c.value for c in home.caption)
    at = open_page("pages/discriminator.py")
    at.session_state["present"] = True
    at.run()
    assert not at.exception
    fig = live_figures(at)[0]
    assert fig["layout"]["font"]["size"] >= 20 and fig["layout"]["xaxis"]["tickfont"]["size"] >= 20
    assert not any("the best D for a fixed G" in c.value for c in at.caption)  # formula captions hidden
    assert at.button(key="ds_toggle").label in ("Play", "Pause") and at.latex  # picture, Play, formula stay
    normal = opened("pages/discriminator.py")
    fig = live_figures(normal)[0]
    assert fig["layout"]["font"]["size"] == 14
    stop(normal, "ds_reset")


def test_leaving_a_page_and_coming_back_keeps_its_widgets_and_its_run():
    at = opened("app.py")
    at.switch_page("pages/discriminator.py").run()
    at.slider(key="ds_mu_g").set_value(1.7).run()
    at.button(key="ds_preset_4").click().run()  # "Learning rate too large": lr = 1, the rest at the defaults
    at.slider(key="ds_mu_g").set_value(1.7).run()
    at.button(key="ds_step").click().run()
    before = metric_values(at)
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/discriminator.py").run()
    assert not at.exception
    assert at.slider(key="ds_mu_g").value == 1.7 and at.select_slider(key="ds_lr").value == 1.0
    assert metric_values(at) == before and before["D step"] == "1"  # the same run, not a reset
    assert any("settings changed since" in c.value for c in at.caption)  # the story does not claim the preset
    stop(at, "ds_reset")


def test_dirac_url_equals_the_same_settings_by_hand():
    """The Dirac-GAN page computes its whole run from its settings: a URL with them shows the same numbers."""
    url = opened("pages/dirac.py", dirac_method="Alternating gradient descent", dirac_loss="WGAN, f(t) = t",
                 dirac_lr="0.2", dirac_theta0="1.5", dirac_psi0="-0.5")
    assert url.radio(key="dirac_method").value == "alternating" and url.selectbox(key="dirac_loss").value == "wgan"
    assert url.select_slider(key="dirac_lr").value == 0.2 and url.slider(key="dirac_theta0").value == 1.5
    hand = opened("pages/dirac.py")
    fresh = metric_values(hand)
    hand.radio(key="dirac_method").set_value("alternating").run()
    hand.selectbox(key="dirac_loss").set_value("wgan").run()
    hand.select_slider(key="dirac_lr").set_value(0.2).run()
    hand.slider(key="dirac_theta0").set_value(1.5).run()
    hand.slider(key="dirac_psi0").set_value(-0.5).run()
    assert not hand.exception
    assert metric_values(url) == metric_values(hand) != fresh


def test_cyclegan_and_vae_settings_come_from_the_url():
    cg = opened("pages/cyclegan.py", cg_pair="two-moons → ring-8", cg_lambda="0.0", cg_seed="7")
    assert cg.selectbox(key="cg_pair").value == "two-moons → ring-8"
    assert cg.select_slider(key="cg_lambda").value == 0.0 and cg.number_input(key="cg_seed").value == 7
    vae = opened("pages/vae.py", vae_seed="5", vae_steps="4")
    assert vae.number_input(key="vae_seed").value == 5 and vae.slider(key="vae_steps").value == 4
