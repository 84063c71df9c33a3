"""ui.live_chart: live pages send their figures through the one persistent chart element (AppTest reads what was
sent: AppTest does not run the element's JavaScript), with the data the page computed, under stable keys; the
element's theme covers every colour placeholder of Streamlit's plotly template, and the shipped plotly.js bundle is
the installed plotly's version and draws every trace type the app uses."""
import base64
import json
import re
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest
from scipy import stats

from ganviz.ui import charts as lc
from tests.apptest import live_figures, live_keys, open_page


def values(a) -> np.ndarray:
    """A trace array as plotly's JSON sends it: a list, or a typed array {"dtype", "bdata" (base64)}."""
    if isinstance(a, dict):
        return np.frombuffer(base64.b64decode(a["bdata"]), dtype=a["dtype"])
    return np.asarray(a, dtype=float)


@pytest.fixture()
def at():
    page = open_page("pages/discriminator.py").run()
    assert not page.exception
    yield page
    page.button(key="ds_reset").click().run()  # stop this session's run


def test_the_discriminator_sends_d_star_through_the_live_chart(at):
    assert live_keys(at) == ["ds_dfig"] and not at.get("plotly_chart")  # the live picture, not st.plotly_chart
    fig = live_figures(at)[0]
    traces = {t["name"]: t for t in fig["data"]}
    x = values(traces["p_data"]["x"])
    p = 0.5 * stats.norm.pdf(x, -2, 0.6) + 0.5 * stats.norm.pdf(x, 2, 0.6)  # the page's default p_data, p_g
    q = stats.norm.pdf(x, 0, 1.5)
    np.testing.assert_allclose(values(traces["p_data"]["y"]), p, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(values(traces["p_g"]["y"]), q, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(values(traces["D*(x) = p_data/(p_data+p_g)"]["y"]), p / (p + q), rtol=1e-6)
    assert fig["layout"]["height"] == 340 and fig["layout"]["font"]["size"] == 14
    for _ in range(5):  # the gap and V(G, D) charts appear with their first point (every 5 D steps)
        at.button(key="ds_step").click().run()
    assert not at.exception and live_keys(at) == ["ds_dfig", "ds_gap", "ds_value"]
    gap = live_figures(at)[1]["data"][0]
    assert len(values(gap["y"])) >= 1 and np.all(np.isfinite(values(gap["y"])))


def test_the_theme_maps_every_placeholder_of_streamlits_plotly_template():
    import streamlit.elements.plotly_chart  # noqa: F401  (registers the "streamlit" template)

    text = json.dumps(pio.templates["streamlit"].to_plotly_json(), default=str)
    used = set(re.findall(r'"#0000(\d\d)"', text))
    assert used and used <= set(lc.PLACEHOLDER_COLORS), sorted(used - set(lc.PLACEHOLDER_COLORS))


def test_the_plotly_bundle_is_the_installed_plotlys_version_with_the_apps_trace_types():
    """The shipped bundle is the plotly.js version the installed plotly package was built against, and it registers
    exactly the trace types charts.TRACE_TYPES lists (read from its text, not from the list)."""
    import plotly

    ours = (lc._LIB_DIR / lc._LIB_FILE).read_text(encoding="utf-8")
    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")[:2000]
    version = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", full).group(1)
    assert re.search(r"plotly\.js \(ganviz: [a-z, ]+ - minified\) v(\d+\.\d+\.\d+)", ours[:2000]).group(1) == version
    assert set(re.findall(r'moduleType:"trace",name:"(\w+)"', ours)) == lc.TRACE_TYPES
    assert (lc._LIB_DIR / "LICENSE-plotly.js.txt").read_text().startswith("MIT License")


def test_every_figure_of_the_app_uses_a_trace_type_of_the_bundle():
    """Every trace the plotting code builds (go.<Type>(…) or dict(type="…")) is one the bundle can draw; a trace type
    outside it would draw nothing in the browser. Trace types are those the full plotly.js registers."""
    import plotly

    full = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    known = set(re.findall(r'moduleType:"trace",name:"(\w+)"', full))
    root = Path(__file__).resolve().parents[2]
    used = set()
    for path in [*(root / "ganviz" / "plots").glob("*.py"), *(root / "pages").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        used |= {name.lower() for name in re.findall(r"\bgo\.([A-Z][a-z0-9]+)\(", text)} & known
        used |= set(re.findall(r"\btype=\"(\w+)\"", text)) & known
    assert {"scatter", "bar", "heatmap"} <= used <= lc.TRACE_TYPES, sorted(used - lc.TRACE_TYPES)


def test_a_live_picture_is_sent_as_the_same_pixels():
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    for shape in ((6, 9), (4, 5, 3)):
        pic = rng.integers(0, 256, size=shape, dtype=np.uint8)
        back = np.asarray(Image.open(io.BytesIO(base64.b64decode(lc.png_base64(pic))), formats=["PNG"]))
        np.testing.assert_array_equal(back, pic)
