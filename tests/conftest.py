import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)  # AppTest paths and pages/ resolve from the repo root (ganviz is importable: pytest.ini's pythonpath)
# Training workers keep the tests' own (niced) priority and session, so on a loaded machine they are not starved
# behind other sessions' work; tests/test_worker.py checks GANVIZ_WORKER_NICE and its default itself.
os.environ.setdefault("GANVIZ_WORKER_NICE", "0")


@pytest.fixture(autouse=True)
def _stop_worker_runs():
    """A test that leaves a WorkerRun unstopped would hold a job slot (its worker process) for the next tests."""
    yield
    from ganviz.engine import worker
    worker.stop_all()
