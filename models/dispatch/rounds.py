"""Solving one built model in rounds, with the storage exclusion added lazily.

A solve never raises on a time limit: it returns the best plan found with its
gap, and so it does when a HiGHS work limit passed in
``SolveOptions.highs_options`` (``mip_max_nodes`` and the like) stops the
search, which happens at the same point on any machine. It raises
``NoFeasiblePlanError`` with a named cause when no plan exists or none was
found in time.

A solve stopped by SIGINT or SIGTERM (``models.dispatch.highs.stop_on_signals``)
returns its best plan with status ``"interrupted"`` and its gap, or raises
``InterruptedSolveError`` when no plan was found yet.

Storage exclusion is enforced lazily (see ``models.dispatch.storage``): after
each round, steps where a battery both charges and discharges get a binary
mode and the model is solved again, warm, within the remaining time.
"""

from __future__ import annotations

import io
import math
import time
from typing import Any

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch import helper, highs, start, storage, tightening
from models.dispatch.build import build_model
from models.dispatch.columns import Columns
from models.dispatch.diagnose import NoFeasiblePlanError, find_causes
from models.dispatch.options import SolveOptions
from models.dispatch.sets import build_sets
from models.dispatch.solution import (
    Solution,
    fix_first_stage,
    read_solution,
    relative_gap,
    reported_bound,
    simultaneous_steps,
)
from models.instance.schema import Instance

MAX_EXCLUSION_ROUNDS = 20
# When the time limit ends the search while a battery still charges and discharges in one
# step, the first stage is kept and only the storage is re-planned with every step's mode
# binary; finding a feasible second stage is quick, so a short extra allowance suffices.
REPAIR_SECONDS = 15.0


class InterruptedSolveError(NoFeasiblePlanError):
    """A signal stopped the solve before it had a plan to return."""


def _repair_exclusion(
    opt: Highs,
    m: pyo.ConcreteModel,
    inst: Instance,
    plan: dict[str, Any],
    options: SolveOptions,
    log: io.StringIO,
):
    """Keep ``plan``'s first stage, give every storage step a mode binary, find a feasible plan."""
    fix_first_stage(m, plan)
    keys = list(m.B_S_T)
    storage.add_exclusion(m, inst, keys)
    res = highs.run(opt, m, options, REPAIR_SECONDS, log)
    if res.incumbent_objective is None and highs.interrupted(opt):
        raise InterruptedSolveError(
            "the solve was interrupted again before the storage plan could be freed of"
            " simultaneous charging and discharging"
        )
    if res.incumbent_objective is None:
        raise NoFeasiblePlanError(
            "the time limit ran out before the storage plan could be freed of"
            " simultaneous charging and discharging"
        )
    res.solution_loader.load_vars()
    return res, read_solution(m), keys


def solve_model(
    inst: Instance, m: pyo.ConcreteModel, options: SolveOptions, build_seconds: float
) -> Solution:
    """Solve a built model (see ``models.dispatch.solve``); it may carry fixed variables."""
    with highs.stop_on_signals() as stop:
        return _solve_rounds(inst, m, options, build_seconds, stop)


def _solve_rounds(
    inst: Instance,
    m: pyo.ConcreteModel,
    options: SolveOptions,
    build_seconds: float,
    stop: highs.StopRequest,
) -> Solution:
    # Handing the model to HiGHS (Pyomo's translation) is part of building it.
    t0 = time.perf_counter()
    opt = highs.load_model(m, stop)
    build_seconds += time.perf_counter() - t0
    started = time.perf_counter()
    log = io.StringIO()
    first = start.hand_start(opt, m, inst, options, log) if start.wanted(options, inst) else None
    # The helper starts after the start: its imports and model would slow the start's LPs,
    # which have a quarter of the time limit, on a machine of two cores.
    with helper.helping(inst, options, opt, m) as assistant:
        if assistant is not None and first is not None:
            assistant.tell(*first)
        rounds = 0
        extra: dict = {}
        keys: dict[tuple[str, str, int], None] = {}  # given a binary mode, in the order added
        highs_bound = -math.inf
        while True:
            rounds += 1
            res = highs.run(opt, m, options, highs.remaining(options, started), log)
            late = None
            if assistant is not None and rounds == 1:
                # Its plans are of this model: a further round adds columns.
                extra = assistant.close(log)
                if res.incumbent_objective is not None:
                    late = assistant.cheaper(res.incumbent_objective)
            tc = res.termination_condition
            interrupted = highs.interrupted(opt)
            if tc in (
                TerminationCondition.provenInfeasible,
                TerminationCondition.infeasibleOrUnbounded,
            ):
                causes = find_causes(inst)
                raise NoFeasiblePlanError(
                    "; ".join(causes)
                    if causes
                    else "HiGHS proved that no plan satisfies every constraint of the instance"
                    " (no ramp or storage cause could be named)"
                )
            if res.incumbent_objective is None:
                limit = options.time_limit_s
                if interrupted:
                    raise InterruptedSolveError(
                        "the solve was interrupted before any plan was found"
                    )
                raise NoFeasiblePlanError(
                    f"no feasible plan was found within the time limit of {limit:g} s"
                    if tc == TerminationCondition.maxTimeLimit and limit is not None
                    else f"HiGHS stopped without a plan ({tc.name})"
                )
            if res.objective_bound is not None:
                # Each round solves a relaxation of the next one, so every round's bound is valid.
                highs_bound = max(highs_bound, res.objective_bound)
            objective = float(res.incumbent_objective)
            if late is None:
                res.solution_loader.load_vars()
            else:
                log.write(
                    f"{helper.HELPER_MARK} its plan of {late[0]:.6f} came after the search's"
                    f" last call for one; returned in place of the search's {objective:.6f}\n"
                )
                objective = late[0]
                Columns(opt).load(late[1], m)
                extra["helper_plan_returned"] = True
            values = read_solution(m)
            clash = simultaneous_steps(values)
            out_of_time = highs.remaining(options, started) == 0.0
            if not clash:
                break
            if interrupted or stop.requested or out_of_time or rounds >= MAX_EXCLUSION_ROUNDS:
                stop.allowed = len(stop.signals)  # the repair is short; a further signal stops it
                interrupted = interrupted or stop.requested
                res, values, repaired = _repair_exclusion(opt, m, inst, values, options, log)
                objective = float(res.incumbent_objective)
                tc = TerminationCondition.maxTimeLimit
                keys.update(dict.fromkeys(repaired))
                break
            pairs = {(b, s) for b, s, _t in clash}
            new = [k for k in m.B_S_T if k[:2] in pairs]
            storage.add_exclusion(m, inst, new)
            keys.update(dict.fromkeys(new))
            tightening.drop_power_share(m, pairs)
        bound = reported_bound(objective, highs_bound)
        return Solution(
            status="interrupted" if interrupted else highs.status(tc),
            objective=objective,
            bound=bound,
            gap=relative_gap(objective, bound),
            solve_seconds=time.perf_counter() - started,
            build_seconds=build_seconds,
            log=log.getvalue(),
            rounds=rounds,
            highs_bound=highs_bound,
            exclusion_keys=tuple(keys),
            extra=extra,
            **values,
        )


def solve_single(inst: Instance, options: SolveOptions) -> Solution:
    """One HiGHS search in this process."""
    t0 = time.perf_counter()
    sets = build_sets(inst)
    m = build_model(inst, sets, tightenings=options.tightenings)
    return solve_model(inst, m, options, time.perf_counter() - t0)
