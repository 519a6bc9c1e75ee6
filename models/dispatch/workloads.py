"""Flexible workloads: where and when each runs, at what rate, and what is left unserved.

Contract items 2 and 3. ``x[j,d,t]`` exists only inside the workload's window
and its data centres (set ``JDT``); outside, the contract fixes it to zero.
"""

from __future__ import annotations

import pyomo.environ as pyo

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


def cost_terms(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets):
    """Σ_j unserved_penalty_per_mwh_j · u[j]."""
    return sum(w.unserved_penalty_per_mwh * m.workload_unserved_mwh[w.id] for w in inst.workloads)
