"""The contract's example instances: known optimum, feasibility of the tables, key figures.

Expected numbers are read from ``data/examples/<name>/expected.json``, never copied
here. Key figures and cost are recomputed from the published tables and the raw
instance JSON by the contract's definitions, in plain pandas, not with the
product's ``models.plan.figures``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import load_instance
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
    raw = json.loads((folder / "instance.json").read_text())
    inst = load_instance(folder / "instance.json")
    expected = json.loads((folder / "expected.json").read_text())
    options = SolveOptions()
    sol = solve_instance(inst, options)
    return raw, inst, expected, options, sol, plan_tables(inst, sol)


def contract_figures(raw: dict, tables) -> tuple[dict[str, float], float]:
    """Probability-weighted key figures and the objective of the tables, as the contract says."""
    delta = raw["step_minutes"] / 60
    steps = range(raw["steps"])
    grid = raw["grid"]
    rack = tables.rack_power_plan
    alloc = tables.workload_allocation
    schedule = tables.energy_schedule

    facility_mw = np.zeros(len(steps))
    startup_cost = 0.0
    for dc in raw["datacenters"]:
        n = rack[rack["datacenter"] == dc["id"]].set_index("step")["blocks_on"]
        n = n.reindex(steps).to_numpy(dtype=float)
        flexible = alloc[alloc["datacenter"] == dc["id"]].groupby("step")["mw"].sum()
        load = np.asarray(dc["inflexible_mw"]) + flexible.reindex(steps, fill_value=0.0).to_numpy()
        cap = dc["block_racks"] * dc["rack_kw"] / 1000
        it = dc["idle_fraction"] * cap * n + (1 - dc["idle_fraction"]) * load
        facility_mw += np.asarray(dc["pue"]) * it
        # su >= n[t] − n[t−1], from t = 0 against initial_blocks_on when given.
        previous = np.concatenate(([dc.get("initial_blocks_on", n[0])], n[:-1]))
        startup_cost += dc.get("block_startup_cost", 0.0) * np.clip(n - previous, 0, None).sum()
    facility_mwh = delta * facility_mw.sum()

    served = alloc.groupby("workload")["mw"].sum() * delta
    unserved = {w["id"]: w["energy_mwh"] - served.get(w["id"], 0.0) for w in raw["workloads"]}
    flexible_served = sum(w["energy_mwh"] - unserved[w["id"]] for w in raw["workloads"])
    cost = sum(w["unserved_penalty_per_mwh"] * unserved[w["id"]] for w in raw["workloads"])
    cost += startup_cost

    import_cost = np.asarray(grid["import_price"]) + (
        grid["carbon_price_per_t"] * grid["emission_factor_t_per_mwh"]
    )
    weighted: dict[str, float] = {}
    for sc in raw["scenarios"]:
        rows = schedule[schedule["scenario"] == sc["id"]].set_index("step").reindex(steps)
        renewable = delta * sum(sum(series) for series in sc["renewable_mw"].values())
        curtailed = delta * rows["curtailed_mw"].sum()
        exported = delta * rows["export_mw"].sum()
        imported = delta * rows["import_mw"].sum()
        figures = {
            "renewable_mwh": renewable,
            "curtailed_mwh": curtailed,
            "exported_mwh": exported,
            "import_mwh": imported,
            "shed_mwh": delta * rows["shed_mw"].sum(),
            "facility_mwh": facility_mwh,
            "green_share": 1 - imported / facility_mwh,
            "renewable_utilisation": (renewable - curtailed - exported) / renewable,
            "emissions_t": grid["emission_factor_t_per_mwh"] * imported,
            "flexible_served_mwh": flexible_served,
        }
        for key, value in figures.items():
            weighted[key] = weighted.get(key, 0.0) + sc["probability"] * value
        step_cost = (
            import_cost * rows["import_mw"]
            - np.asarray(grid["export_price"]) * rows["export_mw"]
            + grid["curtailment_cost_per_mwh"] * rows["curtailed_mw"]
            + grid["unserved_load_penalty_per_mwh"] * rows["shed_mw"]
        )
        for st in raw["storage"]:
            step_cost += st["degradation_cost_per_mwh"] * rows[f"discharge_mw__{st['id']}"]
        cost += sc["probability"] * delta * step_cost.sum()
    return weighted, float(cost)


def test_example_reaches_known_optimum(solved) -> None:
    _raw, _inst, expected, options, sol, _tables = solved
    low, high = objective_tolerance(expected)
    assert low <= sol.objective <= high
    assert sol.status == "optimal"
    # HiGHS's own bound (before the solve clamps it to the objective) is a valid lower bound:
    # below the true optimum, which is at most the known plan's objective (+ tolerance) and
    # at most the returned plan's objective; and it proves the requested gap.
    scale = max(1.0, abs(sol.objective))
    assert sol.highs_bound <= sol.objective + 1e-9 * scale
    assert sol.highs_bound <= high
    assert (sol.objective - sol.highs_bound) / scale <= options.mip_rel_gap + 1e-9


def test_example_tables_satisfy_every_constraint(solved) -> None:
    _raw, inst, _expected, _options, _sol, tables = solved
    assert verify_plan(inst, tables) == []


def test_example_objective_equals_cost_of_the_tables(solved) -> None:
    raw, _inst, _expected, _options, sol, tables = solved
    _figures, cost = contract_figures(raw, tables)
    assert cost == pytest.approx(sol.objective, rel=1e-6, abs=1e-3)


def test_example_summary_states_the_contract_figures(solved) -> None:
    raw, _inst, expected, _options, _sol, tables = solved
    figures, _cost = contract_figures(raw, tables)
    summary = tables.summary
    assert set(figures) <= set(summary)
    for key, value in figures.items():
        assert summary[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    assert summary["gap"] == pytest.approx(
        (summary["objective"] - summary["bound"]) / max(1.0, abs(summary["objective"])), abs=1e-15
    )
    # Several plans share the optimum, so figures that any optimum fixes are compared loosely.
    assert summary["renewable_mwh"] == pytest.approx(expected["renewable_mwh"], rel=1e-9)
    assert summary["shed_mwh"] == pytest.approx(expected["shed_mwh"], abs=1e-3)
