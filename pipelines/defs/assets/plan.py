"""The day's solve and the published rack-power plan.

``dispatch_plan`` solves the archived instance with HiGHS (``models.dispatch``)
and turns the solution into the contract's tables (``models.plan``).
``rack_power_plan`` publishes them under ``<runs>/<day>/plan/``
(``models.plan.DayFolder``): the same plan folder ``suandian solve --out``
writes, with the rack plan as Parquet and one 96-point CSV per data centre for
the site operators. Until then the day's previous plan stays published.

A solve stopped by a signal (a run terminated in the UI sends SIGTERM to the
step) publishes its best plan at once from ``dispatch_plan``, with status
``interrupted``: the run ends before ``rack_power_plan`` would.
"""

from typing import Any

import dagster as dg

from models.dispatch import NoFeasiblePlanError, solve_instance
from models.instance import Instance, validate
from models.plan import FIGURES, PlanTables, end_state, plan_tables
from models.report import scenario_rows
from pipelines.defs.common import SolvedDay, day_folder
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import Publisher, SolverSettings

OWNERS = ["team:dispatch"]
# The tag Dagster puts on every run of a backfill (its id).
BACKFILL_TAG = "dagster/backfill"


def plan_metadata(summary: dict[str, Any]) -> dict[str, Any]:
    """Typed key figures for the UI (``models.plan.FIGURES``), plottable across partitions."""
    shown = [f for f in FIGURES if f.key in summary]
    meta: dict[str, Any] = {f.key: dg.MetadataValue.float(float(summary[f.key])) for f in shown}
    meta["status"] = dg.MetadataValue.text(str(summary.get("status", "")))
    meta["instance_name"] = dg.MetadataValue.text(str(summary.get("name", "")))
    meta["instance_sha256"] = dg.MetadataValue.text(str(summary.get("instance_sha256", "")))
    lines = ["| figure | value | unit |", "|---|---:|---|"]
    lines += [f"| {f.label} | {float(summary[f.key]):,.{f.digits}f} | {f.unit} |" for f in shown]
    meta["key_figures"] = dg.MetadataValue.md("\n".join(lines))
    rows = scenario_rows(summary)
    if rows:
        keys = [
            k
            for k in ("import_mwh", "curtailed_mwh", "exported_mwh", "shed_mwh", "green_share")
            if any(k in r for r in rows)
        ]
        table = ["| scenario | " + " | ".join(keys) + " |", "|---|" + "---:|" * len(keys)]
        for row in rows:
            table.append(
                f"| {row['id']} | "
                + " | ".join(f"{float(row[k]):,.3f}" if k in row else "" for k in keys)
                + " |"
            )
        meta["scenarios"] = dg.MetadataValue.md("\n".join(table))
    return meta


@dg.asset(
    partitions_def=delivery_days,
    group_name="planning",
    owners=OWNERS,
    kinds={"pyomo", "highs"},
    code_version="1",
    pool="solver",
    tags={"suandian/step": "solve"},
)
def dispatch_plan(
    context: dg.AssetExecutionContext,
    solver: SolverSettings,
    publisher: Publisher,
    dispatch_instance: dict,
) -> dg.Output[SolvedDay]:
    """The optimal rack-power plan for the day: HiGHS on the Pyomo model of the contract.

    A search stopped by its time limit (or a limit in the solver resource's
    ``highs_options``) still yields the best plan found, with its gap and a
    warning; so does a search stopped by SIGINT/SIGTERM (a terminated run),
    whose plan is published at once with status ``interrupted``. A day with no
    feasible plan fails with the named cause, and its last good plan stays
    published.
    """

    day = context.partition_key
    instance = validate(dispatch_instance, f"dispatch_instance {day}")
    options = solver.options(backfill=BACKFILL_TAG in context.run.tags)
    try:
        solution = solve_instance(instance, options)
    except NoFeasiblePlanError as exc:
        raise dg.Failure(
            description=f"No feasible plan for {day}: {exc.cause}",
            metadata={"cause": dg.MetadataValue.text(str(exc.cause))},
            allow_retries=False,
        ) from exc
    tables = plan_tables(instance, solution)
    summary = tables.summary
    meta = plan_metadata(summary)
    if summary.get("status") == "interrupted":
        plan_dir = day_folder(publisher, day).write_plan(tables)
        context.log.warning(
            f"Solve of {day} interrupted: published the best plan found to {plan_dir}, "
            f"gap {float(summary['gap']):.4%}."
        )
        meta["plan_dir"] = dg.MetadataValue.path(str(plan_dir))
    elif summary.get("status") != "optimal":
        limits = f"time limit {options.time_limit_s} s"
        if solver.highs_options:
            limits += f", HiGHS options {solver.highs_options}"
        context.log.warning(
            f"Solver stopped at its limits ({limits}) for {day}: "
            f"publishing the best plan found, gap {float(summary['gap']):.4%} "
            f"(target {options.mip_rel_gap:.4%})."
        )
    meta["build_seconds"] = dg.MetadataValue.float(float(solution.build_seconds))
    meta["time_limit_s"] = dg.MetadataValue.float(float(options.time_limit_s or 0.0))
    meta["mip_rel_gap_target"] = dg.MetadataValue.float(float(options.mip_rel_gap))
    if solver.highs_options:
        meta["highs_options"] = dg.MetadataValue.json(dict(solver.highs_options))
    return dg.Output(
        SolvedDay(
            tables=tables, mip_rel_gap=options.mip_rel_gap, time_limit_s=options.time_limit_s
        ),
        metadata=meta,
    )


def handover_metadata(instance: Instance, tables: PlanTables) -> dict[str, Any]:
    """The state handed to the next day (``models.plan.end_state``), for the UI."""
    blocks, energy = end_state(instance, tables)
    lines = ["| asset | handed to the next day |", "|---|---:|"]
    lines += [f"| {dc} | {n} blocks |" for dc, n in blocks.items()]
    lines += [f"| {st} | {mwh:,.2f} MWh |" for st, mwh in energy.items()]
    return {
        "handed_on": dg.MetadataValue.md("\n".join(lines)),
        "end_soc_mwh": dg.MetadataValue.float(float(sum(energy.values()))),
        "handover_step": dg.MetadataValue.int(instance.delivery_steps - 1),
    }


@dg.asset(
    partitions_def=delivery_days,
    group_name="publishing",
    owners=OWNERS,
    kinds={"csv", "parquet"},
    code_version="1",
)
def rack_power_plan(
    context: dg.AssetExecutionContext,
    publisher: Publisher,
    dispatch_instance: dict,
    dispatch_plan: SolvedDay,
) -> dg.Output[dict]:
    """The published plan: ``<runs>/<day>/plan/`` replaced whole.

    The plan folder ``suandian solve --out`` writes: ``summary.json``,
    ``rack_power_plan.csv``, ``workload_allocation.csv``, ``energy_schedule.csv``,
    ``rack_power_plan.parquet`` and ``sites/<datacenter>.csv`` (step, start,
    blocks on, racks on, IT cap MW, facility MW) for each site operator. The
    summary's ``instance_sha256`` names the instance it was solved from. Its
    metadata shows the state the plan hands to the next day (blocks at the last
    delivery step, expected end charge), where a chained next day starts.
    """

    day = context.partition_key
    tables = dispatch_plan.tables
    plan_dir = day_folder(publisher, day).write_plan(tables)
    files = sorted(str(p.relative_to(plan_dir)) for p in plan_dir.rglob("*") if p.is_file())
    context.log.info(f"Published {len(files)} files to {plan_dir}")
    rows = len(tables.rack_power_plan)
    return dg.Output(
        {"plan_dir": str(plan_dir), "files": files, "published": publisher.publish},
        metadata={
            "plan_dir": dg.MetadataValue.path(str(plan_dir)),
            "summary_json": dg.MetadataValue.path(str(plan_dir / "summary.json")),
            "files": dg.MetadataValue.int(len(files)),
            "rack_plan_rows": dg.MetadataValue.int(rows),
            "published": dg.MetadataValue.bool(publisher.publish),
            "status": dg.MetadataValue.text(str(tables.summary["status"])),
            "instance_name": dg.MetadataValue.text(str(tables.summary["name"])),
            "instance_sha256": dg.MetadataValue.text(str(tables.summary["instance_sha256"])),
            "dagster/row_count": dg.MetadataValue.int(rows),
            **handover_metadata(validate(dispatch_instance, day), tables),
        },
    )
