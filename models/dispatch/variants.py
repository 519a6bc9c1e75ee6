"""Plans made under other rules, on the same model: for comparison and evaluation.

- ``flat_plan``: no time-shifting; each workload runs at one constant rate
  over its whole window (the data centres it uses may change). The gap between
  its cost and the optimum is the value of flexibility.
- ``redispatch``: the first stage of a given plan (blocks, allocation) kept,
  the second stage (storage, grid, curtailment, shed) re-optimised, e.g. on
  the actual output of a day that has passed.
"""

from __future__ import annotations

import time

import numpy as np
import pyomo.environ as pyo

from models.dispatch.build import build_model
from models.dispatch.diagnose import NoFeasiblePlanError, find_causes
from models.dispatch.options import SolveOptions
from models.dispatch.rounds import solve_model
from models.dispatch.sets import build_sets
from models.dispatch.solution import Solution, fix_first_stage
from models.instance.schema import Instance


def add_flat_rates(m: pyo.ConcreteModel, inst: Instance) -> None:
    """Σ_d x[j,d,t] = rate[j] for every step t of workload j's window."""
    sets = m.dispatch_sets
    m.workload_flat_rate_mw = pyo.Var(m.J, domain=pyo.NonNegativeReals)
    keys = [(w.id, t) for w in inst.workloads for t in w.steps if (w.id, t) in sets.dcs_of_job_at]
    m.JT_FLAT = pyo.Set(dimen=2, initialize=keys, ordered=True)
    m.workload_flat = pyo.Constraint(
        m.JT_FLAT,
        rule=lambda _m, j, t: (
            sum(_m.workload_mw[j, d, t] for d in sets.dcs_of_job_at[j, t])
            == _m.workload_flat_rate_mw[j]
        ),
    )


def flat_plan(inst: Instance, options: SolveOptions | None = None) -> Solution:
    """The cheapest plan in which no workload shifts in time."""
    options = options or SolveOptions()
    _raise_named_causes(inst)
    t0 = time.perf_counter()
    m = build_model(inst, build_sets(inst), tightenings=options.tightenings)
    add_flat_rates(m, inst)
    return solve_model(inst, m, options, time.perf_counter() - t0)


def redispatch(
    inst: Instance,
    blocks_on: dict[str, np.ndarray],
    allocation: dict[tuple[str, str, int], float],
    options: SolveOptions | None = None,
) -> Solution:
    """Keep ``blocks_on`` and ``allocation``, optimise the second stage on ``inst``.

    ``inst`` must have the same data centres, workloads and steps as the
    instance the first stage was planned on (its scenarios may differ).

    Raises
    ------
    ValueError
        When ``allocation`` has an entry outside every workload's window.
    """
    options = options or SolveOptions()
    _raise_named_causes(inst)
    t0 = time.perf_counter()
    m = build_model(inst, build_sets(inst), tightenings=options.tightenings)
    fix_first_stage(m, {"blocks_on": blocks_on, "allocation": allocation})
    return solve_model(inst, m, options, time.perf_counter() - t0)


def _raise_named_causes(inst: Instance) -> None:
    causes = find_causes(inst)
    if causes:
        raise NoFeasiblePlanError("; ".join(causes))
