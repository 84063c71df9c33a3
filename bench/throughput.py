"""Throughput of the one Trainer (2-D part).

Prints two ratios measured in one run, interleaved to share the machine's load fairly:
  1. Trainer steps/s  ÷  a plain reference loop (pytorch/examples style) with the same nets and batch  (goal ≥ 1.0)
  2. LiveRun steps/s with a UI-like reader snapshotting every 0.5 s  ÷  the headless Trainer        (goal ≥ 0.9)
Nets: the VEEGAN-style 2-D nets of Srivastava et al. 2017 (VEEGAN) (z 256-d, FC128 tanh ×2), batch 512, ring-8 data.

    python bench/throughput.py [--seconds 4] [--rounds 3]
"""
from __future__ import annotations

import argparse
import statistics
import threading
import time

import torch
import torch.nn.functional as F

from ganviz.engine.device import seed_all
from ganviz.engine.live import LiveRun
from ganviz.engine.nets import MLPDiscriminator, MLPGenerator
from ganviz.engine.trainer import TrainConfig, Trainer

BATCH, Z_DIM = 512, 256


def ring(n: int, gen: torch.Generator) -> torch.Tensor:
    k = torch.randint(8, (n,), generator=gen)
    angle = 2 * torch.pi * k / 8
    centres = torch.stack([2 * torch.cos(angle), 2 * torch.sin(angle)], 1)
    return centres + 0.02 * torch.randn(n, 2, generator=gen)


def nets():
    seed_all(0)
    return MLPGenerator(Z_DIM, 2, (128, 128), "tanh"), MLPDiscriminator(2, (128, 128), "tanh")


def make_trainer() -> Trainer:
    G, D = nets()
    cfg = TrainConfig(loss="nonsaturating", lr_d=1e-4, lr_g=1e-3, batch_size=BATCH, device="cpu")
    return Trainer(G, D, ring, cfg, z_dim=Z_DIM)


def reference_loop(seconds: float) -> float:
    """A plain loop as in pytorch/examples dcgan/main.py: BCE-with-logits, fake reused for G's step."""
    G, D = nets()
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-3, betas=(0.5, 0.999))
    gen = torch.Generator().manual_seed(0)
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        real = ring(BATCH, gen)
        fake = G(torch.randn(BATCH, Z_DIM, generator=gen))
        D.zero_grad()
        loss_d = F.binary_cross_entropy_with_logits(D(real), ones) + \
            F.binary_cross_entropy_with_logits(D(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        G.zero_grad()
        loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)
        loss_g.backward()
        opt_g.step()
        loss_d.item(), loss_g.item()  # the reference also reads its losses every step
        steps += 1
    return steps / (time.perf_counter() - t0)


def headless(seconds: float) -> float:
    t = make_trainer()
    steps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.step()
        steps += 1
    return steps / (time.perf_counter() - t0)


def view(trainer: Trainer):
    """What the playground draws each refresh: the fixed-noise samples and D on a 60×60 grid."""
    g = torch.linspace(-3, 3, 60)
    grid = torch.stack(torch.meshgrid(g, g, indexing="xy"), -1).reshape(-1, 2)
    return trainer.generate().numpy(), trainer.discriminate(grid).numpy()


def live_with_reader(seconds: float, every: float = 0.5) -> float:
    run = LiveRun(make_trainer, view=view)
    stop = threading.Event()

    def reader():
        while not stop.wait(every):
            run.snapshot()

    th = threading.Thread(target=reader)
    th.start()
    run.start()
    t0, s0 = time.perf_counter(), run.trainer.step_count
    time.sleep(seconds)
    rate = (run.trainer.step_count - s0) / (time.perf_counter() - t0)
    stop.set()
    th.join()
    run.stop()
    return rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch intra-op threads (1 suits these small nets; more threads oversubscribe a busy CPU)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; 2-D VEEGAN nets, batch {BATCH}")
    ref, ours, live = [], [], []
    headless(0.5), reference_loop(0.5)  # warm-up
    for _ in range(args.rounds):
        ref.append(reference_loop(args.seconds))
        ours.append(headless(args.seconds))
        live.append(live_with_reader(args.seconds))
    r, o, lv = (statistics.median(x) for x in (ref, ours, live))
    print(f"{'runner':<34}{'steps/s (median of ' + str(args.rounds) + ')':>26}")
    print(f"{'plain reference loop':<34}{r:>26,.0f}")
    print(f"{'Trainer, headless':<34}{o:>26,.0f}")
    print(f"{'LiveRun + reader every 0.5 s':<34}{lv:>26,.0f}")
    print(f"ratio Trainer / reference loop   = {o / r:.2f}  (goal >= 1.0)")
    print(f"ratio LiveRun+reader / headless  = {lv / o:.2f}  (goal >= 0.9)")


if __name__ == "__main__":
    main()
