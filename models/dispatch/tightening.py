"""Valid inequalities: they cut off fractional points, never a plan the contract allows.

Each tightening is switchable by name (``TIGHTENINGS``), as Egret picks a
formulation per concern, so that the plain contract model can always be solved
for comparison (``tests/models/dispatch/test_tightening.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo

from models.dispatch.sets import DispatchSets
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
