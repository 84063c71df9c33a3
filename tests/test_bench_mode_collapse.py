"""bench/mode_collapse.py's seed lists and worst-seed columns (pure functions, no training)."""
import importlib.util
import sys
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "mode_collapse", Path(__file__).resolve().parents[1] / "bench" / "mode_collapse.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_seed_list_ranges_and_singletons(bench):
    assert bench.parse_seeds("0-9") == list(range(10))
    assert bench.parse_seeds("17, 0-2,1") == [0, 1, 2, 17]


def test_table_reports_the_worst_seed(bench):
    rows = [{"method": "best", "dataset": "ring-8", "seed": s, "steps": 10, "wall_s": 1.0, "error": None,
             "modes_covered": m, "modes_covered_strict": m, "hq_fraction": hq, "reverse_kl": 0.0}
            for s, m, hq in ((0, 8, 0.99), (3, 7, 0.951), (5, 8, 0.97))]
    best = f"| {bench.METHODS['best'].label}"
    line = next(ln for ln in bench.table(rows, ["ring-8"]).splitlines() if ln.startswith(best))
    cells = [c.strip() for c in line.split("|")[1:-1]]
    assert cells[1] == "3" and cells[3] == "7" and cells[6] == "95.1"  # seeds, worst modes, worst % HQ
    assert cells[5].startswith("97.03")  # mean % HQ


def test_every_remedy_preset_is_a_bench_method(bench):
    from ganviz.plane import playground
    for name, steps in playground.STEP_BUDGETS.items():
        method = bench.METHODS[f"preset:{name}"]
        assert method.steps == steps and method.config("grid-25") == \
            bench.replace(playground.PRESETS[name][1], dataset="grid-25")
