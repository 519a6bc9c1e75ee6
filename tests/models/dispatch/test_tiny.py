"""Tiny instances whose optimal plan is worked out by hand in each test's comment.

Common data (``tests.conftest.tiny_instance``): 1-hour steps, one data centre of
two 1 MW blocks, PUE 1, idle 0.2 (a powered block draws 0.2 MW idle: a full block
draws 0.2 + 0.8 = 1 MW), no inflexible load, no renewables, import at
100 ¥/MWh, one workload of 1 MWh at up to 1 MW, penalty 1000 ¥/MWh.
"""

from __future__ import annotations

import pytest

from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.solve import solve_instance
from models.instance import validate
from tests.conftest import tiny_instance


def solve(raw: dict):
    return solve_instance(validate(raw))


def test_tiny_runs_in_the_cheap_step() -> None:
    # Prices 100 then 300: 1 MWh at 1 MW in step 0 costs 100; one block on, then none.
    sol = solve(tiny_instance(**{"grid.import_price": [100.0, 300.0]}))
    assert sol.objective == pytest.approx(100.0)
    assert list(sol.blocks_on["dc"]) == [1, 0]
    assert sol.allocation == pytest.approx({("job", "dc", 0): 1.0})
    assert sol.unserved_mwh["job"] == 0.0


def test_tiny_idle_power_of_a_partly_used_block() -> None:
    # idle 0.5, 1.5 MWh at up to 1 MW, prices 100/200: both steps need one block.
    # IT draw = 0.5·1 + 0.5·load, so step 0 at 1 MW draws 1.0, step 1 at 0.5 MW draws 0.75.
    # Cost 100·1.0 + 200·0.75 = 250; moving load to step 1 only raises it.
    sol = solve(
        tiny_instance(
            **{
                "grid.import_price": [100.0, 200.0],
                "datacenters[0].idle_fraction": 0.5,
                "workloads[0].energy_mwh": 1.5,
            }
        )
    )
    assert sol.objective == pytest.approx(250.0)
    assert list(sol.blocks_on["dc"]) == [1, 1]
    assert sol.allocation == pytest.approx({("job", "dc", 0): 1.0, ("job", "dc", 1): 0.5})


def test_tiny_leaves_work_unserved_when_power_costs_more_than_the_penalty() -> None:
    # Import 2000 ¥/MWh > penalty 1000 ¥/MWh: nothing runs, 1 MWh unserved costs 1000.
    sol = solve(tiny_instance(**{"grid.import_price": [2000.0, 2000.0]}))
    assert sol.objective == pytest.approx(1000.0)
    assert sol.unserved_mwh["job"] == pytest.approx(1.0)
    assert list(sol.blocks_on["dc"]) == [0, 0]


def test_tiny_startup_cost_keeps_a_block_on() -> None:
    # Inflexible 0.5 MW in steps 0 and 2, none in step 1, idle 0.5, start-up 100 ¥/block,
    # initial_blocks_on=1, three steps at 100 ¥/MWh, no workload.
    # Off in step 1 saves the idle 0.5 MWh (50 ¥) but the restart costs 100 ¥, so the block
    # stays on: IT draw 0.75 + 0.5 + 0.75 = 2.0 MWh, cost 200.
    raw = tiny_instance(steps=3, **{"datacenters[0].idle_fraction": 0.5})
    raw["workloads"] = []
    dc = raw["datacenters"][0]
    dc.update(inflexible_mw=[0.5, 0.0, 0.5], initial_blocks_on=1, block_startup_cost=100.0)
    sol = solve(raw)
    assert list(sol.blocks_on["dc"]) == [1, 1, 1]
    assert sol.objective == pytest.approx(200.0)
    # At 30 ¥ the restart is cheaper than 50 ¥ of idle power: off, then on again (150 + 30).
    dc["block_startup_cost"] = 30.0
    sol = solve(raw)
    assert list(sol.blocks_on["dc"]) == [1, 0, 1]
    assert sol.objective == pytest.approx(180.0)


def test_tiny_battery_shifts_cheap_energy() -> None:
    # Inflexible 1 MW in step 1 only; prices 100 then 300; a lossless 1 MW / 1 MWh battery,
    # empty at start and end allowed, degradation 5 ¥/MWh. Charge 1 MWh at 100, discharge it
    # in step 1: 100 + 5 instead of 300.
    raw = tiny_instance(**{"grid.import_price": [100.0, 300.0]})
    raw["workloads"] = []
    raw["datacenters"][0]["inflexible_mw"] = [0.0, 1.0]
    raw["storage"] = [
        {
            "id": "b",
            "charge_mw": 1.0,
            "discharge_mw": 1.0,
            "energy_min_mwh": 0.0,
            "energy_max_mwh": 1.0,
            "energy_initial_mwh": 0.0,
            "energy_final_min_mwh": 0.0,
            "charge_efficiency": 1.0,
            "discharge_efficiency": 1.0,
            "degradation_cost_per_mwh": 5.0,
        }
    ]
    sol = solve(raw)
    assert sol.objective == pytest.approx(105.0)
    assert list(sol.charge_mw["b", "s"]) == pytest.approx([1.0, 0.0])
    assert list(sol.discharge_mw["b", "s"]) == pytest.approx([0.0, 1.0])
    assert list(sol.import_mw["s"]) == pytest.approx([1.0, 0.0])


def test_tiny_ramp_limit_from_initial_blocks_names_the_cause() -> None:
    # 1.5 MW inflexible at step 0 needs 2 blocks; starting from 0 with at most 1 more per step.
    raw = tiny_instance(**{"datacenters[0].inflexible_mw": [1.5, 0.0]})
    raw["datacenters"][0].update(initial_blocks_on=0, max_block_change=1)
    with pytest.raises(NoFeasiblePlanError) as info:
        solve(raw)
    assert info.value.cause == (
        "dc: step 0 needs 2 blocks for 1.5 MW of inflexible load, but initial_blocks_on=0"
        " and max_block_change=1 allow at most 1"
    )


def test_tiny_unreachable_storage_target_names_the_cause() -> None:
    # A 1 MW battery that must gain 5 MWh in two hours cannot.
    raw = tiny_instance()
    raw["storage"] = [
        {
            "id": "b",
            "charge_mw": 1.0,
            "discharge_mw": 1.0,
            "energy_min_mwh": 0.0,
            "energy_max_mwh": 10.0,
            "energy_initial_mwh": 0.0,
            "energy_final_min_mwh": 5.0,
            "charge_efficiency": 1.0,
            "discharge_efficiency": 1.0,
            "degradation_cost_per_mwh": 0.0,
        }
    ]
    with pytest.raises(NoFeasiblePlanError) as info:
        solve(raw)
    assert info.value.cause.startswith("b: scenario s must end the day with at least 5 MWh")
    assert "can reach only 2 MWh" in info.value.cause
