"""python -m ganviz: train writes a loadable checkpoint, grids and metrics; download; plug-in subcommands."""
import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganviz import cli
from ganviz.__main__ import build_parser, main
from ganviz.images import checkpoint
from ganviz.images.tensors import make_grid

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("ema", ["0", "0.9"])
def test_train_writes_checkpoint_grids_and_metrics(tmp_path, ema):
    """With --ema the checkpoint holds the averaged G, the one that drew the sample grids."""
    out = tmp_path / "run"
    rc = main(["train", "--data", "digits8x8", "--model", "dcgan", "--width", "8", "--steps", "6", "--batch", "8",
               "--sample-every", "3", "--log-every", "2", "--seed", "4", "--out", str(out), "--quiet", "--threads", "1",
               "--ema", ema, "--save-every", "4"])
    assert rc == 0
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert [int(r["step"]) for r in rows] == [2, 4, 6]
    assert all(np.isfinite(float(r[k])) for r in rows for k in ("loss_d", "loss_g", "d_real", "d_fake"))
    assert all(0 < float(r["d_real"]) < 1 for r in rows)
    assert sorted(p.name for p in (out / "samples").iterdir()) == [
        "final.png", "step_000000.png", "step_000003.png", "step_000006.png"]
    assert (out / "timeline.gif").exists()
    G, D, cfg = checkpoint.load(out)
    assert cfg["step"] == 6 and cfg["train"]["seed"] == 4 and cfg["data"]["name"] == "digits8x8"
    assert cfg["train"]["ema"] == float(ema)
    G4, _, cfg4 = checkpoint.load(out / "step_000004")  # --save-every 4: the checkpoint at step 4 as well
    assert cfg4["step"] == 4 and not (out / "step_000006").exists()
    final = checkpoint.load(out)[0].state_dict().values()
    assert not all(torch.equal(a, b) for a, b in zip(G4.state_dict().values(), final, strict=True))
    assert D is not None
    # the saved G on the run's fixed noise (drawn first from the seed) redraws final.png pixel for pixel
    z = torch.randn(64, 100, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        grid = make_grid(G(z))
    assert np.array_equal(grid, np.asarray(Image.open(out / "samples" / "final.png")))
    assert np.array_equal(np.asarray(Image.open(out / "samples" / "step_000006.png")), grid)
    G3, _, cfg3 = checkpoint.load(out / "checkpoint.zip")  # what the page's "Load a checkpoint" reads
    assert cfg3 == cfg
    assert all(torch.equal(a, b) for a, b in zip(G.state_dict().values(), G3.state_dict().values(), strict=True))


def test_bad_arguments_give_one_sentence(tmp_path, capsys):
    assert main(["train", "--data", "nope", "--out", str(tmp_path)]) == 2
    assert "Unknown dataset 'nope'" in capsys.readouterr().err
    assert main(["train", "--data", "digits8x8", "--steps", "0", "--out", str(tmp_path)]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_download_offline_is_a_clear_error(tmp_path, capsys):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = main(["download", "mnist", "--dest", str(tmp_path), "--mirror", f"http://127.0.0.1:{port}/"])
    assert rc == 2 and "offline" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_plugins_register_subcommands(tmp_path, monkeypatch):
    (tmp_path / "hello.py").write_text(
        "def register(sub):\n"
        "    p = sub.add_parser('hello')\n"
        "    p.add_argument('--n', type=int, default=1)\n"
        "    p.set_defaults(func=lambda args: 40 + args.n)\n")
    monkeypatch.setattr(cli, "__path__", [*cli.__path__, str(tmp_path)])
    assert "hello" in build_parser()._subparsers._group_actions[0].choices
    assert main(["hello", "--n", "2"]) == 42
    sys.modules.pop("ganviz.cli.hello", None)


def test_cli_imports_without_streamlit():
    code = ("import sys, ganviz.__main__ as m; m.build_parser(); "
            "print('streamlit' in sys.modules, 'plotly' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["False", "False"]


def test_train_init_from_a_checkpoint_with_a_decay(tmp_path, capsys):
    """--init-from starts from the checkpoint's G and D (step 0 of the new run, recorded in its config);
    --decay-start/--decay-steps go into the run's TrainConfig; a checkpoint of other nets is one sentence."""
    base = ["train", "--data", "digits8x8", "--model", "dcgan", "--width", "8", "--batch", "8", "--quiet",
            "--threads", "1", "--sample-every", "2", "--log-every", "2"]
    assert main(base + ["--steps", "4", "--seed", "1", "--out", str(tmp_path / "a")]) == 0
    G_a, D_a, _ = checkpoint.load(tmp_path / "a")
    assert main(base + ["--steps", "2", "--seed", "2", "--decay-start", "1", "--decay-steps", "2",
                        "--init-from", str(tmp_path / "a" / "checkpoint.zip"), "--out", str(tmp_path / "b")]) == 0
    G_b, _, cfg = checkpoint.load(tmp_path / "b")
    assert cfg["step"] == 2 and cfg["init_from"]["step"] == 4
    assert (cfg["train"]["decay_start"], cfg["train"]["decay_steps"]) == (1, 2)
    # two steps at lr 2e-4 (then × 0.5) move G from the warm start by far less than a fresh seed-2 G differs from it
    fresh = main(base + ["--steps", "2", "--seed", "2", "--out", str(tmp_path / "c")])
    G_c = checkpoint.load(tmp_path / "c")[0]
    w = "project.0.weight"  # G's first layer
    moved = (G_b.state_dict()[w] - G_a.state_dict()[w]).abs().max()
    assert fresh == 0 and moved < 0.01 < (G_c.state_dict()[w] - G_a.state_dict()[w]).abs().max()
    assert main(base + ["--steps", "1", "--width", "16", "--init-from", str(tmp_path / "a"),
                        "--out", str(tmp_path / "d")]) == 2
    assert "warm-start generator does not match" in capsys.readouterr().err


def test_train_with_a_mixture_prior_records_it(tmp_path):
    """--prior mixture: the run's G draws z from K seeded blobs (its fixed grid noise too) and the checkpoint
    records the prior, so the pages sample the same distribution."""
    from ganviz.images import pretrained
    out = tmp_path / "m"
    assert main(["train", "--data", "digits8x8", "--model", "dcgan", "--width", "8", "--batch", "8", "--steps", "2",
                 "--quiet", "--threads", "1", "--seed", "5", "--prior", "mixture", "--mixture-k", "3",
                 "--mixture-sd", "0.2", "--out", str(out)]) == 0
    _, _, cfg = checkpoint.load(out)
    assert {k: cfg["model"][k] for k in ("prior", "mixture_k", "mixture_sd", "prior_seed")} == {
        "prior": "mixture", "mixture_k": 3, "mixture_sd": 0.2, "prior_seed": 5}
    prior = pretrained.latent_prior(cfg)
    z = torch.randn(3, 100, generator=torch.Generator().manual_seed(5 + 7_368_787))  # LatentPrior's centres
    assert torch.equal(prior.centres, z)


def test_train_an_acgan_from_a_conditional_checkpoint(tmp_path, capsys):
    """--conditional --aux-classifier: AC-GAN (the config says so, metrics.csv logs both classifier terms, the
    checkpoint's D has the head); it may start from a plain conditional run; an MLP gets one sentence."""
    base = ["train", "--data", "digits8x8", "--model", "dcgan", "--width", "8", "--batch", "8", "--quiet",
            "--threads", "1", "--sample-every", "2", "--log-every", "2", "--conditional"]
    assert main(base + ["--steps", "2", "--out", str(tmp_path / "plain")]) == 0
    assert main(base + ["--steps", "4", "--aux-classifier", "--aux-weight", "0.5",
                        "--init-from", str(tmp_path / "plain"), "--out", str(tmp_path / "ac")]) == 0
    G, D, cfg = checkpoint.load(tmp_path / "ac")
    assert cfg["model"]["aux_classes"] == 10 and cfg["train"]["aux_weight"] == 0.5
    assert D.aux.out_features == 10
    rows = list(csv.DictReader(open(tmp_path / "ac" / "metrics.csv")))
    assert len(rows) == 2 and all(0 < float(r["aux_real"]) < 10 and 0 < float(r["aux_fake"]) < 10 for r in rows)
    assert main(["train", "--data", "digits8x8", "--model", "mlp", "--steps", "1", "--quiet", "--aux-classifier",
                 "--out", str(tmp_path / "bad")]) == 2
    assert "auxiliary classifier needs a DCGAN" in capsys.readouterr().err


def test_going_on_from_a_mixture_prior_run_needs_its_prior(tmp_path, capsys):
    """A mixture-prior run's G only makes sense on its own centres: --init-from refuses another prior (one
    sentence) and accepts the same K, sd and --prior-seed under a different training seed."""
    base = ["train", "--data", "digits8x8", "--model", "dcgan", "--width", "8", "--batch", "8", "--quiet",
            "--threads", "1", "--steps", "1", "--prior", "mixture", "--mixture-k", "3", "--mixture-sd", "0.2"]
    assert main(base + ["--seed", "5", "--out", str(tmp_path / "a")]) == 0
    assert main(base + ["--seed", "6", "--init-from", str(tmp_path / "a"), "--out", str(tmp_path / "b")]) == 2
    assert "pass the same --prior, --mixture-k, --mixture-sd and --prior-seed" in capsys.readouterr().err
    assert main(base + ["--seed", "6", "--prior-seed", "5", "--init-from", str(tmp_path / "a"),
                        "--out", str(tmp_path / "c")]) == 0
    cfg = checkpoint.load(tmp_path / "c")[2]
    assert cfg["model"]["prior_seed"] == 5 and cfg["train"]["seed"] == 6
