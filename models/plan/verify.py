"""An independent check of a plan's tables against every constraint of the contract.

It reads only the instance and the published tables, never the model or the
solver, so it catches an error in the formulation, the extraction or the
writing alike. The Dagster "plan feasible" check and the tests use it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.instance.schema import Instance
from models.plan.figures import RUN_TOLERANCE, job_runs, plan_cost, served_mwh
from models.plan.results import PlanTables

TOLERANCE = 1e-6
# The solver's objective agrees with the cost recomputed from the tables to
# within its own feasibility tolerances, which scale with the size of the cost.
COST_TOLERANCE_REL = 1e-6
COST_TOLERANCE_CNY = 1e-3
GAP_TOLERANCE = 1e-9
RACK_COLUMNS = (
    "datacenter", "step", "start", "blocks_on", "racks_on", "it_cap_mw", "it_mw",
    "facility_mw", "inflexible_mw", "flexible_mw",
)  # fmt: skip
ALLOCATION_COLUMNS = ("workload", "datacenter", "step", "mw")
SCHEDULE_COLUMNS = (
    "scenario", "step", "start", "renewable_mw", "curtailed_mw", "import_mw", "export_mw",
    "shed_mw",
)  # fmt: skip
SUMMARY_KEYS = ("objective", "bound", "gap")


def _report(problems: list[str], mask: np.ndarray, what: str, labels) -> None:
    bad = np.flatnonzero(mask)
    if len(bad):
        first = labels(bad[0])
        problems.append(f"{what}: violated at {len(bad)} row(s), first at {first}")


def check_columns(inst: Instance, tables: PlanTables) -> list[str]:
    """The contract's columns and summary keys, without which no rule can be checked."""
    storage = tuple(
        f"{kind}__{st.id}"
        for st in inst.storage
        for kind in ("charge_mw", "discharge_mw", "soc_mwh")
    )
    wanted = {
        "rack_power_plan": RACK_COLUMNS,
        "workload_allocation": ALLOCATION_COLUMNS,
        "energy_schedule": SCHEDULE_COLUMNS + storage,
    }
    problems = []
    for table, columns in wanted.items():
        missing = [c for c in columns if c not in getattr(tables, table).columns]
        if missing:
            problems.append(f"{table}: missing column(s) {', '.join(missing)}")
    missing = [k for k in SUMMARY_KEYS if k not in tables.summary]
    if missing:
        problems.append(f"summary: missing key(s) {', '.join(missing)}")
    return problems


def _one_row_per_step(frame: pd.DataFrame, key: str, ids: list[str], steps: int) -> list[str]:
    """Rows of ``frame`` that break "one row per ``key`` and step"."""
    problems = []
    expected_rows = len(ids) * steps
    if len(frame) != expected_rows:
        problems.append(f"expected {expected_rows} rows, got {len(frame)}")
    for ident in ids:
        got = sorted(frame.loc[frame[key] == ident, "step"])
        if got != list(range(steps)):
            missing = sorted(set(range(steps)) - set(got))
            doubled = sorted({t for t in got if got.count(t) > 1})
            problems.append(
                f"{key} {ident}: steps must be 0..{steps - 1} once each"
                f" (missing {missing[:5]}, duplicated {doubled[:5]})"
            )
    return problems


def check_rows(inst: Instance, tables: PlanTables) -> list[str]:
    """One row per data centre and step, scenario and step, workload, data centre and step."""
    rack = _one_row_per_step(
        tables.rack_power_plan, "datacenter", [d.id for d in inst.datacenters], inst.steps
    )
    schedule = _one_row_per_step(
        tables.energy_schedule, "scenario", [s.id for s in inst.scenarios], inst.steps
    )
    problems = [f"rack_power_plan: {p}" for p in rack]
    problems += [f"energy_schedule: {p}" for p in schedule]
    alloc = tables.workload_allocation
    doubled = alloc.duplicated(["workload", "datacenter", "step"])
    if doubled.any():
        first = alloc[doubled].iloc[0]
        problems.append(
            f"workload_allocation: {int(doubled.sum())} duplicate row(s) of one workload,"
            f" data centre and step, first {first['workload']} in {first['datacenter']}"
            f" at step {first['step']}"
        )
    return problems


def check_rack_plan(
    inst: Instance, rack: pd.DataFrame, alloc: pd.DataFrame, tol: float
) -> list[str]:
    """Items 1, 4, 5 and 9, per data centre."""
    problems: list[str] = []
    flex = (
        alloc.groupby(["datacenter", "step"])["mw"].sum() if len(alloc) else pd.Series(dtype=float)
    )
    for dc in inst.datacenters:
        rows = rack[rack["datacenter"] == dc.id].sort_values("step")
        n = rows["blocks_on"].to_numpy(dtype=float)
        at = lambda i, d=dc.id: f"{d} step {i}"  # noqa: E731
        _report(
            problems,
            (n != np.round(n)) | (n < 0) | (n > dc.blocks),
            f"{dc.id}: blocks_on integer in 0..{dc.blocks}",
            at,
        )
        _report(
            problems,
            rows["racks_on"].to_numpy() != n * dc.block_racks,
            f"{dc.id}: racks_on = blocks_on * block_racks",
            at,
        )
        cap = dc.block_mw * n
        _report(
            problems,
            np.abs(rows["it_cap_mw"].to_numpy() - cap) > tol,
            f"{dc.id}: it_cap_mw = cap_d * n",
            at,
        )
        f = np.array([flex.get((dc.id, t), 0.0) for t in range(inst.steps)])
        _report(
            problems,
            np.abs(rows["flexible_mw"].to_numpy() - f) > tol,
            f"{dc.id}: flexible_mw = sum of allocations",
            at,
        )
        _report(
            problems,
            np.abs(rows["inflexible_mw"].to_numpy() - dc.inflexible_mw) > tol,
            f"{dc.id}: inflexible_mw as in the instance",
            at,
        )
        load = dc.inflexible_mw + f
        _report(problems, load > cap + tol, f"{dc.id}: capacity load <= cap_d * n (item 1)", at)
        it = dc.idle_fraction * cap + (1 - dc.idle_fraction) * load
        _report(
            problems, np.abs(rows["it_mw"].to_numpy() - it) > tol, f"{dc.id}: IT draw (item 4)", at
        )
        _report(
            problems,
            np.abs(rows["facility_mw"].to_numpy() - dc.pue * it) > tol,
            f"{dc.id}: facility draw (item 5)",
            at,
        )
        if dc.max_block_change is not None:
            prev = np.concatenate(
                [[dc.initial_blocks_on if dc.initial_blocks_on is not None else n[0]], n[:-1]]
            )
            _report(
                problems,
                np.abs(n - prev) > dc.max_block_change,
                f"{dc.id}: ramp |n[t]-n[t-1]| <= {dc.max_block_change} (item 9)",
                at,
            )
    return problems


def check_allocation(inst: Instance, alloc: pd.DataFrame, tol: float) -> list[str]:
    """Items 2 and 3, and allocations only inside windows and eligible data centres."""
    problems: list[str] = []
    jobs = {w.id: w for w in inst.workloads}
    if len(alloc):
        if (alloc["mw"] < -tol).any():
            problems.append("workload_allocation: mw must be >= 0")
        for row in alloc.itertuples():
            wl = jobs.get(row.workload)
            if wl is None:
                problems.append(f"workload_allocation: unknown workload {row.workload!r}")
            elif (
                row.datacenter not in wl.datacenters
                or not wl.release_step <= row.step < wl.deadline_step
            ):
                problems.append(
                    f"workload_allocation: {row.workload} runs in {row.datacenter}"
                    f" at step {row.step},"
                    " outside its data centres or window"
                )
        rate = alloc.groupby(["workload", "step"])["mw"].sum()
        for (j, t), mw in rate.items():
            if j in jobs and mw > jobs[j].max_mw + tol:
                problems.append(
                    f"workload {j}: step {t} runs {mw:.9g} MW > max_mw {jobs[j].max_mw} (item 2)"
                )
    for j, served in served_mwh(inst, alloc).items():
        if served > jobs[j].energy_mwh + tol:
            problems.append(
                f"workload {j}: served {served:.9g} MWh > energy_mwh {jobs[j].energy_mwh} (item 3)"
            )
    return problems


def check_placement(inst: Instance, alloc: pd.DataFrame, tol: float) -> list[str]:
    """The placement rules (contract, section 9), on each job's published allocation.

    A job runs in a step where it draws more than ``RUN_TOLERANCE`` and uses a
    data centre where it draws more than that in some step.
    """
    problems: list[str] = []
    runs = job_runs(inst, alloc)
    for w in inst.workloads:
        run = runs[w.id]
        if w.max_datacenters is not None:
            used = [
                d
                for d, row in zip(w.datacenters, run.mw, strict=True)
                if row.max() > RUN_TOLERANCE or d in w.datacenters_used
            ]
            if len(used) > w.max_datacenters:
                problems.append(
                    f"workload {w.id}: runs in {len(used)} data centres ({', '.join(used)})"
                    f" > max_datacenters {w.max_datacenters}"
                )
        rate = run.mw.sum(axis=0)
        low = np.flatnonzero(run.running & (rate < w.min_mw - tol))
        if len(low):
            i = low[0]
            problems.append(
                f"workload {w.id}: runs {rate[i]:.9g} MW < min_mw {w.min_mw:g} at step"
                f" {w.release_step + i} ({len(low)} step(s))"
            )
        stretches = run.stretches()
        window = w.deadline_step - w.release_step
        if w.min_run_steps is not None:
            if w.continues and not (stretches and stretches[0][0] < 0):
                stretches = [(-w.run_steps_before, w.run_steps_before), *stretches]
            for first, length in stretches:
                if length < w.min_run_steps and first + length < window:
                    problems.append(
                        f"workload {w.id}: runs {length} step(s) from step"
                        f" {w.release_step + first} < min_run_steps {w.min_run_steps}"
                        " before its window ends"
                    )
        if not w.preemptible and not w.started and len(stretches) > 1:
            problems.append(
                f"workload {w.id}: runs in {len(stretches)} stretches;"
                " not preemptible, it runs in one"
            )
        elif not w.preemptible and w.started and run.starts:
            problems.append(
                f"workload {w.id}: starts {run.starts} new stretch(es) after running before"
                " step 0; not preemptible, it runs in one"
            )
    return problems


def check_energy_schedule(
    inst: Instance, rack: pd.DataFrame, schedule: pd.DataFrame, tol: float
) -> list[str]:
    """Items 6, 7 and 8 for every scenario."""
    problems: list[str] = []
    delta = inst.step_hours
    grid = inst.grid
    facility = rack.groupby("step")["facility_mw"].sum().reindex(range(inst.steps)).to_numpy()
    for sc in inst.scenarios:
        rows = schedule[schedule["scenario"] == sc.id].sort_values("step")
        at = lambda i, s=sc.id: f"scenario {s} step {i}"  # noqa: E731
        col = lambda name, r=rows: r[name].to_numpy(dtype=float)  # noqa: E731
        renewable = sc.total_renewable_mw if sc.renewable_mw else np.zeros(inst.steps)
        _report(
            problems,
            np.abs(col("renewable_mw") - renewable) > tol,
            "renewable_mw as in the instance",
            at,
        )
        for name in ("curtailed_mw", "import_mw", "export_mw", "shed_mw"):
            _report(problems, col(name) < -tol, f"{name} >= 0", at)
        _report(
            problems, col("curtailed_mw") > renewable + tol, "curtailment <= renewable (item 6)", at
        )
        _report(problems, col("shed_mw") > facility + tol, "shed <= facility draw (item 6)", at)
        _report(
            problems,
            col("import_mw") > grid.import_limit_mw + tol,
            "import <= import_limit_mw (item 8)",
            at,
        )
        _report(
            problems,
            col("export_mw") > grid.export_limit_mw + tol,
            "export <= export_limit_mw (item 8)",
            at,
        )
        supply = renewable - col("curtailed_mw") + col("import_mw") + col("shed_mw")
        demand = facility + col("export_mw")
        for st in inst.storage:
            ch, dis, soc = (col(f"{k}__{st.id}") for k in ("charge_mw", "discharge_mw", "soc_mwh"))
            supply = supply + dis
            demand = demand + ch
            name = f"{st.id}"
            _report(
                problems,
                (ch < -tol) | (ch > st.charge_mw + tol),
                f"{name}: 0 <= charge <= charge_mw (item 7)",
                at,
            )
            _report(
                problems,
                (dis < -tol) | (dis > st.discharge_mw + tol),
                f"{name}: 0 <= discharge <= discharge_mw (item 7)",
                at,
            )
            _report(
                problems,
                (ch > tol) & (dis > tol),
                f"{name}: no charging and discharging in one step (item 7)",
                at,
            )
            prev = np.concatenate([[st.energy_initial_mwh], soc[:-1]])
            rec = prev + delta * (st.charge_efficiency * ch - dis / st.discharge_efficiency)
            _report(
                problems, np.abs(soc - rec) > tol, f"{name}: state-of-charge recursion (item 7)", at
            )
            _report(
                problems,
                (soc < st.energy_min_mwh - tol) | (soc > st.energy_max_mwh + tol),
                f"{name}: energy_min_mwh <= soc <= energy_max_mwh (item 7)",
                at,
            )
            if soc[-1] < st.energy_final_min_mwh - tol:
                problems.append(
                    f"{name}: scenario {sc.id} ends at {soc[-1]:.9g} MWh"
                    f" < energy_final_min_mwh {st.energy_final_min_mwh} (item 7)"
                )
        _report(problems, np.abs(supply - demand) > tol, "power balance (item 6)", at)
    return problems


def check_summary(inst: Instance, tables: PlanTables) -> list[str]:
    """The reported objective, bound and gap against the contract's cost of the tables.

    Start-ups are not published, so the objective is where a plan that forgets
    them (item 9) shows: the cost of the tables counts ``max(0, n[t] − n[t−1])``
    started blocks. The objective may exceed that cost by start-ups a
    non-optimal incumbent leaves slack, but never fall below it; the bound, a
    bound on every feasible plan, never exceeds it.
    """
    problems = []
    summary = tables.summary
    objective, bound, gap = (float(summary[key]) for key in SUMMARY_KEYS)
    cost = plan_cost(
        inst, tables.rack_power_plan, tables.workload_allocation, tables.energy_schedule
    )
    slack = max(COST_TOLERANCE_CNY, COST_TOLERANCE_REL * abs(cost))
    if objective < cost - slack:
        problems.append(
            f"summary: objective {objective:.9g} below the cost of the tables {cost:.9g},"
            " which pays every start-up max(0, n[t]-n[t-1]) (item 9), each workload's"
            " unserved energy (item 3) and its moves and restarts (section 9)"
        )
    if bound > cost + slack:
        problems.append(
            f"summary: bound {bound:.9g} above the cost of the tables {cost:.9g}, a feasible plan"
        )
    expected_gap = (objective - bound) / max(1.0, abs(objective))
    if not abs(gap - expected_gap) <= GAP_TOLERANCE:
        problems.append(
            f"summary: gap {gap:.9g} is not (objective - bound) / max(1, |objective|)"
            f" = {expected_gap:.9g}"
        )
    return problems


def verify_plan(inst: Instance, tables: PlanTables, tol: float = TOLERANCE) -> list[str]:
    """Every violated contract rule, one line each; an empty list means feasible.

    Missing columns or rows are reported alone: the row-by-row rules and the
    cost of the tables are undefined without them.
    """
    problems = check_columns(inst, tables)
    if problems:
        return problems
    problems = check_rows(inst, tables)
    if problems:
        return problems
    return (
        check_rack_plan(inst, tables.rack_power_plan, tables.workload_allocation, tol)
        + check_allocation(inst, tables.workload_allocation, tol)
        + check_placement(inst, tables.workload_allocation, tol)
        + check_energy_schedule(inst, tables.rack_power_plan, tables.energy_schedule, tol)
        + check_summary(inst, tables)
    )
