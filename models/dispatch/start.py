"""A first plan handed to HiGHS as its start: every job flat, in one data centre.

HiGHS's own heuristics find no good plan for a long time on the generated days
once placement rules are on (measured on 2026-07-15 with every rule of
``docs/data-sources.md`` B10: the first plan after 115 s left work unserved, at gap
0.31, while the bound was within 0.2 % of the optimum). A plan that runs every
workload at a constant rate over its whole window, in the data centre with the
most room, respects every placement rule at once (one site, one stretch, no
move, no restart) and serves all the work; only the blocks, the storage and the
grid remain, which HiGHS settles in a short run with the placement fixed. Its
values, every variable of the model, become HiGHS's start (``setSolution``) for
the real search, which starts from a plan within a few per cent of the optimum
instead of from nothing.

The start never changes the optimum: it is one feasible plan, and the search
that follows is the same.
"""

from __future__ import annotations

import io
import math

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch import highs
from models.dispatch.options import SolveOptions
from models.dispatch.placement import run_floor_mw
from models.dispatch.sets import CEIL_TOLERANCE, DispatchSets
from models.instance.schema import Instance, Workload

# The short run that settles blocks, storage and grid under the flat placement: it stops
# at a loose gap, since the real search improves the plan anyway [s, relative].
START_SECONDS = 20.0
START_GAP = 1e-2
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


def relaxed_values(opt: Highs, m: pyo.ConcreteModel, var: pyo.Var, limit: float) -> dict:
    """``{index: value}`` of ``var`` in the LP relaxation of the model, solved in HiGHS.

    The integrality of every column is dropped for one LP solve and restored, below
    Pyomo, which keeps its own record of the model unchanged. Empty when the LP has
    no optimum within ``limit`` seconds.
    """
    opt.update()  # Pyomo's pending changes (fixed variables) first, so HiGHS holds them
    h = opt._solver_model
    kinds = list(h.getLp().integrality_)
    count = h.getNumCol()
    columns = np.arange(count, dtype=np.int32)
    h.changeColsIntegrality(count, columns, np.array([highspy.HighsVarType.kContinuous] * count))
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", limit)  # the search's own run sets its limit again
    try:
        h.run()
        status = h.getModelStatus()  # before the restored integrality resets it
        values = np.array(h.getSolution().col_value)
    finally:
        if kinds:
            h.changeColsIntegrality(count, columns, np.array(kinds))
        h.setOptionValue("output_flag", True)
    h.clearSolver()
    if status != highspy.HighsModelStatus.kOptimal or len(values) != count:
        return {}
    index = opt._pyomo_var_to_solver_var_map
    return {key: float(values[index[id(data)]]) for key, data in var.items()}


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


def _fix_placement(
    m: pyo.ConcreteModel, sites: dict[str, tuple[str, ...]], spans: dict[str, range]
) -> list[pyo.Var]:
    """Fix every job to ``sites`` and, where it has an on/off state, on over ``spans``.

    The rates stay free within the job's limits (so the blocks can ramp); with no move
    and no restart left to decide only blocks, storage and grid remain.
    """
    fixed = []
    for (j, d, t), data in m.workload_mw.items():
        if d not in sites.get(j, ()) or (j in spans and t not in spans[j]):
            data.fix(0.0)
            fixed.append(data)
    for (j, d), data in m.placement_assigned.items():
        data.fix(1 if d in sites.get(j, ()) else 0)
        fixed.append(data)
    for (j, t), data in m.placement_on.items():
        data.fix(1 if t in spans.get(j, ()) else 0)
        fixed.append(data)
    return fixed


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


def _fix_plan(m: pyo.ConcreteModel, plan: tuple[dict, dict]) -> list[pyo.Var]:
    """Fix every rate and block count to the given plan's (``SolveOptions.start_plan``)."""
    blocks, allocation = plan
    fixed = []
    for key, data in m.workload_mw.items():
        top = data.ub if data.ub is not None else math.inf
        data.fix(min(top, max(0.0, allocation.get(key, 0.0))))
        fixed.append(data)
    for (d, t), data in m.dc_blocks_on.items():
        data.fix(int(blocks[d][t]))
        fixed.append(data)
    return fixed


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
) -> float | None:
    """Solve ``m`` with a placement and blocks fixed and give HiGHS that plan as its start.

    The placement is the relaxation's (``guided_allocation``), or the flat one when the
    relaxation has no optimum; the blocks are those of the relaxation under that
    placement, rounded up.

    Returns the start's objective, or ``None`` when the short run found no plan
    or the placement is already fixed; the placement is left free either way.
    """
    if any(data.fixed for data in m.workload_mw.values()):
        return None  # a plan's first stage is being evaluated: it has its placement
    limit = START_SECONDS
    if options.time_limit_s is not None:
        limit = min(limit, options.time_limit_s / 4)
    if options.start_plan is not None:
        fixed = _fix_plan(m, options.start_plan)
    else:
        relaxed = relaxed_values(opt, m, m.workload_mw, limit)
        if relaxed:
            fixed = _fix_placement(m, *guided_allocation(inst, relaxed))
        else:
            fixed = _fix_placement(m, *_flat_placement(inst, m.dispatch_sets))
        # The relaxation under that placement, its blocks rounded up: ceil keeps every
        # ramp limit (|n_t - n_t-1| <= k, k whole) and the capacity, so the rest is an LP.
        blocks = relaxed_values(opt, m, m.dc_blocks_on, limit)
        for key, value in blocks.items():
            data = m.dc_blocks_on[key]
            data.fix(min(data.ub, math.ceil(value - CEIL_TOLERANCE)))
            fixed.append(data)
    short = SolveOptions(
        mip_rel_gap=START_GAP,
        threads=options.threads,
        log=options.log,
        log_stream=options.log_stream,
        highs_options=options.highs_options,
    )
    try:
        res = highs.run(opt, m, short, limit, log)
        if res.incumbent_objective is not None:
            res.solution_loader.load_vars()
    finally:
        for data in fixed:
            data.unfix()
        # Now, so that the search's own update leaves the start alone; Pyomo may renumber
        # the columns here, so the start is indexed after it.
        opt.update()
    if res.incumbent_objective is None:
        return None
    index = opt._pyomo_var_to_solver_var_map
    values = [0.0] * len(index)
    for var in m.component_data_objects(pyo.Var, descend_into=True):
        if id(var) in index:
            value = var.value if var.value is not None else 0.0
            # HiGHS takes a discrete value off its integer by 1e-9 as missing.
            values[index[id(var)]] = round(value) if var.is_integer() else value
    log.write(f"{START_MARK} {res.incumbent_objective:.6f}\n")
    solution = highspy.HighsSolution()
    solution.col_value = values
    solution.value_valid = True
    opt._solver_model.setSolution(solution)
    return float(res.incumbent_objective)
