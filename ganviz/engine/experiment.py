"""A page's live run, described once by the core: :class:`Experiment` says what needs new nets (its ``key``), how
to start the run (a :class:`ganviz.engine.live.LiveRun` or a :class:`ganviz.engine.worker.WorkerRun`) and which
settings the running game takes as they are. ``ganviz.ui.live_run`` is the one call that gives a page its run."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable, Hashable, Iterable, Mapping

from ganviz.engine.live import LiveRun


@dataclass(frozen=True, eq=False)
class Experiment:
    """``key``: what needs new nets — a new key stops the session's run and starts another. ``start()``: builds
    that run (called only then). ``live``: setting → value the running trainer takes through ``run.update``
    (learning rates, loss, k, …) without new nets, applied whenever they differ from the run's settings."""
    key: Hashable
    start: Callable[[], LiveRun]
    live: Mapping[str, Any] = field(default_factory=dict)

    def changes(self, config) -> dict:
        """The live settings whose values differ from ``config`` (a run's current settings; none while the run has
        not published them yet: it was just built from this experiment)."""
        if config is None:
            return {}
        return {name: value for name, value in self.live.items() if getattr(config, name) != value}


def settings_key(config, live: Iterable[str]) -> tuple:
    """A dataclass config's (name, value) pairs except the ``live`` ones: the part of the settings that needs new
    nets, as part of an :class:`Experiment`'s key."""
    live = set(live)
    return tuple((f.name, getattr(config, f.name)) for f in fields(config) if f.name not in live)
