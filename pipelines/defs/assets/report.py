"""The dispatcher's day report: one self-contained HTML page per delivery day.

The flat comparison plan it shows is solved here once, under the solver
resource's ``evaluation_*`` limits, and kept in the day folder's
``flat_plan/``: a later evaluation of the day reuses it instead of solving it
again (``pipelines.defs.assets.evaluation``).
"""

import dagster as dg

from models.dispatch import NoFeasiblePlanError, flat_plan
from models.instance import validate
from models.plan import plan_tables
from models.report import render_day_report
from pipelines.defs.common import SolvedDay, day_folder
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import Publisher, SolverSettings


@dg.asset(
    partitions_def=delivery_days,
    group_name="publishing",
    owners=["team:dispatch"],
    kinds={"html", "matplotlib"},
    code_version="1",
    pool="solver",
)
def plan_report(
    context: dg.AssetExecutionContext,
    solver: SolverSettings,
    publisher: Publisher,
    dispatch_instance: dict,
    dispatch_plan: SolvedDay,
    rack_power_plan: dict,
) -> dg.MaterializeResult:
    """``<runs>/<day>/report.html``: supply stack per scenario, racks-on heat map,
    workload Gantt chart, key figures, the instance the plan was solved from, and
    the comparison with a flat (no-flexibility) plan solved on the same instance
    (kept in ``<runs>/<day>/flat_plan/``), so the value of shifting work shows.
    Charts are inline SVG; the page needs no network.
    """

    day = context.partition_key
    instance = validate(dispatch_instance, f"dispatch_instance {day}")
    folder = day_folder(publisher, day)
    notes: list[str] = []
    flat = None
    try:
        flat = plan_tables(instance, flat_plan(instance, solver.evaluation_options()))
    except NoFeasiblePlanError as exc:
        notes.append(
            f"The flat plan has no feasible solution on this day ({exc.cause}); "
            "no comparison is shown."
        )
        context.log.warning(notes[-1])
    else:
        folder.write_flat_plan(flat)
    tables = dispatch_plan.tables
    page = render_day_report(instance, tables, flat, day=day, notes=notes)
    path = folder.write_report(page)
    meta: dict = {
        "report": dg.MetadataValue.path(str(path)),
        "size_kb": dg.MetadataValue.float(round(len(page.encode()) / 1024, 1)),
        "plan_dir": dg.MetadataValue.path(rack_power_plan["plan_dir"]),
        "instance_sha256": dg.MetadataValue.text(str(tables.summary["instance_sha256"])),
    }
    if flat is not None:
        meta["flat_plan_dir"] = dg.MetadataValue.path(str(folder.flat_plan_dir))
        meta["flat_objective"] = dg.MetadataValue.float(float(flat.summary["objective"]))
        meta["shifting_saving"] = dg.MetadataValue.float(
            float(flat.summary["objective"]) - float(tables.summary["objective"])
        )
    return dg.MaterializeResult(metadata=meta)
