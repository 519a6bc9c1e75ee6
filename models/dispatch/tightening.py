"""Valid inequalities: they cut off fractional points, never a plan the contract allows.

Each tightening is switchable by name (``TIGHTENINGS``), as Egret picks a
formulation per concern, so that the plain contract model can always be solved
for comparison (``tests/models/dispatch/test_tightening.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pyomo.environ as pyo

from models.dispatch.datacentres import flexible_mw
from models.dispatch.placement import assigned
from models.dispatch.sets import CEIL_TOLERANCE, DispatchSets
from models.instance.schema import Instance


def bess_power_share(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """ch/charge_mw + dis/discharge_mw <= 1 for every (b, s, t).

    With no simultaneous charge and discharge one of the two is zero and the
    other within its limit, so the sum of shares is at most 1: the convex hull
    of the exclusion. It removes most of the steps where the lazy binaries of
    ``storage.add_exclusion`` would otherwise be needed.
    """
    bess = {b.id: b for b in inst.storage if b.charge_mw > 0 and b.discharge_mw > 0}
    keys = [k for k in m.B_S_T if k[0] in bess]
    m.BESS_SHARE = pyo.Set(dimen=3, initialize=keys, ordered=True)
    m.bess_power_share = pyo.Constraint(
        m.BESS_SHARE,
        rule=lambda _m, b, s, t: (
            _m.bess_charge_mw[b, s, t] / bess[b].charge_mw
            + _m.bess_discharge_mw[b, s, t] / bess[b].discharge_mw
            <= 1
        ),
    )


def dc_top_block(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """Blocks needed when the flexible load at (d, t) is near its largest possible value.

    With ``a`` the inflexible load, ``F`` the most flexible load the data centre
    can take at t (the eligible workloads' rates, their energy and the free
    capacity), ``k1 = ceil((a + F) / cap)`` and ``f1 = (k1 − 1) · cap − a``:

        n[d,t] >= (k1 − 1) + (flex[d,t] − f1) / (F − f1)

    It joins the integer points (k1 − 1, f1) and (k1, F) of the set
    {cap · n >= a + flex, flex <= F, n integer}, so it is valid for every plan
    and, where F − f1 < cap, cuts off the fractional blocks the relaxation
    would run at full rate: running every eligible workload flat out in a cheap
    step then costs the idle power of the whole last block, as it does.
    """
    jobs = {w.id: w for w in inst.workloads}
    keys, rows = [], {}
    for dc in inst.datacenters:
        cap = dc.block_mw
        for t in sets.T:
            active = sets.jobs_at.get((dc.id, t), ())
            if not active:
                continue
            a = float(dc.inflexible_mw[t])
            top = min(
                sum(jobs[j].max_mw for j in active),
                sum(jobs[j].energy_mwh for j in active) / sets.step_hours,
                dc.capacity_mw - a,
            )
            k1 = math.ceil((a + top) / cap - CEIL_TOLERANCE)
            f1 = (k1 - 1) * cap - a
            if k1 - 1 < sets.min_blocks_on[dc.id, t] or top - f1 >= cap - 1e-9 or top <= f1:
                continue
            keys.append((dc.id, t))
            rows[dc.id, t] = (k1, f1, top)
    m.DC_T_TOP = pyo.Set(dimen=2, initialize=keys, ordered=True)

    def rule(_m, d, t):
        k1, f1, top = rows[d, t]
        return (top - f1) * (_m.dc_blocks_on[d, t] - (k1 - 1)) >= flexible_mw(_m, sets, d, t) - f1

    m.dc_top_block = pyo.Constraint(m.DC_T_TOP, rule=rule)


def placement_energy_gate(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """Δ · Σ_t x[j,d,t] <= E_j · a[j,d] for every job held to fewer sites than it lists.

    A job draws at most its energy in any data centre, and nothing where it is not
    assigned, so every plan meets it. The per-step gate ``x <= ub · a`` lets the
    relaxation spread a job over every site with ``a = rate / ub`` each; where the
    job's energy is below what its window could take at full rate, this gate
    charges the assignment for the energy instead.
    """
    jobs = assigned(inst, sets)
    delta = sets.step_hours
    keys = []
    for j, w in jobs.items():
        for d in w.datacenters:
            full = delta * sum(m.workload_mw[j, d, t].ub for t in w.steps)
            if w.energy_mwh < full - 1e-9:
                keys.append((j, d))
    m.PL_JD_ENERGY = pyo.Set(dimen=2, initialize=keys, ordered=True)
    m.placement_energy_gate = pyo.Constraint(
        m.PL_JD_ENERGY,
        rule=lambda _m, j, d: (
            delta * sum(_m.workload_mw[j, d, t] for t in jobs[j].steps)
            <= jobs[j].energy_mwh * _m.placement_assigned[j, d]
        ),
    )


def drop_power_share(m: pyo.ConcreteModel, pairs: set[tuple[str, str]]) -> None:
    """Deactivate ``bess_power_share`` for the (storage, scenario) pairs that got mode binaries.

    Implied by the binaries' relaxation, the cut then only slows HiGHS down (measured on
    the ``small-22-hs`` example: no bound progress in 90 s with it, 17-63 s to optimality
    without it).
    """
    if not hasattr(m, "bess_power_share"):
        return
    for key, con in m.bess_power_share.items():
        if key[:2] in pairs:
            con.deactivate()


TIGHTENINGS: dict[str, Callable[[pyo.ConcreteModel, Instance, DispatchSets], None]] = {
    "bess_power_share": bess_power_share,
    "dc_top_block": dc_top_block,
    "placement_energy_gate": placement_energy_gate,
}
DEFAULT_TIGHTENINGS: tuple[str, ...] = tuple(TIGHTENINGS)


def add_tightenings(
    m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets, names: tuple[str, ...]
) -> None:
    """Add the named tightenings; an unknown name is an error listing the valid ones."""
    for name in names:
        if name not in TIGHTENINGS:
            raise ValueError(f"unknown tightening {name!r}; choose from {sorted(TIGHTENINGS)}")
        TIGHTENINGS[name](m, inst, sets)
