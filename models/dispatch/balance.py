"""The power balance of the cluster, for every scenario and step (contract item 6).

``Σ_p R[p,s,t] − curt + imp + Σ_b dis + shed = Σ_d fac[d,t] + Σ_b ch + exp``

A component without variables or costs of its own: it links the others', so
it comes last in ``models.dispatch.build.COMPONENTS``.
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch.component import Component
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance


def add_constraints(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    def power_balance(_m, s, t):
        """Supply equals demand in scenario ``s`` at step ``t``."""
        dis = sum(_m.bess_discharge_mw[b, s, t] for b in sets.B)
        ch = sum(_m.bess_charge_mw[b, s, t] for b in sets.B)
        supply = (
            float(sets.renewable_mw[s][t])
            - _m.curtailed_mw[s, t]
            + _m.grid_import_mw[s, t]
            + dis
            + _m.shed_mw[s, t]
        )
        return supply == _m.cluster_facility_mw[t] + ch + _m.grid_export_mw[s, t]

    m.power_balance = pyo.Constraint(m.S_T, rule=power_balance)


COMPONENT = Component(name="balance", add_constraints=add_constraints)
