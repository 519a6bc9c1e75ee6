"""The independent verifier names every rule a broken plan breaks, and passes a solved one.

Each case edits a copy of a solved plan so that it breaks one rule of the
contract and returns the rule's wording and the place (row, step) it breaks,
both derived from the instance and the edit, never from the verifier's output.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from dataclasses import replace

import pandas as pd
import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import load_instance, validate
from models.instance.schema import Instance
from models.plan.folder import TABLE_FILES, write_plan
from models.plan.results import PlanTables, plan_tables
from models.plan.verify import verify_plan
from tests.conftest import EXAMPLES, tiny_instance

OPTIONS = SolveOptions(log=False)
Edit = Callable[[Instance, PlanTables], tuple[str, str]]


@pytest.fixture(scope="module")
def small() -> tuple[Instance, PlanTables]:
    """small-11: two data centres with ramps and start-ups, three workloads, one battery."""
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    return inst, plan_tables(inst, solve_instance(inst, OPTIONS))


def tiny_with_startups() -> Instance:
    """The tiny instance, all blocks off before step 0, one block per step, 50 ¥ a start.

    By hand: the job's 1 MWh runs at step 0 (100 ¥/MWh, step 1 costs 120) on one
    block (IT draw 0.2 + 0.8 = 1 MW), costing 100 ¥ + one start-up 50 ¥ = 150 ¥;
    spreading it over both steps draws 2 · (0.2 + 0.4) = 1.2 MWh for 182 ¥,
    leaving it unserved costs 1000 ¥.
    """
    raw = tiny_instance(**{"grid.import_price": [100.0, 120.0]})
    raw["datacenters"][0].update(initial_blocks_on=0, max_block_change=1, block_startup_cost=50.0)
    return validate(raw)


@pytest.fixture(scope="module")
def tiny() -> tuple[Instance, PlanTables]:
    inst = tiny_with_startups()
    return inst, plan_tables(inst, solve_instance(inst, OPTIONS))


def broken(solved: tuple[Instance, PlanTables], edit: Edit) -> tuple[list[str], str, str]:
    inst, tables = solved
    copied = copy.deepcopy(tables)
    rule, where = edit(inst, copied)
    return verify_plan(inst, copied), rule, where


def rack_row(t: PlanTables, dc: str, step: int) -> int:
    rack = t.rack_power_plan
    return rack.index[(rack["datacenter"] == dc) & (rack["step"] == step)][0]


def schedule_row(t: PlanTables, step: int, scenario: str = "s0") -> int:
    sched = t.energy_schedule
    return sched.index[(sched["scenario"] == scenario) & (sched["step"] == step)][0]


def add_allocation(t: PlanTables, workload: str, dc: str, step: int, mw: float) -> None:
    row = pd.DataFrame([{"workload": workload, "datacenter": dc, "step": step, "mw": mw}])
    t.workload_allocation = pd.concat([t.workload_allocation, row], ignore_index=True)


def at(dc: str, step: int) -> str:
    """The end of a per-row message: its first broken row."""
    return f"first at {dc} step {step}"


def at_step(step: int, scenario: str = "s0") -> str:
    return f"first at scenario {scenario} step {step}"


def first_step(t: PlanTables, workload: str, dc: str) -> int:
    alloc = t.workload_allocation
    return int(
        alloc.loc[(alloc["workload"] == workload) & (alloc["datacenter"] == dc), "step"].min()
    )


def test_verify_passes_the_solved_plans(small, tiny) -> None:
    for inst, tables in (small, tiny):
        assert verify_plan(inst, tables) == []


def test_verify_passes_the_published_files(small, tmp_path) -> None:
    """As the plan-feasible check reads them: CSV text and summary.json."""
    inst, tables = small
    folder = write_plan(tables, tmp_path / "plan")
    published = PlanTables(
        *(pd.read_csv(folder / name) for name in TABLE_FILES.values()),
        summary=json.loads((folder / "summary.json").read_text()),
    )
    assert verify_plan(inst, published) == []


def test_tiny_plan_is_the_hand_optimum(tiny) -> None:
    _inst, tables = tiny
    assert tables.summary["objective"] == pytest.approx(150.0, abs=1e-6)
    assert list(tables.rack_power_plan["blocks_on"]) == [1, 0]


# --- rack_power_plan: items 1, 4, 5 and 9, blocks, racks and capacity columns ---------------


def ramp_up(inst, t):
    # dc02 may change by 4 blocks a step; 14 -> 19 at step 50 is a change of 5.
    dc = inst.datacenters[1]
    i = rack_row(t, dc.id, 50)
    previous = t.rack_power_plan.loc[rack_row(t, dc.id, 49), "blocks_on"]
    t.rack_power_plan.loc[i, "blocks_on"] = previous + dc.max_block_change + 1
    return f"{dc.id}: ramp |n[t]-n[t-1]| <= {dc.max_block_change} (item 9)", at(dc.id, 50)


def ramp_from_initial(inst, t):
    # dc01 starts from initial_blocks_on = 9: step 0 may hold at most 9 + 5 blocks.
    dc = inst.datacenters[0]
    t.rack_power_plan.loc[rack_row(t, dc.id, 0), "blocks_on"] = (
        dc.initial_blocks_on + dc.max_block_change + 1
    )
    return f"{dc.id}: ramp |n[t]-n[t-1]| <= {dc.max_block_change} (item 9)", at(dc.id, 0)


def too_many_blocks(inst, t):
    dc = inst.datacenters[0]
    t.rack_power_plan.loc[rack_row(t, dc.id, 20), "blocks_on"] = dc.blocks + 1
    return f"{dc.id}: blocks_on integer in 0..{dc.racks // dc.block_racks}", at(dc.id, 20)


def negative_blocks(inst, t):
    dc = inst.datacenters[1]
    t.rack_power_plan.loc[rack_row(t, dc.id, 60), "blocks_on"] = -1
    return f"{dc.id}: blocks_on integer in 0..{dc.racks // dc.block_racks}", at(dc.id, 60)


def fractional_blocks(inst, t):
    dc = inst.datacenters[0]
    t.rack_power_plan["blocks_on"] = t.rack_power_plan["blocks_on"].astype(float)
    t.rack_power_plan.loc[rack_row(t, dc.id, 30), "blocks_on"] += 0.5
    return f"{dc.id}: blocks_on integer in 0..{dc.racks // dc.block_racks}", at(dc.id, 30)


def racks_off_by_one(inst, t):
    dc = inst.datacenters[1]
    t.rack_power_plan.loc[rack_row(t, dc.id, 7), "racks_on"] += 1
    return f"{dc.id}: racks_on = blocks_on * block_racks", at(dc.id, 7)


def wrong_it_cap(inst, t):
    dc = inst.datacenters[0]
    t.rack_power_plan.loc[rack_row(t, dc.id, 3), "it_cap_mw"] += dc.block_mw
    return f"{dc.id}: it_cap_mw = cap_d * n", at(dc.id, 3)


def over_capacity(inst, t):
    # Blocks, racks and it_cap_mw agree with each other but leave the load without room.
    dc = inst.datacenters[0]
    i = rack_row(t, dc.id, 25)
    load = t.rack_power_plan.loc[i, ["inflexible_mw", "flexible_mw"]].sum()
    n = math.ceil(load / dc.block_mw) - 1
    t.rack_power_plan.loc[i, ["blocks_on", "racks_on", "it_cap_mw"]] = [
        n,
        n * dc.block_racks,
        n * dc.block_mw,
    ]
    return f"{dc.id}: capacity load <= cap_d * n (item 1)", at(dc.id, 25)


def wrong_it_draw(inst, t):
    dc = inst.datacenters[1]
    t.rack_power_plan.loc[rack_row(t, dc.id, 40), "it_mw"] += 0.01
    return f"{dc.id}: IT draw (item 4)", at(dc.id, 40)


def wrong_facility_draw(inst, t):
    dc = inst.datacenters[0]
    t.rack_power_plan.loc[rack_row(t, dc.id, 80), "facility_mw"] -= 0.01
    return f"{dc.id}: facility draw (item 5)", at(dc.id, 80)


def wrong_flexible(inst, t):
    dc = inst.datacenters[1]
    t.rack_power_plan.loc[rack_row(t, dc.id, 2), "flexible_mw"] += 0.2
    return f"{dc.id}: flexible_mw = sum of allocations", at(dc.id, 2)


def wrong_inflexible(inst, t):
    dc = inst.datacenters[0]
    t.rack_power_plan.loc[rack_row(t, dc.id, 90), "inflexible_mw"] -= 0.1
    return f"{dc.id}: inflexible_mw as in the instance", at(dc.id, 90)


# --- workload_allocation: items 2 and 3, windows, data centres, ids -------------------------


def too_fast(inst, t):
    wl = inst.workloads[0]
    step = first_step(t, wl.id, "dc02")
    alloc = t.workload_allocation
    alloc.loc[(alloc["workload"] == wl.id) & (alloc["step"] == step), "mw"] = 2 * wl.max_mw
    return f"workload {wl.id}: step {step} runs ", f"> max_mw {wl.max_mw} (item 2)"


def too_fast_in_two_places(inst, t):
    # job-02 below max_mw in each data centre, above it in the sum of both.
    wl = inst.workloads[1]
    step = first_step(t, wl.id, "dc01")
    alloc = t.workload_allocation
    here = (alloc["workload"] == wl.id) & (alloc["step"] == step)
    t.workload_allocation = alloc[~here]
    add_allocation(t, wl.id, "dc01", step, 0.6 * wl.max_mw)
    add_allocation(t, wl.id, "dc02", step, 0.6 * wl.max_mw)
    return f"workload {wl.id}: step {step} runs ", f"> max_mw {wl.max_mw} (item 2)"


def after_deadline(inst, t):
    wl = inst.workloads[0]
    row = t.workload_allocation.index[t.workload_allocation["workload"] == wl.id][0]
    t.workload_allocation.loc[row, "step"] = wl.deadline_step
    return (
        f"{wl.id} runs in dc02 at step {wl.deadline_step}, outside its data centres or window",
        "",
    )


def before_release(inst, t):
    wl = inst.workloads[1]
    add_allocation(t, wl.id, "dc01", wl.release_step - 1, 0.1)
    return (
        f"{wl.id} runs in dc01 at step {wl.release_step - 1}, outside its data centres or window",
        "",
    )


def wrong_datacenter(inst, t):
    wl = inst.workloads[0]  # job-01 may run only in dc02
    add_allocation(t, wl.id, "dc01", wl.release_step, 0.1)
    return f"{wl.id} runs in dc01 at step {wl.release_step}, outside its data centres or window", ""


def unknown_workload(inst, t):
    t.workload_allocation.loc[t.workload_allocation.index[0], "workload"] = "ghost"
    return "workload_allocation: unknown workload 'ghost'", ""


def negative_mw(inst, t):
    t.workload_allocation.loc[t.workload_allocation.index[3], "mw"] = -0.5
    return "workload_allocation: mw must be >= 0", ""


def served_above_energy(inst, t):
    # tiny: 1 MWh served at step 0; another 0.5 MW for an hour at step 1 serves 1.5 MWh.
    (wl,) = inst.workloads
    add_allocation(t, wl.id, "dc", 1, 0.5)
    return f"workload {wl.id}: served 1.5 MWh > energy_mwh {wl.energy_mwh} (item 3)", ""


# --- energy_schedule: items 6, 7 and 8 --------------------------------------------------------


def import_above_limit(inst, t):
    t.energy_schedule.loc[schedule_row(t, 33), "import_mw"] = inst.grid.import_limit_mw + 1
    return "import <= import_limit_mw (item 8)", at_step(33)


def export_above_limit(inst, t):
    t.energy_schedule.loc[schedule_row(t, 12), "export_mw"] = inst.grid.export_limit_mw + 1
    return "export <= export_limit_mw (item 8)", at_step(12)


def negative_import(inst, t):
    t.energy_schedule.loc[schedule_row(t, 4), "import_mw"] = -1.0
    return "import_mw >= 0", at_step(4)


def negative_export(inst, t):
    t.energy_schedule.loc[schedule_row(t, 6), "export_mw"] = -1.0
    return "export_mw >= 0", at_step(6)


def negative_curtailment(inst, t):
    t.energy_schedule.loc[schedule_row(t, 8), "curtailed_mw"] = -1.0
    return "curtailed_mw >= 0", at_step(8)


def negative_shed(inst, t):
    t.energy_schedule.loc[schedule_row(t, 9), "shed_mw"] = -1.0
    return "shed_mw >= 0", at_step(9)


def curtail_above_renewable(inst, t):
    (sc,) = inst.scenarios
    t.energy_schedule.loc[schedule_row(t, 15), "curtailed_mw"] = sc.total_renewable_mw[15] + 1
    return "curtailment <= renewable (item 6)", at_step(15)


def shed_above_draw(inst, t):
    facility = t.rack_power_plan.loc[t.rack_power_plan["step"] == 70, "facility_mw"].sum()
    t.energy_schedule.loc[schedule_row(t, 70), "shed_mw"] = facility + 1
    return "shed <= facility draw (item 6)", at_step(70)


def wrong_renewable(inst, t):
    t.energy_schedule.loc[schedule_row(t, 50), "renewable_mw"] += 1.0
    return "renewable_mw as in the instance", at_step(50)


def unbalanced(inst, t):
    t.energy_schedule.loc[schedule_row(t, 5), "import_mw"] += 1.0
    return "power balance (item 6)", at_step(5)


def soc_above_max(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 45), f"soc_mwh__{st.id}"] = st.energy_max_mwh + 1
    return f"{st.id}: energy_min_mwh <= soc <= energy_max_mwh (item 7)", at_step(45)


def soc_below_min(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 46), f"soc_mwh__{st.id}"] = st.energy_min_mwh - 1
    return f"{st.id}: energy_min_mwh <= soc <= energy_max_mwh (item 7)", at_step(46)


def soc_below_final_floor(inst, t):
    (st,) = inst.storage
    last = inst.steps - 1
    t.energy_schedule.loc[schedule_row(t, last), f"soc_mwh__{st.id}"] = st.energy_final_min_mwh - 1
    return (
        f"{st.id}: scenario s0 ends at {st.energy_final_min_mwh - 1:.9g} MWh"
        f" < energy_final_min_mwh {st.energy_final_min_mwh} (item 7)",
        "",
    )


def soc_jump(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 10), f"soc_mwh__{st.id}"] += 0.5
    return f"{st.id}: state-of-charge recursion (item 7)", at_step(10)


def charge_above_limit(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 20), f"charge_mw__{st.id}"] = st.charge_mw + 1
    return f"{st.id}: 0 <= charge <= charge_mw (item 7)", at_step(20)


def discharge_above_limit(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 21), f"discharge_mw__{st.id}"] = st.discharge_mw + 1
    return f"{st.id}: 0 <= discharge <= discharge_mw (item 7)", at_step(21)


def negative_charge(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 22), f"charge_mw__{st.id}"] = -1.0
    return f"{st.id}: 0 <= charge <= charge_mw (item 7)", at_step(22)


def both_ways(inst, t):
    (st,) = inst.storage
    t.energy_schedule.loc[schedule_row(t, 7), [f"charge_mw__{st.id}", f"discharge_mw__{st.id}"]] = [
        1.0,
        1.0,
    ]
    return f"{st.id}: no charging and discharging in one step (item 7)", at_step(7)


# --- rows and columns ---------------------------------------------------------------------------


def missing_rack_row(inst, t):
    t.rack_power_plan = t.rack_power_plan.drop(index=rack_row(t, "dc02", 17))
    return f"rack_power_plan: datacenter dc02: steps must be 0..{inst.steps - 1} once each", (
        "(missing [17], duplicated [])"
    )


def duplicate_rack_row(inst, t):
    t.rack_power_plan.loc[rack_row(t, "dc01", 18), "step"] = 17
    return f"rack_power_plan: datacenter dc01: steps must be 0..{inst.steps - 1} once each", (
        "(missing [18], duplicated [17])"
    )


def missing_schedule_row(inst, t):
    t.energy_schedule = t.energy_schedule.drop(index=schedule_row(t, inst.steps - 1))
    return f"energy_schedule: expected {inst.steps} rows, got {inst.steps - 1}", ""


def extra_scenario_rows(inst, t):
    extra = t.energy_schedule.assign(scenario="s9")
    t.energy_schedule = pd.concat([t.energy_schedule, extra], ignore_index=True)
    return f"energy_schedule: expected {inst.steps} rows, got {2 * inst.steps}", ""


def duplicate_allocation_row(inst, t):
    first = t.workload_allocation.iloc[[0]]
    t.workload_allocation = pd.concat([t.workload_allocation, first], ignore_index=True)
    row = first.iloc[0]
    return (
        "workload_allocation: 1 duplicate row(s)",
        f"first {row['workload']} in {row['datacenter']} at step {row['step']}",
    )


def missing_column(inst, t):
    (st,) = inst.storage
    t.energy_schedule = t.energy_schedule.drop(columns=f"soc_mwh__{st.id}")
    return f"energy_schedule: missing column(s) soc_mwh__{st.id}", ""


def missing_summary_key(inst, t):
    del t.summary["bound"]
    return "summary: missing key(s) bound", ""


# --- summary: start-ups (item 9) and unserved energy (item 3) in the objective; bound; gap ----


def startup_not_paid(inst, t):
    # tiny: the one block started from initial_blocks_on = 0 costs 50 ¥ of the 150 ¥.
    t.summary["objective"] = t.summary["bound"] = 100.0
    t.summary["gap"] = 0.0
    return "summary: objective 100 below the cost of the tables 150, which pays every start-up", ""


def startup_not_paid_small(inst, t):
    # The solved objective is the cost of its tables; one dc01 start-up less is not.
    dc = inst.datacenters[0]
    cost = t.summary["objective"]
    unpaid = cost - dc.block_startup_cost
    t.summary.update(objective=unpaid, bound=unpaid, gap=0.0)
    return f"summary: objective {unpaid:.9g} below the cost of the tables {cost:.9g},", ""


def bound_above_cost(inst, t):
    t.summary["bound"] = t.summary["objective"] = 151.0
    t.summary["gap"] = 0.0
    return "summary: bound 151 above the cost of the tables 150", ""


def wrong_gap(inst, t):
    t.summary["objective"] = t.summary["bound"] = 150.0
    t.summary["gap"] = 0.5
    return "summary: gap 0.5 is not (objective - bound) / max(1, |objective|) = 0", ""


SMALL_CASES = [
    ramp_up, ramp_from_initial, too_many_blocks, negative_blocks, fractional_blocks,
    racks_off_by_one, wrong_it_cap, over_capacity, wrong_it_draw, wrong_facility_draw,
    wrong_flexible, wrong_inflexible, too_fast, too_fast_in_two_places, after_deadline,
    before_release, wrong_datacenter, unknown_workload, negative_mw, import_above_limit,
    export_above_limit, negative_import, negative_export, negative_curtailment, negative_shed,
    curtail_above_renewable, shed_above_draw, wrong_renewable, unbalanced, soc_above_max,
    soc_below_min, soc_below_final_floor, soc_jump, charge_above_limit, discharge_above_limit,
    negative_charge, both_ways, missing_rack_row, duplicate_rack_row, missing_schedule_row,
    extra_scenario_rows, duplicate_allocation_row, missing_column, missing_summary_key,
    startup_not_paid_small,
]  # fmt: skip
TINY_CASES = [served_above_energy, startup_not_paid, bound_above_cost, wrong_gap]


@pytest.mark.parametrize("edit", SMALL_CASES, ids=lambda f: f.__name__)
def test_verify_names_the_broken_rule(small, edit: Edit) -> None:
    problems, rule, where = broken(small, edit)
    assert any(rule in p and p.endswith(where) for p in problems), (rule, where, problems)


@pytest.mark.parametrize("edit", TINY_CASES, ids=lambda f: f.__name__)
def test_verify_names_the_broken_rule_of_the_tiny_plan(tiny, edit: Edit) -> None:
    problems, rule, where = broken(tiny, edit)
    assert any(rule in p and p.endswith(where) for p in problems), (rule, where, problems)


def test_ramp_at_step_0_is_free_without_initial_blocks(tiny) -> None:
    """Two blocks at step 0 break the ramp from initial_blocks_on = 0; without it, only step 1."""
    inst, tables = tiny
    t = copy.deepcopy(tables)
    t.rack_power_plan.loc[rack_row(t, "dc", 0), "blocks_on"] = 2
    rule = "dc: ramp |n[t]-n[t-1]| <= 1 (item 9): violated at"
    assert any(p.startswith(rule) and p.endswith(at("dc", 0)) for p in verify_plan(inst, t))
    (dc,) = inst.datacenters
    free = replace(inst, datacenters=(replace(dc, initial_blocks_on=None),))
    ramps = [p for p in verify_plan(free, t) if p.startswith(rule)]
    assert ramps == [f"{rule} 1 row(s), {at('dc', 1)}"]


def test_start_up_at_step_0_counts_only_from_initial_blocks(tiny) -> None:
    """Without initial_blocks_on the block on at step 0 starts nothing: 100 ¥ is then its cost."""
    inst, tables = tiny
    t = copy.deepcopy(tables)
    t.summary.update(objective=100.0, bound=100.0, gap=0.0)
    (dc,) = inst.datacenters
    free = replace(inst, datacenters=(replace(dc, initial_blocks_on=None),))
    assert verify_plan(free, t) == []
    assert any("objective 100 below the cost of the tables 150" in p for p in verify_plan(inst, t))
