"""Image-GAN throughput: our Trainer vs a plain reference loop, and LiveRun under a UI-like reader vs headless.

    python bench/throughput_images.py                       # CPU, MLP and DCGAN
    python bench/throughput_images.py --device cuda --amp --compile --batch 128

1. Trainer / reference: images per second (iterations × batch) of ``ganviz.train.Trainer`` against a plain
   loop written like pytorch/examples ``dcgan/main.py`` (BCEWithLogits, Adam(2e-4, β=(0.5, 0.999)), the fake
   of the D step reused by the G step, D(x), D(G(z)) read back every iteration) with the same nets, data
   tensor and batch. Target ≥ 1.0 on CPU.
2. LiveRun / headless: iterations per second of the app's live run (background thread, sample-grid timeline,
   a reader thread calling ``snapshot()`` every 0.5 s as the page's fragment does) against the bare Trainer
   looping in the foreground. Target ≥ 0.9.

Blocks of the two contenders alternate (A B A B …) and their times are summed, so a shared machine's load
hits both alike; ratios from one run are meaningful, absolute img/s are not comparable across machines.
Each ratio is also printed per process-CPU-second, which the other tenants of a shared machine cannot skew
(on CPU with --threads 1 it is the cost ratio of the two code paths). On an oversubscribed machine, use
--threads 1: multi-threaded BLAS/OpenMP teams stall when their threads are descheduled (measured here at
load 6–10: MLP 2,459 vs 202 img/s, DCGAN 472 vs 53 img/s, 1 vs 2 threads).
"""
from __future__ import annotations

import argparse
import threading
import time
from contextlib import nullcontext

import torch
import torch.nn.functional as F

from ganviz import convnets, data, recipes
from ganviz.train import TrainConfig, resolve_device

SPECS = {m: recipes.build(recipes.resolve(model=m, width=64), 0)[0] for m in ("mlp", "dcgan")}  # ganviz.recipes


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class ReferenceLoop:
    """pytorch/examples dcgan/main.py, one iteration per call (labels 1 for real, 0 for fake; G flips them)."""

    def __init__(self, spec, images, config: TrainConfig):
        self.device = resolve_device(config.device)
        G, D = convnets.build_gan(spec, seed=config.seed)
        self.G, self.D = G.to(self.device), D.to(self.device)
        cuda_compile = config.compile and self.device.type == "cuda"
        self.g_fwd = torch.compile(self.G) if cuda_compile else self.G
        self.d_fwd = torch.compile(self.D) if cuda_compile else self.D
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_d, betas=config.betas)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_g, betas=config.betas)
        self.data = data.to_tensor(images).to(self.device)
        self.b, self.z_dim, self.amp = config.batch_size, spec.z_dim, config.amp and self.device.type == "cuda"
        self.gen = torch.Generator().manual_seed(config.seed)
        self.ones = torch.ones(self.b, 1, device=self.device)
        self.zeros = torch.zeros(self.b, 1, device=self.device)

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.bfloat16) if self.amp else nullcontext()

    def step(self) -> tuple[float, float, float]:
        real = self.data[torch.randint(len(self.data), (self.b,), generator=self.gen).to(self.device)]
        noise = torch.randn(self.b, self.z_dim, generator=self.gen).to(self.device)
        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        self.opt_d.zero_grad()
        with self.autocast():
            out_real = self.d_fwd(real).float()
            err_real = F.binary_cross_entropy_with_logits(out_real, self.ones)
            fake = self.g_fwd(noise)
            out_fake = self.d_fwd(fake.detach()).float()
            err_fake = F.binary_cross_entropy_with_logits(out_fake, self.zeros)
        (err_real + err_fake).backward()
        self.opt_d.step()
        # (2) update G: maximize log(D(G(z)))
        self.opt_g.zero_grad()
        with self.autocast():
            out = self.d_fwd(fake).float()
            err_g = F.binary_cross_entropy_with_logits(out, self.ones)
        err_g.backward()
        self.opt_g.step()
        return (torch.sigmoid(out_real).mean().item(), torch.sigmoid(out_fake).mean().item(),
                torch.sigmoid(out).mean().item())


def timed_block(fn, n: int, device) -> tuple[float, float]:
    """(wall seconds, process CPU seconds) of ``n`` calls."""
    sync(device)
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    sync(device)
    return time.perf_counter() - t0, time.process_time() - c0


def trainer_vs_reference(name, images, config, steps: int, rounds: int) -> tuple[float, float, float]:
    """(ours img/s, reference img/s, ratio of img per CPU-second) — wall-clock rates, plus a CPU-time ratio
    that a shared machine's load does not distort."""
    spec = SPECS[name]
    trainer = convnets.build_trainer(images, spec, config)
    ref = ReferenceLoop(spec, images.images, config)
    for _ in range(5 if not config.compile else 30):  # warm-up (and compilation)
        trainer.step()
        ref.step()
    t_ours = t_ref = c_ours = c_ref = 0.0
    for _ in range(rounds):
        w, c = timed_block(ref.step, steps, ref.device)
        t_ref, c_ref = t_ref + w, c_ref + c
        w, c = timed_block(trainer.step, steps, trainer.device)
        t_ours, c_ours = t_ours + w, c_ours + c
    n = steps * rounds * config.batch_size
    return n / t_ours, n / t_ref, c_ref / c_ours


def live_vs_headless(name, images, config, seconds: float, rounds: int, threads: int | None
                     ) -> tuple[float, float, float]:
    """(live img/s, headless img/s, ratio of img per process-CPU-second live / headless).

    Both use the same CPU thread count: ``threads`` if given, else the one the library picks for these nets
    (``Trainer.cpu_threads``, which LiveRun's worker applies to itself)."""
    spec = SPECS[name]
    headless = convnets.build_trainer(images, spec, config)
    run = convnets.live_image_run(images, spec, config, timeline_every=50)
    if headless.cpu_threads:
        threads = threads or headless.cpu_threads
        torch.set_num_threads(threads)
        run.trainer.cpu_threads = threads
    for _ in range(3 if not config.compile else 30):
        headless.step()
    run.step(3 if not config.compile else 30)
    live_steps = live_time = head_steps = head_time = live_cpu = head_cpu = 0.0
    for _ in range(rounds):
        # UI-like reader: the page's fragment asks for a snapshot (history + fixed-noise grid) every 0.5 s
        stop = threading.Event()

        def reader():
            while not stop.wait(0.5):
                snap = run.snapshot()
                _ = (snap.history, snap.view)

        t = threading.Thread(target=reader, daemon=True)
        s0 = run.trainer.step_count
        t0, c0 = time.perf_counter(), time.process_time()
        run.start()
        t.start()
        time.sleep(seconds)
        run.pause()
        while run.alive():
            time.sleep(0.005)
        live_time += time.perf_counter() - t0
        live_cpu += time.process_time() - c0
        stop.set()
        t.join()
        live_steps += run.trainer.step_count - s0

        device = headless.device
        sync(device)
        s0, t0, c0 = headless.step_count, time.perf_counter(), time.process_time()
        while time.perf_counter() - t0 < seconds:
            headless.step()
        sync(device)
        head_time += time.perf_counter() - t0
        head_cpu += time.process_time() - c0
        head_steps += headless.step_count - s0
    run.stop()
    b = config.batch_size
    return live_steps * b / live_time, head_steps * b / head_time, (live_steps / live_cpu) / (head_steps / head_cpu)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", nargs="+", default=["mlp", "dcgan"], choices=list(SPECS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--device", default="cpu")
    p.add_argument("--amp", action="store_true")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--steps", type=int, default=None, help="iterations per timed block (default: per model)")
    p.add_argument("--rounds", type=int, default=4, help="alternating blocks per contender")
    p.add_argument("--seconds", type=float, default=4.0, help="seconds per LiveRun / headless block")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    images = data.load_images("mnist")
    device = resolve_device(args.device)
    print(f"device {device} ({torch.cuda.get_device_name(0) if device.type == 'cuda' else f'{torch.get_num_threads()} threads'})"
          f", batch {args.batch}, amp {args.amp}, compile {args.compile}, data: {images.source}")
    for name in args.models:
        config = recipes.build(recipes.resolve(model=name, batch_size=args.batch, device=args.device, amp=args.amp,
                                               compile=args.compile), 0)[1]
        steps = args.steps or {"mlp": 60, "dcgan": 15}[name] * (10 if device.type == "cuda" else 1)
        ours, ref, cpu_ratio = trainer_vs_reference(name, images, config, steps, args.rounds)
        print(f"{name:6s} Trainer {ours:9,.0f} img/s | reference loop {ref:9,.0f} img/s | ratio {ours / ref:.3f}"
              f" (per CPU-second {cpu_ratio:.3f})  target ≥ 1.0", flush=True)
        live, head, cpu_ratio = live_vs_headless(name, images, config, args.seconds, args.rounds, args.threads)
        print(f"{name:6s} LiveRun {live:9,.0f} img/s | headless Trainer {head:9,.0f} img/s | ratio {live / head:.3f}"
              f" (per CPU-second {cpu_ratio:.3f})  target ≥ 0.9", flush=True)


if __name__ == "__main__":
    main()
