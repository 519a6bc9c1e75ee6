"""The contract's example instances: known optimum, feasibility of the tables, key figures.

Read from ``data/examples/<name>/expected.json``; expected numbers are never copied here.
"""

from __future__ import annotations

import json

import pytest

from models.dispatch.solve import SolveOptions, solve_instance
from models.instance import load_instance
from models.plan.figures import KEY_FIGURES, plan_cost, scenario_figures
from models.plan.results import plan_tables
from models.plan.verify import verify_plan
from tests.conftest import example_dirs, objective_tolerance

# Examples that solve in seconds run in the quick suite; the rest are marked slow.
QUICK = {"small-11"}


def _param(folder):
    marks = () if folder.name in QUICK else (pytest.mark.slow,)
    return pytest.param(folder, id=folder.name, marks=marks)


@pytest.fixture(scope="module", params=[_param(f) for f in example_dirs()])
def solved(request):
    folder = request.param
    inst = load_instance(folder / "instance.json")
    expected = json.loads((folder / "expected.json").read_text())
    sol = solve_instance(inst, SolveOptions())
    return inst, expected, sol, plan_tables(inst, sol)


def test_example_reaches_known_optimum(solved) -> None:
    _inst, expected, sol, _tables = solved
    low, high = objective_tolerance(expected)
    assert low <= sol.objective <= high
    assert sol.status == "optimal"
    assert sol.bound <= sol.objective + 1e-6 * max(1.0, abs(sol.objective))


def test_example_tables_satisfy_every_constraint(solved) -> None:
    inst, _expected, _sol, tables = solved
    assert verify_plan(inst, tables) == []


def test_example_objective_equals_cost_of_the_tables(solved) -> None:
    inst, _expected, sol, t = solved
    cost = plan_cost(inst, t.rack_power_plan, t.workload_allocation, t.energy_schedule)
    assert cost == pytest.approx(sol.objective, rel=1e-6, abs=1e-3)


def test_example_key_figures_follow_definitions(solved) -> None:
    inst, expected, _sol, t = solved
    per_scenario = scenario_figures(
        inst, t.rack_power_plan, t.workload_allocation, t.energy_schedule
    )
    summary = t.summary
    delta = inst.step_hours
    for key in KEY_FIGURES:
        weighted = sum(sc.probability * per_scenario[sc.id][key] for sc in inst.scenarios)
        assert summary[key] == pytest.approx(weighted, rel=1e-12, abs=1e-9)
    assert summary["facility_mwh"] == pytest.approx(delta * t.rack_power_plan["facility_mw"].sum())
    assert summary["green_share"] == pytest.approx(
        sum(
            sc.probability * (1 - per_scenario[sc.id]["import_mwh"] / summary["facility_mwh"])
            for sc in inst.scenarios
        )
    )
    assert summary["emissions_t"] == pytest.approx(
        inst.grid.emission_factor_t_per_mwh * summary["import_mwh"]
    )
    # Several plans share the optimum, so figures that any optimum fixes are compared loosely.
    assert summary["renewable_mwh"] == pytest.approx(expected["renewable_mwh"], rel=1e-9)
    assert summary["shed_mwh"] == pytest.approx(expected["shed_mwh"], abs=1e-3)
