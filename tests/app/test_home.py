"""AppTest of the shell (app.py navigation + pages/home.py)."""
from tests.apptest import open_page


def test_home_page_runs_with_objective_algorithm_and_device_badge():
    at = open_page("app.py").run()
    assert not at.exception
    latex = " ".join(x.value for x in at.latex)
    assert r"\min_G \max_D V(D,G)" in latex and r"-\log 4 + 2\,\mathrm{JSD}" in latex
    assert any("Algorithm 1" in h.value for h in at.subheader)
    assert any("CPU" in c.value or "CUDA" in c.value or "MPS" in c.value for c in at.caption)
    assert at.title[0].value.startswith("ganviz")


def test_home_page_file_alone():
    at = open_page("pages/home.py").run()
    assert not at.exception
    assert len(at.dataframe) == 1
