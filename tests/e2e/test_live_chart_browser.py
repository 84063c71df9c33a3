"""Live charts update in place (ui.live_chart) in Chromium: during a playground run its picture is one plot div
redrawn by Plotly.react — the same DOM node across updates, drawn in every animation frame — and plotly.js comes
from the app's own server (no outside request)."""
from __future__ import annotations

from urllib.parse import urlparse

from tests.e2e.conftest import STEP_JS, assert_no_exception, click_key, keyed, wait_ready

TIMEOUT = 120_000
CHART = ".st-key-pg_fig .js-plotly-plot"

# every animation frame for ``seconds``: is the chart the node tagged when watching began, is it drawn (a trace, the
# heatmap), and did Plotly.react hand it new data (gd.data is the array of the last react call)
WATCH_JS = """([sel, seconds]) => new Promise(resolve => {
  const first = document.querySelector(sel);
  first.__gvTag = 'watched';
  let frames = 0, replaced = 0, empty = 0, updates = 0, last = first.data;
  const t0 = performance.now();
  const tick = () => {
    const now = document.querySelector(sel);
    frames += 1;
    if (!now || now.__gvTag !== 'watched') replaced += 1;
    else {
      if (!now.querySelector('g.trace, .hm')) empty += 1;
      if (now.data !== last) { updates += 1; last = now.data; }
    }
    if (performance.now() - t0 < seconds * 1000) requestAnimationFrame(tick);
    else resolve({frames, replaced, empty, updates});
  };
  requestAnimationFrame(tick);
})"""


def test_the_playground_picture_is_one_node_redrawn_in_place_during_a_run(page, server):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/playground")
    page.wait_for_selector(f"{CHART} g.trace", state="attached", timeout=TIMEOUT)
    wait_ready(page, TIMEOUT)
    assert_no_exception(page)
    assert keyed(page, "pg_fig").locator(".js-plotly-plot").count() == 1
    step0 = page.evaluate(STEP_JS)[0]
    click_key(page, "pg_toggle")
    page.wait_for_function(f"() => ({STEP_JS})()[0] > {step0}", timeout=TIMEOUT)
    seen = page.evaluate(WATCH_JS, [CHART, 8])
    click_key(page, "pg_toggle")  # pause: the session's run stops with the test
    assert seen["frames"] > 20, seen
    assert seen["updates"] >= 3, seen  # several figures arrived ...
    assert seen["replaced"] == 0 and seen["empty"] == 0, seen  # ... into the same node, never blank
    host = urlparse(server).netloc
    assert all(urlparse(u).netloc == host for u in requests if u.startswith("http")), \
        [u for u in requests if urlparse(u).netloc != host][:5]
    assert any(urlparse(u).path.endswith("/plotly-ganviz.min.js") for u in requests)


def test_a_second_tab_keeps_the_browsers_copy_of_plotly_js(page, server):
    """plotly.js comes from the static file route with a validator: a second tab of the same browser gets it from
    its cache (revalidated: headers only, or not asked at all), so the code compiled from it is kept too. The
    component file route answered every tab with the whole 1.2 MB again. Its charts are laid out as in the first."""
    body_of = ("() => performance.getEntriesByType('resource').filter(e => e.name.endsWith('/plotly-ganviz.min.js'))"
               ".map(e => [e.transferSize, e.encodedBodySize])")
    margins_js = ("() => Array.from(document.querySelectorAll('[data-testid=\"stMain\"] .js-plotly-plot'))"
                  ".map(d => ['l', 'r', 't', 'b'].map(k => Math.round(d._fullLayout._size[k])))")
    sizes, margins = [], []
    for tab in (page, page.context.new_page()):
        tab.goto(f"{server}/generator")
        tab.wait_for_selector("[data-testid='stMain'] .js-plotly-plot", timeout=TIMEOUT)
        wait_ready(tab, TIMEOUT)
        # a chart off the screen gets its first drawing when the browser is idle: wait until every chart is drawn
        tab.wait_for_function("() => Array.from(document.querySelectorAll('[data-testid=\"stMain\"] .gv-live-chart'))"
                              ".every(d => d._fullLayout)", timeout=TIMEOUT)
        assert_no_exception(tab)
        sizes.append(tab.evaluate(body_of))
        margins.append(tab.evaluate(margins_js))
    (first_transfer, body), = sizes[0]
    (second_transfer, second_body), = sizes[1]
    assert first_transfer > body > 300_000  # the first visit downloads it (gzip)
    assert second_body == body and second_transfer < 2_000, sizes  # the second: from the cache
    # the second tab's charts start from the margins the first tab's ended with (stored per chart in the browser):
    # the same layout, in one pass
    assert tab.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('ganviz-margins:')).length") >= 1
    assert margins[0] and margins[1] == margins[0], margins
