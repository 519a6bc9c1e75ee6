"""Assembly of the dispatch model: sets, variables, constraints, objective, in that order."""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch import balance, datacentres, grid, objective, storage, workloads
from models.dispatch.sets import DispatchSets, build_sets
from models.dispatch.tightening import DEFAULT_TIGHTENINGS, add_tightenings
from models.instance.schema import Instance

COMPONENTS = (datacentres, workloads, storage, grid)


def build_model(
    inst: Instance,
    sets: DispatchSets | None = None,
    tightenings: tuple[str, ...] = DEFAULT_TIGHTENINGS,
) -> pyo.ConcreteModel:
    """The contract's problem as a Pyomo model, without the storage exclusion binaries.

    ``storage.add_exclusion`` adds those where a solve needs them (see
    ``models.dispatch.storage``).
    """
    sets = sets or build_sets(inst)
    m = pyo.ConcreteModel(name=inst.name or "suandian")
    m.dispatch_sets = sets
    m.T = pyo.Set(initialize=sets.T, ordered=True)
    m.J = pyo.Set(initialize=sets.J, ordered=True)
    for component in COMPONENTS:
        component.add_variables(m, inst, sets)
    for component in COMPONENTS:
        component.add_constraints(m, inst, sets)
    balance.add_constraints(m, inst, sets)
    add_tightenings(m, inst, sets, tightenings)
    objective.add_objective(m, inst, sets)
    return m
