"""AppTest of the guided lecture: the tour page lists every stop; a page opened with ?tour=N shows the stop's
panel with its question, a wrong and a right answer reveal their sentences; bad tour parameters get one
sentence; every stop's page renders without an exception in its prepared state."""
import pytest

from ganviz import sitemap, tour
from tests.apptest import open_page

LECTURE = tour.load_lecture("gan_story", sitemap.page_prefixes())


def test_the_tour_page_lists_every_stop_and_offers_the_file():
    at = open_page("pages/tour.py").run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for i in range(1, len(LECTURE.stops) + 1):
        assert f"**{i}. " in text and at.button(key=f"tour_open_{i - 1}")
    assert at.button(key="tour_start").label.startswith("Start")


@pytest.mark.parametrize("index", range(len(LECTURE.stops)))
def test_every_stop_opens_its_page_with_its_question_and_reveals_the_answer(index):
    stop = LECTURE.stops[index]
    at = open_page(f"pages/{stop.page}.py", timeout=180)
    for key, value in stop.params:
        at.query_params[key] = value
    at.query_params["tour"], at.query_params["lecture"] = str(index + 1), "gan_story"
    at.run()
    assert not at.exception
    radio = at.radio(key=f"gv_tour_gan_story_{index}")
    assert stop.question in radio.label.replace("\\", "")  # shown through Markdown, escaped
    assert [o.replace("\\", "") for o in radio.options] == list(stop.choices)
    assert any(f"stop {index + 1} of {len(LECTURE.stops)}" in c.value for c in at.caption)
    wrong = stop.choices[(stop.answer + 1) % len(stop.choices)]
    radio.set_value(wrong).run()
    assert not at.exception
    assert any(m.value.startswith("Not quite: the answer is") for m in at.info)
    at.radio(key=f"gv_tour_gan_story_{index}").set_value(stop.choices[stop.answer]).run()
    assert any(m.value.startswith("Right.") for m in at.success)
    assert at.button(key="gv_tour_prev").disabled == (index == 0)


@pytest.mark.parametrize("params, sentence", [
    ({"tour": "99"}, "this link asks for stop 99"),
    ({"tour": "x1"}, "this link asks for stop x1"),
    ({"tour": "1", "lecture": "../../etc/passwd"}, "There is no lecture called '../../etc/passwd'"),
])
def test_bad_tour_parameters_get_one_sentence(params, sentence):
    at = open_page("pages/home.py")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    assert any(sentence in w.value for w in at.warning)
