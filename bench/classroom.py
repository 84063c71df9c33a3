"""Classroom load: N students moving sliders on the theory pages while 2 live trainings run.

Starts `streamlit run app.py` and talks to it as browsers do, at the protocol level: protobuf over the
websocket at /_stcore/stream (a rerun is a BackMsg.rerun_script carrying the page, the query string and the
widget states; the server answers with ForwardMsg deltas and a script_finished). Every client also follows
the server's auto_rerun requests (st.fragment(run_every)) by sending fragment reruns, as the browser does.

1. Two trainer sessions open Playground and Train on images and press Play (their runs train in worker
   processes); their step counters, read from the live panels' deltas, give the trainings' steps/s.
2. Students join in steps (N = 1, 10, 30 by default), spread round-robin over Generator, JSD, Saturation and
   Discriminator. Each one loops: set a random slider of its page (one drawn from that page's first run, on
   the slider's step grid) to a random value, time send -> script_finished, then think 2-6 s (as if reading).
   Each student first waits a think time of its own (a class in its steady state); with --burst they all move
   at the same instant instead (the lecturer says "now move σ"), which queues N reruns behind each other.
3. During each phase a separate process samples GET /_stcore/health every 0.2 s (so the bench's own event
   loop does not inflate it), and /proc gives the server's and the workers' RSS (the workers are the
   server's descendant processes; their PSS is also given, forked workers share pages).

    python bench/classroom.py [--students 1,10,30] [--seconds 25] [--burst]

Prints a table and one RESULT line (JSON) for bench/RESULTS.md. Goals (issue 17): with 2 trainings and 30
students, p95 theory rerun <= 300 ms and health p95 <= 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from seminar import start  # noqa: E402  (the bench's own server starter)

THEORY = ["generator", "jsd", "saturation", "discriminator"]
TRAINERS = ["playground", "train_images"]
FULL_RUN = ForwardMsg.FINISHED_SUCCESSFULLY
EXCEPTIONS: dict[str, object] = {}  # "page: type: message" -> the slider move that raised it
STEP_RE = re.compile(r"Step ([\d,]+) ·")

HEALTH = """
import sys, time, urllib.request, json
url, end = sys.argv[1], time.time() + float(sys.argv[2])
out = []
while time.time() < end:
    t0 = time.perf_counter()
    try:
        urllib.request.urlopen(url, timeout=10).read()
        out.append(time.perf_counter() - t0)
    except OSError:
        out.append(None)
    time.sleep(0.2)
print(json.dumps(out))
"""


class Client:
    """One browser tab at the protocol level: a session of `page`, its sliders and buttons by widget id."""

    def __init__(self, ws_url: str, page: str):
        self.ws_url, self.page = ws_url, page
        self.query = ""
        self.sliders: dict[str, object] = {}  # widget id -> Slider proto (main-script ones only)
        self.buttons: dict[str, str] = {}  # label -> widget id
        self.states: dict[str, list] = {}  # slider id -> value sent (numbers, or a select_slider's option labels)
        self.steps: list[tuple[float, int]] = []  # (time, step) read from the live panel
        self.fragments: dict[str, float] = {}  # fragment id -> run_every interval
        self.finished = asyncio.Event()
        self.full_pending = False
        self.errors = 0
        self.rerun_s: list[float] = []
        self.last_move = None

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=120, ping_interval=None)
        self.reader = asyncio.create_task(self._read())
        self.ticker = asyncio.create_task(self._fragments())
        await self.rerun()

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta":
                self._element(msg.delta)
            elif kind == "page_info_changed":
                self.query = msg.page_info_changed.query_string
            elif kind == "auto_rerun":
                self.fragments[msg.auto_rerun.fragment_id] = msg.auto_rerun.interval
            elif kind == "stop_auto_rerun":
                self.fragments.clear()
            elif kind == "script_finished" and msg.script_finished == FULL_RUN:
                self.finished.set()

    def _element(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "slider" and not delta.fragment_id and not el.slider.disabled:
            self.sliders[el.slider.id] = el.slider
        elif kind == "button":
            self.buttons[el.button.label] = el.button.id
        elif kind == "exception":
            self.errors += 1
            EXCEPTIONS.setdefault(f"{self.page}: {el.exception.type}: {el.exception.message[:200]}", self.last_move)
        text = (el.markdown.body if kind == "markdown" else
                el.metric.body if kind == "metric" and el.metric.label == "Step" else None)
        if text is not None:
            m = STEP_RE.search(text) if kind == "markdown" else re.fullmatch(r"[\d,]+", text)
            if m:
                self.steps.append((time.perf_counter(), int((m.group(1) if kind == "markdown" else
                                                             m.group(0)).replace(",", ""))))

    def _msg(self, fragment_id: str = "", trigger: str | None = None) -> bytes:
        back = BackMsg()
        cs = back.rerun_script
        cs.page_name, cs.query_string = self.page, self.query
        cs.fragment_id = fragment_id
        cs.is_auto_rerun = bool(fragment_id)
        for wid, value in self.states.items():
            w = cs.widget_states.widgets.add()
            w.id = wid
            if value and isinstance(value[0], str):  # select_slider: its formatted options (string_array_value)
                w.string_array_value.data.extend(value)
            else:
                w.double_array_value.data.extend(value)
        if trigger:
            w = cs.widget_states.widgets.add()
            w.id, w.trigger_value = trigger, True
        return back.SerializeToString()

    async def rerun(self, trigger: str | None = None) -> float:
        """A full rerun; seconds from the send to its script_finished."""
        self.finished.clear()
        self.full_pending = True
        t0 = time.perf_counter()
        await self.ws.send(self._msg(trigger=trigger))
        await asyncio.wait_for(self.finished.wait(), 300)
        self.full_pending = False
        return time.perf_counter() - t0

    async def _fragments(self) -> None:
        """The browser's st.fragment(run_every) timer: a fragment rerun per interval while none is in flight."""
        while True:
            await asyncio.sleep(min(self.fragments.values(), default=0.5) or 0.5)
            if self.fragments and not self.full_pending:
                for fid in list(self.fragments):
                    await self.ws.send(self._msg(fragment_id=fid))

    def move_slider(self, rng: random.Random) -> None:
        s = self.sliders[rng.choice(sorted(self.sliders))]
        n = len(s.default) or 1
        if s.options:  # select_slider: the value is the option's label
            self.states[s.id] = [rng.choice(s.options) for _ in range(n)]
        else:
            k = int(round((s.max - s.min) / s.step)) if s.step else 0
            self.states[s.id] = sorted(s.min + s.step * rng.randint(0, k) for _ in range(n))
        self.last_move = (s.label, self.states[s.id])

    async def student(self, rng: random.Random, until: float, burst: bool = False) -> None:
        """Move a slider, wait for the rerun, think 2-6 s; start after a think time of its own (a class in its
        steady state) unless ``burst`` (every student moves at the same instant, as when the lecturer says "now")."""
        if not burst:
            await asyncio.sleep(rng.uniform(2.0, 6.0))
        while time.perf_counter() < until:
            self.move_slider(rng)
            self.rerun_s.append(await self.rerun())
            await asyncio.sleep(rng.uniform(2.0, 6.0))

    async def close(self) -> None:
        self.ticker.cancel()
        await self.ws.close()


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    try:
        if field == "Pss":
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        else:
            text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(m.group(1)) if m else 0


def descendants(pid: int) -> list[int]:
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, frontier = [], [pid]
    while frontier:
        kids = [p for p, pp in parent.items() if pp in frontier]
        out += kids
        frontier = kids
    return out


def memory(pid: int) -> dict:
    kids = descendants(pid)
    return {"server_mib": rss_kib(pid) / 1024, "workers": len(kids),
            "workers_rss_mib": sum(rss_kib(k) for k in kids) / 1024,
            "workers_pss_mib": sum(rss_kib(k, "Pss") for k in kids) / 1024}


def cpu_s(pids: list[int]) -> float:
    """utime + stime of the processes, in seconds."""
    total = 0
    for pid in pids:
        try:
            total += sum(int(x) for x in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[11:13])
        except (OSError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def pct(xs: list[float], q: float) -> float | None:
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def rate(steps: list[tuple[float, int]], t0: float, t1: float) -> float | None:
    win = [(t, s) for t, s in steps if t0 <= t <= t1]
    if len(win) < 2 or win[-1][0] == win[0][0]:
        return None
    return (win[-1][1] - win[0][1]) / (win[-1][0] - win[0][0])


async def bench(url: str, pid: int, counts: list[int], seconds: float, seed: int, burst: bool = False
                ) -> list[dict]:
    ws_url = url.replace("http", "ws") + "/_stcore/stream"
    rng = random.Random(seed)
    warm = []
    for page in THEORY + TRAINERS:  # imports and caches once, as the lecturer's own tab does before class
        c = Client(ws_url, page)
        await c.connect()
        warm.append(c)
    for c in warm:
        await c.close()
    await asyncio.sleep(3)
    idle = memory(pid)
    trainers = []
    for page in TRAINERS:
        c = Client(ws_url, page)
        await c.connect()
        if "Play" not in c.buttons:
            raise RuntimeError(f"{page}: no Play button in its first run")
        await c.rerun(trigger=c.buttons["Play"])
        trainers.append(c)
    await asyncio.sleep(5)  # the workers start and reach their pace
    t0 = time.perf_counter()
    await asyncio.sleep(5)
    base = {"memory": memory(pid), "steps_per_s": [rate(c.steps, t0, time.perf_counter()) for c in trainers]}
    rows = [{"students": 0, **base}]
    students: list[Client] = []
    for n in counts:
        while len(students) < n:
            c = Client(ws_url, THEORY[len(students) % len(THEORY)])
            await c.connect()
            students.append(c)
        for c in students:
            c.rerun_s.clear()
        health = subprocess.Popen([sys.executable, "-c", HEALTH, f"{url}/_stcore/health", str(seconds)],
                                  stdout=subprocess.PIPE, text=True)
        load0 = os.getloadavg()[0]
        kids = descendants(pid)
        c0 = (cpu_s([pid]), cpu_s(kids), time.process_time())
        t0 = time.perf_counter()
        until = t0 + seconds
        tasks = [asyncio.create_task(c.student(random.Random(rng.random()), until, burst)) for c in students]
        mem = []
        while time.perf_counter() < until:
            await asyncio.sleep(1.0)
            mem.append(memory(pid))
        await asyncio.gather(*tasks)
        t1 = time.perf_counter()
        c1 = (cpu_s([pid]), cpu_s(kids), time.process_time())
        cpu = {k: (b - a) / (t1 - t0) for k, a, b in zip(("server", "workers", "bench"), c0, c1, strict=True)}
        out, _ = await asyncio.to_thread(health.communicate)
        lat = json.loads(out)
        reruns = [x for c in students for x in c.rerun_s]
        peak = max(mem, key=lambda m: m["server_mib"])
        rows.append({
            "students": n, "reruns": len(reruns), "reruns_per_s": len(reruns) / (t1 - t0),
            "rerun_p50_ms": 1e3 * pct(reruns, 0.5), "rerun_p95_ms": 1e3 * pct(reruns, 0.95),
            "rerun_max_ms": 1e3 * max(reruns),
            "by_page_p95_ms": {p: 1e3 * pct([x for c in students if c.page == p for x in c.rerun_s], 0.95)
                               for p in THEORY if any(c.page == p and c.rerun_s for c in students)},
            "health_p50_ms": 1e3 * pct(lat, 0.5), "health_p95_ms": 1e3 * pct(lat, 0.95),
            "health_failed": sum(x is None for x in lat),
            "memory": peak, "server_per_student_mib": (peak["server_mib"] - base["memory"]["server_mib"]) / n,
            "steps_per_s": [rate(c.steps, t0, t1) for c in trainers],
            "cpu_cores": cpu, "load1": (load0 + os.getloadavg()[0]) / 2, "errors": sum(c.errors for c in students)})
    for c in students + trainers:
        await c.close()
    rows.insert(0, {"students": "idle", "memory": idle})
    return rows


def fmt(x, spec=".0f") -> str:
    return "—" if x is None else format(x, spec)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", default="1,10,30")
    ap.add_argument("--seconds", type=float, default=25.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--label", default="after")
    ap.add_argument("--burst", action="store_true", help="every student's first move at the same instant")
    args = ap.parse_args()
    counts = [int(n) for n in args.students.split(",")]
    proc, url = start(ROOT)
    try:
        rows = asyncio.run(bench(url, proc.pid, counts, args.seconds, args.seed, args.burst))
        kids = descendants(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    for _ in range(20):  # up to 10 s for the workers to notice their server is gone
        orphans = [k for k in kids if Path(f"/proc/{k}").exists()]
        if not orphans:
            break
        time.sleep(0.5)
    for k in orphans:
        try:
            print("left after the server stopped:", Path(f"/proc/{k}/cmdline").read_bytes().replace(b"\0", b" ")[:160])
        except OSError:
            pass
    print(f"{'students':>8} {'reruns/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'health p50':>10} {'health p95':>10} "
          f"{'server MiB':>10} {'MiB/student':>11} {'workers':>7} {'wk RSS':>7} {'wk PSS':>7} "
          f"{'playground st/s':>15} {'images st/s':>11} {'load1':>5} {'CPU server/workers/bench':>24}")
    for r in rows:
        m, sps = r["memory"], r.get("steps_per_s", [None, None])
        print(f"{r['students']:>8} {fmt(r.get('reruns_per_s'), '.1f'):>8} {fmt(r.get('rerun_p50_ms')):>7} "
              f"{fmt(r.get('rerun_p95_ms')):>7} {fmt(r.get('health_p50_ms'), '.1f'):>10} "
              f"{fmt(r.get('health_p95_ms'), '.1f'):>10} {m['server_mib']:>10.0f} "
              f"{fmt(r.get('server_per_student_mib'), '.1f'):>11} {m['workers']:>7} {m['workers_rss_mib']:>7.0f} "
              f"{m['workers_pss_mib']:>7.0f} {fmt(sps[0]):>15} {fmt(sps[1], '.1f'):>11} "
              f"{fmt(r.get('load1'), '.1f'):>5} "
              f"{'/'.join(f'{v:.2f}' for v in r['cpu_cores'].values()) if 'cpu_cores' in r else '—':>24}")
    for text, move in EXCEPTIONS.items():
        print(f"exception after {move}: {text}")
    last = rows[-1]
    print(f"goal (30 students, 2 trainings): rerun p95 {fmt(last.get('rerun_p95_ms'))} ms (<= 300), "
          f"health p95 {fmt(last.get('health_p95_ms'), '.1f')} ms (<= 50); orphan workers after the server "
          f"stopped: {len(orphans)}")
    print("RESULT " + json.dumps({"bench": "classroom", "label": args.label, "seconds": args.seconds,
                                  "cpus": os.cpu_count(), "orphans": len(orphans), "rows": rows},
                                 default=str))
    for k in orphans:
        os.kill(k, 9)


if __name__ == "__main__":
    main()
