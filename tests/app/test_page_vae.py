"""AppTest of "VAE vs GAN, measured": the measured table is the JSON's, every widget and preset keeps the page
working, a single Step trains the live VAE by exactly one step, and the on-demand measurement fills its table."""
import json

import pytest

from ganviz.beyond import vae_gan
from ganviz.images import pretrained
from tests.apptest import live_keys, metric_values, open_page

TABLE = json.loads((pretrained.MODELS_DIR / "vae_vs_gan.json").read_text())


@pytest.fixture()
def at():
    at = open_page("pages/vae.py", timeout=180)
    at.run()
    assert not at.exception and not at.error
    return at


def _table(at, index=0):
    """The page's dataframes in order: the measured table, then (after Measure) the one measured here."""
    return at.dataframe[index].value


def test_the_table_shows_the_measured_json(at):
    df = _table(at)
    assert list(df["VAE"]) == [r["VAE"] for r in vae_gan.table_rows(TABLE["mnist"])]
    assert df["DCGAN"][0] == format(TABLE["mnist"]["sets"]["gan"]["IS"], ".2f")
    at.selectbox(key="vae_dataset").set_value("fashion-mnist").run()
    assert not at.exception
    assert _table(at)["VAE"][0] == format(TABLE["fashion-mnist"]["sets"]["vae"]["IS"], ".2f")
    assert "vae_opt_fig" in live_keys(at) and any(b.label == "Measured table (JSON)" for b in at.get("download_button"))


def test_every_preset_and_widget_keeps_the_page_working(at):
    for i in range(5):
        at.button(key=f"vae_preset_{i}").click().run()
        assert not at.exception and not at.error, i
    assert at.select_slider(key="vae_beta").value == 0.0  # the last preset: a plain autoencoder
    for v in (3, 12):
        at.slider(key="vae_steps").set_value(v).run()
        assert not at.exception
    at.number_input(key="vae_seed").set_value(11).run()
    assert not at.exception
    for key, values in (("vae_lr", [1e-4, 5e-3]), ("vae_beta", [0.0, 8.0]), ("vae_batch", [32, 256]),
                        ("vae_z_dim", [2, 32])):
        for v in values:
            at.select_slider(key=key).set_value(v).run()
            assert not at.exception and not at.error, (key, v)
    at.number_input(key="vae_run_seed").set_value(3).run()
    assert not at.exception and metric_values(at)["Step"] == "0"


def test_a_single_step_trains_the_live_vae_by_one(at):
    assert metric_values(at)["Step"] == "0"
    at.button(key="vae_step").click().run()
    assert not at.exception
    shown = metric_values(at)
    assert shown["Step"] == "1" and shown["Reconstruction (nats)"] != "—" and shown["KL (nats)"] != "—"
    assert float(shown["Reconstruction (nats)"]) > 0
    at.button(key="vae_reset").click().run()
    assert metric_values(at)["Step"] == "0"


@pytest.mark.slow
def test_measure_on_demand_fills_its_table(at):
    at.select_slider(key="vae_n_measure").set_value(500).run()
    at.button(key="vae_measure").click().run(timeout=600)
    assert not at.exception and not at.error
    df = _table(at, 1)
    assert len(df) == len([r for r in vae_gan.ROWS if r[2] != "nn_below"])
    assert float(df["Real data"][4]) > float(df["VAE"][4])  # sharpness: real digits are sharper than the VAE's
    assert "nan" not in " ".join(map(str, df.values.ravel())).lower()
