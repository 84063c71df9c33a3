import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.chdir(ROOT)  # AppTest paths and pages/ resolve from the repo root (ganviz is importable: pytest.ini's pythonpath)
