"""ganviz.plots.images: downsampling, curves with events and no NaN, PNG/GIF bytes that decode to the grids."""
import io

import numpy as np
import pytest
from PIL import Image

from ganviz.engine.monitor import Event
from ganviz.plots import images as plots_images
from tests.helpers import validated


def test_mean_downsample_means_over_equal_chunks():
    steps, values = np.arange(1, 11), np.arange(10, dtype=float)
    s, v = plots_images.mean_downsample(steps, values, max_points=5)
    assert s.tolist() == [2, 4, 6, 8, 10] and v.tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]
    s, v = plots_images.mean_downsample(steps, values, max_points=20)
    assert s is steps and v is values


def test_curves_mark_events_and_hide_non_finite_values():
    hist = {"loss_d": (np.array([1, 2, 3]), np.array([0.5, np.inf, 0.7])),
            "loss_g": (np.array([1, 2, 3]), np.array([2.0, 1.0, np.nan]))}
    fig = validated(plots_images.loss_figure(hist, (Event(2, "d_wins", "D wins"),)))
    d, g, ev = fig.data
    assert validated(plots_images.d_outputs_figure(hist, True)).layout.shapes[0].y0 == 0.5
    assert d.name == "D loss" and np.isnan(d.y[1]) and d.y[2] == 0.7
    assert list(ev.x) == [2] and list(ev.y) == [2.0] and "D wins" in ev.hovertext[0]
    assert fig.layout.height == 260 and fig.layout.uirevision == "loss"
    grad = validated(plots_images.grad_norm_figure({"grad_norm_d": (np.array([1]), np.array([3.0]))}))
    assert grad.layout.shapes[0].y0 == 100.0  # the ganhacks line
    assert grad.layout.yaxis.type == "log"


def test_png_and_gif_decode_to_the_upscaled_grids():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    b = 255 - a
    png = Image.open(io.BytesIO(plots_images.png_bytes(a, scale=2)))
    assert np.array_equal(np.asarray(png), np.kron(a, np.ones((2, 2), np.uint8)))
    gif = Image.open(io.BytesIO(plots_images.gif_bytes([(0, a), (5, b)], scale=1)))
    assert gif.n_frames == 2
    frames = []
    for i in range(2):
        gif.seek(i)
        frames.append(np.asarray(gif.convert("L")))
    assert np.array_equal(frames[0], a) and np.array_equal(frames[1], b)
    with pytest.raises(ValueError, match="empty"):
        plots_images.gif_bytes([])
