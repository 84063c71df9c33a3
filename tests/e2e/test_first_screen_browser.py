"""The first screen first (ui.fold) in Chromium: a page opened by its link draws its title and main figure while
what lies below the fold waits (a one-line note says so); once the browser has drawn that screen it asks for the
rest, which arrives without a reload, and a link's settings below the fold are kept."""
from __future__ import annotations

from ganviz.ui.first_screen import PENDING_CLASS
from tests.e2e.conftest import SLIDER, assert_no_exception, keyed, slider_value, wait_ready

TIMEOUT = 120_000

# At the moment the page's first chart is drawn: is the note there, and is a heading from below the fold there?
WATCH_JS = """([heading, note]) => {
  window.__gvFirst = null;
  new MutationObserver(() => {
    if (window.__gvFirst || !document.querySelector('[data-testid="stMain"] .js-plotly-plot')) return;
    const text = document.querySelector('[data-testid="stMain"]').innerText;
    window.__gvFirst = {note: !!document.querySelector('.' + note), below: text.includes(heading)};
  }).observe(document, {subtree: true, childList: true});
}"""


def test_a_link_draws_its_picture_first_and_the_rest_follows(page, server):
    page.set_viewport_size({"width": 1280, "height": 720})
    heading = "Scores against the real test reference"  # Evaluating GANs: the table under the chart
    page.add_init_script(f"({WATCH_JS})({[heading, PENDING_CLASS]!r})")
    page.goto(f"{server}/evaluation")
    page.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=TIMEOUT)
    wait_ready(page, TIMEOUT)
    assert_no_exception(page)
    first = page.evaluate("() => window.__gvFirst")
    assert first == {"note": True, "below": False}, first  # the picture came first, the rest was waiting
    main = page.inner_text("[data-testid='stMain']")
    assert heading in main and "FID depends on N" in main  # ... and then arrived, in the same tab
    assert page.locator(".gv-fold-pending").count() == 0


def test_a_links_setting_below_the_fold_is_kept(page, server):
    """JSD's section 3 slider sits below the fold: it is not drawn in the first run, yet the link's value holds."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/jsd?jsd_sep=3.5")
    wait_ready(page, TIMEOUT)
    assert_no_exception(page)
    thumb = keyed(page, "jsd_sep").locator(SLIDER).first
    assert float(slider_value(thumb)) == 3.5
    assert "jsd_sep=3.5" in page.url


def test_cyclegan_draws_the_open_direction_and_a_click_draws_the_other(page, server):
    """Only the open tab's translation figure is sent; clicking the other tab draws its figure (the live panel
    reruns) and the URL then names it, so a reload opens the same direction."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/cyclegan")
    keyed(page, "cg_fig").locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT)
    wait_ready(page, TIMEOUT)
    assert keyed(page, "cg_fig_y").count() == 0
    page.get_by_role("tab", name="Y → X → Y").click()
    keyed(page, "cg_fig_y").locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT)
    wait_ready(page, TIMEOUT)
    assert_no_exception(page)
    assert "F(y)" in keyed(page, "cg_fig_y").inner_text() and keyed(page, "cg_fig").count() == 0
    assert "cg_direction=" in page.url
    page.reload()
    keyed(page, "cg_fig_y").locator(".js-plotly-plot").first.wait_for(timeout=TIMEOUT)
    assert keyed(page, "cg_fig").count() == 0
