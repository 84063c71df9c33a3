"""ganviz.plots.eval: the table and figures carry the numbers they are given (no NaN reaches the screen)."""
import numpy as np
import pytest

from ganviz.plots import eval as pe
from ganviz.scoring import metrics as M
from tests.helpers import validated


def scores(fid=5.0, precision=0.8):
    return M.Scores(n=1000, is_mean=9.0, is_std=0.1, fid=fid, kid_mean=0.4, kid_std=0.3, precision=precision,
                    recall=0.9, class_hist=np.full(10, 0.1), kl_uniform=0.0)


def test_scores_frame_rows_match_scores():
    df = pe.scores_frame([("real", scores()), ("gan", scores(fid=50.0, precision=0.3))])
    assert list(df["set"]) == ["real", "gan"]
    assert df.loc[1, "FID"] == 50.0 and df.loc[1, "precision"] == 0.3 and df.loc[0, "KID"] == 0.4


def test_metric_bars_one_legend_entry_per_set_and_nan_becomes_gap():
    fig = validated(pe.metric_bars([("real", scores()), ("broken", scores(fid=float("nan")))]))
    assert sum(bool(t.showlegend) for t in fig.data) == 2 and len(fig.data) == 10
    fid_bars = [t for t in fig.data if t.xaxis == "x2"]
    assert tuple(fid_bars[0].y) == (5.0,) and tuple(fid_bars[1].y) == (None,)
    assert all(t.yaxis == "y" + t.xaxis[1:] for t in fig.data)


def test_metric_bars_panels_as_make_subplots_lays_them_out():
    """Five panels side by side with 0.05 between them, a title over each: the layout plotly's own make_subplots
    builds for the same grid (the reference), axis for axis."""
    from plotly.subplots import make_subplots

    ref = make_subplots(rows=1, cols=5, subplot_titles=[t for _, t, _ in pe.METRICS], horizontal_spacing=0.05)
    fig = pe.metric_bars([("real", scores())])
    for name in ("xaxis", "xaxis2", "xaxis3", "xaxis4", "xaxis5", "yaxis", "yaxis3", "yaxis5"):
        assert fig.layout[name].domain == pytest.approx(ref.layout[name].domain)
        assert fig.layout[name].anchor == ref.layout[name].anchor
    assert [a.text for a in fig.layout.annotations] == [a.text for a in ref.layout.annotations]
    assert [a.x for a in fig.layout.annotations] == pytest.approx([a.x for a in ref.layout.annotations])
    assert fig.layout.yaxis4.range == (0, 1.05) and fig.layout.yaxis5.range == (0, 1.05)


def test_fid_vs_n_figure_line_hits_fid_infinity_at_zero():
    ns, fids = np.array([500, 1000, 2000, 5000]), 2.0 + 300.0 / np.array([500, 1000, 2000, 5000])
    inf, slope = M.fid_infinity(ns, fids)
    fig = validated(pe.fid_vs_n_figure({"real": (ns, fids, inf, slope)}))
    line = fig.data[1]
    assert line.x[0] == 0 and line.y[0] == pytest.approx(2.0)
    np.testing.assert_allclose(np.array(fig.data[0].x), 1 / ns)


def test_class_hist_figure_has_one_bar_group_per_set():
    fig = validated(pe.class_hist_figure({"a": np.full(10, 0.1), "b": np.eye(10)[3]}, [str(i) for i in range(10)]))
    assert len(fig.data) == 2 and fig.data[1].y[3] == 1.0 and fig.layout.xaxis.type == "category"
    (line,) = fig.layout.shapes  # the uniform share 1/C across the whole width
    assert (line.y0, line.y1, line.x0, line.x1, line.xref) == (0.1, 0.1, 0, 1, "x domain")
