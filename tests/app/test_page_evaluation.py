"""AppTest of pages/evaluation.py: the degraded-real sliders move the metrics in the directions the papers predict.

Runs with N = 1,000 and 10 KID subsets to stay fast; the metric cards show the degraded set with its delta to the
real baseline, and the table's first row is that baseline."""
import pytest

from ganviz.scoring import classifier as C
from tests.apptest import metric_values, open_page

pytestmark = pytest.mark.skipif(not C.classifier_path("mnist").with_suffix(".safetensors").is_file(),
                                reason="no shipped MNIST classifier")


def fast_page():
    at = open_page("pages/evaluation.py", timeout=180)
    at.session_state["eval_n"], at.session_state["eval_kid"] = 1000, 10  # the sliders' small ends, set before run
    at.run()
    assert not at.exception
    assert at.select_slider(key="eval_n").value == 1000 and at.select_slider(key="eval_kid").value == 10
    return at


def values(at):
    m = metric_values(at)
    return {k: float(m[k]) for k in ("IS", "FID", "KID", "precision", "recall")}


def baseline(at):
    df = at.table[0].value
    row = df[df["set"] == "real train (baseline)"].iloc[0]
    return {"IS": row["IS"], "FID": row["FID"], "precision": row["precision"], "recall": row["recall"]}


def test_clean_set_equals_baseline_then_mode_dropping_lowers_is_and_recall():
    at = fast_page()
    clean, base = values(at), baseline(at)
    assert clean["IS"] == pytest.approx(base["IS"], abs=1e-3) and clean["recall"] == pytest.approx(base["recall"],
                                                                                                   abs=1e-3)
    assert 8.5 < clean["IS"] < 10.0 and clean["precision"] > 0.6 and clean["recall"] > 0.6
    at.multiselect(key="eval_drop").set_value([5, 6, 7, 8, 9]).run()
    assert not at.exception
    dropped = values(at)
    assert dropped["IS"] < 0.6 * clean["IS"]                  # ≈ 5 classes left: IS ≈ 5
    assert dropped["recall"] < clean["recall"] - 0.2          # half of the real manifold is not covered
    assert dropped["precision"] > clean["precision"] - 0.1    # every sample is still a real digit
    assert dropped["FID"] > clean["FID"]
    df = at.table[0].value
    kl = df[df["set"] == "degraded real"]["KL(classes‖uniform)"].iloc[0]
    assert kl > 0.5  # half the classes empty: KL(q‖U) ≈ log 2 ≈ 0.69


def test_noise_lowers_precision_and_raises_fid_and_preset_buttons_work():
    at = fast_page()
    clean = values(at)
    at.slider(key="eval_noise").set_value(0.5).run()
    assert not at.exception
    noisy = values(at)
    assert noisy["precision"] < clean["precision"] - 0.2
    assert noisy["FID"] > clean["FID"] + 10
    assert noisy["KID"] > clean["KID"]
    at.button(key="eval_preset_4").click().run()
    assert not at.exception
    assert at.slider(key="eval_blur").value == 0.75 and at.slider(key="eval_noise").value == 0.0
    blurry = values(at)
    assert blurry["IS"] > 0.9 * clean["IS"]                    # IS hardly notices blur
    assert blurry["FID"] > clean["FID"] + 10 and blurry["recall"] < clean["recall"] - 0.2


def test_bad_run_path_gives_one_sentence_and_fid_infinity_is_shown():
    at = fast_page()
    at.text_input(key="eval_run_path").input("/nonexistent/run").run()
    assert not at.exception
    assert any("could not be evaluated" in e.value for e in at.error)
    # a path outside runs/ that exists gets the same sentence (but for the echoed name) as one that does not
    said = {}
    for path in ("/root/.ssh", "/nonexistent", "/etc", "../../etc/passwd"):
        at.text_input(key="eval_run_path").input(path).run()
        assert not at.exception and len(at.error) == 1
        said[path] = at.error[0].value.replace(path, "<name>")
    assert len(set(said.values())) == 1, said
    m = metric_values(at)
    assert float(m["real train: FID∞"]) < float(m["real train: FID at N = 5,000"])


def test_saved_run_folder_gets_its_own_row(tmp_path, monkeypatch):
    from ganviz.images import checkpoint, pretrained
    from ganviz.images.nets import build_gan
    from ganviz.images.spec import ImageGANSpec
    spec = ImageGANSpec(model="dcgan", z_dim=16, width=8)
    G, D = build_gan(spec, seed=0)
    checkpoint.save(tmp_path / "run", G, D, checkpoint.make_config(spec, data={"name": "mnist"}))
    at = fast_page()
    at.text_input(key="eval_run_path").input(str(tmp_path / "run")).run()  # a full path: refused, even if it exists
    assert not at.exception and any("no saved run named" in e.value for e in at.error)
    monkeypatch.setattr(pretrained, "RUNS_DIR", tmp_path)  # the app's runs/ folder: runs are named inside it
    at.text_input(key="eval_run_path").input("run").run()
    assert not at.exception and not at.error
    df = at.table[0].value
    mine = df[df["set"] == "your run"].iloc[0]
    base = df[df["set"] == "real train (baseline)"].iloc[0]
    assert mine["FID"] > 10 * base["FID"] and mine["precision"] < base["precision"]  # an untrained G


def test_fashion_mnist_dataset_when_shipped():
    if not C.classifier_path("fashion-mnist").with_suffix(".safetensors").is_file():
        pytest.skip("no shipped Fashion-MNIST classifier")
    at = fast_page()
    at.radio(key="eval_dataset").set_value("fashion-mnist").run()
    assert not at.exception
    if at.warning and any("training images" in w.value for w in at.warning):
        return  # no Fashion-MNIST images on this machine: the page says so and shows what it can
    clean = values(at)
    assert 7.5 < clean["IS"] < 10 and clean["precision"] > 0.5
    at.multiselect(key="eval_drop").set_value([0, 2, 4, 6, 8]).run()
    dropped = values(at)
    assert not at.exception and dropped["IS"] < clean["IS"] - 2 and dropped["recall"] < clean["recall"] - 0.2
