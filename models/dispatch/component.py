"""How a part of the model declares itself: its variables by stage, its constraints, its costs.

The dispatch model is two-stage. The first stage is the plan a dispatcher
commits to before the day (rack blocks and workload placement): one value for
all scenarios. The second stage (grid exchange, storage, curtailment, shed
load) is decided per scenario once the output is known. Each component module
(``datacentres``, ``workloads``, ``storage``, ``grid``, ``balance``) exports a
``COMPONENT`` saying which of its variables belong to which stage, how each is
read into a ``Solution`` field and, for the first-stage decisions, how a
plan's value fixes it; building the model, its objective, fixing the first
stage and reading a solution back all iterate over these declarations
(after Egret's formulation modules and PyPSA's name-based assignment of
solutions), so that a new component is one module and one entry in
``models.dispatch.build.COMPONENTS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import pyomo.environ as pyo

from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance

# Values this close to zero are the solver's floating-point residue, written as zero.
ZERO_TOLERANCE = 1e-9

Builder = Callable[[pyo.ConcreteModel, Instance, DispatchSets], None]
FirstStageCost = Callable[[pyo.ConcreteModel, Instance, DispatchSets], Any]
ScenarioCost = Callable[[pyo.ConcreteModel, Instance, DispatchSets, str], Any]
# (model, the variable, the Solution fields read so far) -> the field's value
Reader = Callable[[pyo.ConcreteModel, pyo.Var, dict[str, Any]], Any]
# (the variable, the plan's value of its Solution field) -> None; fixes the variable
Fixer = Callable[[pyo.Var, Any], None]


class Stage(Enum):
    """When a variable is decided: before the day (one value) or per scenario."""

    FIRST = "first"
    SECOND = "second"


@dataclass(frozen=True)
class VarSpec:
    """One Pyomo variable of a component.

    Parameters
    ----------
    name
        Its attribute on the model.
    stage
        ``Stage.FIRST`` or ``Stage.SECOND``.
    field
        The ``Solution`` field it is read into; ``None`` for an auxiliary that
        no table shows (the cluster's facility power, say).
    read
        How the field's value is read from the solved model.
    fix
        For a first-stage *decision* only: how a plan's value of ``field``
        fixes the variable (``fix_first_stage``). First-stage variables
        without it follow from the decisions through the constraints.
    """

    name: str
    stage: Stage
    field: str | None = None
    read: Reader | None = None
    fix: Fixer | None = None

    def __post_init__(self) -> None:
        if (self.field is None) != (self.read is None):
            raise ValueError(f"{self.name}: a read-back field needs a reader and vice versa")
        if self.fix is not None and (self.stage is not Stage.FIRST or self.field is None):
            raise ValueError(f"{self.name}: only a first-stage variable read into a field is fixed")


@dataclass(frozen=True)
class Component:
    """A part of the model; any hook may be ``None`` when it has nothing to add.

    ``first_stage_cost`` is the component's cost of the plan; ``scenario_cost``
    its cost in scenario ``s``, not yet weighted by the scenario's probability.
    """

    name: str
    variables: tuple[VarSpec, ...] = ()
    add_variables: Builder | None = None
    add_constraints: Builder | None = None
    first_stage_cost: FirstStageCost | None = None
    scenario_cost: ScenarioCost | None = None


def clean(values: np.ndarray) -> np.ndarray:
    """``values`` as floats, with the solver's residue below ``ZERO_TOLERANCE`` set to zero."""
    values = np.asarray(values, dtype=float)
    values[np.abs(values) < ZERO_TOLERANCE] = 0.0
    return values


def by_prefix(var: pyo.Var) -> dict[Any, list]:
    """A variable indexed (..., t) over every step, grouped by the index before the step.

    A one-part prefix is the key itself (``"dc01"``, not ``("dc01",)``), as the
    ``Solution`` fields key it; groups keep the variable's index order.
    """
    groups: dict[Any, list] = {}
    for index, data in var.items():
        prefix = index[:-1]
        groups.setdefault(prefix[0] if len(prefix) == 1 else prefix, []).append(data)
    return groups


def read_series(m: pyo.ConcreteModel, var: pyo.Var, values: dict[str, Any]) -> dict:
    """One cleaned array over the steps per prefix (scenario, or storage and scenario)."""
    groups = by_prefix(var).items()
    return {key: clean(np.array([v.value or 0.0 for v in row])) for key, row in groups}
