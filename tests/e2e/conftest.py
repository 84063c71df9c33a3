"""Browser harness: a real `streamlit run app.py` server and Debian's Chromium driven by pytest-playwright."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from ganviz.ui.first_screen import PENDING_CLASS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GANVIZ_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)")
        for item in items:
            if "e2e" in str(item.fspath):
                item.add_marker(skip)
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            # A real browser and server sharing two CPU cores with the suite: one retry for timing flukes
            # (pytest-rerunfailures; a real failure fails twice).
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


BENCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--no-first-run"]


def launch_chromium(playwright):
    """Debian's Chromium, headless, for the benchmarks (the tests get theirs from pytest-playwright below)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=BENCH_ARGS)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "headless": True,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-sync",
                     "--disable-background-networking", "--disable-component-update", "--no-first-run"]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env_extra: dict | None = None):
    port = _free_port()
    env = {**os.environ, **(env_extra or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 60 s: " + proc.stderr.read().decode()[-2000:])


@pytest.fixture(scope="session")
def server():
    # one server for every browser test: the paused runs of earlier tests wait out their reattach grace period in
    # worker processes, so the job cap is raised lest a later page's Play meet "every slot is busy"
    proc, url = start_server({"GANVIZ_JOB_CAP": "16"})
    yield url
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def shot():
    """Save a screenshot of the page as a test artifact: shot(page, "name")."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    return take


def wait_ready(page, timeout: float = 30_000) -> None:
    """Wait until the app has rendered the whole page (the rest below the fold too, ui.fold) and is not running
    a script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    for _ in range(2):  # idle twice, 300 ms apart (a rerun can start just after the first look)
        page.wait_for_function(_IDLE_JS, timeout=timeout)
        page.wait_for_timeout(300)
    page.wait_for_function(_WHOLE_JS, timeout=timeout)
    page.wait_for_function(_IDLE_JS, timeout=timeout)


_WHOLE_JS = f"() => !document.querySelector('.{PENDING_CLASS}')"
# Streamlit 1.6x shows [data-testid="stStatusWidgetRunningIcon"] (aria-label "Running...") while a script runs.
_IDLE_JS = ("() => !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')"
            " && !(document.querySelector('[data-testid=\"stStatusWidget\"]')"
            "      && document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running'))")


def assert_no_exception(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0, page.locator(
        '[data-testid="stException"]').first.inner_text()


# ---- shared browser helpers (used by the page tests, the busy-server test and bench/browser_latency.py) ------

def stop_server(proc) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def busy_server():
    """A second server with the process-wide job cap at 2 (GANVIZ_JOB_CAP), for the several-sessions test;
    a closed tab's run stops at once (GANVIZ_REATTACH_S=0, no grace period for a reload)."""
    proc, url = start_server({"GANVIZ_JOB_CAP": "2", "GANVIZ_REATTACH_S": "0"})
    yield url
    stop_server(proc)


def page_url(server: str, page_file: str) -> str:
    """st.navigation derives a page's url path from its file name (pages/jsd.py -> /jsd; home is the default)."""
    stem = Path(page_file).stem
    return server if stem == "home" else f"{server}/{stem}"


# One JS function computing what a person sees change: a hash of every plotly figure's data, the metric values,
# the images' sources and the status line ("Step N · running").
FINGERPRINT_JS = """() => {
  const h = s => { let x = 5381; for (let i = 0; i < s.length; i++) x = (Math.imul(x, 33) ^ s.charCodeAt(i)) >>> 0;
                   return x; };
  const main = document.querySelector('[data-testid="stMain"]') || document;
  const figs = Array.from(main.querySelectorAll('.js-plotly-plot')).map(g => h(JSON.stringify(g.data || [])));
  const metrics = Array.from(main.querySelectorAll('[data-testid="stMetricValue"]')).map(e => e.innerText);
  const images = Array.from(main.querySelectorAll(
                   '[data-testid="stImage"] img, [data-testid="stFullScreenFrame"] img, img.gv-live-image'))
                   .map(i => h(i.src));
  return JSON.stringify({figs, metrics, images});
}"""


def fingerprint(page) -> str:
    return page.evaluate(FINGERPRINT_JS)


def wait_changed(page, before: str, timeout: float = 30_000, polling: float | str = 100) -> str:
    """Wait until the fingerprint differs from ``before`` (polled every ``polling`` ms, or "raf": every animation
    frame); returns the new one."""
    page.wait_for_function(f"(before) => ({FINGERPRINT_JS})() !== before", arg=before, polling=polling,
                           timeout=timeout)
    return fingerprint(page)


def keyed(page, key: str):
    """The element container of the widget/element with ``key=`` (streamlit gives it the class st-key-<key>)."""
    return page.locator(f'.st-key-{key}:not([data-stale="true"])')  # not the faded copy kept during a rerun


SLIDER = 'input[type="range"], [role="slider"]'  # streamlit 1.6x sliders: a react-aria range input


def slider_value(thumb) -> str:
    return thumb.evaluate("el => el.value ?? el.getAttribute('aria-valuenow')")


def focus_slider(page, key: str | None):
    """Focus the thumb of slider ``key`` (or of the first slider in the main area when key is None/absent)."""
    thumb = None
    if key and keyed(page, key).count():
        thumb = keyed(page, key).locator(SLIDER).first
    if thumb is None:
        thumb = page.locator(f'[data-testid="stMain"] {SLIDER}').first
    thumb.scroll_into_view_if_needed()
    thumb.focus()
    return thumb


def click_key(page, key: str) -> None:
    keyed(page, key).locator("button").first.click()


def button_label(page, key: str) -> str:
    return keyed(page, key).locator("button").first.inner_text().strip()


STEP_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const m = main.innerText.match(/Step ([\\d,]+) · (\\w+)/);
  if (m) return [parseInt(m[1].replace(/,/g, '')), m[2]];
  for (const el of main.querySelectorAll('[data-testid="stMetric"]')) {
    const label = el.querySelector('[data-testid="stMetricLabel"]');
    if (label && /^(D )?step$/i.test(label.innerText.trim())) {
      return [parseInt(el.querySelector('[data-testid="stMetricValue"]').innerText.replace(/,/g, '')), null];
    }
  }
  return null;
}"""


def read_step(page) -> int | None:
    """The live run's step counter as shown (status line "Step N · state", or a metric labelled Step)."""
    got = page.evaluate(STEP_JS)
    return None if got is None else got[0]


def wait_step(page, predicate_js: str, timeout: float = 30_000) -> int:
    """Wait until ``predicate_js`` (a JS expression in ``s``, the shown step) holds; returns the step."""
    page.wait_for_function(f"() => {{ const r = ({STEP_JS})(); if (!r) return false; const s = r[0]; "
                           f"return {predicate_js}; }}", polling=100, timeout=timeout)
    return read_step(page)


def wait_label(page, key: str, text: str, timeout: float = 15_000) -> None:
    """Wait until the button with ``key`` reads ``text`` (e.g. Play -> Pause after a rerun)."""
    page.wait_for_function("([sel, text]) => { const b = document.querySelector(sel); "
                           "return !!b && b.innerText.includes(text); }",
                           arg=[f'.st-key-{key}:not([data-stale="true"]) button', text], timeout=timeout)
