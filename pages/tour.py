"""Guided lecture: the GAN story as a sequence of stops through the app's own pages, each with a question to
answer before the live run shows the answer; lecturers write their own as a small TOML file."""
import streamlit as st

from ganviz import sitemap, tour, ui
from ganviz.ui import tour as ui_tour

ui.page_header(
    "Guided lecture",
    "each stop opens a page already set up: read the few sentences, answer the question *before* you press "
    "Play, then watch the page give the answer.",
    "The panel of the lecture sits in the sidebar of every page it visits, with Previous, Next and a list to jump "
    "to any stop; the address of each stop is a link that reopens it (also in the presenter view).",
)

names = tour.lecture_names()
name = st.query_params.get("lecture", ui_tour.DEFAULT_LECTURE)
if name not in names:
    name = ui_tour.DEFAULT_LECTURE
picked = st.selectbox("Lecture", names, index=names.index(name), key="tour_lecture",
                      help="The shipped lecture, and every .toml file in the app's lectures/ folder.")
try:
    lec = ui_tour.lecture(picked)
except tour.LectureError as err:
    st.error(f"The lecture '{picked}' cannot be used: {err}")
    st.stop()

if st.query_params.get("done") == "1" and picked == name:
    st.success(f"You have reached the end of “{lec.title}”. Start again, or jump to any stop below.",
               icon=":material/school:")
if st.button(f"Start “{lec.title}”", key="tour_start", type="primary", icon=":material/play_arrow:"):
    ui_tour.go(lec, 0)

titles = {sitemap.url_name(f): title for pages in sitemap.available().values() for f, title, *_ in pages}
for i, stop in enumerate(lec.stops):
    left, right = st.columns([5, 1], vertical_alignment="center")
    left.markdown(f"**{i + 1}. {ui.md_escape(stop.title)}** — {ui.md_escape(titles.get(stop.page, stop.page))}  \n"
                  f"{ui.md_escape(stop.question)}")
    if right.button("Open", key=f"tour_open_{i}", width="stretch"):
        ui_tour.go(lec, i)

with st.expander("Write your own lecture", expanded=False):
    st.markdown(
        "A lecture is a small TOML text file. Copy the shipped one (`ganviz/lectures/gan_story.toml`) into the "
        "app's `lectures/` folder under a new name, edit its stops and reload this page: it appears in the list "
        "above. Each stop names a `page`, its `params` (copy them from the page's *Link to this view* after "
        "setting it up), two to four sentences of `text`, a `question` with `choices`, the number of the right "
        "`answer`, and a sentence `why`. A file with a mistake is refused with a sentence naming the stop and "
        "the field.")
    st.download_button("Download the shipped lecture", (tour.SHIPPED_DIR / "gan_story.toml").read_bytes(),
                       file_name="gan_story.toml", mime="application/toml", key="tour_download")
