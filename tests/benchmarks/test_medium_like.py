"""Medium days re-drawn from medium-12 (``bench_days.medium_like``): its structure, other numbers.

The benchmark's medium days stand for the issue's held-back days "built like
medium-12"; medium-12's own file is what each is compared with.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import parse_instance
from tests.benchmarks import bench_days
from tests.conftest import EXAMPLES


def _medium_like(k: int) -> dict:
    return bench_days().medium_like(_medium_12(), k)


def _medium_12() -> dict:
    return json.loads((EXAMPLES / "medium-12" / "instance.json").read_text())


def test_a_redrawn_day_keeps_the_fleet_the_jobs_and_their_windows_of_medium_12():
    raw, day = _medium_12(), _medium_like(3)
    inst = parse_instance(json.dumps(day))
    assert [len(day[k]) for k in ("datacenters", "workloads", "scenarios", "storage")] == [
        len(raw[k]) for k in ("datacenters", "workloads", "scenarios", "storage")
    ]
    for old, new in zip(raw["datacenters"], day["datacenters"], strict=True):
        assert new["block_racks"] == old["block_racks"] and new["racks"] % new["block_racks"] == 0
        assert ("initial_blocks_on" in new) == ("initial_blocks_on" in old)
        assert new.get("max_block_change") == old.get("max_block_change")
        capacity = new["racks"] * new["rack_kw"] / 1000
        assert max(new["inflexible_mw"]) <= 0.8 * capacity + 1e-9
    for old, new in zip(raw["workloads"], inst.workloads, strict=True):
        assert new.deadline_step - new.release_step == old["deadline_step"] - old["release_step"]
        assert len(new.datacenters) == len(old["datacenters"])
    # The numbers are other ones: not one job keeps its energy.
    assert all(
        new["energy_mwh"] != old["energy_mwh"]
        for old, new in zip(raw["workloads"], day["workloads"], strict=True)
    )


def test_the_same_seed_draws_the_same_day_and_another_seed_another():
    assert _medium_like(4) == _medium_like(4)
    assert _medium_like(4)["workloads"] != _medium_like(5)["workloads"]


def test_the_first_step_can_be_reached_from_the_blocks_on_before_the_day():
    day = _medium_like(2)
    for dc in day["datacenters"]:
        if "initial_blocks_on" not in dc:
            continue
        block_mw = dc["block_racks"] * dc["rack_kw"] / 1000
        needed = math.ceil(dc["inflexible_mw"][0] / block_mw - 1e-9)
        change = dc.get("max_block_change", dc["racks"] // dc["block_racks"])
        assert needed <= dc["initial_blocks_on"] + change


@pytest.mark.parametrize("k", [1, 2])
def test_a_redrawn_day_is_planned_without_shedding_load(k):
    sol = solve_instance(
        parse_instance(json.dumps(_medium_like(k))),
        SolveOptions(time_limit_s=60, mip_rel_gap=1e-2, helper=False),
    )
    assert sol.status == "optimal"
    assert sum(float(np.sum(mw)) for mw in sol.shed_mw.values()) == pytest.approx(0.0, abs=1e-6)
