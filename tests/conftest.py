import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)  # AppTest paths and pages/ resolve from the repo root (ganviz is importable: pytest.ini's pythonpath)


@pytest.fixture(autouse=True)
def _stop_worker_runs():
    """A test that leaves a WorkerRun unstopped would hold a job slot (its worker process) for the next tests."""
    yield
    from ganviz.engine import worker
    worker.stop_all()
