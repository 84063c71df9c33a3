"""Image-GAN throughput: our Trainer vs a plain reference loop, its FLOP rate, and the live run vs headless.

    python bench/throughput_images.py                       # CPU, MLP and DCGAN
    python bench/throughput_images.py --device cuda --amp --compile --batch 128

1. Trainer / reference: images per second (iterations × batch) of ``ganviz.engine.trainer.Trainer`` against a plain
   loop written like pytorch/examples ``dcgan/main.py`` (BCEWithLogits, Adam(2e-4, β=(0.5, 0.999)), the fake
   of the D step reused by the G step, D(x), D(G(z)) read back every iteration) with the same nets, data
   tensor and batch. Target ≥ 1.0 on CPU.
2. FLOP rate: FLOPs of one Trainer step (torch.utils.flop_counter) per CPU-second, as a fraction of a dense
   fp32 512×512 matmul's rate measured in the same run. Target ≥ 0.6 for DCGAN at batch 64 on CPU.
3. LiveRun / headless: iterations per second of the app's live run (a WorkerRun: the Trainer in a worker
   process, sample-grid timeline, a reader thread calling ``snapshot()`` every 0.5 s as the page's fragment
   does) against the bare Trainer looping in the foreground. Target ≥ 0.95.

Blocks of the two contenders alternate (A B A B …) and their times are summed, so a shared machine's load
hits both alike; ratios from one run are meaningful, absolute img/s are not comparable across machines.
Each ratio is also printed per process-CPU-second, which the other tenants of a shared machine cannot skew
(on CPU with --threads 1 it is the cost ratio of the two code paths). On an oversubscribed machine, use
--threads 1: multi-threaded BLAS/OpenMP teams stall when their threads are descheduled (measured here at
load 6–10: MLP 2,459 vs 202 img/s, DCGAN 472 vs 53 img/s, 1 vs 2 threads).
"""
from __future__ import annotations

import argparse
import operator
import threading
import time
from contextlib import nullcontext

import torch
import torch.nn.functional as F

from ganviz import recipes
from ganviz.engine.device import resolve_device
from ganviz.engine.live import LiveRun
from ganviz.engine.trainer import TrainConfig
from ganviz.engine.worker import WorkerRun
from ganviz.images import build, datasets, live, nets, tensors

SPECS = {m: recipes.build(recipes.resolve(model=m, width=64), 0)[0] for m in ("mlp", "dcgan")}  # ganviz.recipes


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


class ReferenceLoop:
    """pytorch/examples dcgan/main.py, one iteration per call (labels 1 for real, 0 for fake; G flips them)."""

    def __init__(self, spec, images, config: TrainConfig):
        self.device = resolve_device(config.device)
        G, D = nets.build_gan(spec, seed=config.seed)
        self.G, self.D = G.to(self.device), D.to(self.device)
        cuda_compile = config.compile and self.device.type == "cuda"
        self.g_fwd = torch.compile(self.G) if cuda_compile else self.G
        self.d_fwd = torch.compile(self.D) if cuda_compile else self.D
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_d, betas=config.betas)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_g, betas=config.betas)
        self.data = tensors.to_tensor(images).to(self.device)
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
    trainer = build.build_trainer(images, spec, config)
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


def worker_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (the worker's CPU time is not in this process's)."""
    import os
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def live_vs_headless(name, images, config, seconds: float, rounds: int, threads: int | None, process: bool = True
                     ) -> tuple[float, float, float]:
    """(live img/s, headless img/s, ratio of img per CPU-second live / headless).

    The live run is the app's: a WorkerRun (the Trainer in a worker process; ``process=False``: the former
    LiveRun thread) with the sample-grid timeline, read by a UI-like reader every 0.5 s. Both use the same CPU
    thread count: ``threads`` if given, else the one the library picks for these nets (``Trainer.cpu_threads``)."""
    spec = SPECS[name]
    headless = build.build_trainer(images, spec, config)
    threads = threads or headless.cpu_threads
    if threads:
        torch.set_num_threads(threads)
    recipe = live.LiveImageRun(images, spec, config, timeline_every=50)
    if process:
        run = WorkerRun(recipe.make_trainer, recipe.view, threads=threads)
        steps = operator.attrgetter("step_count")
        cpu = lambda: worker_cpu_seconds(run.pid)  # noqa: E731
    else:
        run = LiveRun(recipe.make_trainer, recipe.view)
        run.trainer.cpu_threads = threads
        steps, cpu = (lambda t: t.step_count), time.process_time
    for _ in range(3 if not config.compile else 30):
        headless.step()
    run.step(3 if not config.compile else 30)
    live_steps = live_time = head_steps = head_time = live_cpu = head_cpu = 0.0
    for _ in range(rounds):
        # UI-like reader: the page's fragment asks for a snapshot (history + fixed-noise grid) every 0.5 s
        stop = threading.Event()

        def reader(stop=stop):
            while not stop.wait(0.5):
                snap = run.snapshot()
                _ = (snap.history, snap.view)

        t = threading.Thread(target=reader, daemon=True)
        s0 = run.with_trainer(steps)
        t0, c0 = time.perf_counter(), cpu()
        run.start()
        t.start()
        time.sleep(seconds)
        run.pause()
        if not process:
            while run.alive():
                time.sleep(0.005)
        s1 = run.with_trainer(steps)  # answered between two steps, after the pause
        live_time += time.perf_counter() - t0
        live_cpu += cpu() - c0
        stop.set()
        t.join()
        live_steps += s1 - s0

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


def matmul_rate(device, n: int = 512, seconds: float = 1.0) -> tuple[float, float]:
    """(wall, CPU-time) FLOP/s of dense fp32 n×n @ n×n matmuls (2n³ FLOPs each): the machine's reference."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    for _ in range(3):
        a @ b
    sync(device)
    count, t0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - t0 < seconds:
        a @ b
        count += 1
    sync(device)
    flops = 2 * n ** 3 * count
    return flops / (time.perf_counter() - t0), flops / max(time.process_time() - c0, 1e-9)


def flop_fraction(name, images, config, steps: int, rounds: int) -> tuple[float, float, float, float]:
    """(FLOPs per Trainer step, its achieved FLOP/s, the matmul FLOP/s, achieved / matmul by CPU time).

    FLOPs are counted by torch.utils.flop_counter.FlopCounterMode over one step (matmuls and convolutions,
    forward and backward); Trainer steps and matmul blocks alternate, and the rates use process CPU time, which
    the other tenants of a shared machine cannot skew (with one thread it is the single core's time)."""
    from torch.utils.flop_counter import FlopCounterMode
    trainer = build.build_trainer(images, SPECS[name], config)
    for _ in range(3):
        trainer.step()
    with FlopCounterMode(display=False) as counter:
        trainer.step()
    per_step = counter.get_total_flops()
    step_cpu = mm_cpu = 0.0
    for _ in range(rounds):
        _, c = timed_block(trainer.step, steps, trainer.device)
        step_cpu += c
        mm_cpu += matmul_rate(trainer.device)[1]
    achieved = per_step * steps * rounds / step_cpu
    mm = mm_cpu / rounds
    return per_step, achieved, mm, achieved / mm


def cpu_model() -> str:
    """The CPU's model name (the matmul reference depends on it: MKL's sgemm takes its AVX2 path on AMD CPUs)."""
    try:
        text = open("/proc/cpuinfo").read()
    except OSError:
        return "CPU"
    return next((line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")), "CPU")


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
    p.add_argument("--thread", action="store_true", help="also measure the former in-process LiveRun thread")
    args = p.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    images = datasets.load_images("mnist")
    device = resolve_device(args.device)
    where = (torch.cuda.get_device_name(0) if device.type == 'cuda'
             else f'{torch.get_num_threads()} threads, {cpu_model()}')
    print(f"device {device} ({where})"
          f", batch {args.batch}, amp {args.amp}, compile {args.compile}, data: {images.source}")
    for name in args.models:
        config = recipes.build(recipes.resolve(model=name, batch_size=args.batch, device=args.device, amp=args.amp,
                                               compile=args.compile), 0)[1]
        steps = args.steps or {"mlp": 60, "dcgan": 15}[name] * (10 if device.type == "cuda" else 1)
        ours, ref, cpu_ratio = trainer_vs_reference(name, images, config, steps, args.rounds)
        print(f"{name:6s} Trainer {ours:9,.0f} img/s | reference loop {ref:9,.0f} img/s | ratio {ours / ref:.3f}"
              f" (per CPU-second {cpu_ratio:.3f})  target ≥ 1.0", flush=True)
        per_step, achieved, mm, frac = flop_fraction(name, images, config, steps, args.rounds)
        print(f"{name:6s} FLOPs/step {per_step / 1e9:.3f} G | Trainer {achieved / 1e9:7.2f} GFLOP/s | dense fp32 "
              f"matmul {mm / 1e9:7.2f} GFLOP/s | fraction {frac:.3f}  target ≥ 0.6 (DCGAN)", flush=True)
        for process in (True, False) if args.thread else (True,):
            live, head, cpu_ratio = live_vs_headless(name, images, config, args.seconds, args.rounds, args.threads,
                                                     process)
            print(f"{name:6s} LiveRun {'worker' if process else 'thread'} {live:9,.0f} img/s | headless Trainer "
                  f"{head:9,.0f} img/s | ratio {live / head:.3f} (per CPU-second {cpu_ratio:.3f})  target ≥ 0.95",
                  flush=True)


if __name__ == "__main__":
    main()
