"""How the training workers' processes start (ganviz.engine.worker): a forkserver with torch and the trainers
preloaded, started by :func:`warm_up` before the first Play. Imports neither torch nor the trainers itself, so a
served app's first session can start it at once (ganviz.engine.startup)."""
from __future__ import annotations

import multiprocessing as mp
import multiprocessing.forkserver
import multiprocessing.spawn as mp_spawn
import threading

# imported once by the forkserver, so that no worker pays for them (torch._dynamo: torch.optim's first use)
PRELOAD = ["torch", "torch._dynamo", "ganviz.engine.trainer", "ganviz.plane.playground", "ganviz.onedim.theory_live",
           "ganviz.images.live"]


WORKER_NAME = "ganviz-run-"


def _without_main(get_preparation_data):
    """multiprocessing re-runs the parent's ``__main__`` file in every child; under streamlit that file is a page
    script (streamlit sets it as ``__main__``), which must not run in a worker. A worker needs no ``__main__``:
    its target and spec live in importable modules. Other processes keep the standard behaviour."""
    def prepared(name):
        data = get_preparation_data(name)
        if name.startswith(WORKER_NAME):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data
    prepared.ganviz = True
    return prepared


if not getattr(mp_spawn.get_preparation_data, "ganviz", False):
    mp_spawn.get_preparation_data = _without_main(mp_spawn.get_preparation_data)


def context():
    """forkserver with torch preloaded where the OS has it (a worker starts in ~10 ms instead of ~1 s for
    spawn, which imports torch afresh), else spawn. Never fork: the server has threads."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


_warming: list = []


def warm_up() -> None:
    """Start the forkserver (and its imports) in the background now, so the first Play does not wait for it."""
    if not _warming and "forkserver" in mp.get_all_start_methods():
        context()
        _warming.append(threading.Thread(target=mp.forkserver.ensure_running, name="ganviz-warm-up", daemon=True))
        _warming[0].start()
