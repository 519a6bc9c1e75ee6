"""Batteries: charge, discharge and state of charge per scenario.

Contract item 7:
``soc[b,s,t] = soc[b,s,t−1] + Δ · (charge_efficiency · ch − dis / discharge_efficiency)``
with ``soc[b,s,−1] = energy_initial_mwh``, limits on power and energy, an
end-of-day floor, and no charging and discharging in the same step.

The exclusion ``ch · dis = 0`` is added lazily (``add_exclusion``): the model is
first solved with only its convex hull per step (``tightening.bess_power_share``),
and binary modes are added for a battery and scenario only where that plan
both charges and discharges in a step. Each round solves a relaxation of the
contract's problem, so a plan without such steps is optimal for the contract.
On most days no step needs a binary at all; where one does, burning surplus
energy through storage losses pays (dear curtailment), and the battery gets a
mode binary at every step of that scenario: binaries on the clashing steps
alone only move the burning to the neighbouring steps, round after round,
without raising the bound.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyomo.environ as pyo

from models.dispatch.component import Component, Stage, VarSpec, read_series
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_variables(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """``bess_charge_mw``, ``bess_discharge_mw`` and ``bess_soc_mwh`` over (b, s, t)."""
    bess = {b.id: b for b in inst.storage}
    m.B_S_T = pyo.Set(
        dimen=3,
        initialize=[(b, s, t) for b in sets.B for s in sets.S for t in sets.T],
        ordered=True,
    )
    m.bess_charge_mw = pyo.Var(
        m.B_S_T, domain=pyo.NonNegativeReals, bounds=lambda _m, b, s, t: (0.0, bess[b].charge_mw)
    )
    m.bess_discharge_mw = pyo.Var(
        m.B_S_T, domain=pyo.NonNegativeReals, bounds=lambda _m, b, s, t: (0.0, bess[b].discharge_mw)
    )

    def soc_bounds(_m, b, s, t):
        low = bess[b].energy_min_mwh
        if t == len(sets.T) - 1:
            low = max(low, bess[b].energy_final_min_mwh)
        return (low, bess[b].energy_max_mwh)

    m.bess_soc_mwh = pyo.Var(m.B_S_T, domain=pyo.Reals, bounds=soc_bounds)
    m.bess_exclusion = pyo.Block()
    m.bess_exclusion_rounds = 0


def add_constraints(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    bess = {b.id: b for b in inst.storage}
    delta = sets.step_hours

    def bess_soc_balance(_m, b, s, t):
        """soc[t] = soc[t−1] + Δ·(ηc·ch[t] − dis[t]/ηd); soc[−1] = energy_initial_mwh.

        The end-of-day floor ``soc[T−1] >= energy_final_min_mwh`` is a bound of
        ``bess_soc_mwh`` at the last step.
        """
        st = bess[b]
        prev = st.energy_initial_mwh if t == 0 else _m.bess_soc_mwh[b, s, t - 1]
        flow = st.charge_efficiency * _m.bess_charge_mw[b, s, t] - (
            _m.bess_discharge_mw[b, s, t] / st.discharge_efficiency
        )
        return _m.bess_soc_mwh[b, s, t] == prev + delta * flow

    m.bess_soc_balance = pyo.Constraint(m.B_S_T, rule=bess_soc_balance)


def add_exclusion(
    m: pyo.ConcreteModel, inst: Instance, keys: Iterable[tuple[str, str, int]]
) -> int:
    """Forbid charging and discharging together at ``keys`` with a binary mode each.

    ``ch <= charge_mw · z`` and ``dis <= discharge_mw · (1 − z)``. Returns how
    many steps were added.
    """
    bess = {b.id: b for b in inst.storage}
    keys = sorted(set(keys))
    if not keys:
        return 0
    m.bess_exclusion_rounds += 1
    k = m.bess_exclusion_rounds
    blk = pyo.Block()
    m.bess_exclusion.add_component(f"round_{k}", blk)
    blk.KEYS = pyo.Set(dimen=3, initialize=keys, ordered=True)
    blk.bess_charging = pyo.Var(blk.KEYS, domain=pyo.Binary)
    blk.bess_charge_mode = pyo.Constraint(
        blk.KEYS,
        rule=lambda _b, b, s, t: (
            m.bess_charge_mw[b, s, t] <= bess[b].charge_mw * _b.bess_charging[b, s, t]
        ),
    )
    blk.bess_discharge_mode = pyo.Constraint(
        blk.KEYS,
        rule=lambda _b, b, s, t: (
            m.bess_discharge_mw[b, s, t] <= bess[b].discharge_mw * (1 - _b.bess_charging[b, s, t])
        ),
    )
    return len(keys)


def scenario_cost(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets, s: str):
    """Σ_{b,t} Δ · degradation_cost_b · dis[b,s,t] for scenario ``s`` (not yet weighted)."""
    return sets.step_hours * sum(
        st.degradation_cost_per_mwh * m.bess_discharge_mw[st.id, s, t]
        for st in inst.storage
        if st.degradation_cost_per_mwh
        for t in sets.T
    )


# The exclusion binaries (``add_exclusion``) are second-stage too, but added per
# solve round inside ``bess_exclusion`` and never read back or fixed.
COMPONENT = Component(
    name="storage",
    variables=(
        VarSpec("bess_charge_mw", Stage.SECOND, "charge_mw", read_series),
        VarSpec("bess_discharge_mw", Stage.SECOND, "discharge_mw", read_series),
        VarSpec("bess_soc_mwh", Stage.SECOND, "soc_mwh", read_series),
    ),
    add_variables=add_variables,
    add_constraints=add_constraints,
    scenario_cost=scenario_cost,
)
