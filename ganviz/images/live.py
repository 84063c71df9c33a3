"""A live image run: :class:`GridTimeline` (G's grids on fixed noise, bounded), :class:`LiveImageRun` (what a
worker rebuilds and shows), :func:`live_image_run`, the page's :func:`live_experiment` and a live run's checkpoint
(:func:`checkpoint_zip`)."""
from __future__ import annotations

from functools import partial

from ganviz.engine.experiment import Experiment, settings_key
from ganviz.engine.live import LiveRun
from ganviz.engine.worker import WorkerRun
from ganviz.images import checkpoint
from ganviz.images.build import build_trainer
from ganviz.images.spec import ImageGANSpec
from ganviz.images.tensors import make_grid


class GridTimeline:
    """Sample grids of G on fixed noise every ``every`` steps, bounded: when ``max_frames`` are held, every
    other frame is dropped and the interval doubles, so a long run stays scrubbable from start to end.

    Attach with :meth:`attach` (a Trainer metric hook, so frames land exactly on multiples of ``every``,
    in the training thread); read :meth:`frames` (a tuple copy) from a LiveRun view.
    """

    def __init__(self, every: int = 50, max_frames: int = 120, n: int = 64, nrow: int = 8):
        if every < 1 or max_frames < 4:
            raise ValueError("The timeline needs every ≥ 1 and max_frames ≥ 4.")
        self.every, self.max_frames, self.n, self.nrow = every, max_frames, n, nrow
        self._frames: list[tuple[int, "object"]] = []

    def capture(self, trainer) -> dict:
        step = trainer.step_count
        if step % self.every == 0:
            grid = make_grid(trainer.generate()[: self.n], self.nrow)
            grid.setflags(write=False)  # immutable: a worker sends each frame to the server once
            self._frames.append((step, grid))
            if len(self._frames) > self.max_frames:
                self.every *= 2
                self._frames = [f for f in self._frames if f[0] % self.every == 0]
        return {}

    def attach(self, trainer) -> "GridTimeline":
        """Record step 0 now, then every ``self.every`` steps (checked every base interval)."""
        self.capture(trainer)
        trainer.add_metric("timeline", self.capture, self.every)
        return self

    def frames(self) -> tuple:
        return tuple(self._frames)


class LiveImageRun:
    """The recipe of a live image run: :meth:`make_trainer` builds :func:`build_trainer` with a
    :class:`GridTimeline`, :meth:`view` gives ``{"grid": uint8 picture of G(fixed z), "timeline": ((step, grid),
    …), "nrow": int}``. Picklable, so a worker process rebuilds the same seeded run.

    Conditional runs sample 100 fixed z with labels 0..9 repeating, so each grid column is one class.
    ``quality`` (e.g. ``metrics.make_tracker(classifier, reference)``) is recorded every ``quality_every`` steps
    (history keys "IS" and "FID"). Each trainer gets a fresh timeline (reset: same seed, same run).
    """

    def __init__(self, data, spec: ImageGANSpec, config, timeline_every: int = 50, max_frames: int = 120,
                 quality=None, quality_every: int = 0):
        self.data, self.spec, self.config = data, spec, config
        self.timeline_every, self.max_frames = timeline_every, max_frames
        self.quality, self.quality_every = quality, quality_every
        self.nrow = 10 if spec.num_classes else 8
        self.fixed_n = self.nrow * self.nrow if spec.num_classes else 64
        self.timeline: GridTimeline | None = None

    def make_trainer(self):
        trainer = build_trainer(self.data, self.spec, self.config, fixed_n=self.fixed_n)
        self.timeline = GridTimeline(self.timeline_every, self.max_frames, n=self.fixed_n, nrow=self.nrow)
        self.timeline.attach(trainer)
        if self.quality is not None and self.quality_every > 0:
            trainer.add_metric("quality", self.quality, self.quality_every)
        return trainer

    def view(self, trainer) -> dict:
        return {"grid": make_grid(trainer.generate(), self.nrow), "timeline": self.timeline.frames(),
                "nrow": self.nrow}


def live_image_run(data, spec: ImageGANSpec, config, timeline_every: int = 50, max_frames: int = 120,
                   quality=None, quality_every: int = 0, process: bool = True):
    """A live run of :class:`LiveImageRun`: in a worker process (:class:`ganviz.engine.worker.WorkerRun`) or, with
    ``process=False``, a thread of this process (:class:`ganviz.engine.live.LiveRun`)."""
    recipe = LiveImageRun(data, spec, config, timeline_every, max_frames, quality, quality_every)
    return (WorkerRun if process else LiveRun)(recipe.make_trainer, recipe.view)


#: What a running image GAN takes live; the rest (nets, data, seed, the optimiser and its betas, which a recipe
#: ties to the loss, EMA, precision) starts a new run.
LIVE_SETTINGS = ("loss", "lr_g", "lr_d", "k", "batch_size")


def live_experiment(data, spec: ImageGANSpec, config, timeline_every: int = 50, quality=None,
                    quality_every: int = 0) -> Experiment:
    """The training page's live run (:func:`live_image_run` in a worker process): new nets when the data, the spec
    or any setting outside LIVE_SETTINGS change. ``quality``: a function of no arguments giving the IS/FID tracker,
    called only when a run starts (it loads a classifier)."""
    key = (data.name, data.source, len(data), spec, settings_key(config, LIVE_SETTINGS), timeline_every,
           quality_every)
    return Experiment(key, partial(_start, data, spec, config, timeline_every, quality, quality_every),
                      {f: getattr(config, f) for f in LIVE_SETTINGS})


def _start(data, spec: ImageGANSpec, config, timeline_every: int, quality, quality_every: int) -> WorkerRun:
    tracker = quality() if quality is not None and quality_every else None
    return live_image_run(data, spec, config, timeline_every=timeline_every, quality=tracker,
                          quality_every=quality_every)


def checkpoint_zip(trainer, config: dict) -> bytes:
    """A live run's checkpoint zip (G as sampled — its EMA if kept — and D) at the trainer's step; picklable for
    :meth:`ganviz.engine.worker.WorkerRun.with_trainer`."""
    return checkpoint.to_zip(trainer.sampling_G, trainer.D, {**config, "step": trainer.step_count})
