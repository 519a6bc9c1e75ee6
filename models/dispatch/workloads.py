"""Flexible workloads: where and when each runs, at what rate, and what is left unserved.

Contract items 2 and 3. ``x[j,d,t]`` exists only inside the workload's window
and its data centres (set ``JDT``); outside, the contract fixes it to zero.

First stage: the placement ``x`` (decided, and fixed by a plan) and the
unserved energy (following from it).
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from models.dispatch.component import ZERO_TOLERANCE, Component, Stage, VarSpec
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_variables(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """``workload_mw[j,d,t]`` bounded by the rate limit; ``workload_unserved_mwh[j]``."""
    jobs = {w.id: w for w in inst.workloads}
    room = {d.id: d.capacity_mw - float(d.inflexible_mw.min()) for d in inst.datacenters}
    m.JDT = pyo.Set(dimen=3, initialize=sets.JDT, ordered=True)
    m.workload_mw = pyo.Var(
        m.JDT,
        domain=pyo.NonNegativeReals,
        bounds=lambda _m, j, d, t: (0.0, min(jobs[j].max_mw, room[d])),
    )
    m.workload_unserved_mwh = pyo.Var(
        m.J, domain=pyo.NonNegativeReals, bounds=lambda _m, j: (0.0, jobs[j].energy_mwh)
    )


def add_constraints(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    jobs = {w.id: w for w in inst.workloads}
    delta = sets.step_hours

    def workload_rate(_m, j, t):
        """Σ_d x[j,d,t] <= max_mw_j; with one eligible data centre the variable bound says it."""
        return sum(_m.workload_mw[j, d, t] for d in sets.dcs_of_job_at[j, t]) <= jobs[j].max_mw

    m.JT_MULTI = pyo.Set(dimen=2, initialize=sets.JT_MULTI, ordered=True)
    m.workload_rate = pyo.Constraint(m.JT_MULTI, rule=workload_rate)

    by_job: dict[str, list] = {j: [] for j in sets.J}
    for j, d, t in sets.JDT:
        by_job[j].append(m.workload_mw[j, d, t])

    def workload_energy(_m, j):
        """Δ · Σ_{d,t} x[j,d,t] + u[j] = energy_mwh_j."""
        return delta * sum(by_job[j]) + _m.workload_unserved_mwh[j] == jobs[j].energy_mwh

    m.workload_energy = pyo.Constraint(m.J, rule=workload_energy)


def first_stage_cost(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets):
    """Σ_j unserved_penalty_per_mwh_j · u[j]."""
    return sum(w.unserved_penalty_per_mwh * m.workload_unserved_mwh[w.id] for w in inst.workloads)


def read_allocation(m: pyo.ConcreteModel, var: pyo.Var, values: dict[str, Any]) -> dict:
    """``{(j, d, t): MW}`` where a workload runs (above the solver's residue)."""
    allocation = {}
    for key, data in var.items():
        value = data.value or 0.0
        if value > ZERO_TOLERANCE:
            allocation[key] = value
    return allocation


def read_unserved(m: pyo.ConcreteModel, var: pyo.Var, values: dict[str, Any]) -> dict:
    """``{j: MWh}``, never below zero, the solver's residue written as zero."""
    unserved = {j: max(0.0, data.value or 0.0) for j, data in var.items()}
    for j, value in unserved.items():
        if value < ZERO_TOLERANCE:
            unserved[j] = 0.0
    return unserved


def fix_allocation(var: pyo.Var, allocation: dict[tuple[str, str, int], float]) -> None:
    """Fix ``x`` to ``allocation`` (zero where it has no entry).

    Raises
    ------
    ValueError
        For an entry outside every workload's window and data centres: the
        plan was made for another instance.
    """
    unknown = set(allocation) - set(var)
    if unknown:
        raise ValueError(f"allocation outside the workloads' windows: {sorted(unknown)[:3]}")
    for key, data in var.items():
        # Clipped to the variable's bounds: a value read back from a solver may sit 1e-14 past them.
        data.fix(min(max(allocation.get(key, 0.0), data.lb), data.ub))


COMPONENT = Component(
    name="workloads",
    variables=(
        VarSpec("workload_mw", Stage.FIRST, "allocation", read_allocation, fix_allocation),
        VarSpec("workload_unserved_mwh", Stage.FIRST, "unserved_mwh", read_unserved),
    ),
    add_variables=add_variables,
    add_constraints=add_constraints,
    first_stage_cost=first_stage_cost,
)
