"""A reload while the playground trains (a lecturer's F5) reattaches to the run: the step count continues.

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
