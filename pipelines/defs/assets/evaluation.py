"""Ex-post evaluation of past days: the actual output, each day's evaluation, the backtest.

Thin wrappers over ``models.backtest``:

- ``actual_output``: the day's actual renewable output as ``<runs>/<day>/actual.json``
  (the instance with one probability-1 scenario). Metered 96-point plant files
  dropped in ``<inbox>/<day>/metered/<plant id>.csv`` win; otherwise the
  offline synthetic realisation around the day's forecast.
- ``plan_evaluation``: the published plan's first stage kept, re-dispatched on
  the actual output, and compared with perfect foresight, deterministic, flat
  and greedy plans: ``<runs>/<day>/evaluation.json`` with ``policy_steps.csv``
  and ``actual_output.csv`` beside it. The flat plan is the one the day report
  solved (``<runs>/<day>/flat_plan/``) when it was solved from the same instance.

Every file goes through ``models.plan.DayFolder``, as in ``suandian backtest``.
- ``backtest_report``: every evaluated day under the runs folder in
  ``<runs>/backtest/backtest.csv`` and ``backtest.html``.

A day can be evaluated only once it has ended (Asia/Shanghai).
"""

import datetime as dt
from pathlib import Path
from typing import Any

import dagster as dg

from models.backtest import (
    CSV_FILE,
    HTML_FILE,
    POLICIES,
    PlanFolderError,
    ReadyPlan,
    actual_instance,
    evaluate_day,
    load_results,
    read_actual,
    read_plan,
    write_evaluation,
    write_summary,
)
from models.dispatch import NoFeasiblePlanError
from models.forecast import ForecastInputError
from models.instance import Instance, InstanceError, validate
from models.plan import EVALUATION_FILE, DayFolder, read_summary, solved_from
from models.timegrid import day_has_ended
from pipelines.defs import inbox
from pipelines.defs.common import day_folder, fleet
from pipelines.defs.partitions import TIMEZONE, delivery_days
from pipelines.defs.resources import ForecastSettings, Publisher, SolverSettings

OWNERS = ["team:dispatch"]
GROUP = "evaluation"
BACKTEST_DIR = "backtest"


def require_ended(day: str) -> None:
    """Fail (no retries) unless ``day`` is over in Asia/Shanghai."""
    if not day_has_ended(dt.date.fromisoformat(day)):
        raise dg.Failure(
            description=f"{day} has not ended yet ({TIMEZONE}); evaluation needs the actual output",
            allow_retries=False,
        )


def metered_folder(forecast: ForecastSettings, day: str) -> Path | None:
    """``<inbox>/<day>/metered/`` when it holds plant files, else ``None`` (synthetic)."""
    folder = inbox.metered_dir(forecast.inbox(), day)
    return folder if folder.is_dir() and any(folder.glob("*.csv")) else None


def input_failure(what: str, exc: Exception) -> dg.Failure:
    return dg.Failure(description=f"{what}: {exc}", allow_retries=False)


@dg.asset(
    partitions_def=delivery_days,
    group_name=GROUP,
    owners=OWNERS,
    kinds={"json"},
    code_version="1",
)
def actual_output(
    context: dg.AssetExecutionContext,
    forecast: ForecastSettings,
    publisher: Publisher,
    dispatch_instance: dict,
) -> dict:
    """The day's actual renewable output (``<runs>/<day>/actual.json``, written whole).

    Metered 96-point plant files ``<inbox>/<day>/metered/<plant id>.csv`` when
    the folder holds any (every plant of the instance needs one), otherwise the
    offline synthetic realisation around the day's forecast. Fails for a day
    that has not ended (Asia/Shanghai), and for a bad metered file with the
    file, row and time in the message (nothing is written).
    """

    day = context.partition_key
    require_ended(day)
    metered = metered_folder(forecast, day)
    try:
        instance = validate(dispatch_instance, f"dispatch_instance {day}")
        config = fleet(forecast)
        actual = read_actual(metered or "synthetic", instance, config)
        raw = actual_instance(dispatch_instance, actual)
        path = day_folder(publisher, day).write_actual(raw)
    except (ForecastInputError, InstanceError) as exc:
        raise input_failure(f"actual output of {day}", exc) from exc
    daily = actual.mw.sum() * instance.step_hours
    context.add_output_metadata(
        {
            "actual_json": dg.MetadataValue.path(str(path)),
            "source": dg.MetadataValue.text(actual.source),
            "metered": dg.MetadataValue.bool(metered is not None),
            "actual_mwh": dg.MetadataValue.float(float(daily.sum())),
            "per_plant_mwh": dg.MetadataValue.md(
                "| plant | actual MWh |\n|---|---:|\n"
                + "\n".join(f"| {p} | {v:,.1f} |" for p, v in daily.items())
            ),
        }
    )
    return raw


def evaluation_metadata(content: dict[str, Any]) -> dict[str, Any]:
    """Typed figures of ``evaluation.json`` (floats, plottable across partitions)."""
    policies = content["policies"]
    meta: dict[str, Any] = {}
    plan = policies.get("stochastic", {})
    if "realised_cost" in plan:
        meta["realised_cost"] = dg.MetadataValue.float(float(plan["realised_cost"]))
    if "green_share" in plan:
        meta["green_share"] = dg.MetadataValue.float(float(plan["green_share"]))
    perfect = policies.get("perfect_foresight", {})
    if "realised_cost" in perfect:
        meta["perfect_foresight_cost"] = dg.MetadataValue.float(float(perfect["realised_cost"]))
    for key in ("value_captured", "vss", "evpi"):
        if content.get(key) is not None:
            meta[key] = dg.MetadataValue.float(float(content[key]))
    forecast = content.get("forecast", {})
    for key in ("forecast_mwh", "actual_mwh", "abs_error_mwh"):
        if key in forecast:
            meta[key] = dg.MetadataValue.float(float(forecast[key]))
    cols = ("realised_cost", "green_share", "import_mwh", "curtailed_mwh", "shed_mwh")
    lines = ["| policy | " + " | ".join(cols) + " |", "|---|" + "---:|" * len(cols)]
    for name in POLICIES:
        if name in policies:
            fig = policies[name]
            lines.append(
                f"| {name} | "
                + " | ".join(f"{float(fig[c]):,.3f}" if c in fig else "" for c in cols)
                + " |"
            )
    meta["policies"] = dg.MetadataValue.md("\n".join(lines))
    meta["actual_source"] = dg.MetadataValue.text(str(content.get("actual_source", "")))
    return meta


def published_first_stage(instance: Instance, folder: DayFolder, day: str):
    """The published plan's first stage, provided it was solved from ``instance``."""
    try:
        summary = read_summary(folder.plan_dir)
        if not solved_from(summary, instance):
            raise dg.Failure(
                description=f"The published plan of {day} ({folder.plan_dir}) was solved from "
                f"instance {str(summary.get('instance_sha256', 'unknown'))[:12]}, not from the "
                "day's current instance: plan the day again before evaluating it",
                allow_retries=False,
            )
        return read_plan(instance, folder.plan_dir)
    except PlanFolderError as exc:
        raise input_failure(f"published plan of {day} ({folder.plan_dir})", exc) from exc


def report_flat_plan(instance: Instance, folder: DayFolder) -> ReadyPlan | None:
    """The flat plan the day report solved, when it was solved from ``instance``."""
    try:
        if solved_from(read_summary(folder.flat_plan_dir), instance):
            return ReadyPlan.read(instance, folder.flat_plan_dir)
    except PlanFolderError:
        pass
    return None


@dg.asset(
    partitions_def=delivery_days,
    group_name=GROUP,
    owners=OWNERS,
    kinds={"pyomo", "highs", "csv"},
    code_version="1",
    pool="solver",
    tags={"suandian/step": "evaluate"},
    deps=[dg.AssetKey("plan_report")],
)
def plan_evaluation(
    context: dg.AssetExecutionContext,
    forecast: ForecastSettings,
    solver: SolverSettings,
    publisher: Publisher,
    dispatch_instance: dict,
    rack_power_plan: dict,
    actual_output: dict,
) -> dg.MaterializeResult:
    """The published plan evaluated on the day's actual output.

    Keeps the plan's first stage (blocks on, workload allocation), re-dispatches
    the rest on the actual output and does the same for perfect foresight,
    deterministic, flat and greedy plans (each MIP within the solver resource's
    ``evaluation_*`` limits). The flat plan is the day report's
    (``<runs>/<day>/flat_plan/``, solved under the same limits) when it belongs
    to the day's instance, else it is solved here. Writes
    ``<runs>/<day>/evaluation.json``, ``policy_steps.csv`` and ``actual_output.csv``.
    Fails when the published plan was solved from another instance.
    """

    day = context.partition_key
    require_ended(day)
    instance = validate(dispatch_instance, f"dispatch_instance {day}")
    folder = DayFolder(Path(rack_power_plan["plan_dir"]).parent)
    first = published_first_stage(instance, folder, day)
    flat = report_flat_plan(instance, folder)
    context.log.info(
        f"{day}: flat plan "
        + (f"taken from the report ({folder.flat_plan_dir})" if flat else "solved here")
    )
    options = solver.evaluation_options()
    metered = metered_folder(forecast, day)
    source = f"metered {metered}" if metered else "synthetic"
    try:
        evaluation = evaluate_day(
            dispatch_instance,
            first,
            actual_output,
            options,
            actual_source=source,
            progress=lambda name: context.log.info(f"{day}: evaluating {name}"),
            flat=flat,
        )
    except NoFeasiblePlanError as exc:
        raise dg.Failure(
            description=f"Evaluation of {day} failed: {exc.cause}",
            metadata={"cause": dg.MetadataValue.text(str(exc.cause))},
            allow_retries=False,
        ) from exc
    extra = {
        "time_limit_s": options.time_limit_s,
        "mip_rel_gap": options.mip_rel_gap,
        "plan_dir": str(folder.plan_dir),
        "flat_plan": "report" if flat else "solved",
    }
    path = write_evaluation(evaluation, folder, extra)
    content = folder.read_evaluation()
    meta = evaluation_metadata(content)
    meta["evaluation_json"] = dg.MetadataValue.path(str(path))
    meta["flat_plan"] = dg.MetadataValue.text(extra["flat_plan"])
    meta["time_limit_s"] = dg.MetadataValue.float(float(options.time_limit_s or 0.0))
    meta["mip_rel_gap"] = dg.MetadataValue.float(float(options.mip_rel_gap))
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    group_name=GROUP,
    owners=OWNERS,
    kinds={"csv", "html"},
    code_version="1",
    deps=[plan_evaluation],
)
def backtest_report(
    context: dg.AssetExecutionContext, publisher: Publisher
) -> dg.MaterializeResult:
    """``<runs>/backtest/backtest.csv`` and ``backtest.html`` over every evaluated day.

    Collects each ``<runs>/<day>/evaluation.json`` (days evaluated by
    ``plan_evaluation`` or ``suandian evaluate``): realised cost per day and
    policy, cumulative savings against flat, green share, value captured and
    the worst days. Re-materialise it after evaluating more days.
    """

    root = publisher.root() if publisher.publish else publisher.root() / "drafts"
    out = root / BACKTEST_DIR
    results = load_results(root) if root.is_dir() else []
    if not results:
        raise dg.Failure(
            description=f"No evaluated day under {root} (no <day>/{EVALUATION_FILE}); "
            "materialise plan_evaluation for some past days first",
            allow_retries=False,
        )
    table = write_summary(out, results)
    days = [r.day for r in results]
    context.log.info(f"Backtest of {len(days)} day(s) written to {out}")
    meta: dict[str, Any] = {
        "days": dg.MetadataValue.int(len(days)),
        "first_day": dg.MetadataValue.text(days[0]),
        "last_day": dg.MetadataValue.text(days[-1]),
        "backtest_csv": dg.MetadataValue.path(str(out / CSV_FILE)),
        "backtest_html": dg.MetadataValue.path(str(out / HTML_FILE)),
        "dagster/row_count": dg.MetadataValue.int(len(table)),
    }
    if len(table):
        plan = table[table["policy"] == "stochastic"]
        meta["total_realised_cost"] = dg.MetadataValue.float(float(plan["realised_cost"].sum()))
        captured = plan["value_captured"].dropna()
        if len(captured):
            meta["mean_value_captured"] = dg.MetadataValue.float(float(captured.mean()))
    return dg.MaterializeResult(metadata=meta)
