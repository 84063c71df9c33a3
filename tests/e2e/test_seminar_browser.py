"""Seminar checks in Chromium at a projector's 1280×720: every page opened by its URL shows no exception, no KaTeX
error, no display formula wider than its column, no cut button label, and the top half of its main figure on the
first screen (and, at 1920×1080, the whole figure); a URL with parameters restores the view, also after a reload;
``?present=1`` is the presenter view."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from ganviz import sitemap
from tests.e2e.conftest import assert_no_exception, keyed, page_url, slider_value, wait_ready

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from seminar import DEFECTS_JS, MAIN_FIGURE_JS, TEXT_PAGES  # noqa: E402  (one definition of what is measured)

AVAILABLE = [f for pages in sitemap.available().values() for f, *_ in pages]
FIGURE = ('[data-testid="stMain"] .js-plotly-plot, [data-testid="stMain"] [data-testid="stImage"] img, '
          '[data-testid="stMain"] img.gv-live-image')


def open_at(page, url: str, timeout: float = 180_000) -> None:
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    wait_ready(page, timeout)


@pytest.mark.parametrize("page_file", AVAILABLE)
def test_page_at_projector_size(page, server, page_file):
    open_at(page, page_url(server, page_file))
    if page_file not in TEXT_PAGES:
        page.wait_for_selector(FIGURE, timeout=180_000)
        wait_ready(page, 180_000)
    assert_no_exception(page)
    d = page.evaluate(DEFECTS_JS)
    assert d["katexErrors"] == 0, f"{page_file}: KaTeX error"
    assert d["clipped"] == 0, f"{page_file}: {d['clipped']} formula(s) wider than their column (by {d['worst']} px)"
    assert d["cut"] == 0, f"{page_file}: cut button labels {d['labels']}"
    if page_file in TEXT_PAGES:
        return
    fig = page.evaluate(MAIN_FIGURE_JS)  # page coordinates of the main figure, with the page at scroll 0
    assert fig is not None, f"{page_file}: no main figure"
    assert fig["middle"] <= 720, (f"{page_file}: the main figure's top half ends at y = {fig['middle']:.0f} "
                                  f"(top {fig['top']:.0f}; screen: 720 px)")
    page.set_viewport_size({"width": 1920, "height": 1080})  # a full-HD projector: the whole figure
    fig = stable_figure(page)
    assert fig["bottom"] <= 1080, (f"{page_file}: at 1920×1080 the main figure ends at y = {fig['bottom']:.0f} "
                                   f"(top {fig['top']:.0f}; screen: 1080 px)")


def stable_figure(page, tries: int = 20) -> dict:
    """The main figure's box once the layout has settled after a resize (two equal reads 200 ms apart)."""
    last = None
    for _ in range(tries):
        page.wait_for_timeout(200)
        now = page.evaluate(MAIN_FIGURE_JS)
        if now is not None and now == last:
            return now
        last = now
    return last


def test_a_url_with_parameters_restores_the_view_also_after_a_reload(page, server):
    url = f"{server}/discriminator?ds_data=Gaussian&ds_mu_g=1.5&ds_seed=3"
    open_at(page, url)
    keyed(page, "ds_mu_g").first.wait_for()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="max V(G, D*)").first

    def shown():
        return (slider_value(keyed(page, "ds_mu_g").locator('input[type="range"], [role="slider"]').first),
                keyed(page, "ds_seed").locator("input").first.input_value(),
                metric.locator('[data-testid="stMetricValue"]').inner_text())

    first = shown()
    assert first[0] in ("1.5", "1.50") and first[1] == "3"
    assert "ds_mu_g=1.5" in page.url
    page.reload()
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    wait_ready(page)
    keyed(page, "ds_mu_g").first.wait_for()
    assert shown() == first and "ds_mu_g=1.5" in page.url
    open_at(page, f"{server}/discriminator")
    keyed(page, "ds_mu_g").first.wait_for()
    assert shown()[2] != first[2]  # the parameters did change the numbers


def test_presenter_view_by_url(page, server):
    open_at(page, f"{server}/saturation?present=1")
    page.wait_for_selector(".js-plotly-plot .xtick text", timeout=60_000)
    assert_no_exception(page)
    size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector("
                         "'[data-testid=\"stMain\"] [data-testid=\"stMarkdownContainer\"] p')).fontSize)")
    assert size >= 20
    tick = page.evaluate("() => Math.max(...Array.from(document.querySelectorAll('.js-plotly-plot .xtick text'))"
                         ".map(t => parseFloat(t.style.fontSize || getComputedStyle(t).fontSize)))")
    assert tick >= 20
    assert page.locator(".st-key-gv_settings_sat").count() == 0 or not page.locator(
        ".st-key-gv_settings_sat").first.is_visible()
    assert re.search(r"present=1", page.url)
    page.reload()  # the link keeps the presenter view
    page.wait_for_selector(".js-plotly-plot .xtick text", timeout=60_000)
    assert page.locator(".st-key-gv_settings_sat").count() == 0 or not page.locator(
        ".st-key-gv_settings_sat").first.is_visible()
