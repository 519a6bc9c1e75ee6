"""Intraday revisions: the rest of a published day re-planned on the ultra-short-term forecast.

``plan_revision`` has one partition per hour of a delivery day
(``revision_hours``, ``2026-01-02-10:00``) and depends on that day's
``rack_power_plan``: re-publishing the day-ahead plan marks the day's revisions
out of date. Partition ``D-HH:00`` runs ``models.intraday.replan_day`` on
``<runs>/<D>/`` at ``HH:00``: everything before is executed, the rest of the
horizon is re-solved (its first 4 hours on the ultra-short-term forecast), and
the revision is written to ``<D>/revisions/<HHMM>/`` and merged into
``<D>/current/``, the plan the sites follow from then on.

The forecast is, in this order, the run config's ``forecast_dir`` (the USF
inbox sensor sets it), the inbox folder of that revision
``<inbox>/usf/<D>/<HHMM>/`` when it exists, or the synthetic one.

Partition ``00:00`` is the day-ahead plan itself (a revision lies after the
start of the day): it materialises without re-planning, with metadata saying
so, so that a day's 24 hours read as one row in the UI and a backfill over a
whole day does not fail at its first hour.

A revision that cannot be made (a missing, bad or late forecast file, a time
before the day's latest revision, no feasible plan) fails the run with the
model's message, which says which plan stays in force; nothing is written, so
``current/`` is unchanged. It is not retried: the same files fail the same way.
"""

import datetime as dt
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from models.intraday import RevisionError, changes_table, replan_day, revisions
from pipelines.defs.common import day_folder, fleet
from pipelines.defs.partitions import REVISION_HOUR_FORMAT, revision_hours
from pipelines.defs.resources import ForecastSettings, Publisher, SolverSettings

#: The inbox folder of the ultra-short-term forecast sets: ``<inbox>/usf/<day>/<HHMM>/``.
USF_INBOX = "usf"


def usf_set_dir(inbox: Path, day: str, hhmm: str) -> Path:
    """Where the plants drop their forecasts for the revision of ``day`` at ``hhmm``."""
    return inbox / USF_INBOX / day / hhmm


class RevisionConfig(dg.Config):
    """Run config of one revision; empty fields take the defaults of the module doc."""

    forecast_dir: str = Field(
        default="",
        description="Folder of ultra-short-term <plant>.csv files; empty: the inbox set of "
        "this hour (<inbox>/usf/<day>/<HHMM>/) if there is one, else the synthetic forecast.",
    )
    actual_until: str = Field(
        default="",
        description='Measured state at the revision time, JSON {"time": ISO time, '
        '"storage_mwh": {id: MWh}}; empty: the state the plan in force expects.',
    )


def revision_time(partition_key: str) -> tuple[str, dt.time]:
    """The day (``YYYY-MM-DD``) and the local revision time of an hourly partition key."""
    moment = dt.datetime.strptime(partition_key, REVISION_HOUR_FORMAT)
    return moment.date().isoformat(), moment.time()


def _cell(column: str, value: Any) -> str:
    if isinstance(value, float):
        if column == "gap":
            return f"{value:.2e}"
        if "share" in column:
            return f"{value:.1%}"
        return f"{value:,.2f}"
    return str(value)


def revisions_markdown(day_dir: Path) -> str:
    """The day's revisions in time order with their key figures, as a Markdown table.

    Written out here rather than with ``DataFrame.to_markdown``, which needs
    ``tabulate``, a package the project does not depend on.
    """
    table = changes_table(revisions(day_dir))
    if table.empty:
        return "No revisions yet: the day-ahead plan is in force."
    columns = list(table.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table.itertuples(index=False):
        cells = " | ".join(_cell(c, v) for c, v in zip(columns, row, strict=True))
        lines.append(f"| {cells} |")
    return "\n".join(lines)


def revision_metadata(record: dict[str, Any]) -> dict[str, Any]:
    """The revision's why and key figures (``revision.json``), typed for plots across hours."""
    before, after = record["rest_of_day_before"], record["rest_of_day_after"]
    fc, state, plan = record["forecast"], record["state"], record["plan"]
    return {
        "revision": dg.MetadataValue.text(record["at"]),
        "based_on": dg.MetadataValue.text(record["based_on"]),
        "status": dg.MetadataValue.text(str(plan["status"])),
        "gap": dg.MetadataValue.float(float(plan["gap"])),
        "forecast_source": dg.MetadataValue.text(str(fc["source"])),
        "forecast_mean_difference_mw": dg.MetadataValue.float(float(fc["mean_difference_mw"])),
        "state_source": dg.MetadataValue.text(str(state["source"])),
        "storage_difference_mwh": dg.MetadataValue.float(float(state["storage_difference_mwh"])),
        "import_mwh_before": dg.MetadataValue.float(float(before["import_mwh"])),
        "import_mwh_after": dg.MetadataValue.float(float(after["import_mwh"])),
        "green_share_before": dg.MetadataValue.float(float(before["green_share"])),
        "green_share_after": dg.MetadataValue.float(float(after["green_share"])),
    }


@dg.asset(
    partitions_def=revision_hours,
    group_name="intraday",
    owners=["team:dispatch"],
    kinds={"highs", "csv", "parquet"},
    code_version="1",
    pool="solver",
    deps=[dg.AssetDep("rack_power_plan", partition_mapping=dg.TimeWindowPartitionMapping())],
    tags={"suandian/step": "replan"},
)
def plan_revision(
    context: dg.AssetExecutionContext,
    config: RevisionConfig,
    solver: SolverSettings,
    publisher: Publisher,
    forecast: ForecastSettings,
) -> dg.MaterializeResult:
    """The day's plan revised at this hour: ``<day>/revisions/<HHMM>/`` and ``<day>/current/``.

    Its metadata: what the revision started from (``based_on``), the forecast
    and state it used and how far they differ from the plan's, the rest of the
    day's grid import and green share before and after, and every revision of
    the day so far in order. Partition 00:00 is the day-ahead plan (no solve).
    """
    day, at = revision_time(context.partition_key)
    folder = day_folder(publisher, day)
    if at == dt.time(0):
        return dg.MaterializeResult(
            metadata={
                "revision": dg.MetadataValue.text("day-ahead"),
                "note": dg.MetadataValue.text(
                    "00:00 is the start of the day: the day-ahead plan is in force, nothing "
                    "is re-planned (revisions run from 01:00)."
                ),
                "plan_dir": dg.MetadataValue.path(str(folder.plan_dir)),
                "plan_published": dg.MetadataValue.bool(folder.plan_dir.is_dir()),
                "revisions": dg.MetadataValue.md(revisions_markdown(folder.path)),
            }
        )
    forecast_dir: Path | None = Path(config.forecast_dir) if config.forecast_dir else None
    if forecast_dir is None:
        inbox_set = usf_set_dir(forecast.inbox(), day, f"{at:%H%M}")
        forecast_dir = inbox_set if inbox_set.is_dir() else None
    try:
        revision = replan_day(
            folder.path,
            at,
            forecast=forecast_dir,
            actual_until=config.actual_until or None,
            options=solver.options(),
            config=fleet(forecast),
        )
    except RevisionError as exc:
        raise dg.Failure(
            description=str(exc),
            metadata={"revisions": dg.MetadataValue.md(revisions_markdown(folder.path))},
            allow_retries=False,
        ) from exc
    record = revision.record
    context.log.info(
        f"Revision {record['at']} of {day} (from {record['based_on']}, forecast "
        f"{record['forecast']['source']}): {record['plan']['status']}, written to "
        f"{revision.folder} and {folder.current_dir}"
    )
    return dg.MaterializeResult(
        metadata={
            **revision_metadata(record),
            "revision_dir": dg.MetadataValue.path(str(revision.folder)),
            "current_dir": dg.MetadataValue.path(str(folder.current_dir)),
            "revisions": dg.MetadataValue.md(revisions_markdown(folder.path)),
        }
    )
