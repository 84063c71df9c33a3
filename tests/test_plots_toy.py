"""Tests for ganviz.plots.toy: pure figure builders (values in the traces, SVG scatter, fixed height)."""
import numpy as np
import plotly.graph_objects as go
import pytest

from ganviz.engine.monitor import Event
from ganviz.plane import toy
from ganviz.plots import toy as plots_toy
from tests.helpers import validated


def view(n=6):
    rng = np.random.default_rng(0)
    axis = np.linspace(-3, 3, 4)
    return {"real": rng.standard_normal((n, 2)), "fake": rng.standard_normal((n, 2)),
            "grad": np.tile([[1.0, 0.0]], (n, 1)) * np.arange(1, n + 1)[:, None],
            "grid_axis": axis, "d_grid": np.full((4, 4), 0.25), "manifold": rng.standard_normal((3, 5, 2))}


def test_stride_downsample_keeps_last_point_and_caps_length():
    s, v = plots_toy.stride_downsample(np.arange(10_001), np.arange(10_001.0), max_points=1000)
    assert len(s) <= 1001 and s[0] == 0 and s[-1] == 10_000 and v[-1] == 10_000.0
    assert np.all(np.diff(s) > 0)
    s, v = plots_toy.stride_downsample([1, 2, 3], [1.0, np.inf, np.nan])
    assert list(s) == [1, 2, 3] and v[0] == 1.0 and np.isnan(v[1]) and np.isnan(v[2])


def test_arrow_ends_scale_longest_to_length():
    ends, scale = plots_toy.arrow_ends([[0, 0], [1, 1]], [[3, 4], [0, 1]], length=0.5)
    assert scale == pytest.approx(0.1)
    np.testing.assert_allclose(ends, [[0.3, 0.4], [1.0, 1.1]])
    ends, scale = plots_toy.arrow_ends([[0, 0]], [[0, 0]], length=1)
    assert scale == 0.0 and np.all(ends == 0)


def test_playground_figure_traces():
    v = view()
    d = toy.ring8()
    fig = validated(plots_toy.playground_figure(v, d.extent, centres=d.centres, sigma=d.sigma, uirevision="u"))
    assert fig.layout.height == 560 and fig.layout.uirevision == "u"
    kinds = [type(t).__name__ for t in fig.data]
    assert "Scattergl" not in kinds and kinds[0] == "Heatmap"
    heat = fig.data[0]
    assert heat.zmin == 0 and heat.zmax == 1 and np.allclose(np.asarray(heat.z), 0.25)
    by_name = {t.name: t for t in fig.data}
    fake = by_name["G(z), fixed z"]
    np.testing.assert_allclose(fake.x, v["fake"][:, 0])
    # arrows: longest (the last, length 6) drawn 0.06 × (extent width 6) = 0.36 long, along +x
    arrows = by_name["−∇ₓ G loss (where G pushes)"]
    xs = np.asarray(arrows.x, dtype=float).reshape(-1, 3)
    np.testing.assert_allclose(xs[:, 1] - xs[:, 0], 0.36 * np.arange(1, 7) / 6)
    # 8 dotted 3σ circles of radius 0.06
    circles = by_name["3σ of each mode"]
    cx = np.asarray(circles.x, dtype=float)[:25]
    assert cx.max() - cx.min() == pytest.approx(0.12, rel=1e-3)
    manifold = by_name["G's manifold (grid of z)"]
    assert np.isnan(np.asarray(manifold.x, dtype=float)).sum() == 3  # one gap per line


def test_playground_figure_critic_scale_and_subset():
    v = view()
    v["d_grid"] = np.array([[np.nan, 1.0], [3.0, 5.0]])
    v["grid_axis"] = np.array([-1.0, 1.0])
    fig = validated(plots_toy.playground_figure(v, (-2, 2), prob_output=False, show=("heatmap", "fake")))
    heat = fig.data[0]
    # centred on the median 3 of the finite values {1, 3, 5}, half-width max |z − 3| = 2
    assert heat.zmin == pytest.approx(1.0) and heat.zmax == pytest.approx(5.0)
    assert [t.name for t in fig.data] == ["critic D(x)", "G(z), fixed z"]


def test_series_figure_with_events_and_log_axis():
    h = {"loss_d": (np.arange(5000), np.linspace(1, 2, 5000)), "loss_g": (np.arange(3), np.array([1.0, 0, -1]))}
    events = [Event(100, "d_wins", "D wins"), Event(300, "mode_collapse", "collapse")]
    fig = validated(plots_toy.series_figure(h, {"loss_d": "D", "loss_g": "G", "missing": "x"}, events, log_y=True,
                                            uirevision="s", height=200, title="t", hlines={"½": 0.5}))
    assert fig.layout.height == 200 and fig.layout.yaxis.type == "log"
    d = fig.data[0]
    assert len(d.x) <= plots_toy.MAX_POINTS + 1 and d.x[-1] == 4999
    g = np.asarray(fig.data[1].y, dtype=float)
    assert g[0] == 1.0 and np.isnan(g[1:]).all()  # log axis: non-positive values are gaps
    assert {s.x0 for s in fig.layout.shapes} == {0, 100, 300}  # the ½ line and the two events
    assert fig.layout.annotations[0].text == "½" and fig.layout.title.text == "t"
    markers = [t for t in fig.data if t.mode == "markers"]
    assert sorted(t.name for t in markers) == ["D wins", "mode collapse"]
    assert all(isinstance(t, go.Scatter) for t in fig.data)


def test_mode_metrics_figure_axes():
    h = {"modes_covered": (np.array([50, 100]), np.array([3.0, 8.0])),
         "hq_fraction": (np.array([50, 100]), np.array([0.5, 0.9])),
         "reverse_kl": (np.array([50, 100]), np.array([1.0, 0.1]))}
    fig = validated(plots_toy.mode_metrics_figure(h, 8, [Event(60, "nan", "NaN")]))
    names = {t.name: t for t in fig.data}
    np.testing.assert_allclose(names["% high quality (≤ 3σ)"].y, [50, 90])
    assert names["% high quality (≤ 3σ)"].yaxis == "y2" and tuple(fig.layout.yaxis.range) == (0, 8.5)
