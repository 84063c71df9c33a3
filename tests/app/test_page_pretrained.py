"""AppTest of "Pretrained DCGAN": widgets move the shown numbers; presets, class picker and the upload path work."""
import pytest

from ganviz.images import latent
from tests.apptest import metric_values, open_page


@pytest.fixture()
def at():
    at = open_page("pages/pretrained.py")
    at.run()
    assert not at.exception and not at.error
    return at


def _num(at, label):
    return float(metric_values(at)[label])


def test_the_default_mixture_model_shows_its_own_expected_norm(at):
    """dcgan_mnist draws z = μ_k + s·ε: E‖z‖ ≈ mean_k √(‖μ_k‖² + s²·d) (‖·‖ concentrates in 100 dimensions)."""
    from ganviz.images import pretrained
    prior = pretrained.latent_prior(pretrained.load(pretrained.MODELS_DIR / "dcgan_mnist")[1])
    expected = (prior.centres.pow(2).sum(1) + prior.sd ** 2 * 100).sqrt().mean().item()
    assert _num(at, "E‖z‖ (ψ off)") == pytest.approx(expected, abs=0.05)
    assert _num(at, "mean ‖z‖") == pytest.approx(expected, abs=0.3)
    assert any(r"\mu_k + s" in x.value for x in at.latex)  # the page writes the mixture's formula


def test_truncation_grid_size_and_seed_change_the_shown_numbers(at):
    at.button(key="pt_preset_1").click().run()       # "Digits, Gaussian latent": z ~ N(0, I)
    assert not at.exception and not any(r"\mu_k" in x.value for x in at.latex)
    assert _num(at, "Images") == 64
    assert _num(at, "E‖z‖ (ψ off)") == pytest.approx(latent.expected_norm(100), abs=0.01)
    assert _num(at, "mean ‖z‖") == pytest.approx(10.0, abs=0.3)
    at.slider(key="pt_psi").set_value(0.5).run()
    assert not at.exception
    # truncated to [−0.5, 0.5]: E z_i² = truncnorm var ≈ 0.0797 → ‖z‖ ≈ √(100·0.0797) ≈ 2.8
    assert _num(at, "mean ‖z‖") == pytest.approx(2.82, abs=0.1)
    at.slider(key="pt_n").set_value(4).run()
    assert _num(at, "Images") == 16
    before = _num(at, "mean ‖z‖")
    at.number_input(key="pt_seed").set_value(7).run()
    assert not at.exception and _num(at, "mean ‖z‖") != before
    assert at.get("download_button")


def test_conditional_preset_shows_a_class_picker(at):
    at.button(key="pt_preset_3").click().run()       # "One digit, many styles"
    assert not at.exception
    assert at.selectbox(key="pt_cls").value == "7" and _num(at, "Images") == 100
    at.selectbox(key="pt_cls").set_value("All classes").run()
    assert not at.exception and _num(at, "Images") == 100   # 10 rows × one class per column
    at.button(key="pt_preset_2").click().run()       # "Fashion", unconditional: no class picker
    assert not at.exception and not any(s.key == "pt_cls" for s in at.selectbox)


def test_upload_choice_without_a_file_asks_for_one(at):
    at.selectbox(key="pt_model").set_value("Upload a checkpoint…").run()
    assert not at.exception and not at.error
    assert any("Upload a checkpoint" in i.value for i in at.info)
