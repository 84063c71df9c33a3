"""python -m ganviz: train writes a loadable checkpoint, grids and metrics; download; plug-in subcommands."""
import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import ganviz
from ganviz import checkpoint
from ganviz.__main__ import build_parser, main
from ganviz.data import make_grid

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
    assert not all(torch.equal(a, b) for a, b in zip(G4.state_dict().values(), final))
    assert D is not None
    # the saved G on the run's fixed noise (drawn first from the seed) redraws final.png pixel for pixel
    z = torch.randn(64, 100, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        grid = make_grid(G(z))
    assert np.array_equal(grid, np.asarray(Image.open(out / "samples" / "final.png")))
    assert np.array_equal(np.asarray(Image.open(out / "samples" / "step_000006.png")), grid)
    G3, _, cfg3 = checkpoint.load(out / "checkpoint.zip")  # what the page's "Load a checkpoint" reads
    assert cfg3 == cfg and all(torch.equal(a, b) for a, b in zip(G.state_dict().values(), G3.state_dict().values()))


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
    (tmp_path / "cli_hello.py").write_text(
        "def register(sub):\n"
        "    p = sub.add_parser('hello')\n"
        "    p.add_argument('--n', type=int, default=1)\n"
        "    p.set_defaults(func=lambda args: 40 + args.n)\n")
    monkeypatch.setattr(ganviz, "__path__", [*ganviz.__path__, str(tmp_path)])
    assert "hello" in build_parser()._subparsers._group_actions[0].choices
    assert main(["hello", "--n", "2"]) == 42
    sys.modules.pop("ganviz.cli_hello", None)


def test_cli_imports_without_streamlit():
    code = "import sys, ganviz.__main__ as m; m.build_parser(); print('streamlit' in sys.modules, 'plotly' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.split() == ["False", "False"]
