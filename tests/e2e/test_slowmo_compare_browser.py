"""The playground's slow motion and Compare with… in Chromium: every sub-step of one iteration shows its title,
formula, numbers and picture, Back goes back, the URL keeps the sub-step across a reload; the compare view trains
two runs side by side with the same step count on screen."""
from __future__ import annotations

import re

from tests.e2e.conftest import assert_no_exception, button_label, click_key, keyed, wait_label, wait_ready

TIMEOUT = 120_000
METRICS_JS = """() => Object.fromEntries(Array.from(document.querySelectorAll(
  '[data-testid="stMain"] [data-testid="stMetric"]')).map(el => [
    el.querySelector('[data-testid="stMetricLabel"]').innerText.trim(),
    el.querySelector('[data-testid="stMetricValue"]').innerText.trim()]))"""
HEADING = re.compile(r"Iteration (\d+) · sub-step (\d+) of (\d+): (.+)")


def open_playground(page, server, query: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{server}/playground?{query}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=TIMEOUT)
    wait_ready(page, TIMEOUT)
    assert_no_exception(page)


def heading(page) -> tuple[int, int, int, str] | None:
    m = HEADING.search(page.locator('[data-testid="stMain"]').inner_text())
    return None if m is None else (int(m[1]), int(m[2]), int(m[3]), m[4].strip())


def wait_heading(page, iteration: int, sub: int) -> None:
    page.wait_for_function(
        "([i, s]) => { const m = document.querySelector('[data-testid=\"stMain\"]').innerText"
        ".match(/Iteration (\\d+) · sub-step (\\d+) of/); return !!m && +m[1] === i && +m[2] === s; }",
        arg=[iteration, sub], timeout=TIMEOUT)


def test_slow_motion_walks_every_substep(page, server, shot):
    open_playground(page, server, "pg_slowmo=true")
    keyed(page, "pg_sm_next").first.wait_for(timeout=TIMEOUT)
    titles = []
    for sub in range(1, 9):
        click_key(page, "pg_sm_next")
        wait_heading(page, 1, sub)
        wait_ready(page, TIMEOUT)
        assert_no_exception(page)
        titles.append(heading(page)[3])
        metrics = page.evaluate(METRICS_JS)
        numbers = {k: v for k, v in metrics.items() if k in ("mean D(x)", "L_D", "‖∇θ_d L_D‖", "L_G", "‖∇θ_g L_G‖",
                                                             "batch size m", "mean move ‖ΔG(z)‖")}
        assert numbers, f"sub-step {sub} shows no number"
        assert not any(v.lower() in ("nan", "inf", "—") for v in numbers.values()), numbers
        assert keyed(page, "pg_sm_fig").locator(".js-plotly-plot").count() == 1
        assert page.locator('[data-testid="stMain"] .katex').count() > 0
        if sub == 4:
            assert 0.5 < float(metrics["L_D"]) < 2.5  # near 2 log 2 at initialisation
    assert titles[0].startswith("Sample noise z") and titles[-1].startswith("G's gradient step")
    shot(page, "playground_slow_motion")
    click_key(page, "pg_sm_back")
    wait_heading(page, 1, 7)
    page.wait_for_url(re.compile(r"pg_sm_at=1\.6"), timeout=TIMEOUT)
    page.reload()  # the link keeps the sub-step
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=TIMEOUT)
    wait_heading(page, 1, 7)
    assert_no_exception(page)


def shown_step(page, run: str = "A") -> int:
    value = page.evaluate(METRICS_JS).get(f"{run}: step", "0")
    return int(value.replace(",", "")) if value.replace(",", "").isdigit() else 0


def test_compare_trains_two_runs_in_lockstep(page, server, shot):
    open_playground(page, server, "pg_cmp=true")
    keyed(page, "pg_cmp_toggle").first.wait_for(timeout=TIMEOUT)
    click_key(page, "pg_cmp_preset_3")  # k = 1 vs 5
    wait_ready(page, TIMEOUT)
    click_key(page, "pg_cmp_toggle")
    wait_label(page, "pg_cmp_toggle", "Pause", TIMEOUT)
    for _ in range(TIMEOUT // 250):
        if shown_step(page) >= 5:
            break
        page.wait_for_timeout(250)
    assert shown_step(page) >= 5
    assert keyed(page, "pg_cmp_fig_a").locator(".js-plotly-plot").count() == 1
    assert keyed(page, "pg_cmp_fig_b").locator(".js-plotly-plot").count() == 1
    click_key(page, "pg_cmp_toggle")
    wait_label(page, "pg_cmp_toggle", "Play", TIMEOUT)
    wait_ready(page, TIMEOUT)
    assert_no_exception(page)
    m = page.evaluate(METRICS_JS)
    assert int(m["A: step"].replace(",", "")) >= 5 and m["A: step"] == m["B: step"], m
    assert button_label(page, "pg_cmp_toggle").endswith("Play")
    shot(page, "playground_compare")
