"""Key figures and cost of a plan, computed from the plan tables as the contract defines them.

Figures are computed per scenario, then weighted by probability. Reading them
from the tables rather than from the solver keeps the summary true to what is
published.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.instance.schema import Instance, Workload


@dataclass(frozen=True)
class KeyFigure:
    """One figure of a plan's summary: how it is named, labelled and shown.

    ``per_scenario`` marks the contract's key figures: computed for every
    scenario from the tables, then weighted by probability (``weighted``).
    The others are stated once for the plan (the solve's result, or a
    first-stage total). ``digits`` is for display only; files keep full precision.
    """

    key: str
    label: str
    unit: str
    digits: int
    per_scenario: bool = False


#: Every figure of a plan's summary, in the order a dispatcher reads them: the one
#: table that the summary, the day report, ``suandian show`` and the Dagster
#: metadata read their names, labels and units from.
FIGURES: tuple[KeyFigure, ...] = (
    KeyFigure("objective", "expected daily cost", "CNY", 0),
    KeyFigure("bound", "best proven lower bound", "CNY", 0),
    KeyFigure("gap", "relative gap", "", 6),
    KeyFigure("solve_seconds", "solve time", "s", 1),
    KeyFigure("renewable_mwh", "renewable energy available", "MWh", 1, per_scenario=True),
    KeyFigure("curtailed_mwh", "curtailed", "MWh", 1, per_scenario=True),
    KeyFigure("exported_mwh", "exported", "MWh", 1, per_scenario=True),
    KeyFigure("import_mwh", "imported from the grid", "MWh", 1, per_scenario=True),
    KeyFigure("shed_mwh", "load shed", "MWh", 3, per_scenario=True),
    KeyFigure("facility_mwh", "cluster facility energy", "MWh", 1, per_scenario=True),
    KeyFigure("green_share", "green share", "", 4, per_scenario=True),
    KeyFigure("renewable_utilisation", "renewable utilisation", "", 4, per_scenario=True),
    KeyFigure("emissions_t", "emissions", "t CO2", 1, per_scenario=True),
    KeyFigure("flexible_served_mwh", "flexible energy served", "MWh", 1, per_scenario=True),
    KeyFigure("unserved_flexible_mwh", "flexible energy left unserved", "MWh", 3),
    KeyFigure("migrations", "placement changes of running jobs", "job steps", 0),
    KeyFigure("migrated_mw", "placement change (½ Σ |Δx|)", "MW", 3),
    KeyFigure("migration_cost", "cost of placement changes", "CNY", 0),
    KeyFigure("restarts", "restarts of paused jobs", "", 0),
    KeyFigure("restart_cost", "cost of restarts", "CNY", 0),
)
FIGURE_BY_KEY: dict[str, KeyFigure] = {f.key: f for f in FIGURES}
#: The contract's key figures (per scenario, then probability-weighted), by name.
KEY_FIGURES: tuple[str, ...] = tuple(f.key for f in FIGURES if f.per_scenario)
#: A job runs in a step where its allocation sums to more than this [MW] (contract, section 9).
RUN_TOLERANCE = 1e-9


@dataclass(frozen=True)
class JobRun:
    """A workload's published allocation over its window, and what the placement rules count.

    ``mw[d, i]`` is its power in its ``d``-th listed data centre at the window's
    ``i``-th step; rows of the allocation outside its window and data centres
    are left out (the verifier reports them on their own). ``before`` is its
    power per listed data centre in the step before the window when that step
    is in the window (``mw_before`` of a re-plan), ``run_before`` the steps its
    stretch had run by then and ``started`` whether it had run at all (extension
    "intraday revisions").
    """

    workload: str
    mw: np.ndarray
    before: np.ndarray | None = None
    run_before: int = 0
    started: bool = False

    @property
    def running(self) -> np.ndarray:
        """Per window step: the job draws more than ``RUN_TOLERANCE``."""
        return self.mw.sum(axis=0) > RUN_TOLERANCE

    def stretches(self) -> list[tuple[int, int]]:
        """(first window step, length) of every maximal run of running steps.

        A stretch going on from before the window starts at step 0 with its
        length counted from its real start, ``run_before`` steps earlier.
        """
        out: list[tuple[int, int]] = []
        for i, on in enumerate(self.running):
            if on and out and out[-1][0] + out[-1][1] == i:
                out[-1] = (out[-1][0], out[-1][1] + 1)
            elif on:
                out.append((i, 1))
        if out and out[0][0] == 0 and self.run_before > 0:
            out[0] = (-self.run_before, out[0][1] + self.run_before)
        return out

    @property
    def starts(self) -> int:
        """Stretches begun inside the window (one going on from before is not)."""
        return sum(1 for first, _ in self.stretches() if first >= 0)

    @property
    def restarts(self) -> int:
        """Starts after the first: ``max(0, Σ_t st − 1)``, every start once it has run before."""
        return self.starts if self.started else max(0, self.starts - 1)

    def _with_before(self) -> np.ndarray:
        return self.mw if self.before is None else np.column_stack([self.before, self.mw])

    @property
    def moved_mw(self) -> float:
        """``Σ_t mv[j,t]``, ``mv = ½ Σ_d |x[j,d,t] − x[j,d,t−1]|`` over the window."""
        return 0.5 * float(np.abs(np.diff(self._with_before(), axis=1)).sum())

    @property
    def migrations(self) -> int:
        """Steps where the job ran before and now, in another set of data centres."""
        mw = self._with_before()
        used = mw > RUN_TOLERANCE
        running = mw.sum(axis=0) > RUN_TOLERANCE
        both = running[1:] & running[:-1]
        changed = (used[:, 1:] != used[:, :-1]).any(axis=0)
        return int((both & changed).sum())


def job_runs(inst: Instance, allocation: pd.DataFrame) -> dict[str, JobRun]:
    """Every workload's ``JobRun`` from the published allocation."""
    mw = {
        w.id: np.zeros((len(w.datacenters), w.deadline_step - w.release_step))
        for w in inst.workloads
    }
    where = {w.id: {d: k for k, d in enumerate(w.datacenters)} for w in inst.workloads}
    jobs = {w.id: w for w in inst.workloads}
    for j, d, t, value in zip(
        allocation["workload"],
        allocation["datacenter"],
        allocation["step"],
        allocation["mw"],
        strict=True,
    ):
        w = jobs.get(j)
        if w is not None and d in where[j] and w.release_step <= t < w.deadline_step:
            mw[j][where[j][d], t - w.release_step] += float(value)
    return {
        w.id: JobRun(
            w.id,
            mw[w.id],
            before=(
                None
                if w.mw_before is None
                else np.array([w.mw_before.get(d, 0.0) for d in w.datacenters])
            ),
            run_before=w.run_steps_before,
            started=w.started,
        )
        for w in inst.workloads
    }


def history_before(w: Workload, allocation: pd.DataFrame, k: int) -> dict:
    """The keys of job ``w`` that carry its past into an instance starting at step ``k``.

    Contract extension "intraday revisions": ``mw_before`` (its rates at ``k − 1``),
    ``run_steps_before``, ``started`` and ``datacenters_used``, read from
    ``allocation`` (the plan of ``w``'s own instance) over the steps before ``k``;
    none if ``w``'s window does not hold step ``k − 1``. What ``w`` carried from
    before its own step 0 adds in: a stretch running since then keeps counting, and
    the sites used and the first start stay spent, so a second re-plan, or the day
    after, counts the rules over the job's whole life.
    """
    if not w.release_step <= k - 1 < w.deadline_step:
        return {}
    mine = allocation[(allocation["workload"] == w.id) & (allocation["step"] < k)]
    rate = mine.groupby("step")["mw"].sum()
    last = mine[mine["step"] == k - 1]
    before = {str(d): float(v) for d, v in zip(last["datacenter"], last["mw"], strict=True)}
    before = {d: v for d, v in before.items() if v > RUN_TOLERANCE}
    run = 0
    for t in range(k - 1, w.release_step - 1, -1):
        if rate.get(t, 0.0) <= RUN_TOLERANCE:
            break
        run += 1
    if run == k - w.release_step:  # running since the window opened: since before, too?
        run += w.run_steps_before
    ran = {str(d) for d, v in zip(mine["datacenter"], mine["mw"], strict=True) if v > RUN_TOLERANCE}
    used = ran | set(w.datacenters_used)
    out: dict = {"mw_before": before}
    if run:
        out["run_steps_before"] = run
    if used or w.started:
        out["started"] = True
    if used and w.max_datacenters is not None:
        out["datacenters_used"] = [d for d in w.datacenters if d in used]
    return out


def placement_figures(inst: Instance, allocation: pd.DataFrame) -> dict[str, float]:
    """Moves and restarts of the plan, and what they cost (contract, section 9).

    Counted for every job, so that a v1 plan shows them too; only the jobs with
    a ``migration_cost`` (and two or more data centres) or a ``restart_cost``
    pay. ``migrated_mw`` counts the jobs that list two or more data centres.
    """
    runs = job_runs(inst, allocation)
    out = dict.fromkeys(("migrations", "migrated_mw", "migration_cost", "restarts"), 0.0)
    out["restart_cost"] = 0.0
    for w in inst.workloads:
        run = runs[w.id]
        out["restarts"] += run.restarts
        out["restart_cost"] += w.restart_cost * run.restarts
        if len(w.datacenters) >= 2:
            out["migrations"] += run.migrations
            out["migrated_mw"] += run.moved_mw
            out["migration_cost"] += w.migration_cost * run.moved_mw
    out["migrations"] = int(out["migrations"])
    out["restarts"] = int(out["restarts"])
    return out


def served_mwh(inst: Instance, allocation: pd.DataFrame) -> dict[str, float]:
    """Energy given to each workload, ``Δ · Σ_{d,t} x[j,d,t]`` [MWh]."""
    by_job = (
        allocation.groupby("workload")["mw"].sum() if len(allocation) else pd.Series(dtype=float)
    )
    return {w.id: inst.step_hours * float(by_job.get(w.id, 0.0)) for w in inst.workloads}


def delivery_part(inst: Instance, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a plan table (any table with a ``step`` column) in the delivery day.

    An instance that looks past midnight (``committed_steps`` below ``steps``,
    extension "chained days") commits to its first ``committed_steps`` only; its
    key figures and report describe those, and the look-ahead stays advisory.
    Without the key the whole horizon is the delivery day, as in version 1.
    """
    if inst.committed_steps is None:
        return table
    return table[table["step"] < inst.committed_steps]


def scenario_figures(
    inst: Instance, rack_plan: pd.DataFrame, allocation: pd.DataFrame, schedule: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """The contract's key figures for every scenario, over the delivery day (``delivery_part``)."""
    rack_plan, allocation, schedule = (
        delivery_part(inst, t) for t in (rack_plan, allocation, schedule)
    )
    delta = inst.step_hours
    facility_mwh = delta * float(rack_plan["facility_mw"].sum())
    flexible_served = float(sum(served_mwh(inst, allocation).values()))
    ef = inst.grid.emission_factor_t_per_mwh
    out: dict[str, dict[str, float]] = {}
    for sc in inst.scenarios:
        rows = schedule[schedule["scenario"] == sc.id]
        renewable = delta * float(rows["renewable_mw"].sum())
        curtailed = delta * float(rows["curtailed_mw"].sum())
        exported = delta * float(rows["export_mw"].sum())
        imported = delta * float(rows["import_mw"].sum())
        out[sc.id] = {
            "renewable_mwh": renewable,
            "curtailed_mwh": curtailed,
            "exported_mwh": exported,
            "import_mwh": imported,
            "shed_mwh": delta * float(rows["shed_mw"].sum()),
            "facility_mwh": facility_mwh,
            # Undefined shares of an empty day: no demand is all green, no supply is unused.
            "green_share": 1.0 - imported / facility_mwh if facility_mwh > 0 else 1.0,
            "renewable_utilisation": (renewable - curtailed - exported) / renewable
            if renewable > 0
            else 0.0,
            "emissions_t": ef * imported,
            "flexible_served_mwh": flexible_served,
        }
    return out


def weighted(inst: Instance, per_scenario: dict[str, dict[str, float]]) -> dict[str, float]:
    """Probability-weighted figures."""
    return {
        key: float(sum(sc.probability * per_scenario[sc.id][key] for sc in inst.scenarios))
        for key in KEY_FIGURES
    }


def plan_cost(
    inst: Instance, rack_plan: pd.DataFrame, allocation: pd.DataFrame, schedule: pd.DataFrame
) -> float:
    """The contract's objective evaluated on the tables [CNY].

    Start-ups are ``max(0, n[t] − n[t−1])`` (from ``initial_blocks_on`` at step
    0 when given), unserved energy is what the allocation leaves of each
    workload's energy, and the placement rules' moves and restarts are those
    of the allocation (``placement_figures``).
    """
    delta = inst.step_hours
    grid = inst.grid
    placement = placement_figures(inst, allocation)
    cost = placement["migration_cost"] + placement["restart_cost"]
    served = served_mwh(inst, allocation)
    cost += sum(
        w.unserved_penalty_per_mwh * max(0.0, w.energy_mwh - served[w.id]) for w in inst.workloads
    )
    for dc in inst.datacenters:
        if not dc.block_startup_cost:
            continue
        blocks = rack_plan.loc[rack_plan["datacenter"] == dc.id].sort_values("step")["blocks_on"]
        n = blocks.to_numpy(dtype=float)
        prev = np.concatenate(
            [[dc.initial_blocks_on if dc.initial_blocks_on is not None else n[0]], n[:-1]]
        )
        cost += dc.block_startup_cost * float(np.maximum(0.0, n - prev).sum())
    import_cost = grid.import_cost_per_mwh
    for sc in inst.scenarios:
        rows = schedule[schedule["scenario"] == sc.id].sort_values("step")
        steps = rows["step"].to_numpy()
        second = (
            import_cost[steps] * rows["import_mw"].to_numpy()
            - grid.export_price[steps] * rows["export_mw"].to_numpy()
            + grid.curtailment_cost_per_mwh * rows["curtailed_mw"].to_numpy()
            + grid.unserved_load_penalty_per_mwh * rows["shed_mw"].to_numpy()
        ).sum()
        for st in inst.storage:
            second += st.degradation_cost_per_mwh * rows[f"discharge_mw__{st.id}"].sum()
        cost += sc.probability * delta * float(second)
    return float(cost)
