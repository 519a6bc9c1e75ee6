"""Rack blocks of the data centres: capacity, IT and facility draw, ramps and start-ups.

Contract items 1, 4, 5 and 9. ``n[d,t]`` blocks are powered; a powered block draws
``idle_fraction`` of its power even when idle, and the facility draws PUE times
the IT power. The cluster's facility power is one variable per step so that the
balance of every scenario refers to it instead of repeating the sum over data
centres.

First stage: the blocks (decided, and fixed by a plan), their start-ups and the
facility power (both following from the blocks and the workload placement).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyomo.environ as pyo

from models.dispatch.component import Component, Stage, VarSpec, by_prefix
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_variables(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """``dc_blocks_on`` (integer), ``dc_startups`` and ``cluster_facility_mw``.

    Notes
    -----
    The lower bound of ``dc_blocks_on`` is the fewest blocks that carry the
    inflexible load (contract item 1 with no flexible load), a bound every
    feasible plan meets.
    """
    dcs = {d.id: d for d in inst.datacenters}
    m.DC_T = pyo.Set(dimen=2, initialize=[(d, t) for d in sets.DC for t in sets.T], ordered=True)
    m.dc_blocks_on = pyo.Var(
        m.DC_T,
        domain=pyo.NonNegativeIntegers,
        bounds=lambda _m, d, t: (sets.min_blocks_on[d, t], dcs[d].blocks),
    )
    m.DC_T_STARTUP = pyo.Set(dimen=2, initialize=sets.DC_T_STARTUP, ordered=True)
    m.dc_startups = pyo.Var(m.DC_T_STARTUP, domain=pyo.NonNegativeReals)
    m.cluster_facility_mw = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.dc_initial_blocks_on = {d.id: d.initial_blocks_on for d in inst.datacenters}


def flexible_mw(m: pyo.ConcreteModel, sets: DispatchSets, d: str, t: int):
    """``Σ_j x[j,d,t]`` as an expression (0 where no workload may run)."""
    return sum(m.workload_mw[j, d, t] for j in sets.jobs_at.get((d, t), ()))


def previous_blocks(m: pyo.ConcreteModel, inst_dc, t: int):
    """``n[d,t-1]``, or ``initial_blocks_on`` at step 0."""
    return inst_dc.initial_blocks_on if t == 0 else m.dc_blocks_on[inst_dc.id, t - 1]


def add_constraints(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    dcs = {d.id: d for d in inst.datacenters}

    def dc_capacity(_m, d, t):
        """inflexible_mw[d,t] + Σ_j x[j,d,t] <= cap_d · n[d,t], where some workload may run."""
        dc = dcs[d]
        return (
            dc.inflexible_mw[t] + flexible_mw(_m, sets, d, t) <= dc.block_mw * _m.dc_blocks_on[d, t]
        )

    m.DC_T_FLEX = pyo.Set(dimen=2, initialize=sorted(sets.jobs_at), ordered=True)
    m.dc_capacity = pyo.Constraint(m.DC_T_FLEX, rule=dc_capacity)

    def dc_ramp_up(_m, d, t):
        """n[d,t] − n[d,t−1] <= max_block_change (t = 0 only with initial_blocks_on)."""
        dc = dcs[d]
        return _m.dc_blocks_on[d, t] - previous_blocks(_m, dc, t) <= dc.max_block_change

    def dc_ramp_down(_m, d, t):
        """n[d,t−1] − n[d,t] <= max_block_change."""
        dc = dcs[d]
        return previous_blocks(_m, dc, t) - _m.dc_blocks_on[d, t] <= dc.max_block_change

    m.DC_T_RAMP = pyo.Set(dimen=2, initialize=sets.DC_T_RAMP, ordered=True)
    m.dc_ramp_up = pyo.Constraint(m.DC_T_RAMP, rule=dc_ramp_up)
    m.dc_ramp_down = pyo.Constraint(m.DC_T_RAMP, rule=dc_ramp_down)

    def dc_startup(_m, d, t):
        """su[d,t] >= n[d,t] − n[d,t−1]; only where a start-up costs something."""
        return _m.dc_startups[d, t] >= _m.dc_blocks_on[d, t] - previous_blocks(_m, dcs[d], t)

    m.dc_startup = pyo.Constraint(m.DC_T_STARTUP, rule=dc_startup)

    def cluster_facility(_m, t):
        """fac[t] = Σ_d pue[d,t] · (idle_d · cap_d · n[d,t] + (1 − idle_d) · load[d,t])."""
        terms = []
        for dc in inst.datacenters:
            pue, idle = float(dc.pue[t]), dc.idle_fraction
            load = dc.inflexible_mw[t] + flexible_mw(_m, sets, dc.id, t)
            terms.append(pue * (idle * dc.block_mw * _m.dc_blocks_on[dc.id, t] + (1 - idle) * load))
        return _m.cluster_facility_mw[t] == sum(terms)

    m.cluster_facility = pyo.Constraint(m.T, rule=cluster_facility)


def first_stage_cost(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets):
    """Σ_{d,t} block_startup_cost_d · su[d,t]."""
    cost = {d.id: d.block_startup_cost for d in inst.datacenters}
    return sum(cost[d] * m.dc_startups[d, t] for d, t in sets.DC_T_STARTUP)


def read_blocks(m: pyo.ConcreteModel, var: pyo.Var, values: dict[str, Any]) -> dict:
    """Blocks on per data centre, rounded to the integers HiGHS meant within its tolerance."""
    return {d: np.rint([v.value for v in row]).astype(int) for d, row in by_prefix(var).items()}


def read_startups(m: pyo.ConcreteModel, var: pyo.Var, values: dict[str, Any]) -> dict:
    """su = max(0, n[t] − n[t−1]) on the rounded blocks already read.

    That is what the solver's su is at an optimum (it is costed), without its
    tolerance noise; zero where a start-up costs nothing (no variable there).
    """
    blocks = values["blocks_on"]
    startups = {d: np.zeros(len(row)) for d, row in blocks.items()}
    initial = m.dc_initial_blocks_on
    for d, t in var:
        prev = initial[d] if t == 0 else blocks[d][t - 1]
        startups[d][t] = max(0, blocks[d][t] - prev)
    return startups


def fix_blocks(var: pyo.Var, blocks_on: dict[str, np.ndarray]) -> None:
    """Fix ``n[d,t]`` to a plan's blocks (the integers it publishes)."""
    for (d, t), data in var.items():
        data.fix(int(blocks_on[d][t]))


COMPONENT = Component(
    name="datacentres",
    variables=(
        VarSpec("dc_blocks_on", Stage.FIRST, "blocks_on", read_blocks, fix_blocks),
        VarSpec("dc_startups", Stage.FIRST, "startups", read_startups),
        VarSpec("cluster_facility_mw", Stage.FIRST),
    ),
    add_variables=add_variables,
    add_constraints=add_constraints,
    first_stage_cost=first_stage_cost,
)
