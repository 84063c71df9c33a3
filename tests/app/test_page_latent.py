"""AppTest of "Latent space": lerp vs slerp numbers, the walk, vector arithmetic picks, style vs class."""
import math

import numpy as np
import pytest
import torch
from scipy import stats

from tests.apptest import live_keys, metric_values, open_page


@pytest.fixture()
def at():
    at = open_page("pages/latent.py", timeout=120)
    at.run()
    assert not at.exception and not at.error
    return at


def _num(at, label):
    return float(metric_values(at)[label])


def test_prior_norm_and_lerp_midpoint_caption_are_the_chi_means(at):
    """z ~ N(0, I_100): E‖z‖ = √2·Γ(50.5)/Γ(50) (chi mean); the lerp midpoint (z₀ + z₁)/2 ~ N(0, I/2) has 1/√2 of it."""
    chi = math.sqrt(2) * math.exp(math.lgamma(50.5) - math.lgamma(50.0))
    assert metric_values(at)["E‖z‖, z ~ N(0, I)"] == f"{chi:.2f}"
    assert any(f"lerp midpoint has E‖z‖ ≈ {chi / math.sqrt(2):.2f} (it is N(0, I/2))" in c.value for c in at.caption)


def test_slerp_stays_on_the_shell_while_lerp_sags(at):
    assert _num(at, "‖z‖ slerp (middle)") == pytest.approx(10, abs=1.0)
    assert _num(at, "‖z‖ lerp (middle)") == pytest.approx(7.1, abs=1.0)
    before = _num(at, "‖z‖ lerp (middle)")
    at.number_input(key="lt_seed_b").set_value(11).run()
    assert not at.exception and _num(at, "‖z‖ lerp (middle)") != before
    assert "lt_norms_fig" in live_keys(at) and len(at.get("download_button")) == 2


def test_walk_range_moves_the_end_norm(at):
    before = _num(at, "‖z‖ at the ends")
    at.slider(key="lt_walk_range").set_value(20.0).run()
    assert not at.exception and _num(at, "‖z‖ at the ends") > before


def test_vector_arithmetic_picks_and_missing_picks(at):
    before = _num(at, "‖Y‖")
    at.multiselect(key="lt_A").set_value([9, 10, 11]).run()
    assert not at.exception and _num(at, "‖Y‖") != before
    at.multiselect(key="lt_B").set_value([]).run()
    assert not at.exception
    assert any("at least one exemplar" in w.value for w in at.warning)
    assert "‖Y‖" not in metric_values(at)


def test_style_vs_class_preset_on_the_conditional_model(at):
    at.button(key="lt_preset_3").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="lt_model").value == "Conditional DCGAN · MNIST"
    assert at.slider(key="lt_style_rows").value == 5
    at.selectbox(key="lt_cls").set_value(3).run()
    assert not at.exception


def test_arithmetic_preset_uses_the_conditional_sevens(at):
    at.button(key="lt_preset_2").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="lt_cls").value == 7
    assert at.multiselect(key="lt_A").value == [6, 21, 14]
    # Y = z̄_A − z̄_B + z̄_C from the grid's z: seed 0's uniforms through Φ⁻¹ (scipy), N(0, 1) cut at ±8
    u = torch.rand(24, 100, generator=torch.Generator().manual_seed(0), dtype=torch.float64).numpy()
    lo = stats.norm.cdf(-8.0)
    z = stats.norm.ppf(lo + u * (1 - 2 * lo)).astype(np.float32)
    y = z[[6, 21, 14]].mean(0) - z[[12, 5, 2]].mean(0) + z[[18, 15, 11]].mean(0)
    assert metric_values(at)["‖Y‖"] == f"{np.linalg.norm(y):.2f}"
