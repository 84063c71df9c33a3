"""Data-parallel training (torchrun + DistributedDataParallel, gloo on CPU) against a single process."""
import csv
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from ganviz.__main__ import main
from ganviz.engine import distributed
from ganviz.engine.trainer import TrainConfig
from ganviz.images import checkpoint
from ganviz.images.build import build_trainer
from ganviz.images.datasets import load_images
from ganviz.images.spec import ImageGANSpec

#: The MLP GAN has no BatchNorm, so two processes of 8 images compute the same means and gradients as one process
#: of 16, up to float rounding (an all-reduce sums the halves in another order). Measured over 6 steps: recorded
#: losses, D outputs and gradient norms ≤ 1.9e-7 relative; weights ≤ 2.3e-6 absolute (Adam turns a rounding-size
#: gradient difference on a near-zero gradient into up to ~1 % of one lr-2e-4 step). A DCGAN's BatchNorm
#: normalises each process's 8 images instead of all 16 (about 0.2 % apart after 4 steps) unless --sync-bn (CUDA
#: only), so it is not the equality test.
RTOL, WEIGHT_ATOL = 1e-5, 1e-5
RUN = ["train", "--data", "digits8x8", "--model", "mlp", "--steps", "6", "--batch", "16", "--seed", "3",
       "--log-every", "1", "--sample-every", "3", "--threads", "1", "--quiet", "--loss", "nonsaturating",
       "--ema", "0.9"]


def rows(folder):
    return list(csv.DictReader(open(folder / "metrics.csv")))


def test_two_processes_match_one_and_write_an_app_checkpoint(tmp_path):
    assert main([*RUN, "--out", str(tmp_path / "one")]) == 0
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    p = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
                        "-m", "ganviz", *RUN, "--out", str(tmp_path / "two")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 0, p.stderr[-2000:]
    assert "2 processes (DistributedDataParallel)" in p.stderr
    one, two = rows(tmp_path / "one"), rows(tmp_path / "two")
    assert [r["step"] for r in two] == [str(s) for s in range(1, 7)]  # rank 0 alone wrote it: one row a step
    for name in ("loss_d", "loss_g", "d_real", "d_fake", "grad_norm_d", "grad_norm_g"):
        a = np.array([float(r[name]) for r in one])
        b = np.array([float(r[name]) for r in two])
        np.testing.assert_allclose(b, a, rtol=RTOL, err_msg=name)
    # the checkpoint (EMA G and D) through the app's loader: the same weights as the single process's
    G1, D1, cfg1 = checkpoint.load_zip((tmp_path / "one" / "checkpoint.zip").read_bytes())
    G2, D2, cfg2 = checkpoint.load_zip((tmp_path / "two" / "checkpoint.zip").read_bytes())
    assert cfg2["step"] == 6 and cfg2["model"] == cfg1["model"] and cfg2["train"] == cfg1["train"]
    for a, b in ((G1, G2), (D1, D2)):
        sa, sb = a.state_dict(), b.state_dict()
        assert sa.keys() == sb.keys()  # no DistributedDataParallel "module." prefix
        for k in sa:
            torch.testing.assert_close(sb[k], sa[k], rtol=RTOL, atol=WEIGHT_ATOL)
    assert sorted(p.name for p in (tmp_path / "two" / "samples").iterdir()) == [
        "final.png", "step_000000.png", "step_000003.png", "step_000006.png"]


def trainer(batch=16, pack=1):
    spec = ImageGANSpec(model="mlp", z_dim=4, hidden_g=(8,), hidden_d=(8,))
    return build_trainer(load_images("digits8x8"), spec, TrainConfig(batch_size=batch, pack=pack, device="cpu"),
                         fixed_n=4)


@pytest.mark.parametrize("batch,world,pack", [(15, 2, 1), (24, 2, 8), (4, 4, 1)])
def test_distribute_needs_equal_shards(batch, world, pack):
    with pytest.raises(ValueError, match="equal parts"):
        trainer(batch, pack).distribute(0, world)


def test_sync_batchnorm_needs_cuda_and_several_processes(tmp_path, capsys):
    with pytest.raises(ValueError, match="SyncBatchNorm needs CUDA"):
        trainer().distribute(0, 2, sync_batchnorm=True)
    t = trainer()
    t.step()
    with pytest.raises(ValueError, match="before its first step"):
        t.distribute(0, 2)
    assert main([*RUN, "--sync-bn", "--out", str(tmp_path)]) == 2
    assert "torchrun" in capsys.readouterr().err


def test_process_from_torchrun_environment():
    assert distributed.from_env({}) == distributed.Process(0, 1, 0)
    proc = distributed.from_env({"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1"})
    assert (proc.rank, proc.world_size, proc.local_rank, proc.main) == (3, 4, 1, False)
    with pytest.raises(ValueError, match="integers"):
        distributed.from_env({"RANK": "x"})
