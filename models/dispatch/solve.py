"""Solving the dispatch model with HiGHS, and what a dispatcher gets back.

The model is handed to HiGHS in memory through Pyomo's persistent ``highs``
interface (no files). A solve never raises on a time limit: it returns the
best plan found with its gap, and so it does when a HiGHS work limit passed in
``SolveOptions.highs_options`` (``mip_max_nodes`` and the like) stops the
search, which happens at the same point on any machine. It raises
``NoFeasiblePlanError`` with a named cause when no plan exists or none was
found in time.

Storage exclusion is enforced lazily (see ``models.dispatch.storage``): after
each round, steps where a battery both charges and discharges get a binary
mode and the model is solved again, warm, within the remaining time.
"""

from __future__ import annotations

import io
import math
import sys
import time
from dataclasses import dataclass
from typing import TextIO

import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch import storage, tightening
from models.dispatch.build import build_model
from models.dispatch.diagnose import NoFeasiblePlanError, find_causes
from models.dispatch.sets import build_sets
from models.dispatch.solution import Solution, read_solution, simultaneous_steps
from models.dispatch.tightening import DEFAULT_TIGHTENINGS
from models.instance.schema import Instance

MAX_EXCLUSION_ROUNDS = 20
# RENS (a root sub-MIP heuristic) spends seconds on this model for incumbents that the
# other heuristics find anyway: without it the full-size example proved 1e-4 in 27 s
# instead of 35 s, the medium and small examples unchanged (benchmarks/README.md).
DEFAULT_HIGHS_OPTIONS: tuple[tuple[str, object], ...] = (("mip_heuristic_run_rens", False),)
# When the time limit ends the search while a battery still charges and discharges in one
# step, the first stage is kept and only the storage is re-planned with every step's mode
# binary; finding a feasible second stage is quick, so a short extra allowance suffices.
REPAIR_SECONDS = 15.0


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings a dispatcher may change.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit for all solver rounds together [s]; ``None`` for none.
    mip_rel_gap
        Relative gap at which the search stops, as the contract defines it.
    threads
        HiGHS threads; ``None`` lets HiGHS choose.
    log
        Stream the HiGHS log to ``log_stream`` while solving.
    tightenings
        Names from ``models.dispatch.tightening.TIGHTENINGS``.
    highs_options
        Extra HiGHS options as (name, value) pairs. A work limit among them
        (``mip_max_nodes``, ``mip_max_leaves``, ``mip_max_improving_sols``) applies
        to each round and, when it stops the search, gives status ``"iteration_limit"``.
    portfolio
        Independent HiGHS searches (random seeds 0..N-1) run in parallel
        processes; the first to prove optimality wins (``models.dispatch.portfolio``).
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = 1e-4
    threads: int | None = None
    log: bool = False
    log_stream: TextIO | None = None
    tightenings: tuple[str, ...] = DEFAULT_TIGHTENINGS
    highs_options: tuple[tuple[str, object], ...] = DEFAULT_HIGHS_OPTIONS
    portfolio: int = 1


def relative_gap(objective: float, bound: float) -> float:
    """The contract's gap: ``(objective − bound) / max(1, |objective|)``, never below 0."""
    return max(0.0, (objective - bound) / max(1.0, abs(objective)))


def reported_bound(objective: float, highs_bound: float) -> float:
    """The bound published with a plan: HiGHS's, but never above the plan's objective.

    Within its tolerances HiGHS may prove a bound a little above the incumbent it
    returns; the plan's own cost is then the best bound there is to state.
    """
    return min(highs_bound, objective) if math.isfinite(highs_bound) else objective


def _status(tc: TerminationCondition) -> str:
    if tc == TerminationCondition.convergenceCriteriaSatisfied:
        return "optimal"
    # Pyomo maps HiGHS's node, leaf, improving-solution and iteration limits here.
    if tc == TerminationCondition.iterationLimit:
        return "iteration_limit"
    return "time_limit"


def _remaining(options: SolveOptions, started: float) -> float | None:
    if options.time_limit_s is None:
        return None
    return max(0.0, options.time_limit_s - (time.perf_counter() - started))


def _run(
    opt: Highs,
    m: pyo.ConcreteModel,
    options: SolveOptions,
    time_limit: float | None,
    log: io.StringIO,
):
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


def _repair_exclusion(opt: Highs, m: pyo.ConcreteModel, inst: Instance, options: SolveOptions, log):
    """Keep the first stage, give every storage step a mode binary, find a feasible plan."""
    sets = m.dispatch_sets
    for var in (m.dc_blocks_on, m.dc_startups, m.workload_mw, m.workload_unserved_mwh):
        for v in var.values():
            v.fix(v.value or 0.0)
    keys = list(m.B_S_T)
    storage.add_exclusion(m, inst, keys)
    res = _run(opt, m, options, REPAIR_SECONDS, log)
    if res.incumbent_objective is None:
        raise NoFeasiblePlanError(
            "the time limit ran out before the storage plan could be freed of"
            " simultaneous charging and discharging"
        )
    res.solution_loader.load_vars()
    return res, read_solution(m, sets), keys


def solve_model(
    inst: Instance, m: pyo.ConcreteModel, options: SolveOptions, build_seconds: float
) -> Solution:
    """Solve a built model (see ``solve_instance``); the model may carry fixed variables."""
    sets = m.dispatch_sets
    # Handing the model to HiGHS (Pyomo's translation) is part of building it.
    t0 = time.perf_counter()
    opt = Highs()
    opt.set_instance(m)
    build_seconds += time.perf_counter() - t0
    started = time.perf_counter()
    log = io.StringIO()
    rounds = 0
    keys: dict[tuple[str, str, int], None] = {}  # given a binary mode, in the order added
    highs_bound = -math.inf
    while True:
        rounds += 1
        res = _run(opt, m, options, _remaining(options, started), log)
        tc = res.termination_condition
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
            raise NoFeasiblePlanError(
                f"no feasible plan was found within the time limit of {limit:g} s"
                if tc == TerminationCondition.maxTimeLimit and limit is not None
                else f"HiGHS stopped without a plan ({tc.name})"
            )
        if res.objective_bound is not None:
            # Each round solves a relaxation of the next one, so every round's bound is valid.
            highs_bound = max(highs_bound, res.objective_bound)
        res.solution_loader.load_vars()
        values = read_solution(m, sets)
        clash = simultaneous_steps(values)
        out_of_time = _remaining(options, started) == 0.0
        if not clash:
            break
        if out_of_time or rounds >= MAX_EXCLUSION_ROUNDS:
            res, values, repaired = _repair_exclusion(opt, m, inst, options, log)
            tc = TerminationCondition.maxTimeLimit
            keys.update(dict.fromkeys(repaired))
            break
        pairs = {(b, s) for b, s, _t in clash}
        new = [k for k in m.B_S_T if k[:2] in pairs]
        storage.add_exclusion(m, inst, new)
        keys.update(dict.fromkeys(new))
        tightening.drop_power_share(m, pairs)
    objective = float(res.incumbent_objective)
    bound = reported_bound(objective, highs_bound)
    return Solution(
        status=_status(tc),
        objective=objective,
        bound=bound,
        gap=relative_gap(objective, bound),
        solve_seconds=time.perf_counter() - started,
        build_seconds=build_seconds,
        log=log.getvalue(),
        rounds=rounds,
        highs_bound=highs_bound,
        exclusion_keys=tuple(keys),
        **values,
    )


def solve_instance(inst: Instance, options: SolveOptions | None = None) -> Solution:
    """Build and solve the contract's problem for ``inst`` (in parallel searches if asked).

    Raises
    ------
    NoFeasiblePlanError
        When the instance has no feasible plan (with its named cause), or none
        was found within the time limit.
    """
    options = options or SolveOptions()
    causes = find_causes(inst)
    if causes:
        raise NoFeasiblePlanError("; ".join(causes))
    if options.portfolio > 1:
        from models.dispatch.portfolio import solve_portfolio

        return solve_portfolio(inst, options)
    return solve_single(inst, options)


def solve_single(inst: Instance, options: SolveOptions) -> Solution:
    """One HiGHS search in this process."""
    t0 = time.perf_counter()
    sets = build_sets(inst)
    m = build_model(inst, sets, tightenings=options.tightenings)
    return solve_model(inst, m, options, time.perf_counter() - t0)
