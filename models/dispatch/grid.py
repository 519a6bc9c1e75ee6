"""Grid exchange, curtailment and shed load per scenario.

Contract items 6 (bounds on curtailment and shed) and 8 (import and export
limits). All are second-stage: one value per scenario and step.
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch.component import Component, Stage, VarSpec, read_series
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_variables(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """``grid_import_mw``, ``grid_export_mw``, ``curtailed_mw`` and ``shed_mw`` over (s, t)."""
    grid = inst.grid
    m.S_T = pyo.Set(dimen=2, initialize=[(s, t) for s in sets.S for t in sets.T], ordered=True)
    m.grid_import_mw = pyo.Var(
        m.S_T, domain=pyo.NonNegativeReals, bounds=(0.0, grid.import_limit_mw)
    )
    m.grid_export_mw = pyo.Var(
        m.S_T, domain=pyo.NonNegativeReals, bounds=(0.0, grid.export_limit_mw)
    )
    m.curtailed_mw = pyo.Var(
        m.S_T,
        domain=pyo.NonNegativeReals,
        bounds=lambda _m, s, t: (0.0, float(sets.renewable_mw[s][t])),
    )
    m.shed_mw = pyo.Var(m.S_T, domain=pyo.NonNegativeReals)


def add_constraints(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    def shed_limit(_m, s, t):
        """shed[s,t] <= Σ_d fac[d,t]: only load that exists can go unsupplied."""
        return _m.shed_mw[s, t] <= _m.cluster_facility_mw[t]

    m.shed_limit = pyo.Constraint(m.S_T, rule=shed_limit)


def scenario_cost(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets, s: str):
    """Δ · Σ_t of import (tariff + carbon), export revenue, curtailment and shed for ``s``."""
    grid = inst.grid
    import_cost = grid.import_cost_per_mwh
    terms = []
    for t in sets.T:
        terms.append(float(import_cost[t]) * m.grid_import_mw[s, t])
        if grid.export_limit_mw > 0:
            terms.append(-float(grid.export_price[t]) * m.grid_export_mw[s, t])
        if grid.curtailment_cost_per_mwh:
            terms.append(grid.curtailment_cost_per_mwh * m.curtailed_mw[s, t])
        terms.append(grid.unserved_load_penalty_per_mwh * m.shed_mw[s, t])
    return sets.step_hours * sum(terms)


COMPONENT = Component(
    name="grid",
    variables=(
        VarSpec("grid_import_mw", Stage.SECOND, "import_mw", read_series),
        VarSpec("grid_export_mw", Stage.SECOND, "export_mw", read_series),
        VarSpec("curtailed_mw", Stage.SECOND, "curtailed_mw", read_series),
        VarSpec("shed_mw", Stage.SECOND, "shed_mw", read_series),
    ),
    add_variables=add_variables,
    add_constraints=add_constraints,
    scenario_cost=scenario_cost,
)
