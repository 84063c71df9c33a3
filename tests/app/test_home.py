"""AppTest of the shell (app.py navigation + pages/home.py)."""
import re

from ganviz import sitemap
from tests.apptest import open_page


def test_home_page_runs_with_objective_algorithm_and_device_badge():
    at = open_page("app.py").run()
    assert not at.exception
    latex = " ".join(x.value for x in at.latex)
    assert r"\min_G \max_D V(D,G)" in latex and r"-\log 4 + 2\,\mathrm{JSD}" in latex
    assert any("Algorithm 1" in h.value for h in at.subheader)
    badge = at.sidebar.markdown[0].value
    assert badge.startswith(":gray-badge[:material/memory: ") and any(d in badge for d in ("CPU", "CUDA", "MPS"))
    assert at.title[0].value.startswith("ganviz")


def test_home_page_file_alone():
    at = open_page("pages/home.py").run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown).replace("\\", "")
    for pages in sitemap.available().values():
        for f, title, _, line in pages:
            if f != "home.py":  # every page: a link and its whole description
                assert f"[{title}](/{f.removesuffix('.py')})" in shown and line in shown


def test_home_formulas_are_valid_katex_pieces():
    """The two results of Theorem 1 are separate formulas (no \\qquad running into a letter)."""
    at = open_page("app.py").run()
    latex = [x.value for x in at.latex]
    assert not any(re.search(r"\\q?quad[A-Za-z]", x) for x in latex)
    assert any(x.strip("$\n").startswith(r"C(G) = \max_D V(G,D)") for x in latex)
