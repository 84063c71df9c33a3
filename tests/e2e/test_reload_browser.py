"""A reload while the playground trains (a lecturer's F5) reattaches to the run: the step count continues; leaving
the page for another and coming back keeps its settings and its run.

The run's id is in the URL (?run=…); the reload ends the old session, which detaches the run for the grace
period (ganviz.engine.reattach), and the new session opening the same URL takes it back.
"""
from tests.e2e.conftest import assert_no_exception, button_label, click_key, keyed, read_step, wait_ready, wait_step

TOGGLE = "pg_toggle"


def test_reload_mid_run_keeps_the_step_count(page, server):
    page.goto(f"{server}/playground")
    keyed(page, TOGGLE).first.wait_for(timeout=60_000)
    wait_ready(page, 60_000)
    click_key(page, TOGGLE)
    before = wait_step(page, "s >= 20", timeout=90_000)
    assert "run=" in page.url
    url = page.url
    page.reload()
    keyed(page, TOGGLE).first.wait_for(timeout=60_000)
    wait_ready(page, 60_000)
    assert_no_exception(page)
    after = wait_step(page, f"s > {before}", timeout=60_000)  # continued from `before`, not restarted at 0
    assert after > before and page.url == url
    assert button_label(page, TOGGLE).endswith("Pause")  # still training
    click_key(page, TOGGLE)
    assert read_step(page) >= after


def test_leaving_the_page_and_coming_back_keeps_its_settings_and_its_run(page, server):
    """Home and back by the sidebar (not a reload): the preset's settings, its caption and the run, still training
    — never a reset whose caption contradicts the settings."""
    page.goto(server)
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    wait_ready(page, 60_000)
    nav = page.locator('[data-testid="stSidebarNav"] a[href$="/playground"]')
    nav.click()
    keyed(page, TOGGLE).first.wait_for(timeout=60_000)
    wait_ready(page, 60_000)
    page.get_by_role("button", name="Mode collapse", exact=False).first.click()
    wait_ready(page, 60_000)
    assert "pg_dataset=Ring" in page.url and "pg_opt=SGD" in page.url
    click_key(page, TOGGLE)
    before = wait_step(page, "s >= 20", timeout=90_000)
    page.locator('[data-testid="stSidebarNav"] a').first.click()  # Home
    page.wait_for_function("() => !document.querySelector('.st-key-pg_toggle')", timeout=60_000)
    nav.click()
    keyed(page, TOGGLE).first.wait_for(timeout=60_000)
    wait_ready(page, 60_000)
    assert_no_exception(page)
    assert "pg_dataset=Ring" in page.url and "pg_opt=SGD" in page.url  # the preset's settings, not the defaults
    assert page.get_by_text("Mode collapse: vanilla GAN rotates", exact=False).count() >= 1
    after = wait_step(page, f"s > {before}", timeout=60_000)  # the same run, continued
    assert after > before
    assert button_label(page, TOGGLE).endswith("Pause")
    click_key(page, TOGGLE)
