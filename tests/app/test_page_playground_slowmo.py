"""AppTest of the playground's slow motion and Compare with…: every sub-step renders with its numbers (the
Trainer's, for the page's seed), Back / Next / the URL, and the compare view with both runs in lockstep."""
from dataclasses import replace

import pytest

from ganviz.engine import live, losses, worker
from ganviz.plane import compare, playground, slowmo, toy
from tests.apptest import live_figures, metric_values, open_page

PAGE = "pages/playground.py"


@pytest.fixture
def at():
    at = open_page(PAGE).run()
    assert not at.exception
    yield at
    worker.stop_all()


def heading(at) -> str:
    return next(m.value for m in at.markdown if "sub-step" in m.value and m.value.startswith("**Iteration"))


def click(at, key):
    at.button(key=key).click().run()
    assert not at.exception
    return at


def reference_iteration(k: int):
    """The page's default preset at the given k, traced from its seed (what the page must show)."""
    cfg = replace(playground.PRESETS[playground.DEFAULT_PRESET][1], k=k)
    data = toy.DATASETS[cfg.dataset]()
    return slowmo.trace_iteration(playground.build_trainer(cfg, data, metric_every=0), data.extent)


@pytest.mark.parametrize("k", [1, 2])
def test_every_substep_renders_with_its_numbers(at, k):
    at.slider(key="pg_k").set_value(k).run()
    at.toggle(key="pg_slowmo").set_value(True).run()
    assert not at.exception and "Next sub-step" in at.info[0].value
    ref = reference_iteration(k)
    assert len(ref.substeps) == 5 * k + 3
    for j, sub in enumerate(ref.substeps):
        click(at, "pg_sm_next")
        assert heading(at) == f"**Iteration 1 · sub-step {j + 1} of {5 * k + 3}: {sub.title}**"
        shown = metric_values(at)
        for name, value in sub.numbers.items():
            label = slowmo.LABELS[name]
            assert label in shown, (sub.kind, label)
            if name not in ("m",) and not name.startswith("lr_"):
                assert float(shown[label]) == pytest.approx(value, abs=6e-5), (sub.kind, name)
        assert live_figures(at)[-1] is not None
        assert "nan" not in " ".join(shown.values()).lower()
    assert at.query_params["pg_sm_at"] == [f"1.{5 * k + 2}"] or at.query_params["pg_sm_at"] == f"1.{5 * k + 2}"
    click(at, "pg_sm_next")
    assert heading(at).startswith("**Iteration 2 · sub-step 1 of")
    click(at, "pg_sm_back")
    assert heading(at).startswith(f"**Iteration 1 · sub-step {5 * k + 3} of")
    # the live run was never touched
    assert metric_values(at)["Step"] == "0"


def test_url_restores_the_substep_and_the_loss_formula_follows_the_loss():
    at = open_page(PAGE)
    at.query_params["pg_slowmo"] = "true"
    at.query_params["pg_sm_at"] = "2.3"
    at.query_params["pg_loss"] = losses.LOSS_LABELS["minimax"]  # a selectbox's URL value is its label
    at.run()
    try:
        assert not at.exception
        assert heading(at).startswith("**Iteration 2 · sub-step 4 of 8: The D loss")
        click(at, "pg_sm_next"), click(at, "pg_sm_next"), click(at, "pg_sm_next")
        assert heading(at).startswith("**Iteration 2 · sub-step 7 of 8: The G loss")
        assert any(r"L_G = \mathbb{E}[\log(1 - D(G(z)))]" in x.value for x in at.latex)
    finally:
        worker.stop_all()


@pytest.mark.parametrize("bad", ["x.-1", "1e9.0", "3", "2.99999"])
def test_bad_url_position_is_ignored_or_clamped(bad):
    at = open_page(PAGE)
    at.query_params["pg_slowmo"] = "true"
    at.query_params["pg_sm_at"] = bad
    at.run()
    try:
        assert not at.exception
        if bad == "2.99999":  # a sub-step past the end: the iteration's last one
            assert heading(at).startswith("**Iteration 2 · sub-step 8 of 8")
        else:
            assert "Next sub-step" in at.info[0].value
    finally:
        worker.stop_all()


def test_compare_view_renders_both_runs_in_lockstep(at):
    at.toggle(key="pg_cmp").set_value(True).run()
    assert not at.exception
    assert len(live_figures(at)) == 5 + 6  # the page's five, two pictures, four shared charts
    click(at, "pg_cmp_step")
    m = metric_values(at)
    assert m["A: step"] == m["B: step"] == "1"
    assert float(m["A: G loss"]) > 0 > float(m["B: G loss"])  # −log D vs log(1 − D) at D ≈ ½
    assert m["Step"] == "0"  # the live run is not the pair
    for j, name in enumerate(compare.PRESETS):
        click(at, f"pg_cmp_preset_{j}")
        contrast = compare.PRESETS[name]
        assert at.selectbox(key="pg_cmp_setting").value == contrast.setting
        assert any(c.value == contrast.story for c in at.caption)
        click(at, "pg_cmp_step")
        m = metric_values(at)
        assert m["A: step"] == m["B: step"] != "0", name  # the first preset is the default contrast: step 2


def test_compare_needs_a_difference_and_says_when_busy(at):
    at.toggle(key="pg_cmp").set_value(True).run()
    at.selectbox(key="pg_cmp_setting").set_value("k").run()
    at.slider(key="pg_cmp_k").set_value(1).run()  # the run's own k
    assert not at.exception and "differ" in at.info[0].value
    at.slider(key="pg_cmp_k").set_value(5).run()
    cap = live.job_cap()
    live.set_job_cap(1)
    live._acquire()  # another tab holds the only slot
    try:
        click(at, "pg_cmp_toggle")
        assert any("The server is busy" in w.value for w in at.warning)
        assert any("free its training slot" in c.value for c in at.caption)
    finally:
        live._release()
        live.set_job_cap(cap)


@pytest.mark.parametrize("remedy", ["pacgan", "unrolled", "wgan-gp"])
def test_slow_motion_with_each_remedy(at, remedy):
    at.selectbox(key="pg_remedy").set_value(remedy).run()
    at.toggle(key="pg_slowmo").set_value(True).run()
    for _ in range(8):
        click(at, "pg_sm_next")
    assert heading(at).startswith("**Iteration 1 · sub-step 8 of 8: G's gradient step")
    shown = metric_values(at)
    assert "‖∇θ_g L_G‖" in shown and "nan" not in " ".join(shown.values()).lower()
    click(at, "pg_sm_back")
    if remedy == "unrolled":  # G's loss against D five look-ahead steps on (the page's default unrolling)
        assert any("5 look-ahead steps" in c.value for c in at.caption)
    if remedy == "wgan-gp":
        assert "mean critic D(G(z))" in metric_values(at)


def test_the_url_restores_the_comparison():
    at = open_page(PAGE)
    at.query_params["pg_cmp"] = "true"
    at.query_params["pg_cmp_setting"] = compare.SETTINGS["k"]  # a selectbox's URL value is its label
    at.query_params["pg_cmp_k"] = "3"
    at.run()
    try:
        assert not at.exception
        assert at.selectbox(key="pg_cmp_setting").value == "k" and at.slider(key="pg_cmp_k").value == 3
        click(at, "pg_cmp_step")
        m = metric_values(at)
        assert m["A: step"] == m["B: step"] == "1"
        assert any(c.value.startswith("Both runs start at step 0") for c in at.caption)
    finally:
        worker.stop_all()
