import pytest
import streamlit as st

from ganviz import worker


@pytest.fixture(autouse=True)
def end_live_runs():
    """AppTest never ends its session, so nothing releases the page's run: release the session's runs (their
    workers stop) after each test, as a closed tab would."""
    yield
    st.cache_resource.clear()
    worker.stop_all()
