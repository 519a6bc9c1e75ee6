"""The HiGHS call: one run on a built model, and what its stop means for a plan.

The model is handed to HiGHS in memory through Pyomo's persistent ``highs``
interface (no files), once; each run then re-solves it warm with the
remaining time. Kept apart from the rounds that call it (``models.dispatch.rounds``)
so that every HiGHS option is passed in one place.
"""

from __future__ import annotations

import io
import sys
import time
from typing import TextIO

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import Results, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.options import SolveOptions


def load_model(m: pyo.ConcreteModel) -> Highs:
    """A HiGHS instance holding ``m``, to be run (and re-run after changes) with ``run``."""
    opt = Highs()
    opt.set_instance(m)
    return opt


def run(
    opt: Highs,
    m: pyo.ConcreteModel,
    options: SolveOptions,
    time_limit: float | None,
    log: io.StringIO,
) -> Results:
    """Solve ``m`` once; the values stay in HiGHS until ``res.solution_loader`` loads them."""
    tee: list[TextIO] = [log]
    if options.log:
        tee.append(options.log_stream or sys.stderr)
    return opt.solve(
        m,
        tee=tee,
        rel_gap=options.mip_rel_gap,
        time_limit=time_limit,
        threads=options.threads,
        load_solutions=False,
        raise_exception_on_nonoptimal_result=False,
        solver_options=dict(options.highs_options),
    )


def status(tc: TerminationCondition) -> str:
    """The ``Solution.status`` of a run that stopped with ``tc`` and has a plan."""
    if tc == TerminationCondition.convergenceCriteriaSatisfied:
        return "optimal"
    # Pyomo maps HiGHS's node, leaf, improving-solution and iteration limits here.
    if tc == TerminationCondition.iterationLimit:
        return "iteration_limit"
    return "time_limit"


def remaining(options: SolveOptions, started: float) -> float | None:
    """Seconds left of ``options.time_limit_s`` since ``started`` (``None`` for no limit)."""
    if options.time_limit_s is None:
        return None
    return max(0.0, options.time_limit_s - (time.perf_counter() - started))
