"""The values of one solve, read out of the Pyomo model into arrays keyed by id.

Block counts are rounded to the integers the solver meant (HiGHS returns
them within its integrality tolerance), and values within ``ZERO_TOLERANCE``
of zero are written as zero, so that the tables state a plan exactly rather
than the solver's floating-point residue.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo

from models.dispatch.sets import DispatchSets

ZERO_TOLERANCE = 1e-9


@dataclass
class Solution:
    """A plan and how it was found.

    ``status`` is ``"optimal"`` (gap within the requested tolerance),
    ``"time_limit"`` (the best plan found when the time ran out) or
    ``"iteration_limit"`` (the best plan found when a HiGHS work limit given in
    ``SolveOptions.highs_options`` stopped the search, such as ``mip_max_nodes``:
    unlike the time limit, it stops at the same point on any machine).

    ``bound`` is the lower bound reported with the plan, never above its
    ``objective`` (so that the contract's gap is never negative);
    ``highs_bound`` is the highest bound HiGHS itself proved over the rounds,
    before that clamp (``-inf`` when HiGHS proved none), so that a test can
    check it is a valid lower bound. ``exclusion_keys`` are the (storage,
    scenario, step) that got a binary charge/discharge mode, in the order added.
    """

    status: str
    objective: float
    bound: float
    gap: float
    solve_seconds: float
    build_seconds: float
    blocks_on: dict[str, np.ndarray]
    startups: dict[str, np.ndarray]
    allocation: dict[tuple[str, str, int], float]
    unserved_mwh: dict[str, float]
    import_mw: dict[str, np.ndarray]
    export_mw: dict[str, np.ndarray]
    curtailed_mw: dict[str, np.ndarray]
    shed_mw: dict[str, np.ndarray]
    charge_mw: dict[tuple[str, str], np.ndarray]
    discharge_mw: dict[tuple[str, str], np.ndarray]
    soc_mwh: dict[tuple[str, str], np.ndarray]
    log: str = ""
    rounds: int = 1
    highs_bound: float = -math.inf
    exclusion_keys: tuple[tuple[str, str, int], ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def exclusion_steps(self) -> int:
        """How many (storage, scenario, step) got a binary mode."""
        return len(self.exclusion_keys)


def _clean(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    values[np.abs(values) < ZERO_TOLERANCE] = 0.0
    return values


def _series(var: pyo.Var, key_prefix: tuple, steps: range) -> np.ndarray:
    return _clean(np.array([var[(*key_prefix, t)].value or 0.0 for t in steps]))


def read_solution(m: pyo.ConcreteModel, sets: DispatchSets) -> dict:
    """Plan values of the model's current variable values, as ``Solution`` keyword arguments."""
    T = sets.T
    blocks = {d: np.rint([m.dc_blocks_on[d, t].value for t in T]).astype(int) for d in sets.DC}
    # su = max(0, n[t] − n[t−1]) on the rounded blocks: what the solver's su is at an
    # optimum (it is costed), without its tolerance noise.
    startups = {d: np.zeros(len(T)) for d in sets.DC}
    initial = m.dc_initial_blocks_on
    for d, t in sets.DC_T_STARTUP:
        prev = initial[d] if t == 0 else blocks[d][t - 1]
        startups[d][t] = max(0, blocks[d][t] - prev)
    allocation = {}
    for key in sets.JDT:
        value = m.workload_mw[key].value or 0.0
        if value > ZERO_TOLERANCE:
            allocation[key] = value
    unserved = {j: max(0.0, m.workload_unserved_mwh[j].value or 0.0) for j in sets.J}
    for j, value in unserved.items():
        if value < ZERO_TOLERANCE:
            unserved[j] = 0.0
    per_s = {
        name: {s: _series(getattr(m, var), (s,), T) for s in sets.S}
        for name, var in (
            ("import_mw", "grid_import_mw"),
            ("export_mw", "grid_export_mw"),
            ("curtailed_mw", "curtailed_mw"),
            ("shed_mw", "shed_mw"),
        )
    }
    per_bs = {
        name: {(b, s): _series(getattr(m, var), (b, s), T) for b in sets.B for s in sets.S}
        for name, var in (
            ("charge_mw", "bess_charge_mw"),
            ("discharge_mw", "bess_discharge_mw"),
            ("soc_mwh", "bess_soc_mwh"),
        )
    }
    return {
        "blocks_on": blocks,
        "startups": startups,
        "allocation": allocation,
        "unserved_mwh": unserved,
        **per_s,
        **per_bs,
    }


def simultaneous_steps(values: dict) -> list[tuple[str, str, int]]:
    """(b, s, t) where a storage both charges and discharges."""
    keys = []
    for (b, s), charge in values["charge_mw"].items():
        discharge = values["discharge_mw"][b, s]
        keys.extend((b, s, int(t)) for t in np.flatnonzero((charge > 0) & (discharge > 0)))
    return keys
