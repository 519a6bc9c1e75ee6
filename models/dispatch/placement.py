"""Placement rules of workloads: where a job may run, what a move and a restart cost.

The extension "placement rules" of the contract (``docs/contract.md``,
section 9). Every variable exists only for the workloads that use a key, so a
v1 instance builds exactly the v1 model (the sets are empty):

- ``max_datacenters = k`` below the number of listed data centres: an
  assignment binary ``a[j,d]`` gates every ``x[j,d,t]`` at its bound, and
  ``Σ_d a[j,d] <= k``;
- an on/off state (``Workload.has_on_off``): binaries ``on[j,t]`` over the
  window with start variables ``st[j,t] >= on[j,t] − on[j,t−1]``, as in unit
  commitment: ``on`` gates the job's rate from above and below, and the
  minimum-run inequalities ``Σ_{τ=t−L+1..t} st[j,τ] <= on[j,t]`` (``L = 1``
  when no ``min_run_steps`` is given, which is ``st <= on``) keep the
  relaxation tight instead of a big-M on the rates alone;
- ``migration_cost > 0`` with two or more data centres: ``dev[j,d,t] >=
  |x[j,d,t] − x[j,d,t−1]|``, the placement change being ``mv[j,t] = ½ Σ_d
  dev[j,d,t]``.

A re-plan's history (extension "intraday revisions") enters as bounds and one
more step of each sum, never as another formulation: ``datacenters_used`` fixes
``a[j,d] = 1``; a job running before step 0 has ``on[j,−1] = 1`` in its first
start inequality and must stay on until its stretch has ``min_run_steps``;
``started`` makes the first start a paid one (``ran[j] = 0``, and a job that
may not pause gets no new stretch); ``mw_before`` is ``x[j,d,−1]`` of the first
placement change.

First stage, all of them: they follow from the placement ``x`` (the decision a
plan fixes), so none is read back; the figures are recomputed from the
published allocation (``models.plan.figures``), as the verifier does.
"""

from __future__ import annotations

import pyomo.environ as pyo

from models.dispatch.component import Component, Stage, VarSpec
from models.dispatch.sets import DispatchSets
from models.instance.schema import Instance, Workload

# A job with an on/off state and no min_mw still draws this much while it runs, so that a
# step it draws nothing in is a step it does not run (contract, section 9) [MW].
RUN_FLOOR_MW = 1e-3


def _placed(inst: Instance, sets: DispatchSets) -> dict[str, Workload]:
    """Workloads that have placement variables ``x`` at all (``sets.JDT``)."""
    placed = {j for j, _d, _t in sets.JDT}
    return {w.id: w for w in inst.workloads if w.id in placed}


def assigned(inst: Instance, sets: DispatchSets) -> dict[str, Workload]:
    """Workloads whose ``max_datacenters`` is below the number of data centres they list."""
    return {
        j: w
        for j, w in _placed(inst, sets).items()
        if w.max_datacenters is not None and w.max_datacenters < len(w.datacenters)
    }


def switched(inst: Instance, sets: DispatchSets) -> dict[str, Workload]:
    """Workloads with an on/off state."""
    return {j: w for j, w in _placed(inst, sets).items() if w.has_on_off}


def migrating(inst: Instance, sets: DispatchSets) -> dict[str, Workload]:
    """Workloads whose placement changes cost something."""
    return {
        j: w
        for j, w in _placed(inst, sets).items()
        if w.migration_cost > 0 and len(w.datacenters) >= 2
    }


def run_floor_mw(w: Workload) -> float:
    """The least rate of a running job with an on/off state: ``min_mw``, else ``RUN_FLOOR_MW``."""
    return w.min_mw if w.min_mw > 0 else min(RUN_FLOOR_MW, w.max_mw)


def must_stay_on(w: Workload) -> range:
    """Steps a stretch in progress before step 0 must still run to reach ``min_run_steps``."""
    if not w.continues:
        return range(0)
    left = (w.min_run_steps or 1) - w.run_steps_before
    return range(w.release_step, min(w.deadline_step, w.release_step + max(left, 0)))


def moves(w: Workload) -> range:
    """Steps ``t`` whose change from ``t − 1`` is a placement change inside the window.

    The window's first step counts only when ``mw_before`` says the step before
    it lies in the window too (a re-plan's first step).
    """
    return w.steps if w.mw_before is not None else w.steps[1:]


def _before_mw(m: pyo.ConcreteModel, w: Workload, d: str, t: int):
    """``x[j,d,t−1]``: the variable, or ``mw_before`` at the window's first step."""
    if t == w.release_step and w.mw_before is not None:
        return w.mw_before.get(d, 0.0)
    return m.workload_mw[w.id, d, t - 1]


def add_variables(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    """``a``, ``on``, ``st``, ``ran`` and ``dev`` where the keys ask for them (else empty)."""
    assign = assigned(inst, sets)
    switch = switched(inst, sets)
    restart = [j for j, w in switch.items() if w.restart_cost > 0]
    migrate = migrating(inst, sets)
    m.PL_JD = pyo.Set(
        dimen=2, initialize=[(j, d) for j, w in assign.items() for d in w.datacenters], ordered=True
    )
    m.placement_assigned = pyo.Var(m.PL_JD, domain=pyo.Binary)
    for j, w in assign.items():
        for d in w.datacenters_used:
            m.placement_assigned[j, d].setlb(1)
    m.PL_JT = pyo.Set(
        dimen=2, initialize=[(j, t) for j, w in switch.items() for t in w.steps], ordered=True
    )
    m.placement_on = pyo.Var(m.PL_JT, domain=pyo.Binary)
    for j, w in switch.items():
        for t in must_stay_on(w):
            m.placement_on[j, t].setlb(1)
    m.placement_start = pyo.Var(m.PL_JT, domain=pyo.NonNegativeReals, bounds=(0.0, 1.0))
    m.PL_J_RESTART = pyo.Set(initialize=restart, ordered=True)
    m.placement_ran = pyo.Var(m.PL_J_RESTART, domain=pyo.NonNegativeReals, bounds=(0.0, 1.0))
    for j in restart:
        if switch[j].started:
            m.placement_ran[j].setub(0.0)
    m.PL_JDT_MOVE = pyo.Set(
        dimen=3,
        initialize=[(j, d, t) for j, w in migrate.items() for t in moves(w) for d in w.datacenters],
        ordered=True,
    )
    m.placement_move_mw = pyo.Var(m.PL_JDT_MOVE, domain=pyo.NonNegativeReals)


def _rate(m: pyo.ConcreteModel, w: Workload, t: int):
    return sum(m.workload_mw[w.id, d, t] for d in w.datacenters)


def add_constraints(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets) -> None:
    assign = assigned(inst, sets)
    switch = switched(inst, sets)

    gate_keys = [(j, d, t) for j, w in assign.items() for t in w.steps for d in w.datacenters]
    m.PL_JDT_GATE = pyo.Set(dimen=3, initialize=gate_keys, ordered=True)
    m.placement_gate = pyo.Constraint(
        m.PL_JDT_GATE,
        rule=lambda _m, j, d, t: (
            _m.workload_mw[j, d, t] <= _m.workload_mw[j, d, t].ub * _m.placement_assigned[j, d]
        ),
    )
    m.PL_J_ASSIGN = pyo.Set(initialize=list(assign), ordered=True)
    m.placement_count = pyo.Constraint(
        m.PL_J_ASSIGN,
        rule=lambda _m, j: (
            sum(_m.placement_assigned[j, d] for d in assign[j].datacenters)
            <= assign[j].max_datacenters
        ),
    )

    def rate_when_on(_m, j, t):
        """Σ_d x[j,d,t] <= max_mw · on[j,t]."""
        w = switch[j]
        return _rate(_m, w, t) <= w.max_mw * _m.placement_on[j, t]

    def floor_when_on(_m, j, t):
        """Σ_d x[j,d,t] >= floor · on[j,t], floor = min_mw (or RUN_FLOOR_MW)."""
        w = switch[j]
        return _rate(_m, w, t) >= run_floor_mw(w) * _m.placement_on[j, t]

    def start(_m, j, t):
        """st[j,t] >= on[j,t] − on[j,t−1]; at the window's first step st >= on − on_before."""
        first = switch[j].release_step
        before = _m.placement_on[j, t - 1] if t != first else int(switch[j].continues)
        return _m.placement_start[j, t] >= _m.placement_on[j, t] - before

    def min_run(_m, j, t):
        """Σ_{τ=max(r, t−L+1)}^{t} st[j,τ] <= on[j,t]; L = min_run_steps, or 1."""
        w = switch[j]
        length = w.min_run_steps or 1
        first = max(w.release_step, t - length + 1)
        return (
            sum(_m.placement_start[j, tau] for tau in range(first, t + 1)) <= _m.placement_on[j, t]
        )

    m.placement_rate_on = pyo.Constraint(m.PL_JT, rule=rate_when_on)
    m.placement_floor_on = pyo.Constraint(m.PL_JT, rule=floor_when_on)
    m.placement_start_def = pyo.Constraint(m.PL_JT, rule=start)
    m.placement_min_run = pyo.Constraint(m.PL_JT, rule=min_run)

    single = [j for j, w in switch.items() if not w.preemptible]
    m.PL_J_SINGLE = pyo.Set(initialize=single, ordered=True)
    m.placement_one_stretch = pyo.Constraint(
        m.PL_J_SINGLE,
        rule=lambda _m, j: (
            sum(_m.placement_start[j, t] for t in switch[j].steps)
            <= (0 if switch[j].started else 1)
        ),
    )
    m.placement_ran_started = pyo.Constraint(
        m.PL_J_RESTART,
        rule=lambda _m, j: (
            _m.placement_ran[j] <= sum(_m.placement_start[j, t] for t in switch[j].steps)
        ),
    )

    jobs = {w.id: w for w in inst.workloads}
    m.placement_move_up = pyo.Constraint(
        m.PL_JDT_MOVE,
        rule=lambda _m, j, d, t: (
            _m.placement_move_mw[j, d, t] >= _m.workload_mw[j, d, t] - _before_mw(_m, jobs[j], d, t)
        ),
    )
    m.placement_move_down = pyo.Constraint(
        m.PL_JDT_MOVE,
        rule=lambda _m, j, d, t: (
            _m.placement_move_mw[j, d, t] >= _before_mw(_m, jobs[j], d, t) - _m.workload_mw[j, d, t]
        ),
    )


def first_stage_cost(m: pyo.ConcreteModel, inst: Instance, sets: DispatchSets):
    """Σ_j migration_cost_j · Σ_t mv[j,t] + Σ_j restart_cost_j · (Σ_t st[j,t] − ran[j])."""
    jobs = {w.id: w for w in inst.workloads}
    moves = sum(
        0.5 * jobs[j].migration_cost * m.placement_move_mw[j, d, t] for j, d, t in m.PL_JDT_MOVE
    )
    restarts = sum(
        jobs[j].restart_cost
        * (sum(m.placement_start[j, t] for t in jobs[j].steps) - m.placement_ran[j])
        for j in m.PL_J_RESTART
    )
    return moves + restarts


COMPONENT = Component(
    name="placement",
    variables=(
        VarSpec("placement_assigned", Stage.FIRST),
        VarSpec("placement_on", Stage.FIRST),
        VarSpec("placement_start", Stage.FIRST),
        VarSpec("placement_ran", Stage.FIRST),
        VarSpec("placement_move_mw", Stage.FIRST),
    ),
    add_variables=add_variables,
    add_constraints=add_constraints,
    first_stage_cost=first_stage_cost,
)
