"""Assembly of the dispatch model from its components' declarations.

Sets, then every component's variables, then every component's constraints
(in ``COMPONENTS`` order, the balance last), the tightenings and the
objective. The components the model was built from stay on it
(``m.dispatch_components``), so that fixing its first stage and reading a
solution back iterate over the same declarations (``models.dispatch.solution``).
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch import balance, datacentres, grid, placement, storage, workloads
from models.dispatch.component import Component
from models.dispatch.objective import add_objective
from models.dispatch.sets import DispatchSets, build_sets
from models.dispatch.tightening import DEFAULT_TIGHTENINGS, add_tightenings
from models.instance.schema import Instance

COMPONENTS: tuple[Component, ...] = (
    datacentres.COMPONENT,
    workloads.COMPONENT,
    placement.COMPONENT,
    storage.COMPONENT,
    grid.COMPONENT,
    balance.COMPONENT,
)


def build_model(
    inst: Instance,
    sets: DispatchSets | None = None,
    tightenings: tuple[str, ...] = DEFAULT_TIGHTENINGS,
    components: tuple[Component, ...] = COMPONENTS,
) -> pyo.ConcreteModel:
    """The contract's problem as a Pyomo model, without the storage exclusion binaries.

    ``storage.add_exclusion`` adds those where a solve needs them (see
    ``models.dispatch.storage``). ``components`` other than the default serve
    to try a new component before it joins ``COMPONENTS``; the tightenings
    assume the default ones.
    """
    sets = sets or build_sets(inst)
    m = pyo.ConcreteModel(name=inst.name or "suandian")
    m.dispatch_sets = sets
    m.dispatch_components = components
    m.T = pyo.Set(initialize=sets.T, ordered=True)
    m.J = pyo.Set(initialize=sets.J, ordered=True)
    for component in components:
        if component.add_variables is not None:
            component.add_variables(m, inst, sets)
    for component in components:
        if component.add_constraints is not None:
            component.add_constraints(m, inst, sets)
    add_tightenings(m, inst, sets, tightenings)
    add_objective(m, inst, sets, components)
    return m
