"""The expected daily cost: first-stage costs plus the probability-weighted second stage."""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch.component import Component
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_objective(
    m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets, components: tuple[Component, ...]
) -> None:
    """Minimise Σ_s prob_s · Σ_c scenario_cost_c(s) + Σ_c first_stage_cost_c."""
    per_scenario = [c.scenario_cost for c in components if c.scenario_cost is not None]
    first = [c.first_stage_cost for c in components if c.first_stage_cost is not None]
    second_stage = sum(
        sets.probability[s] * sum(cost(m, inst, sets, s) for cost in per_scenario) for s in sets.S
    )
    first_stage = sum(cost(m, inst, sets) for cost in first)
    m.total_cost = pyo.Objective(expr=second_stage + first_stage, sense=pyo.minimize)
