"""The shell in a real browser: home renders, the sidebar lists the sections, the device badge shows."""
from ganviz import sitemap
from tests.e2e.conftest import assert_no_exception, wait_ready


def test_home_in_chromium(page, server, shot):
    page.goto(server)
    wait_ready(page)
    page.get_by_text("Algorithm 1 (Goodfellow et al., 2014)").wait_for()
    assert_no_exception(page)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    for pages in sitemap.available().values():
        for _, title, _, _ in pages:
            assert title in nav
    # on a fresh server's first session the badge follows the page, once torch has loaded (ganviz.engine.startup)
    page.wait_for_function("() => /CPU · \\d+ cores|CUDA · |Apple MPS/.test("
                           "document.querySelector('[data-testid=\"stSidebar\"]').innerText)", timeout=30_000)
    shot(page, "home")


def test_deep_link_as_first_request_gets_the_app_navigation(browser):
    """A bookmark to /jsd as a fresh server's first request still runs through app.py's st.navigation."""
    from tests.e2e.conftest import start_server
    proc, url = start_server()
    try:
        page = browser.new_page()
        page.goto(url + "/jsd")
        wait_ready(page)
        page.get_by_text("The value at the optimum").first.wait_for()
        nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
        assert "Theory" in nav and "Home" in nav and "\njsd\n" not in f"\n{nav}\n"
        assert_no_exception(page)
        page.close()
    finally:
        proc.terminate()
        proc.wait(10)
