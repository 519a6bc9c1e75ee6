"""A first plan handed to HiGHS as its start, from its relaxation.

HiGHS's own heuristics find no good plan for a long time on the generated days
once placement rules are on (measured on 2026-07-15 with every rule of
``docs/data-sources.md`` B10: the first plan after 115 s left work unserved, at gap
0.31, while the bound was within 0.2 % of the optimum). The relaxation, though,
says where and when each job mostly runs; where it spreads a job held to fewer
sites over many, a dive (one site fixed at a time, the relaxation solved again)
chooses them. Holding every job to those sites and
that one stretch leaves no move and no restart to decide; rounding the blocks
of the relaxation under that placement up keeps every ramp and capacity limit;
with every integer fixed, what is left is an LP. The three LPs are solved one
after the other on HiGHS's own model, each warm from the last. Rounding up keeps
blocks on that the load does not need (1.5 % above the optimum on 2026-07-15), so
a short MIP under the same placement, blocks its only integers, re-chooses them
from that plan. Its plan, every variable of the model, becomes HiGHS's start
(``setSolution``) for the real search, which starts near the optimum instead of
from nothing.

The start never changes the optimum: it is one feasible plan, and the search
that follows is the same.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Callable

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.columns import Columns, highs_solution
from models.dispatch.options import SolveOptions
from models.dispatch.placement import run_floor_mw
from models.dispatch.sets import CEIL_TOLERANCE, DispatchSets
from models.instance.schema import Instance, Workload

# The start's whole time (its LPs and the MIP that re-chooses their blocks, or the short MIP
# run that settles the placement binaries of a given plan), and that last run's gap, loose
# since the search improves the plan anyway [s, relative].
START_SECONDS = 20.0
START_GAP = 1e-2
# The short MIP that re-chooses the rounded blocks (``_settled_blocks``): its share of the
# start's time and its gap [s, relative].
SETTLE_SECONDS = 15.0
SETTLE_GAP = 1e-3
# The LPs that make a plan of the placement (about 1 s for a day) run at least this
# long, past the start's time if need be: without them there is no start, and the
# search alone may find no plan in a short time limit on a busy machine [s].
PLAN_LP_SECONDS = 5.0
# The log line after the start's own HiGHS runs: the search proper follows it.
START_MARK = "Suandian start handed to HiGHS, objective"


def _profile(w: Workload, dt: float) -> dict[int, float]:
    """Rates of ``w`` per step: flat over the window, or at the run floor from its release.

    A job with an on/off state whose flat rate is below its floor runs at the floor
    for as many whole steps as its energy fills; it is left out (unserved) when that
    is shorter than its minimum run.
    """
    steps = list(w.steps)
    rate = w.energy_mwh / (len(steps) * dt)
    floor = run_floor_mw(w) if w.has_on_off else 0.0
    if rate > w.max_mw:
        return dict.fromkeys(steps, w.max_mw)
    if rate >= floor:
        return dict.fromkeys(steps, rate)
    count = int(w.energy_mwh / (floor * dt))
    if count < max(1, w.min_run_steps or 1):
        return {}
    return dict.fromkeys(steps[:count], min(w.max_mw, w.energy_mwh / (count * dt)))


def flat_allocation(inst: Instance, sets: DispatchSets) -> dict[tuple[str, str, int], float]:
    """``{(j, d, t): MW}``: each job flat in the eligible data centre with the most room left.

    Jobs are placed largest rate first; a data centre's room at a step is its
    capacity less its inflexible load and the jobs already placed there.
    """
    placed = {j for j, _d, _t in sets.JDT}
    room = {
        (d.id, t): d.capacity_mw - float(d.inflexible_mw[t])
        for d in inst.datacenters
        for t in sets.T
    }
    profiles = {w.id: _profile(w, sets.step_hours) for w in inst.workloads if w.id in placed}
    jobs = sorted(
        (w for w in inst.workloads if profiles.get(w.id)),
        key=lambda w: -max(profiles[w.id].values()),
    )
    allocation: dict[tuple[str, str, int], float] = {}
    for w in jobs:
        profile = profiles[w.id]
        site = max(w.datacenters, key=lambda d: min(room[d, t] - r for t, r in profile.items()))
        for t, rate in profile.items():
            allocation[w.id, site, t] = rate
            room[site, t] -= rate
    return allocation


def guided_allocation(
    inst: Instance, relaxed: dict[tuple[str, str, int], float]
) -> tuple[dict[str, tuple[str, ...]], dict[str, range]]:
    """Sites and run span of each job from the relaxation: where and when it mostly runs.

    A job held to ``k`` sites keeps the ``k`` where the relaxation puts most of its
    energy (every listed site otherwise); it runs in one stretch from the first to
    the last step the relaxation runs it in, lengthened to ``min_run_steps``.
    """
    sites: dict[str, tuple[str, ...]] = {}
    spans: dict[str, range] = {}
    for w in inst.workloads:
        energy = {d: sum(relaxed.get((w.id, d, t), 0.0) for t in w.steps) for d in w.datacenters}
        k = w.max_datacenters or len(w.datacenters)
        sites[w.id] = tuple(sorted(w.datacenters, key=lambda d: -energy[d])[:k])
        active = [
            t for t in w.steps if sum(relaxed.get((w.id, d, t), 0.0) for d in w.datacenters) > 1e-6
        ]
        if not active:
            continue
        first, last = active[0], active[-1] + 1
        length = w.min_run_steps or 1
        last = min(max(last, first + length), w.deadline_step)
        first = max(min(first, last - length), w.release_step)
        spans[w.id] = range(first, last)
    return sites, spans


def _placement_fixes(
    cols: Columns,
    m: pyo.ConcreteModel,
    sites: dict[str, tuple[str, ...]],
    spans: dict[str, range],
) -> dict[int, float]:
    """Every job held to ``sites`` and, where it has an on/off state, on over ``spans``.

    The rates stay free within the job's limits (so the blocks can ramp); with no move
    and no restart left to decide only blocks, storage and grid remain.
    """
    fixes: dict[int, float] = {}
    on_off = {j for j, _t in m.placement_on}
    for (j, d, t), data in m.workload_mw.items():
        if d not in sites.get(j, ()) or (j in on_off and j in spans and t not in spans[j]):
            fixes[cols.column(data)] = 0.0
    for (j, d), data in m.placement_assigned.items():
        fixes[cols.column(data)] = 1.0 if d in sites.get(j, ()) else 0.0
    for (j, t), data in m.placement_on.items():
        fixes[cols.column(data)] = 1.0 if t in spans.get(j, ()) else 0.0
    return fixes


def _flat_placement(
    inst: Instance, sets: DispatchSets
) -> tuple[dict[str, tuple[str, ...]], dict[str, range]]:
    """Sites and spans of the flat allocation: one site per job, over its flat profile."""
    sites: dict[str, tuple[str, ...]] = {}
    steps: dict[str, list[int]] = {}
    for j, d, t in flat_allocation(inst, sets):
        sites[j] = (d,)
        steps.setdefault(j, []).append(t)
    return sites, {j: range(min(ts), max(ts) + 1) for j, ts in steps.items()}


def _plan_fixes(cols: Columns, m: pyo.ConcreteModel, plan: tuple[dict, dict]) -> dict[int, float]:
    """Every rate and block count held at the given plan's (``SolveOptions.start_plan``)."""
    blocks, allocation = plan
    fixes: dict[int, float] = {}
    for key, data in m.workload_mw.items():
        c = cols.column(data)
        fixes[c] = min(cols.upper[c], max(0.0, allocation.get(key, 0.0)))
    for (d, t), data in m.dc_blocks_on.items():
        fixes[cols.column(data)] = float(int(blocks[d][t]))
    return fixes


def _rounded_blocks(cols: Columns, m: pyo.ConcreteModel, solution: np.ndarray) -> dict[int, float]:
    """The relaxation's block counts rounded up: ceil keeps every ramp limit
    (``|n_t - n_t-1| <= k``, ``k`` whole) and the capacity, so the rest is an LP."""
    fixes: dict[int, float] = {}
    for data in m.dc_blocks_on.values():
        c = cols.column(data)
        fixes[c] = min(cols.upper[c], math.ceil(solution[c] - CEIL_TOLERANCE))
    return fixes


def _countdown(seconds: float) -> Callable[[], float]:
    """The seconds left of ``seconds`` from now, each time it is called."""
    t0 = time.perf_counter()
    return lambda: seconds - (time.perf_counter() - t0)


def _guided_start(
    cols: Columns, m: pyo.ConcreteModel, inst: Instance, limit: float
) -> np.ndarray | None:
    """Relaxation, its placement, the relaxation under it, blocks rounded up: one warm LP chain."""
    left = _countdown(limit)
    cols.relax()
    # The interior point method, with crossover to a basis the next LPs start from, solved
    # the first relaxation at three times the cluster in 2.1 s against simplex's 11.4 s.
    relaxed = cols.run(left(), solver="ipm")
    if relaxed is not None:
        # The dive may take half of what is left: the LPs after it need their share, and
        # without them there is no start at all (a busy machine, a short time limit).
        relaxed = _dived_sites(cols, m, inst, relaxed, _countdown(left() / 2))
        placement = guided_allocation(inst, cols.values(relaxed, m.workload_mw))
    else:
        placement = _flat_placement(inst, m.dispatch_sets)
    cols.fix(_placement_fixes(cols, m, *placement))
    placed = cols.run(max(left(), PLAN_LP_SECONDS))
    if placed is None:
        return None
    blocks = _rounded_blocks(cols, m, placed)
    cols.fix(blocks)
    plan = cols.run(max(left(), PLAN_LP_SECONDS))
    if plan is None:
        return None
    return _settled_blocks(cols, blocks, plan, min(left(), SETTLE_SECONDS))


def _dived_sites(
    cols: Columns,
    m: pyo.ConcreteModel,
    inst: Instance,
    solution: np.ndarray,
    left: Callable[[], float],
) -> np.ndarray:
    """The relaxation once every job held to ``k`` sites has them, chosen one at a time.

    The relaxation spreads a held job over many sites (on 2026-11-15 a training job
    over four); each job keeping its largest shares on its own overfills some sites
    and leaves others idle. Fixing the largest open share to 1 and solving again,
    warm, lets the other jobs move around each choice (11-15: the relaxation under the
    sites chosen 412,147 ¥ against 414,520 for the MIP bound under the shares kept).
    Shares already whole are taken without a solve.
    """
    limit = {w.id: w.max_datacenters or len(w.datacenters) for w in inst.workloads}
    sites: dict[str, dict[str, int]] = {}
    for (j, d), data in m.placement_assigned.items():
        sites.setdefault(j, {})[d] = cols.column(data)
    chosen: dict[str, set[str]] = {j: set() for j in sites}
    while True:
        shares = {
            (j, d): solution[c]
            for j, columns in sites.items()
            if len(chosen[j]) < limit[j]
            for d, c in columns.items()
            if d not in chosen[j]
        }
        if not shares:
            return solution
        whole = [key for key, share in shares.items() if share >= 1 - CEIL_TOLERANCE]
        fixes: dict[int, float] = {}
        for j, d in whole or [max(shares, key=shares.__getitem__)]:
            if len(chosen[j]) < limit[j]:
                chosen[j].add(d)
                fixes[sites[j][d]] = 1.0
                if len(chosen[j]) == limit[j]:
                    fixes.update({c: 0.0 for e, c in sites[j].items() if e not in chosen[j]})
        cols.fix(fixes)
        dived = cols.run(left())
        if dived is None:
            return solution
        solution = dived


def _settled_blocks(
    cols: Columns, blocks: dict[int, float], plan: np.ndarray, seconds: float
) -> np.ndarray:
    """The blocks of ``plan`` re-chosen by a short MIP under its placement, from ``plan``.

    Rounding up keeps blocks on that the load no longer needs, and cutting them back
    step by step starts them up again and again; only a search weighs the two.
    With the placement fixed, blocks (and storage modes) are the only integers left.
    """
    objective = cols.objective
    cols.free(blocks)
    settled = cols.search_from(plan, objective, seconds, mip_rel_gap=SETTLE_GAP)
    if settled is None:
        cols.objective = objective
        return plan
    return settled[1]


def wanted(options: SolveOptions, inst: Instance) -> bool:
    """Whether a solve with ``options`` gets a start (``SolveOptions.start``)."""
    if options.start_plan is not None:
        return True
    if options.start is None:
        return any(
            w.has_on_off or w.max_datacenters is not None or w.migration_cost > 0
            for w in inst.workloads
        )
    return options.start


def hand_start(
    opt: Highs,
    m: pyo.ConcreteModel,
    inst: Instance,
    options: SolveOptions,
    log: io.StringIO,
) -> tuple[float, np.ndarray] | None:
    """Find a plan with a placement and blocks fixed and give it to HiGHS as its start.

    The placement is the relaxation's (``guided_allocation``) once the sites of held jobs
    are dived for (``_dived_sites``), or the flat one when the
    relaxation has no optimum; the blocks are those of the relaxation under that
    placement, rounded up, then re-chosen by a short MIP under it. A plan to
    start from (``SolveOptions.start_plan``) fixes rates and blocks instead, and a
    short MIP run settles its placement binaries.

    Returns the start's objective and the value of every column of HiGHS's model, or
    ``None`` when no plan was found in the start's time or the placement is already
    fixed. HiGHS's model is left as Pyomo built it.
    """
    if any(data.fixed for data in m.workload_mw.values()):
        return None  # a plan's first stage is being evaluated: it has its placement
    limit = START_SECONDS
    if options.time_limit_s is not None:
        limit = min(limit, options.time_limit_s / 4)
    opt.update()  # Pyomo's pending changes first, so that the columns are final
    cols = Columns(opt)
    if options.threads is not None:
        cols.h.setOptionValue("threads", options.threads)  # the search's own, set once
    try:
        if options.start_plan is not None:
            cols.fix(_plan_fixes(cols, m, options.start_plan))
            run_options = {**dict(options.highs_options), "mip_rel_gap": START_GAP}
            values = cols.run(limit, **run_options)
        else:
            values = _guided_start(cols, m, inst, limit)
    finally:
        cols.restore()
        cols.h.clearSolver()
    if values is None:
        return None
    objective = float(cols.objective)
    values = cols.rounded(values)
    log.write(f"{START_MARK} {objective:.6f}\n")
    cols.h.setSolution(highs_solution(values))
    return objective, values
