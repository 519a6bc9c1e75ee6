"""Evaluation of one day: realised costs, perfect foresight, derived figures, files written."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from models.backtest.policies import POLICIES
from models.cli import main
from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.dispatch.variants import redispatch
from models.instance import load_instance, validate
from models.plan.figures import KEY_FIGURES, plan_cost
from models.plan.results import plan_tables
from tests.models.backtest.conftest import OPTIONS, small_day, two_scenarios


def tolerance(value: float) -> float:
    """The contract's gap tolerance around a cost [CNY]."""
    return 1e-4 * max(1.0, abs(value)) + 1e-6


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory, small_plan):
    """``suandian evaluate`` of the small day's plan on its synthetic actual."""
    tmp = tmp_path_factory.mktemp("evaluate")
    instance = tmp / "instance.json"
    instance.write_text(json.dumps(small_day()))
    out = tmp / "out"
    code = main(["evaluate", str(instance), str(small_plan[0]), "--out", str(out)])
    assert code == 0
    return out, json.loads((out / "evaluation.json").read_text())


def test_evaluate_writes_actual_evaluation_and_step_tables(evaluated):
    out, ev = evaluated
    assert sorted(p.name for p in out.iterdir()) == [
        "actual.json",
        "actual_output.csv",
        "evaluation.json",
        "policy_steps.csv",
    ]
    assert set(ev["policies"]) == set(POLICIES)
    for figures in ev["policies"].values():
        assert {"realised_cost", *KEY_FIGURES} <= set(figures)
    actual = load_instance(out / "actual.json")
    assert [sc.id for sc in actual.scenarios] == ["actual"]
    steps = pd.read_csv(out / "policy_steps.csv")
    assert len(steps) == 96 * len(POLICIES)
    assert set(steps["policy"]) == set(POLICIES)
    per_plant = pd.read_csv(out / "actual_output.csv")
    assert len(per_plant) == 96 * 3
    assert per_plant["error_mw"].abs().max() > 0


def test_the_realised_end_state_is_the_plans_last_step_on_the_actual_day(evaluated):
    """What the next day starts from (``models.plan.handover``), read back with plain pandas."""
    out, ev = evaluated
    steps = pd.read_csv(out / "policy_steps.csv")
    last = steps[(steps["policy"] == "stochastic") & (steps["step"] == 95)]
    end = ev["realised_end_state"]
    assert end["step"] == 95
    assert sum(end["storage_mwh"].values()) == pytest.approx(
        float(last["storage_soc_mwh"].iloc[0]), abs=1e-9
    )


def test_perfect_foresight_evaluated_on_its_own_actual_equals_its_objective(evaluated):
    pf = evaluated[1]["policies"]["perfect_foresight"]
    assert pf["realised_cost"] == pytest.approx(
        pf["planned_objective"], abs=tolerance(pf["planned_objective"])
    )
    assert pf["planned_bound"] <= pf["realised_cost"] + tolerance(pf["realised_cost"])


def test_no_policy_beats_perfect_foresight(evaluated):
    ev = evaluated[1]
    bound = ev["perfect_foresight_bound"]
    for name, figures in ev["policies"].items():
        assert figures["realised_cost"] >= bound - tolerance(bound), name


def test_derived_figures(evaluated):
    ev = evaluated[1]
    cost = {name: f["realised_cost"] for name, f in ev["policies"].items()}
    assert ev["evpi"] == pytest.approx(cost["stochastic"] - cost["perfect_foresight"])
    assert ev["vss"] == pytest.approx(cost["deterministic"] - cost["stochastic"])
    assert ev["value_captured"] == pytest.approx(
        (cost["flat"] - cost["stochastic"]) / (cost["flat"] - cost["perfect_foresight"])
    )
    # the plan time-shifts, so it beats the flat plan on this day
    assert cost["flat"] > cost["stochastic"]


def test_realised_cost_is_the_contract_cost_of_the_tables(evaluated, small_plan):
    """The plan's blocks and allocation with the re-dispatched grid and storage, costed anew."""
    out, ev = evaluated
    actual = load_instance(out / "actual.json")
    steps = pd.read_csv(out / "policy_steps.csv")
    plan = steps[steps["policy"] == "stochastic"].copy()
    plan["scenario"] = "actual"
    (storage,) = actual.storage
    plan[f"discharge_mw__{storage.id}"] = plan["storage_discharge_mw"]
    rack = pd.read_csv(small_plan[0] / "rack_power_plan.csv")
    alloc = pd.read_csv(small_plan[0] / "workload_allocation.csv")
    cost = plan_cost(actual, rack, alloc, plan)
    assert ev["policies"]["stochastic"]["realised_cost"] == pytest.approx(cost, rel=1e-7, abs=1e-6)


def test_plan_on_one_of_its_scenarios_costs_that_scenarios_second_stage():
    """Re-dispatching on a one-scenario instance of scenario s gives s's cost in the plan."""
    raw = two_scenarios(small_day())
    inst = validate(raw, "two scenarios")
    sol = solve_instance(inst, SolveOptions(mip_rel_gap=1e-3, time_limit_s=60))
    # A scenario's second stage in the plan is optimal up to the plan's slack over its bound.
    slack = sol.objective - sol.bound
    tables = plan_tables(inst, sol)
    expected = 0.0
    for sc in inst.scenarios:
        one = copy.deepcopy(raw)
        one["scenarios"] = [
            {**next(s for s in raw["scenarios"] if s["id"] == sc.id), "probability": 1.0}
        ]
        one_inst = validate(one, sc.id)
        rows = tables.energy_schedule[tables.energy_schedule["scenario"] == sc.id]
        in_plan = plan_cost(one_inst, tables.rack_power_plan, tables.workload_allocation, rows)
        realised = redispatch(one_inst, sol.blocks_on, sol.allocation, OPTIONS).objective
        assert in_plan - slack / sc.probability - 1e-6 <= realised <= in_plan + 1e-6, sc.id
        expected += sc.probability * realised
    assert sol.objective - slack - 1e-6 <= expected <= sol.objective + 1e-6
