import pytest
import streamlit as st


@pytest.fixture(autouse=True)
def end_live_runs():
    """AppTest never ends its session, so nothing releases the page's run: release the session's runs after each
    test, as a closed tab would (their workers are stopped by the root conftest)."""
    yield
    st.cache_resource.clear()
