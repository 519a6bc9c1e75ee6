"""Parallel seeded searches give the single search's optimum and pass on named causes."""

from __future__ import annotations

import pytest

from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.solve import SolveOptions, solve_instance
from models.instance import load_instance, validate
from models.plan.results import plan_tables
from models.plan.verify import verify_plan
from tests.conftest import EXAMPLES, tiny_instance


def test_portfolio_reaches_the_same_optimum_as_one_search() -> None:
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    single = solve_instance(inst, SolveOptions(mip_rel_gap=1e-6))
    both = solve_instance(inst, SolveOptions(mip_rel_gap=1e-6, portfolio=2))
    assert both.objective == pytest.approx(single.objective, rel=1e-5)
    assert both.status == "optimal"
    assert both.extra["portfolio"] == 2
    assert verify_plan(inst, plan_tables(inst, both)) == []


def test_portfolio_reports_a_stopped_search_with_the_best_bound() -> None:
    inst = load_instance(EXAMPLES / "medium-12" / "instance.json")
    sol = solve_instance(inst, SolveOptions(time_limit_s=2, mip_rel_gap=1e-9, portfolio=2))
    assert sol.status == "time_limit"
    assert sol.extra["searches_finished"] == 2
    assert sol.bound <= sol.objective
    assert sol.gap == pytest.approx((sol.objective - sol.bound) / abs(sol.objective))


def test_portfolio_passes_on_the_cause_of_infeasibility() -> None:
    # The storage can reach 2 MWh at most but must end with 5: named before any search starts.
    raw = tiny_instance()
    raw["storage"] = [
        {"id": "b", "charge_mw": 1.0, "discharge_mw": 1.0, "energy_min_mwh": 0.0,
         "energy_max_mwh": 10.0, "energy_initial_mwh": 0.0, "energy_final_min_mwh": 5.0,
         "charge_efficiency": 1.0, "discharge_efficiency": 1.0, "degradation_cost_per_mwh": 0.0}
    ]  # fmt: skip
    with pytest.raises(NoFeasiblePlanError, match="b: scenario s must end the day"):
        solve_instance(validate(raw), SolveOptions(portfolio=2))
