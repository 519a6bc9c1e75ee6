"""The benchmark's fleet ×N (``bench_days.scaled``): a valid instance that grows the right things.

The copies share the grid and the plants (both multiplied), so any plan of the
original, run in every copy at once, is feasible for the copy: the optimum of
×2 is at most twice the original's. The examples' published optimum is the
independent figure it is held against.
"""

from __future__ import annotations

import json

import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import parse_instance
from tests.benchmarks import bench_days
from tests.conftest import EXAMPLES


def test_three_copies_of_the_fleet_are_one_valid_instance():
    raw = json.loads((EXAMPLES / "medium-12" / "instance.json").read_text())
    big = parse_instance(json.dumps(bench_days().scaled(raw, 3)))
    assert len(big.datacenters) == 3 * len(raw["datacenters"])
    assert sum(d.racks for d in big.datacenters) == 3 * sum(d["racks"] for d in raw["datacenters"])
    assert len(big.workloads) == 3 * len(raw["workloads"]) and len(big.storage) == 3 * len(
        raw["storage"]
    )
    assert big.grid.import_limit_mw == pytest.approx(3 * raw["grid"]["import_limit_mw"])
    # A job's copy runs only in its copy of the fleet.
    copy_two = {w.id: w for w in big.workloads}[raw["workloads"][0]["id"] + "-2"]
    assert copy_two.datacenters == tuple(f"{d}-2" for d in raw["workloads"][0]["datacenters"])
    plant, mw = next(iter(raw["scenarios"][0]["renewable_mw"].items()))
    assert big.scenarios[0].renewable_mw[plant][10] == pytest.approx(3 * mw[10])


def test_two_copies_cost_at_most_twice_the_published_optimum():
    raw = json.loads((EXAMPLES / "small-11" / "instance.json").read_text())
    expected = json.loads((EXAMPLES / "small-11" / "expected.json").read_text())
    sol = solve_instance(
        parse_instance(json.dumps(bench_days().scaled(raw, 2))),
        SolveOptions(time_limit_s=60, mip_rel_gap=1e-6),
    )
    assert sol.objective <= 2 * expected["objective"] + 1e-4 * abs(expected["objective"])
