"""ui.fold, the first screen first: on a page's first run in a browser session the script stops where the page
calls ui.fold (its charts above drawn, a one-line note); once the browser asks for the rest the next run draws
the whole page, the same page as one drawn whole at once. A client without a browser (AppTest here) always gets
the whole page in one run. The browser's own request is tested in tests/e2e/test_first_screen_browser.py."""
import json
import re

import pytest

from ganviz import sitemap
from ganviz.ui import first_screen
from tests.apptest import ROOT, metric_values, open_page

FOLDED = [f for pages in sitemap.available().values() for f, *_ in pages
          if "ui.fold(P)" in (ROOT / "pages" / f).read_text()]


def shown(at) -> dict:
    """What the page shows, element by element: charts' figures, metrics, text, widgets' values."""
    from ganviz.ui.charts import NAME

    return {"charts": [json.loads(el.proto.json)["figure"] for el in at.get("bidi_component")
                       if el.proto.component_name == NAME],
            "pictures": [json.loads(el.proto.json)["png"] for el in at.get("bidi_component")
                         if el.proto.component_name == f"{NAME}_image"]
            + [el.proto.ByteSize() for el in at.get("image")],
            "metrics": metric_values(at),
            "text": [el.value for kind in ("markdown", "caption", "latex", "subheader", "header", "warning")
                     for el in at.get(kind)],
            "widgets": {k: at.session_state[k] for k in at.session_state if re.match(r"^[a-z]+_", str(k))
                        and not str(k).startswith(("gv_", "_"))}}


def fold_keys(at) -> list[str]:
    return [el.proto.id.split("-", 2)[-1] for el in at.get("bidi_component") if el.proto.component_name == "gv_fold"]


def test_every_figure_page_folds():
    """Every page with a figure below its first screen calls ui.fold (home, the lecture list and the one-screen
    Pretrained page need not); Latent space folds after its open tab."""
    assert set(FOLDED) >= {"generator.py", "discriminator.py", "jsd.py", "saturation.py", "playground.py",
                           "train_images.py", "latent.py", "evaluation.py", "vae.py", "dirac.py", "cyclegan.py"}, FOLDED


@pytest.mark.parametrize("page_file", FOLDED)
def test_the_first_run_stops_at_the_fold_and_the_next_draws_the_whole_page(page_file, monkeypatch):
    whole_at_once = open_page(f"pages/{page_file}", timeout=180).run()
    assert not whole_at_once.exception and not fold_keys(whole_at_once)  # no browser: the whole page, no note
    expected = shown(whole_at_once)

    monkeypatch.setattr(first_screen, "from_browser", lambda: True)
    at = open_page(f"pages/{page_file}", timeout=180).run()
    assert not at.exception
    (key,) = fold_keys(at)  # the note at the fold, waiting for the browser
    first = shown(at)
    n, m = len(first["charts"]), len(first["pictures"])
    assert n + m >= 1  # the first screen has its picture: the same charts and images as the page drawn whole
    assert first["charts"] == expected["charts"][:n] and first["pictures"] == expected["pictures"][:m]
    assert len(first["text"]) < len(expected["text"]) or n < len(expected["charts"])  # something waits below
    assert all(expected["metrics"].get(k) == v for k, v in first["metrics"].items())

    at.session_state[first_screen.WHOLE + key.removeprefix("gv_fold_")] = True  # what the browser's request sets
    at.run()
    assert not at.exception and not fold_keys(at)
    assert shown(at) == expected
    at.run()  # and it stays whole
    assert not fold_keys(at) and shown(at) == expected


def test_the_browser_check_reads_the_connections_user_agent(monkeypatch):
    class Context:
        headers = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140"}

    monkeypatch.setattr(first_screen.st, "context", Context())
    assert first_screen.from_browser()
    Context.headers = {}
    assert not first_screen.from_browser()


@pytest.mark.parametrize("preset, tab", [(0, 0), (2, 2), (3, 3)])
def test_latent_space_draws_its_open_tab_first(preset, tab, monkeypatch):
    """A link to a Latent space preset opens its tab, and that tab is what the first screen draws: the other
    tabs are empty until the rest arrives, then hold what the page drawn whole holds."""
    whole = open_page("pages/latent.py", timeout=180)
    whole.query_params["lt_preset"] = str(preset)
    whole.run()
    monkeypatch.setattr(first_screen, "from_browser", lambda: True)
    at = open_page("pages/latent.py", timeout=180)
    at.query_params["lt_preset"] = str(preset)
    at.run()
    assert not at.exception and not whole.exception and fold_keys(at) == ["gv_fold_lt"]
    assert [len(t.children) > 0 for t in at.tabs] == [i == tab for i in range(4)]
    assert at.tabs[tab].label == whole.session_state["lt_tab"] == at.session_state["lt_tab"]
    at.session_state[first_screen.WHOLE + "lt"] = True
    at.run()
    assert not at.exception and not fold_keys(at)
    assert [len(t.children) for t in at.tabs] == [len(t.children) for t in whole.tabs]
    assert shown(at) == shown(whole)


def test_the_settings_wait_only_when_the_url_sets_no_widget(monkeypatch):
    """settings_later: only on a page's first run in a browser, and only when every query parameter is one that
    sets no widget (presenter view, a run to take back, a lecture stop, a preset)."""
    class Session(dict):
        pass

    state, params = Session(), {}
    monkeypatch.setattr(first_screen.st, "session_state", state)
    monkeypatch.setattr(first_screen.st, "query_params", params)
    monkeypatch.setattr(first_screen, "from_browser", lambda: True)
    assert first_screen.settings_later("pg")
    params.update(present="1", run="abc", tour="2", lecture="intro", pg_preset="3")
    assert first_screen.settings_later("pg")
    params["pg_width"] = "64"
    assert not first_screen.settings_later("pg")  # the widget must be drawn to read the link's value
    del params["pg_width"]
    state[first_screen.WHOLE + "pg"] = True
    assert not first_screen.settings_later("pg")  # later runs draw the panel with the page
    state.clear()
    monkeypatch.setattr(first_screen, "from_browser", lambda: False)
    assert not first_screen.settings_later("pg")  # no fold without a browser: the whole page at once


def widget_keys(at) -> set[str]:
    return {w.key for kind in ("slider", "select_slider", "selectbox", "radio", "number_input")
            for w in at.get(kind) if w.key}


@pytest.mark.parametrize("params, waits", [({}, True), ({"pg_preset": "1"}, True),
                                           ({"pg_width": "64", "pg_layers": "3"}, False)])
def test_the_playgrounds_first_screen_is_the_same_picture_with_or_without_its_settings(params, waits, monkeypatch):
    """With no widget in the link the settings panel is empty on the first screen, and the picture, the numbers
    and (once the rest arrives) every widget's value are those of the page drawn whole; a link that sets widgets
    gets them drawn at once, and its values are in the picture."""
    whole = open_page("pages/playground.py", timeout=180)
    for k, v in params.items():
        whole.query_params[k] = v
    whole.run()
    monkeypatch.setattr(first_screen, "from_browser", lambda: True)
    at = open_page("pages/playground.py", timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and not whole.exception and fold_keys(at) == ["gv_fold_pg"]
    assert ("pg_width" in widget_keys(at)) is not waits and "pg_width" in widget_keys(whole)
    first, expected = shown(at), shown(whole)
    assert first["charts"][0] == expected["charts"][0] and first["metrics"] == {
        k: v for k, v in expected["metrics"].items() if k in first["metrics"]}
    if "pg_width" in params:
        assert whole.session_state["pg_width"] == 64 and at.session_state["pg_width"] == 64
    at.session_state[first_screen.WHOLE + "pg"] = True
    at.run()
    got, want = shown(at), shown(whole)
    assert "pg_width" in widget_keys(at)
    assert all(got[k] == want[k] for k in ("charts", "pictures", "metrics", "widgets"))
    # the text too, but for the preset's caption: the page drawn whole in one run compares the preset with the
    # settings before the link's widgets are drawn (it says so on its next run); the two-run page says it at once
    assert got["text"] == want["text"] if waits else "settings changed since" in " ".join(got["text"])


@pytest.mark.parametrize("page, key, params, waits, value", [
    ("discriminator", "ds_mu_g", {}, True, 0.0),
    ("discriminator", "ds_mu_g", {"ds_preset": "2"}, True, 2.5),  # "Disjoint p_g"
    ("discriminator", "ds_mu_g", {"ds_data": "gaussian", "ds_mu_g": "1.5"}, False, 1.5),
    ("playground", "pg_refresh", {}, True, 1.0),  # the row under the picture (a link setting widgets: see above)
    ("evaluation", "eval_run_pick", {}, True, None),  # a new session has chosen no run of its own yet
    ("evaluation", "eval_run_pick", {"eval_noise": "0.3"}, False, None),
])
def test_settings_beside_or_below_the_picture_follow_it_with_the_same_values(page, key, params, waits, value,
                                                                           monkeypatch):
    """Discriminator's side column, the playground's row under the picture and Evaluating GANs' own-run panel:
    with no widget in the link they come with
    the rest of the page, and the first screen's picture and numbers are those of the page drawn whole; a link
    that sets a widget gets them at once."""
    whole = open_page(f"pages/{page}.py", timeout=240)
    for k, v in params.items():
        whole.query_params[k] = v
    whole.run()
    monkeypatch.setattr(first_screen, "from_browser", lambda: True)
    at = open_page(f"pages/{page}.py", timeout=240)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    prefix = key.split("_")[0]
    assert not at.exception and not whole.exception and fold_keys(at) == [f"gv_fold_{prefix}"]
    assert (key in widget_keys(at)) is not waits and key in widget_keys(whole)
    if value is not None:
        assert at.session_state[key] == whole.session_state[key] == value
    first, expected = shown(at), shown(whole)
    assert first["charts"][0] == expected["charts"][0] and first["metrics"] == {
        k: v for k, v in expected["metrics"].items() if k in first["metrics"]}
    at.session_state[first_screen.WHOLE + prefix] = True
    at.run()
    assert not at.exception and key in widget_keys(at) and shown(at) == shown(whole)
