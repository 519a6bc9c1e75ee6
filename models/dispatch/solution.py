"""The values of one solve, read out of the Pyomo model into arrays keyed by id, and back.

The variables are read by their components' declarations
(``models.dispatch.component``): block counts are rounded to the integers the
solver meant (HiGHS returns them within its integrality tolerance), and values
within ``component.ZERO_TOLERANCE`` of zero are written as zero, so that the
tables state a plan exactly rather than the solver's floating-point residue.
The same declarations fix a plan's first stage on a new model
(``fix_first_stage``), to re-plan only the second stage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo


@dataclass
class Solution:
    """A plan and how it was found.

    ``status`` is ``"optimal"`` (gap within the requested tolerance),
    ``"time_limit"`` (the best plan found when the time ran out) or
    ``"iteration_limit"`` (the best plan found when a HiGHS work limit given in
    ``SolveOptions.highs_options`` stopped the search, such as ``mip_max_nodes``:
    unlike the time limit, it stops at the same point on any machine) or
    ``"interrupted"`` (the best plan found when SIGINT or SIGTERM stopped the
    solve, ``models.dispatch.highs.stop_on_signals``).

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


def relative_gap(objective: float, bound: float) -> float:
    """The contract's gap: ``(objective − bound) / max(1, |objective|)``, never below 0."""
    return max(0.0, (objective - bound) / max(1.0, abs(objective)))


def reported_bound(objective: float, highs_bound: float) -> float:
    """The bound published with a plan: HiGHS's, but never above the plan's objective.

    Within its tolerances HiGHS may prove a bound a little above the incumbent it
    returns; the plan's own cost is then the best bound there is to state.
    """
    return min(highs_bound, objective) if math.isfinite(highs_bound) else objective


def read_solution(m: pyo.ConcreteModel) -> dict[str, Any]:
    """Plan values of the model's current variable values, as ``Solution`` keyword arguments.

    Every variable the model's components declare with a field is read, in
    declaration order (so that a reader may use the fields read before it).
    """
    values: dict[str, Any] = {}
    for component in m.dispatch_components:
        for spec in component.variables:
            if spec.field is not None:
                values[spec.field] = spec.read(m, getattr(m, spec.name), values)
    return values


def fix_first_stage(m: pyo.ConcreteModel, plan: Mapping[str, Any]) -> tuple[str, ...]:
    """Fix every first-stage decision of ``m`` to ``plan``'s value of its ``Solution`` field.

    ``plan`` maps field names to values (``read_solution``'s output, or a
    ``Solution``'s fields); the other first-stage variables follow from the
    decisions, and the second stage stays free. Returns the names of the
    variables fixed.
    """
    fixed = []
    for component in m.dispatch_components:
        for spec in component.variables:
            if spec.fix is not None:
                spec.fix(getattr(m, spec.name), plan[spec.field])
                fixed.append(spec.name)
    return tuple(fixed)


def simultaneous_steps(values: dict) -> list[tuple[str, str, int]]:
    """(b, s, t) where a storage both charges and discharges."""
    keys = []
    for (b, s), charge in values["charge_mw"].items():
        discharge = values["discharge_mw"][b, s]
        keys.extend((b, s, int(t)) for t in np.flatnonzero((charge > 0) & (discharge > 0)))
    return keys
