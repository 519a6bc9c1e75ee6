"""The expected daily cost: first-stage costs plus the probability-weighted second stage."""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch import datacentres, grid, storage, workloads
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_objective(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """Minimise Σ_s prob_s · (grid + storage costs of s) + workload and start-up costs."""
    second_stage = sum(
        sets.probability[s]
        * (grid.cost_terms(m, inst, sets, s) + storage.cost_terms(m, inst, sets, s))
        for s in sets.S
    )
    first_stage = workloads.cost_terms(m, inst, sets) + datacentres.cost_terms(m, inst, sets)
    m.total_cost = pyo.Objective(expr=second_stage + first_stage, sense=pyo.minimize)
