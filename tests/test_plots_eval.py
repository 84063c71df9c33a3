"""ganviz.plots.eval: the table and figures carry the numbers they are given (no NaN reaches the screen)."""
import numpy as np
import pytest

from ganviz.plots import eval as pe
from ganviz.scoring import metrics as M


def scores(fid=5.0, precision=0.8):
    return M.Scores(n=1000, is_mean=9.0, is_std=0.1, fid=fid, kid_mean=0.4, kid_std=0.3, precision=precision,
                    recall=0.9, class_hist=np.full(10, 0.1), kl_uniform=0.0)


def test_scores_frame_rows_match_scores():
    df = pe.scores_frame([("real", scores()), ("gan", scores(fid=50.0, precision=0.3))])
    assert list(df["set"]) == ["real", "gan"]
    assert df.loc[1, "FID"] == 50.0 and df.loc[1, "precision"] == 0.3 and df.loc[0, "KID"] == 0.4


def test_metric_bars_one_legend_entry_per_set_and_nan_becomes_gap():
    fig = pe.metric_bars([("real", scores()), ("broken", scores(fid=float("nan")))])
    assert sum(bool(t.showlegend) for t in fig.data) == 2 and len(fig.data) == 10
    fid_bars = [t for t in fig.data if t.xaxis == "x2"]
    assert fid_bars[0].y == (5.0,) and fid_bars[1].y == (None,)


def test_fid_vs_n_figure_line_hits_fid_infinity_at_zero():
    ns, fids = np.array([500, 1000, 2000, 5000]), 2.0 + 300.0 / np.array([500, 1000, 2000, 5000])
    inf, slope = M.fid_infinity(ns, fids)
    fig = pe.fid_vs_n_figure({"real": (ns, fids, inf, slope)})
    line = fig.data[1]
    assert line.x[0] == 0 and line.y[0] == pytest.approx(2.0)
    np.testing.assert_allclose(np.array(fig.data[0].x), 1 / ns)


def test_class_hist_figure_has_one_bar_group_per_set():
    fig = pe.class_hist_figure({"a": np.full(10, 0.1), "b": np.eye(10)[3]}, [str(i) for i in range(10)])
    assert len(fig.data) == 2 and fig.data[1].y[3] == 1.0 and fig.layout.xaxis.type == "category"
