"""The lecture files: the shipped lecture is valid and tells the story in order; every kind of bad entry is refused
with one sentence naming the stop and the field; names, never paths, choose a lecture."""
import pytest

from ganviz import sitemap, tour

PAGES = sitemap.page_prefixes()
GOOD_STOP = """
[[stop]]
title = "A stop"
page = "jsd"
params = { jsd_preset = "2", jsd_theta = 3.5 }
text = "Two sentences."
question = "Which?"
choices = ["this", "that"]
answer = 2
why = "Because."
"""


def parse(body: str, title: str = 'title = "T"\n'):
    return tour.parse_lecture(title + body, "t", PAGES)


def test_the_shipped_lecture_tells_the_gan_story_in_12_to_15_stops_in_the_papers_order():
    lec = tour.load_lecture("gan_story", PAGES)
    assert 12 <= len(lec.stops) <= 15
    pages = [s.page for s in lec.stops]
    order = ["home", "generator", "discriminator", "jsd", "saturation", "playground", "train_images", "latent",
             "evaluation"]
    assert [p for i, p in enumerate(pages) if i == 0 or pages[i - 1] != p] == order
    for s in lec.stops:
        assert 2 <= len(s.choices) <= 6 and 0 <= s.answer < len(s.choices) and s.why and s.question
        prefix = PAGES[s.page]
        assert all(k.startswith(f"{prefix}_") for k, _ in s.params)
    assert "gan_story" in tour.lecture_names()


def test_a_good_stop_parses_with_numbers_as_url_text():
    lec = parse(GOOD_STOP)
    (stop,) = lec.stops
    assert stop.params == (("jsd_preset", "2"), ("jsd_theta", "3.5")) and stop.answer == 1
    assert stop.choices == ("this", "that")


@pytest.mark.parametrize("change, message", [
    (('page = "jsd"', 'page = "nowhere"'), "Stop 1 ('A stop'): unknown page 'nowhere'"),
    (('jsd_theta = 3.5', 'pg_width = 3'), "'pg_width' is not a parameter of the page jsd (its own start with 'jsd_')"),
    (('jsd_theta = 3.5', 'run = "abc"'), "'run' is not a parameter of the page jsd"),
    (('answer = 2', 'answer = 3'), "answer must be the number of the right choice, 1 to 2"),
    (('answer = 2', 'answer = 0'), "answer must be the number of the right choice, 1 to 2"),
    (('answer = 2', 'answer = true'), "answer must be the number of the right choice"),
    (('choices = ["this", "that"]', 'choices = ["only"]'), "choices must be a list of 2 to 6 short texts"),
    (('choices = ["this", "that"]', 'choices = ["same", "same"]'), "two choices are the same"),
    (('question = "Which?"\n', ''), "Stop 1 ('A stop') has no question."),
    (('why = "Because."', 'why = ""'), "why must be a non-empty text"),
    (('why = "Because."', 'why = "Because."\ncolour = "red"'), "has an unknown field: colour"),
    (('params = { jsd_preset = "2", jsd_theta = 3.5 }', 'params = "jsd_preset=2"'), "params must be a table"),
    (('params = { jsd_preset = "2", jsd_theta = 3.5 }', 'params = { jsd_theta = [1, 2] }'),
     "the value of jsd_theta must be a short text or a number"),
])
def test_each_bad_entry_is_refused_with_its_sentence(change, message):
    old, new = change
    assert old in GOOD_STOP
    with pytest.raises(tour.LectureError) as err:
        parse(GOOD_STOP.replace(old, new))
    assert message in str(err.value)


def test_bad_files_are_refused_before_their_stops():
    with pytest.raises(tour.LectureError, match="not valid TOML"):
        parse("[[stop]\n")
    with pytest.raises(tour.LectureError, match="no title"):
        parse(GOOD_STOP, title="")
    with pytest.raises(tour.LectureError, match="no stops"):
        parse("")
    with pytest.raises(tour.LectureError, match="not UTF-8"):
        tour.parse_lecture(b'title = "\xff"', "t", PAGES)
    with pytest.raises(tour.LectureError, match="larger than 256 KB"):
        parse("# " + "x" * tour.MAX_BYTES)
    with pytest.raises(tour.LectureError, match="the limit is 60"):
        parse(GOOD_STOP * 61)
    with pytest.raises(tour.LectureError, match="Stop 2 has no title"):
        parse(GOOD_STOP + "\n[[stop]]\npage = \"jsd\"\n")


def test_a_lecturers_own_file_is_chosen_by_name_never_by_path(tmp_path):
    (tmp_path / "my_seminar.toml").write_text('title = "Mine"\n' + GOOD_STOP)
    (tmp_path / "bad name.toml").write_text('title = "x"\n' + GOOD_STOP)
    names = tour.lecture_names(tmp_path)
    assert "my_seminar" in names and "bad name" not in names and names[0] == "gan_story"
    assert tour.load_lecture("my_seminar", PAGES, tmp_path).title == "Mine"
    for bad in ("../my_seminar", str(tmp_path / "my_seminar"), "bad name", ""):
        with pytest.raises(tour.LectureError, match="There is no lecture called"):
            tour.load_lecture(bad, PAGES, tmp_path)
