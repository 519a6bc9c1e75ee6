"""The independent verifier catches each kind of broken plan, and passes a solved one."""

from __future__ import annotations

import copy

import pytest

from models.dispatch.solve import solve_instance
from models.instance import load_instance
from models.plan.results import plan_tables
from models.plan.verify import verify_plan
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def solved():
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    return inst, plan_tables(inst, solve_instance(inst))


def broken(solved, edit) -> list[str]:
    inst, tables = solved
    t = copy.deepcopy(tables)
    edit(inst, t)
    return verify_plan(inst, t)


def test_verify_passes_the_solved_plan(solved) -> None:
    inst, tables = solved
    assert verify_plan(inst, tables) == []


def _busiest_row(t):
    return t.rack_power_plan["flexible_mw"].idxmax()


def _fewer_blocks(inst, t):
    i = _busiest_row(t)
    t.rack_power_plan.loc[i, "blocks_on"] -= 1


def _more_import(inst, t):
    t.energy_schedule.loc[5, "import_mw"] += 1.0


def _both_ways(inst, t):
    t.energy_schedule.loc[7, "charge_mw__bess-1"] = 1.0
    t.energy_schedule.loc[7, "discharge_mw__bess-1"] = 1.0


def _soc_jump(inst, t):
    t.energy_schedule.loc[10, "soc_mwh__bess-1"] += 0.5


def _outside_window(inst, t):
    wl = inst.workloads[0]
    row = t.workload_allocation.index[0]
    t.workload_allocation.loc[row, "step"] = wl.deadline_step


def _too_fast(inst, t):
    wl = inst.workloads[0]
    row = t.workload_allocation.index[t.workload_allocation["workload"] == wl.id][0]
    t.workload_allocation.loc[row, "mw"] = wl.max_mw * 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_fewer_blocks, "it_cap_mw = cap_d * n"),
        (_more_import, "power balance (item 6)"),
        (_both_ways, "no charging and discharging in one step"),
        (_soc_jump, "state-of-charge recursion (item 7)"),
        (_outside_window, "outside its data centres or window"),
        (_too_fast, "> max_mw"),
    ],
)
def test_verify_names_the_broken_rule(solved, edit, message: str) -> None:
    problems = broken(solved, edit)
    assert any(message in p for p in problems), problems
