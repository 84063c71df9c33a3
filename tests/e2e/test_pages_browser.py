"""Every page in a real browser (Chromium + `streamlit run app.py`), as a person uses it.

Data-driven from ganviz.sitemap: each page that exists loads without an exception element and is saved as a
screenshot (artifacts/screenshots/<page>.png); its main slider, moved with the keyboard, changes what is shown
(a plotly figure's data, a metric's text or an image); live training pages start on Play, their step counter
and figures move, and Pause stops them (two single Steps 1.5 s apart advance by exactly one).
Pages missing from PAGES below still get the load test and a move of their first slider.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from ganviz import sitemap
from tests.e2e.conftest import (
    SLIDER,
    assert_no_exception,
    button_label,
    click_key,
    fingerprint,
    focus_slider,
    keyed,
    page_url,
    read_step,
    slider_value,
    wait_changed,
    wait_label,
    wait_ready,
    wait_step,
)


@dataclass(frozen=True)
class PageSpec:
    slider: str | None = None     # key of the main slider; None: the page's first slider
    presses: int = 1              # ArrowRight presses on it (ArrowLeft when it starts at its maximum)
    figures: bool = True          # the page draws plotly figures on load
    live: str | None = None       # key prefix of ui.run_controls: "<live>_toggle" (Play/Pause), "<live>_step"
    prepare: str | None = None    # name of a button to press before Play (a preset that turns on live training)
    ready: str | None = None      # key of an element that exists once the page has fully rendered
    figure: str | None = None     # key of the live figure shown in the "<page>_paused" screenshot
    timeout: float = 60_000       # ms for the first render and for a rerun (evaluation computes features)
    settings: str | None = None   # label start of the collapsed settings panel holding the slider (opened first)


# Widget keys read from the page files (keys are the stable part of a page; labels may be reworded).
PAGES = {
    "home.py": PageSpec(figures=False),
    "tour.py": PageSpec(figures=False, ready="tour_start"),
    "generator.py": PageSpec(slider="gen_a", presses=2, live="gen", prepare="Train an MLP G live",
                             settings="Settings"),
    "discriminator.py": PageSpec(slider="ds_mu_g", live="ds", figure="ds_dfig"),
    "jsd.py": PageSpec(slider="jsd_shift"),
    "saturation.py": PageSpec(slider="sat_a"),
    "playground.py": PageSpec(slider="pg_width", live="pg", figure="pg_fig", settings="Settings"),
    "train_images.py": PageSpec(slider="ti_z_dim", live="ti", ready="ti_toggle", settings="Settings"),
    "evaluation.py": PageSpec(slider="eval_noise", timeout=120_000),
    "pretrained.py": PageSpec(slider="pt_psi", presses=3, figures=False, ready="pt_download"),
    "latent.py": PageSpec(slider="lt_steps", figures=False, ready="lt_dl_interp"),
    "dirac.py": PageSpec(slider="dirac_lr", live="dirac", figure="dirac_fig", settings="Settings"),
    "cyclegan.py": PageSpec(slider="cg_lambda", live="cg", figure="cg_fig", settings="Settings"),
}

AVAILABLE = [f for pages in sitemap.available().values() for f, *_ in pages]
TITLES = {f: title for pages in sitemap.available().values() for f, title, *_ in pages}


def open_page(page, server, page_file: str, spec: PageSpec) -> None:
    """Open the app at its root, then the page by its sidebar link (the way a person does, through app.py)."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(server)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=spec.timeout)
    if page_file != "home.py":
        link = page.locator('[data-testid="stSidebarNav"] a').filter(has_text=TITLES[page_file]).first
        link.click()
        target = page_url(server, page_file)  # the page may add its view's parameters (?run=…) at once
        page.wait_for_url(lambda url: url.split("?")[0].rstrip("/") == target.rstrip("/"), timeout=spec.timeout)
        if spec.settings:  # the settings sit one click away, in a collapsed panel
            page.locator('[data-testid="stMain"] [data-testid="stExpander"] summary').filter(
                has_text=spec.settings).first.click()
        if spec.slider:
            keyed(page, spec.slider).first.wait_for(timeout=spec.timeout)
    if spec.figures:  # charts are drawn once on the screen (ui.live_chart): the first one is brought into view
        show_first_chart(page, spec.timeout)
    if spec.ready:
        keyed(page, spec.ready).first.wait_for(timeout=spec.timeout)
    wait_ready(page, spec.timeout)
    assert_no_exception(page)


def show_first_chart(page, timeout: float) -> None:
    """Scroll the page's first chart into view and wait until plotly.js has drawn it."""
    chart = page.locator('[data-testid="stMain"] .gv-live-chart').first
    chart.wait_for(state="attached", timeout=timeout)
    chart.scroll_into_view_if_needed()
    page.wait_for_selector('[data-testid="stMain"] .js-plotly-plot', timeout=timeout)


def move_main_slider(page, page_file: str, spec: PageSpec) -> None:
    """Press ArrowRight on the page's main slider; what is shown (figures, metrics, images) must change."""
    if spec.slider:
        assert keyed(page, spec.slider).count(), f"{page_file}: no widget with key {spec.slider!r}"
    before = fingerprint(page)
    thumb = focus_slider(page, spec.slider)
    value = slider_value(thumb)
    for arrow in ("ArrowRight", "ArrowLeft"):  # ArrowLeft when the slider starts at its maximum
        for _ in range(spec.presses):
            page.keyboard.press(arrow)
        page.wait_for_timeout(300)
        if slider_value(thumb) != value:
            break
    assert slider_value(thumb) != value, f"{page_file}: the slider did not move"
    if spec.figures:  # back to the picture (the slider may sit in the settings above it)
        page.locator('[data-testid="stMain"] .gv-live-chart').first.scroll_into_view_if_needed()
    wait_changed(page, before, spec.timeout)
    wait_ready(page, spec.timeout)
    assert_no_exception(page)


def play_and_pause(page, page_file: str, spec: PageSpec, shot) -> None:
    """Play: the step counter and the figures / sample grid move. Pause: it stops (exact single Steps)."""
    if spec.prepare:
        page.get_by_role("button", name=re.compile(re.escape(spec.prepare))).click()
        keyed(page, f"{spec.live}_toggle").first.wait_for(timeout=spec.timeout)
        wait_ready(page, spec.timeout)
    toggle = f"{spec.live}_toggle"
    assert button_label(page, toggle).endswith("Play")
    s0 = read_step(page)
    assert s0 is not None, f"{page_file}: no step counter on the page"
    shown = fingerprint(page)

    click_key(page, toggle)
    wait_label(page, toggle, "Pause")
    if spec.figure:  # watched as a person does: charts off the screen are not redrawn (ui.live_chart)
        keyed(page, spec.figure).first.scroll_into_view_if_needed()
    running = wait_step(page, f"s >= {s0} + 3", timeout=45_000)   # the fragment redraws the counter
    wait_changed(page, shown, 20_000)                               # ... and the figures / sample grid
    later = wait_step(page, f"s > {running}", timeout=20_000)       # still moving a moment later
    assert later > running > s0
    assert_no_exception(page)
    shot(page, f"{page_file.removesuffix('.py')}_training")

    click_key(page, toggle)
    wait_label(page, toggle, "Play")
    wait_ready(page)
    # Paused: a Step adds exactly one step, however long we wait between two of them. (The counter shown at
    # Pause may lag the trainer by the step in flight, so the first Step only syncs it.)
    shown_step = read_step(page)
    click_key(page, f"{spec.live}_step")
    s1 = wait_step(page, f"s > {shown_step}", timeout=15_000)
    wait_ready(page)
    s1 = read_step(page)
    page.wait_for_timeout(1_500)
    click_key(page, f"{spec.live}_step")
    s2 = wait_step(page, f"s > {s1}", timeout=15_000)
    page.wait_for_timeout(500)
    assert read_step(page) == s2 == s1 + 1
    assert_no_exception(page)
    if spec.figure:  # the trained state, figure in view (the README screenshot is picked from these)
        keyed(page, spec.figure).first.scroll_into_view_if_needed()
        keyed(page, spec.figure).locator(".main-svg").first.wait_for(timeout=15_000)
        page.wait_for_timeout(500)
        shot(page, f"{page_file.removesuffix('.py')}_paused")


@pytest.mark.parametrize("page_file", AVAILABLE)
def test_page_in_chromium(page, server, shot, page_file):
    """Loads without an exception, screenshot, main slider moves the figures; live pages play and pause."""
    spec = PAGES.get(page_file, PageSpec())
    open_page(page, server, page_file, spec)
    shot(page, page_file.removesuffix(".py"))
    if page.locator(f'[data-testid="stMain"] {SLIDER}').count() == 0:
        assert page_file in ("home.py", "tour.py"), f"{page_file} has no slider to move"
    else:
        move_main_slider(page, page_file, spec)
    if spec.live:
        play_and_pause(page, page_file, spec, shot)

