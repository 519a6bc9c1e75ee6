"""The components' declarations of stages and costs are what the model is built from.

Building, the objective, fixing the first stage and reading a solution back
iterate over ``models.dispatch.build.COMPONENTS``; these tests check the
declarations against the model itself (every variable declared once, the
stage agreeing with the index, each cost in its own stage), the objective's
weights against hand-derived numbers, and that a component the package has
never seen needs nothing but its declaration.
"""

from __future__ import annotations

import io
from dataclasses import MISSING, fields

import numpy as np
import pyomo.environ as pyo
import pytest
from pyomo.core.expr.visitor import identify_variables
from pyomo.repn import generate_standard_repn

from models.dispatch import highs
from models.dispatch.build import COMPONENTS, build_model
from models.dispatch.component import Component, Stage, VarSpec, read_series
from models.dispatch.options import SolveOptions
from models.dispatch.rounds import solve_model
from models.dispatch.solution import Solution, fix_first_stage, read_solution
from models.dispatch.solve import solve_instance
from models.instance import load_instance, validate
from tests.conftest import EXAMPLES, load_example, objective_tolerance, tiny_instance

SPECS = {spec.name: spec for c in COMPONENTS for spec in c.variables}
SCENARIOS = ("wet", "dry")


def two_scenario_instance(placement: bool = False):
    """Tiny (see ``tests.conftest``) with start-up cost, a battery and two scenarios.

    ``wet`` (probability 0.25) has 0.5 MW of PV in step 1, ``dry`` (0.75) none.
    ``placement`` adds a second data centre and a job using every placement rule,
    so that the placement component's variables exist too.
    """
    raw = tiny_instance(
        **{
            "grid.import_price": [100.0, 300.0],
            "datacenters[0].block_startup_cost": 7.0,
            "datacenters[0].initial_blocks_on": 0,
        }
    )
    raw["scenarios"] = [
        {"id": "wet", "probability": 0.25, "renewable_mw": {"pv": [0.0, 0.5]}},
        {"id": "dry", "probability": 0.75, "renewable_mw": {"pv": [0.0, 0.0]}},
    ]
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
    if placement:
        raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2"})
        raw["workloads"].append(
            {
                **raw["workloads"][0],
                "id": "ruled",
                "datacenters": ["dc", "dc2"],
                "min_mw": 0.1,
                "max_datacenters": 1,
                "migration_cost": 1.0,
                "restart_cost": 1.0,
                "min_run_steps": 2,
                "preemptible": False,
            }
        )
    return validate(raw)


def _index(data) -> tuple:
    index = data.index()
    return index if isinstance(index, tuple) else (index,)


def test_every_variable_of_the_model_is_declared_once() -> None:
    names = [spec.name for c in COMPONENTS for spec in c.variables]
    assert len(names) == len(set(names))
    m = build_model(load_instance(EXAMPLES / "small-11" / "instance.json"))
    built = {v.local_name for v in m.component_objects(pyo.Var, descend_into=False)}
    assert built == set(names)


def test_declared_stage_agrees_with_the_index() -> None:
    # A first-stage variable has one value for all scenarios: no scenario id in any index.
    m = build_model(two_scenario_instance(placement=True))
    for name, spec in SPECS.items():
        var = getattr(m, name)
        assert len(var) > 0, name
        for data in var.values():
            in_scenario = [s for s in SCENARIOS if s in _index(data)]
            assert len(in_scenario) == (1 if spec.stage is Stage.SECOND else 0), data.name


def test_each_cost_uses_only_variables_of_its_stage() -> None:
    inst = two_scenario_instance(placement=True)
    m = build_model(inst)
    sets = m.dispatch_sets
    seen = set()
    for c in COMPONENTS:
        if c.first_stage_cost is not None:
            for v in identify_variables(c.first_stage_cost(m, inst, sets)):
                assert SPECS[v.parent_component().local_name].stage is Stage.FIRST, v.name
                seen.add(c.name)
        if c.scenario_cost is not None:
            for s in SCENARIOS:
                for v in identify_variables(c.scenario_cost(m, inst, sets, s)):
                    assert SPECS[v.parent_component().local_name].stage is Stage.SECOND, v.name
                    assert s in _index(v), v.name
                    seen.add(c.name)
    assert seen == {"datacentres", "workloads", "placement", "storage", "grid"}


def test_objective_weights_scenario_costs_by_probability_and_first_stage_costs_once() -> None:
    # 1-hour steps: import in step 1 costs 300 ¥/MWh, weighted 0.25 (wet) and 0.75 (dry);
    # discharging costs 5 ¥/MWh and shed load 100000 ¥/MWh, weighted the same; a start-up
    # 7 ¥ and unserved work 1000 ¥/MWh count once. Export, curtailment and charging are free.
    m = build_model(two_scenario_instance())
    repn = generate_standard_repn(m.total_cost.expr)
    coef = {v.name: c for v, c in zip(repn.linear_vars, repn.linear_coefs, strict=True)}
    assert coef["grid_import_mw[wet,1]"] == pytest.approx(0.25 * 300.0)
    assert coef["grid_import_mw[dry,1]"] == pytest.approx(0.75 * 300.0)
    assert coef["bess_discharge_mw[b,wet,0]"] == pytest.approx(0.25 * 5.0)
    assert coef["bess_discharge_mw[b,dry,1]"] == pytest.approx(0.75 * 5.0)
    assert coef["shed_mw[dry,0]"] == pytest.approx(0.75 * 100000.0)
    assert coef["dc_startups[dc,0]"] == pytest.approx(7.0)
    assert coef["workload_unserved_mwh[job]"] == pytest.approx(1000.0)
    assert len(coef) == 3 * 2 * 2 + 2 + 1  # import, discharge, shed per (s, t); su per t; u


def test_read_back_fills_every_plan_field_of_the_solution_from_the_declarations() -> None:
    declared = {spec.field for spec in SPECS.values() if spec.field is not None}
    plan_fields = {
        "blocks_on", "startups", "allocation", "unserved_mwh", "import_mw", "export_mw",
        "curtailed_mw", "shed_mw", "charge_mw", "discharge_mw", "soc_mwh",
    }  # fmt: skip
    assert declared == plan_fields
    required = {
        f.name for f in fields(Solution) if f.default is MISSING and f.default_factory is MISSING
    }
    assert required - declared == {
        "status", "objective", "bound", "gap", "solve_seconds", "build_seconds",
    }  # fmt: skip


def test_read_back_of_the_two_scenario_plan() -> None:
    # The job's 1 MWh runs on one block (facility 0.2 + 0.8 = 1 MW) in a single step. In
    # step 0 it costs 100 ¥ + 7 ¥ start-up = 107. In step 1 the battery carries energy
    # bought at 100 ¥ into the dear step (100 + 5 degradation per MWh): dry 1 MWh = 105,
    # wet only the 0.5 MW the PV does not cover = 52.5; expected 0.25 · 52.5 + 0.75 · 105
    # + 7 = 98.875, the optimum. Same first stage, different second stage per scenario.
    sol = solve_instance(two_scenario_instance())
    assert sol.objective == pytest.approx(98.875)
    assert sol.blocks_on["dc"].dtype.kind == "i"
    assert list(sol.blocks_on["dc"]) == [0, 1]
    assert list(sol.startups["dc"]) == [0.0, 1.0]
    assert sol.allocation == pytest.approx({("job", "dc", 1): 1.0})
    assert sol.unserved_mwh == {"job": 0.0}
    for s, bought in (("wet", 0.5), ("dry", 1.0)):
        assert list(sol.import_mw[s]) == pytest.approx([bought, 0.0])
        assert list(sol.charge_mw["b", s]) == pytest.approx([bought, 0.0])
        assert list(sol.discharge_mw["b", s]) == pytest.approx([0.0, bought])
        assert list(sol.soc_mwh["b", s]) == pytest.approx([bought, 0.0])
        assert list(sol.curtailed_mw[s]) == [0.0, 0.0]
        assert list(sol.shed_mw[s]) == [0.0, 0.0]


def test_fix_first_stage_fixes_the_declared_decisions_and_nothing_else() -> None:
    inst = two_scenario_instance(placement=True)
    sol = solve_instance(inst)
    m = build_model(inst)
    fixed = fix_first_stage(m, {"blocks_on": sol.blocks_on, "allocation": sol.allocation})
    decisions = {name for name, spec in SPECS.items() if spec.fix is not None}
    assert set(fixed) == decisions == {"dc_blocks_on", "workload_mw"}
    for name in SPECS:
        states = {data.fixed for data in getattr(m, name).values()}
        assert states == {name in decisions}, name
    assert [m.dc_blocks_on["dc", t].value for t in m.T] == list(sol.blocks_on["dc"])


def test_fixing_an_allocation_outside_the_windows_is_refused() -> None:
    inst = two_scenario_instance()
    m = build_model(inst)
    plan = {"blocks_on": {"dc": np.array([1, 1])}, "allocation": {("job", "elsewhere", 0): 1.0}}
    with pytest.raises(ValueError, match="outside the workloads' windows"):
        fix_first_stage(m, plan)


def test_first_stage_fixed_from_a_solved_plan_and_solved_again_gives_the_same_plan() -> None:
    raw, expected = load_example("small-11")
    inst = validate(raw)
    sol = solve_instance(inst)
    low, high = objective_tolerance(expected)
    assert low <= sol.objective <= high
    m = build_model(inst)
    fix_first_stage(m, {f.name: getattr(sol, f.name) for f in fields(sol)})
    again = solve_model(inst, m, SolveOptions(), 0.0)
    assert again.objective == pytest.approx(sol.objective, rel=1e-6)
    assert low <= again.objective <= high
    for d, blocks in sol.blocks_on.items():
        assert list(again.blocks_on[d]) == list(blocks)
        assert list(again.startups[d]) == list(sol.startups[d])
    assert again.allocation.keys() == sol.allocation.keys()
    assert again.allocation == pytest.approx(sol.allocation, abs=1e-9)
    assert again.unserved_mwh == pytest.approx(sol.unserved_mwh, abs=1e-6)


# A component the package has never seen: a standby contract. Reserving 1 MW of standby
# for a step costs 1 ¥ and is decided before the day; a scenario not covered by the
# reservation buys its 1 MW on the spot. Nothing in it touches the cluster.


def _standby_variables(m, inst, sets) -> None:
    m.standby_reserved_mw = pyo.Var(m.T, bounds=(0.0, 1.0))
    m.standby_spot_mw = pyo.Var(m.S_T, domain=pyo.NonNegativeReals)


def _standby_constraints(m, inst, sets) -> None:
    m.standby_cover = pyo.Constraint(
        m.S_T, rule=lambda _m, s, t: _m.standby_spot_mw[s, t] + _m.standby_reserved_mw[t] >= 1.0
    )


def _read_reserved(m, var, values):
    return np.array([var[t].value for t in m.T])


def _fix_reserved(var, reserved) -> None:
    for t, data in var.items():
        data.fix(float(reserved[t]))


def standby(spot: float) -> Component:
    """The standby contract with a spot price of ``spot`` ¥/MW per step."""
    return Component(
        name="standby",
        variables=(
            VarSpec("standby_reserved_mw", Stage.FIRST, "reserved", _read_reserved, _fix_reserved),
            VarSpec("standby_spot_mw", Stage.SECOND, "spot", read_series),
        ),
        add_variables=_standby_variables,
        add_constraints=_standby_constraints,
        first_stage_cost=lambda m, inst, sets: sum(m.standby_reserved_mw[t] for t in sets.T),
        scenario_cost=lambda m, inst, sets, s: spot * sum(m.standby_spot_mw[s, t] for t in sets.T),
    )


def _solve(m) -> float:
    opt = highs.load_model(m)
    res = highs.run(opt, m, SolveOptions(), None, io.StringIO())
    res.solution_loader.load_vars()
    return float(res.incumbent_objective)


@pytest.mark.parametrize(("spot", "reserved", "extra"), [(3.0, 1.0, 2.0), (0.5, 0.0, 1.0)])
def test_a_new_component_needs_nothing_but_its_declaration(spot, reserved, extra) -> None:
    # Tiny, prices 100 then 300: the cluster's optimum is 100 (test_tiny). Reserving costs
    # 1 ¥ a step against the spot price: at 3 ¥ both steps are reserved (+2 ¥), at 0.5 ¥
    # none is and the one scenario (probability 1) buys 1 MW on the spot twice (+1 ¥).
    inst = validate(tiny_instance(**{"grid.import_price": [100.0, 300.0]}))
    components = (*COMPONENTS, standby(spot))
    m = build_model(inst, components=components)
    assert _solve(m) == pytest.approx(100.0 + extra)
    values = read_solution(m)
    assert list(values["reserved"]) == pytest.approx([reserved, reserved])
    assert list(values["spot"]["s"]) == pytest.approx([1 - reserved, 1 - reserved])
    again = build_model(inst, components=components)
    assert fix_first_stage(again, values) == ("dc_blocks_on", "workload_mw", "standby_reserved_mw")
    assert all(data.fixed for data in again.standby_reserved_mw.values())
    assert _solve(again) == pytest.approx(100.0 + extra)
