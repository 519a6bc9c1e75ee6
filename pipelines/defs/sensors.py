"""Re-plan a day when new plant forecasts or workload files land in the inbox, and
evaluate a past day when its metered output lands in ``<inbox>/<day>/metered/``.

The cursor is a JSON map of every file version already handled
(``<day>/<file>@mtime_ns``), so a file is acted on once, a changed file again, and a
file whose day is not yet a partition waits for its partition instead of
being skipped for good. Run keys name the day and the file versions the run
uses, so the same files never trigger the same day twice.

The USF inbox sensor revises a day at an hour when that hour's set of
ultra-short-term forecasts is complete (see :func:`usf_inbox_sensor`).
"""

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from models.instance import InstanceError
from models.plan import DayFolder
from models.timegrid import day_has_ended
from pipelines.defs import inbox
from pipelines.defs.assets.revision import USF_INBOX, usf_set_dir
from pipelines.defs.common import fleet
from pipelines.defs.jobs import evaluate_day, plan_day, replan_hour
from pipelines.defs.partitions import delivery_days, revision_hours
from pipelines.defs.resources import ForecastSettings, Publisher


def _runs_for_new_files(
    context: dg.SensorEvaluationContext,
    files: list[inbox.InboxFile],
    is_ready: Callable[[str], bool],
    request_for: Callable[[str, list[inbox.InboxFile]], dg.RunRequest],
    what: str,
    waits_for: str,
) -> dg.SensorResult | dg.SkipReason:
    """One run request per day with file versions not yet handled; see the module doc."""
    handled = set(json.loads(context.cursor) if context.cursor else [])
    new = [f for f in files if f.key not in handled]
    ready = [f for f in new if is_ready(f.day)]
    if not ready:
        waiting = len(new)
        return dg.SkipReason(f"{waiting} {what}(s) {waits_for}" if waiting else f"no new {what}s")
    requests = [
        request_for(day, [f for f in files if f.day == day])
        for day in sorted({f.day for f in ready})
    ]
    handled.update(f.key for f in ready)
    present = {f.key for f in files}
    cursor = sorted(k for k in handled if k in present)  # forget files removed from the inbox
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor))


def _replan_request(day: str, found: list[inbox.InboxFile]) -> dg.RunRequest:
    by_kind = inbox.day_files(found, day)
    return dg.RunRequest(
        run_key=inbox.run_key_for(day, by_kind),
        partition_key=day,
        run_config=inbox.run_config_for(by_kind),
        tags={"suandian/trigger": "inbox"},
    )


@dg.sensor(
    job=plan_day,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches the inbox folder for plant 96-point forecasts and workload files "
    "(YYYY-MM-DD in the name) and re-plans the affected day.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, forecast: ForecastSettings):
    return _runs_for_new_files(
        context,
        inbox.scan(forecast.inbox()),
        delivery_days.has_partition_key,
        _replan_request,
        what="inbox file",
        waits_for="wait for their day to become a partition",
    )


def _evaluable(day: str) -> bool:
    return delivery_days.has_partition_key(day) and day_has_ended(dt.date.fromisoformat(day))


@dg.sensor(
    job=evaluate_day,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches <inbox>/<day>/metered/ for metered 96-point plant output and "
    "evaluates that day's plan on it once the day has ended.",
)
def metered_inbox_sensor(context: dg.SensorEvaluationContext, forecast: ForecastSettings):
    return _runs_for_new_files(
        context,
        inbox.scan_metered(forecast.inbox()),
        _evaluable,
        lambda day, found: dg.RunRequest(
            run_key=f"metered-{day}-" + "+".join(sorted(f.key for f in found)),
            partition_key=day,
            tags={"suandian/trigger": "metered"},
        ),
        what="metered file",
        waits_for="wait for their day to end",
    )


#: A set folder of an hour that has a revision partition: ``0100`` … ``2300``.
REVISION_HHMM = re.compile(r"^(0[1-9]|1\d|2[0-3])00$")


@dataclass(frozen=True)
class UsfSet:
    """A complete set of ultra-short-term forecasts: one file per plant of the day."""

    day: str
    hhmm: str
    folder: Path
    mtime_ns: int  # the newest of its files: a rewritten file makes it a new version

    @property
    def key(self) -> str:
        return f"{self.day}/{self.hhmm}@{self.mtime_ns}"

    @property
    def partition_key(self) -> str:
        return f"{self.day}-{self.hhmm[:2]}:{self.hhmm[2:]}"


def day_plants(publisher: Publisher, forecast: ForecastSettings, day: str) -> list[str]:
    """The plants a set of ``day`` needs: the day's instance's, else the fleet's.

    The instance's are the ones ``replan_day`` reads; a day without a readable
    instance cannot be revised yet, and the fleet's plants are then the best guess.
    """
    try:
        return list(DayFolder(publisher.day_dir(day)).read_instance().plants)
    except (InstanceError, OSError):
        return [p.id for p in fleet(forecast).plants]


def scan_usf(
    inbox_dir: Path, plants_of: Callable[[str], list[str]]
) -> tuple[list[UsfSet], list[str]]:
    """The complete sets under ``<inbox>/usf/<day>/<HHMM>/`` and a note per incomplete one.

    Folders of other names (a quarter hour, 0000, hidden ones) have no partition
    and are ignored.
    """
    root = inbox_dir / USF_INBOX
    complete, incomplete = [], []
    days = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for day_dir in days:
        if not inbox.DAY.match(day_dir.name):
            continue
        hours = sorted(p.name for p in day_dir.iterdir() if REVISION_HHMM.match(p.name))
        plants = plants_of(day_dir.name) if hours else []
        for hhmm in hours:
            folder = usf_set_dir(inbox_dir, day_dir.name, hhmm)
            files = [folder / f"{plant}.csv" for plant in plants]
            missing = [f.name for f in files if not f.is_file()]
            if missing or not files:
                incomplete.append(f"{day_dir.name}/{hhmm} (missing {', '.join(missing)})")
                continue
            mtime = max(f.stat().st_mtime_ns for f in files)
            complete.append(UsfSet(day_dir.name, hhmm, folder, mtime))
    return complete, incomplete


def _usf_request(found: UsfSet) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=f"usf-{found.day}-{found.hhmm}-{found.mtime_ns}",
        partition_key=found.partition_key,
        run_config={"ops": {"plan_revision": {"config": {"forecast_dir": str(found.folder)}}}},
        tags={"suandian/trigger": "usf-inbox"},
    )


@dg.sensor(
    job=replan_hour,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches <inbox>/usf/<day>/<HHMM>/ for complete sets of ultra-short-term "
    "forecasts (one <plant>.csv per plant of the day) and revises the day at that hour.",
)
def usf_inbox_sensor(
    context: dg.SensorEvaluationContext, forecast: ForecastSettings, publisher: Publisher
) -> dg.SensorResult | dg.SkipReason:
    """One run per day for the latest new complete set; the cursor lists the sets handled.

    A set is a new version when any of its files changes (the newest mtime is in
    the cursor and the run key). Of several new sets of one day only the latest
    hour runs: it supersedes the earlier ones, and an earlier hour run after it
    would be refused. A set whose hour is not yet a partition waits for it; an
    incomplete set waits for its missing files.
    """
    handled = set(json.loads(context.cursor) if context.cursor else [])
    complete, incomplete = scan_usf(
        forecast.inbox(), lambda day: day_plants(publisher, forecast, day)
    )
    new = [s for s in complete if s.key not in handled]
    ready = [s for s in new if revision_hours.has_partition_key(s.partition_key)]
    if not ready:
        notes = []
        if new:
            notes.append(f"{len(new)} complete set(s) wait for their hour to become a partition")
        if incomplete:
            notes.append("incomplete, waiting for files: " + "; ".join(incomplete))
        return dg.SkipReason(" | ".join(notes) or "no new ultra-short-term forecast sets")
    latest = {s.day: s for s in sorted(ready, key=lambda s: s.hhmm)}
    for day, chosen in sorted(latest.items()):
        superseded = [s.hhmm for s in ready if s.day == day and s is not chosen]
        if superseded:
            context.log.info(
                f"{day}: revising at {chosen.hhmm} only; it supersedes the new set(s) of "
                + ", ".join(superseded)
            )
    handled.update(s.key for s in ready)
    present = {s.key for s in complete}
    return dg.SensorResult(
        run_requests=[_usf_request(s) for _, s in sorted(latest.items())],
        cursor=json.dumps(sorted(k for k in handled if k in present)),
    )
