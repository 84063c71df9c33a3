"""The guided lecture's panel: on any page whose URL carries ``?tour=<stop>&lecture=<name>``, the sidebar shows
the stop's text, its "predict before you press Play" question, the reveal once answered, and Previous / Next /
jump, each of which opens the next stop's page in its prepared state (ganviz.tour)."""
from __future__ import annotations

import streamlit as st

from ganviz import sitemap, tour
from ganviz.sitemap import PAGES_DIR
from ganviz.ui import md_escape

DEFAULT_LECTURE = "gan_story"


@st.cache_data(ttl=30, show_spinner=False, max_entries=32)
def lecture(name: str) -> tour.Lecture:
    """The lecture called ``name`` (re-read at most every 30 s, so a lecturer's edits show up)."""
    return tour.load_lecture(name, sitemap.page_prefixes())


def _typed(text: str, current):
    """A URL parameter's text as the type of the widget value it replaces."""
    if isinstance(current, bool):
        return text.lower() in ("1", "true", "yes")
    if isinstance(current, int):
        return int(float(text))
    if isinstance(current, float):
        return float(text)
    if isinstance(current, (list, tuple)):
        return [type(current[0])(t) if current else t for t in text.split(",") if t]
    return text


def go(lec: tour.Lecture, index: int) -> None:
    """Open stop ``index`` (0-based): its page with its parameters, so the stop's settings (and its preset)
    decide the view, as if its link were opened anew. A setting this session already holds is given to its
    widget directly (a widget bound to the URL owns its parameter); the others travel in the URL."""
    stop = lec.stops[index]
    params = {}
    for key, value in stop.params:
        if key.endswith("_preset"):
            st.session_state.pop(f"{key[:-len('_preset')]}_url_preset_done", None)
            params[key] = value
        elif key in st.session_state:
            try:
                st.session_state[key] = _typed(value, st.session_state[key])
            except (TypeError, ValueError):
                st.session_state.pop(key, None)
                params[key] = value
        else:
            params[key] = value
    keep = {"present": "1"} if st.query_params.get("present") == "1" else {}
    url = {**keep, **params, "lecture": lec.name, "tour": str(index + 1)}
    st.switch_page(PAGES_DIR / f"{stop.page}.py", query_params=url)


def _reveal(stop: tour.Stop, picked: str) -> None:
    right = stop.choices[stop.answer]
    if picked == right:
        st.success(f"Right. {md_escape(stop.why)}", icon=":material/check_circle:")
    else:
        st.info(f"Not quite: the answer is “{md_escape(right)}”. {md_escape(stop.why)}", icon=":material/lightbulb:")


def panel() -> None:
    """The tour's sidebar panel, when the URL names a stop; nothing otherwise."""
    raw = st.query_params.get("tour")
    if raw is None:
        return
    name = st.query_params.get("lecture", DEFAULT_LECTURE)
    # during the tour its panel replaces the page list at the top of the sidebar ("Leave the tour" brings it back)
    st.html('<style>[data-testid="stSidebarNav"], [data-testid="stSidebarNavSeparator"] { display: none; }</style>')
    box = st.sidebar.container(border=True, key="gv_tour")
    try:
        lec = lecture(name)
    except tour.LectureError as err:
        box.warning(str(err))
        return
    if not raw.isdigit() or not 1 <= int(raw) <= len(lec.stops):
        box.warning(f"The lecture has stops 1 to {len(lec.stops)}; this link asks for stop {raw[:10]}.")
        if box.button("Go to the first stop", key="gv_tour_first"):
            go(lec, 0)
        return
    k = int(raw) - 1
    stop = lec.stops[k]
    with box:
        st.caption(f"{lec.title} · stop {k + 1} of {len(lec.stops)}")
        st.markdown(f"**{md_escape(stop.title)}**")
        st.markdown(md_escape(stop.text))
        picked = st.radio(f"Predict: {md_escape(stop.question)}", stop.choices, index=None, format_func=md_escape,
                          key=f"gv_tour_{lec.name}_{k}")
        if picked is not None:
            _reveal(stop, picked)
        else:
            st.caption("Choose an answer, then press Play (or look at the page) to check it.")
        prev, nxt = st.columns(2)
        if prev.button("Previous", key="gv_tour_prev", disabled=k == 0, icon=":material/arrow_back:",
                       width="stretch"):
            go(lec, k - 1)
        if nxt.button("Next" if k + 1 < len(lec.stops) else "Finish", key="gv_tour_next", type="primary",
                      icon=":material/arrow_forward:", width="stretch"):
            if k + 1 < len(lec.stops):
                go(lec, k + 1)
            st.switch_page(PAGES_DIR / "tour.py", query_params={"lecture": lec.name, "done": "1"})
        labels = [f"{i + 1}. {s.title}" for i, s in enumerate(lec.stops)]
        jump = st.selectbox("Jump to stop", labels, index=k, key=f"gv_tour_jump_{lec.name}_{k}")
        if labels.index(jump) != k:
            go(lec, labels.index(jump))
        if st.button("Leave the tour", key="gv_tour_end", icon=":material/close:", width="stretch"):
            for key in ("tour", "lecture"):
                st.query_params.pop(key, None)
            st.rerun()
