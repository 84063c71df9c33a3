"""Run every bench/*.py and print one table: script, key figure, ratio, goal, pass/fail.

Each script runs in its own process (one at a time: they measure speed). Its key figures are read from
``RESULT {json}`` lines (soak.py, browser_latency.py) or, for the scripts that print prose, with the patterns in
EXTRACT below; a script whose output matches nothing is listed with its exit status and last line.
``--quick`` passes each script's own quick flags (QUICK below; a CI test can call it), and is the mode to use
on a shared machine. New bench scripts are picked up automatically (run without flags).

    python bench/run_all.py [--quick] [--only throughput,soak] [--timeout 1800] [--markdown out.md]
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent

# script -> flags for --quick (each script's own argparse)
QUICK = {
    "throughput.py": ["--seconds", "1", "--rounds", "1"],
    "throughput_images.py": ["--models", "mlp", "--rounds", "1", "--seconds", "1", "--steps", "10"],
    "metrics_speed.py": ["--n", "6000"],  # its held-out IS line needs n > 5,000
    "mode_collapse.py": ["--quick", "--methods", "gan", "--datasets", "ring-8", "--steps", "300"],
    "rerun_latency.py": ["--reruns", "5"],
    "soak.py": ["--minutes", "0.25"],
    "browser_latency.py": ["--quick"],
    "first_picture.py": ["--repeats", "1", "--limit", "60"],
    "preset_30s.py": ["--seconds", "5", "--presets", "Disconnected latent: every mode in ~30 s"],
}


def _ge(goal):
    return lambda v: v >= goal


def _le(goal):
    return lambda v: v <= goal


# script -> [(name, regex with one float group (or two: name, value), goal text, test, figure from the value)]
EXTRACT = {
    "throughput.py": [
        ("Trainer / reference loop", r"ratio Trainer / reference loop\s*=\s*([\d.]+)", ">= 1.0", _ge(1.0),
         "steps/s ratio {:.2f}"),
        ("LiveRun+reader / headless", r"ratio LiveRun\+reader / headless\s*=\s*([\d.]+)", ">= 0.9", _ge(0.9),
         "steps/s ratio {:.2f}")],
    "throughput_images.py": [
        ("{} Trainer / reference", r"^(\w+)\s+Trainer .*?\| ratio ([\d.]+)", ">= 1.0", _ge(1.0), "img/s ratio {:.3f}"),
        ("{} LiveRun / headless", r"^(\w+)\s+LiveRun .*?\| ratio ([\d.]+)", ">= 0.9", _ge(0.9), "img/s ratio {:.3f}")],
    "metrics_speed.py": [("CPU work / 60 s budget", r"ratio to the \d+ s budget: ([\d.]+)", "<= 1.0", _le(1.0),
                          "{:.3f} of the budget")],
    "rerun_latency.py": [("{} server rerun", r"^\| (pages/\w+\.py) \|[^|]*\|[^|]*\|[^|]*\|[^|]*\|[^|]*\| ([\d.]+) \|",
                          "<= 50 ms", _le(1.0), None)],
    "mode_collapse.py": [("{} HQ / published", r"- ([\w-]+): .*ratio to the best published HQ[^:]*: ([\d.]+)", ">= 1.0",
                          _ge(1.0), "HQ ratio {:.3f}")],
}


def parse(script: str, out: str) -> list[dict]:
    rows = []
    for line in out.splitlines():
        if line.startswith("RESULT "):
            try:
                r = json.loads(line[7:])
            except json.JSONDecodeError:
                continue
            rows.append({"script": script, "what": r.get("name", ""), "figure": r.get("figure", ""),
                         "ratio": r.get("ratio"), "goal": r.get("goal", ""), "pass": bool(r.get("pass"))})
    for name, pattern, goal, ok, figure in EXTRACT.get(script, []):
        for m in re.finditer(pattern, out, flags=re.M):
            if m.lastindex == 2:
                label, value = name.format(m.group(1)), float(m.group(2))
            else:
                label, value = name, float(m.group(1))
            shown = figure.format(value) if figure else f"{50 * value:.0f} ms median"
            rows.append({"script": script, "what": label, "figure": shown, "ratio": value, "goal": goal,
                         "pass": ok(value)})
    return rows


def run(script: str, quick: bool, timeout: float) -> tuple[list[dict], str, float]:
    cmd = [sys.executable, "-m", f"bench.{Path(script).stem}", *(QUICK.get(script, []) if quick else [])]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        out, rc = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), "timeout"
    wall = time.perf_counter() - t0
    rows = parse(script, out)
    if not rows:
        last = next((ln.strip() for ln in reversed(out.splitlines()) if ln.strip()), "(no output)")
        rows = [{"script": script, "what": f"exit {rc}", "figure": last[:90], "ratio": None, "goal": "runs",
                 "pass": rc == 0 and "skip" not in last.lower()[:5]}]
    elif rc != 0:
        rows.append({"script": script, "what": f"exit {rc}", "figure": "", "ratio": None, "goal": "exit 0",
                     "pass": False})
    return rows, out, wall


def table(rows: list[dict]) -> str:
    lines = ["| script | key figure | measured | ratio | goal | pass |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.3g}"
        figure = str(r["figure"]).replace("|", "/")
        lines.append(f"| {r['script']} | {r['what']} | {figure} | {ratio} | {r['goal']} | "
                     f"{'pass' if r['pass'] else 'FAIL'} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="each script's quick flags (see QUICK)")
    ap.add_argument("--only", default=None, help="comma list of script names (with or without .py)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per script")
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    ap.add_argument("--verbose", action="store_true", help="print each script's full output")
    args = ap.parse_args(argv)
    scripts = sorted(p.name for p in BENCH.glob("*.py") if p.name != Path(__file__).name and not p.name.startswith("_"))
    if args.only:
        wanted = {s if s.endswith(".py") else f"{s}.py" for s in args.only.split(",")}
        scripts = [s for s in scripts if s in wanted]
    rows = []
    for script in scripts:
        print(f"running {script}{' --quick' if args.quick else ''} …", flush=True)
        got, out, wall = run(script, args.quick, args.timeout)
        if args.verbose:
            print(out)
        print(f"  {wall:.0f} s, {sum(r['pass'] for r in got)}/{len(got)} pass", flush=True)
        rows += got
    text = table(rows)
    print("\n" + text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0 if all(r["pass"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
