"""Ex-post evaluation of past days: the actual output, each day's evaluation, the backtest.

Thin wrappers over ``models.backtest``:

- ``actual_output``: the day's actual renewable output as ``<runs>/<day>/actual.json``
  (the instance with one probability-1 scenario). Metered 96-point plant files
  dropped in ``<inbox>/<day>/metered/<plant id>.csv`` win; otherwise the
  offline synthetic realisation around the day's forecast.
- ``plan_evaluation``: the published plan's first stage kept, re-dispatched on
  the actual output, and compared with perfect foresight, deterministic, flat
  and greedy plans: ``<runs>/<day>/evaluation.json`` plus the per-step CSVs
  under ``<runs>/<day>/evaluation/``.
- ``backtest_report``: every evaluated day under the runs folder in
  ``<runs>/backtest/backtest.csv`` and ``backtest.html``.

A day can be evaluated only once it has ended (Asia/Shanghai).
"""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import dagster as dg

from models.atomic import atomic_write_text, replace_directory
from models.backtest import (
    POLICIES,
    PlanFolderError,
    actual_instance,
    evaluate_day,
    load_results,
    read_actual,
    read_plan,
    write_actual,
    write_evaluation_files,
    write_summary,
)
from models.backtest.evaluate import EVALUATION_FILE
from models.backtest.run import CSV_FILE, HTML_FILE
from models.dispatch.diagnose import NoFeasiblePlanError
from models.forecast.errors import ForecastInputError
from models.instance import InstanceError, validate
from models.timegrid import day_has_ended
from pipelines.defs import inbox
from pipelines.defs.assets.forecasts import fleet
from pipelines.defs.partitions import TIMEZONE, delivery_days
from pipelines.defs.resources import ForecastSettings, Publisher, SolverSettings

OWNERS = ["team:dispatch"]
GROUP = "evaluation"
ACTUAL_FILE = "actual.json"
EVALUATION_DIR = "evaluation"
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
        path = write_actual(raw, publisher.day_dir(day) / ACTUAL_FILE)
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


@dg.asset(
    partitions_def=delivery_days,
    group_name=GROUP,
    owners=OWNERS,
    kinds={"pyomo", "highs", "csv"},
    code_version="1",
    pool="solver",
    tags={"suandian/step": "evaluate"},
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
    ``evaluation_*`` limits). Writes ``<runs>/<day>/evaluation.json`` and the
    per-step CSVs under ``<runs>/<day>/evaluation/``, whole or not at all.
    """

    day = context.partition_key
    require_ended(day)
    instance = validate(dispatch_instance, f"dispatch_instance {day}")
    plan_dir = Path(rack_power_plan["plan_dir"])
    try:
        first = read_plan(instance, plan_dir)
    except (PlanFolderError, FileNotFoundError) as exc:
        raise input_failure(f"published plan of {day} ({plan_dir})", exc) from exc
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
        )
    except NoFeasiblePlanError as exc:
        raise dg.Failure(
            description=f"Evaluation of {day} failed: {exc.cause}",
            metadata={"cause": dg.MetadataValue.text(str(exc.cause))},
            allow_retries=False,
        ) from exc
    day_dir = publisher.day_dir(day)
    folder = day_dir / EVALUATION_DIR
    extra = {
        "time_limit_s": options.time_limit_s,
        "mip_rel_gap": options.mip_rel_gap,
        "plan_dir": str(plan_dir),
    }
    # evaluation/ holds every file of the evaluation and is swapped in whole; evaluation.json
    # beside it (what the backtest report reads) is then replaced atomically by its copy.
    (day_dir / EVALUATION_FILE).unlink(missing_ok=True)
    replace_directory(folder, lambda staging: write_evaluation_files(evaluation, staging, extra))
    text = (folder / EVALUATION_FILE).read_text(encoding="utf-8")
    atomic_write_text(day_dir / EVALUATION_FILE, text)
    content = json.loads(text)
    meta = evaluation_metadata(content)
    meta["evaluation_json"] = dg.MetadataValue.path(str(day_dir / EVALUATION_FILE))
    meta["evaluation_dir"] = dg.MetadataValue.path(str(folder))
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
