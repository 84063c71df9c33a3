"""The guided lecture in Chromium: from the Guided lecture page, Start, then at every stop the page named by the
lecture opens with the stop's parameters, the sidebar panel shows the stop and its question, an answer reveals
the explanation, and Next leads on — to the end, with no dead end; Previous goes back."""
from urllib.parse import parse_qs, urlparse

from ganviz import sitemap, tour
from tests.e2e.conftest import assert_no_exception, wait_ready

LECTURE = tour.load_lecture("gan_story", sitemap.page_prefixes())
PANEL = ".st-key-gv_tour"


def arrive(page, index: int) -> None:
    stop = LECTURE.stops[index]
    page.wait_for_function("t => { const p = document.querySelector('.st-key-gv_tour');"
                           " return p && p.innerText.includes(t); }", arg=f"stop {index + 1} of {len(LECTURE.stops)}",
                           timeout=60_000)
    wait_ready(page, 60_000)
    assert_no_exception(page)
    url = urlparse(page.url)
    assert url.path.rstrip("/").split("/")[-1] == ("" if stop.page == "home" else stop.page)
    query = parse_qs(url.query)
    assert query["tour"] == [str(index + 1)] and query["lecture"] == ["gan_story"]
    for key, value in stop.params:
        if not key.endswith("_preset"):  # a preset's parameter leaves the URL once other settings are written
            assert query.get(key) == [value], (index, key, page.url)
    panel = page.locator(PANEL)
    assert stop.title in panel.inner_text() and stop.question in panel.inner_text()


def test_walk_every_stop_of_the_lecture_answer_each_and_go_back(page, server):
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(f"{server}/tour")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    wait_ready(page, 60_000)
    assert_no_exception(page)
    page.locator(".st-key-tour_start button").click()
    for i, stop in enumerate(LECTURE.stops):
        print('stop', i + 1, flush=True)
        arrive(page, i)
        panel = page.locator(PANEL)
        wrong = (stop.answer + 1) % len(stop.choices)
        panel.get_by_text(stop.choices[wrong], exact=True).click()
        page.wait_for_function("t => document.querySelector('.st-key-gv_tour').innerText.includes(t)",
                               arg="Not quite", timeout=60_000)
        panel.get_by_text(stop.choices[stop.answer], exact=True).click()
        page.wait_for_function("t => document.querySelector('.st-key-gv_tour').innerText.includes(t)",
                               arg="Right.", timeout=60_000)
        if i == 8:  # the slow-motion stop: its sub-step controls are on the page
            page.locator(".st-key-pg_sm_next button").wait_for(timeout=60_000)
        if i == 2:  # Previous from stop 3 reopens stop 2, then on again
            page.locator(".st-key-gv_tour_prev button").click()
            arrive(page, 1)
            page.locator(".st-key-gv_tour_next button").click()
            arrive(page, 2)
        page.locator(".st-key-gv_tour_next button").click()
    page.wait_for_function("() => document.body.innerText.includes('You have reached the end')", timeout=60_000)
    assert urlparse(page.url).path.endswith("/tour")
    assert_no_exception(page)


def test_a_stop_link_reopens_the_stop_with_its_page_prepared(page, server):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/jsd?jsd_preset=2&tour=6&lecture=gan_story")
    arrive(page, 5)
    assert page.locator(".st-key-jsd_theta").count() == 1 or "θ" in page.inner_text('[data-testid="stMain"]')
    page.goto(f"{server}/?tour=99&lecture=gan_story")
    page.wait_for_function("() => document.body.innerText.includes('this link asks for stop 99')", timeout=60_000)
    page.goto(f"{server}/?tour=1&lecture=no_such_lecture")
    page.wait_for_function("() => document.body.innerText.includes(\"There is no lecture called 'no_such_lecture'\")",
                           timeout=60_000)
    assert_no_exception(page)
