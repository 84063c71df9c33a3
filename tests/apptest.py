"""AppTest helpers: open a page file (or the whole app) by its path from the repo root."""
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(path: str, timeout: float = 60) -> AppTest:
    """AppTest for ``path`` (e.g. "pages/jsd.py" or "app.py"), resolved from the repository root."""
    return AppTest.from_file(str(ROOT / path), default_timeout=timeout)


def metric_values(at: AppTest) -> dict[str, str]:
    """{label: shown value} of every st.metric on the page."""
    return {m.label: m.value for m in at.metric}
