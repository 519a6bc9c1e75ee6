"""Re-plan a day when new plant forecasts or workload files land in the inbox, and
evaluate a past day when its metered output lands in ``<inbox>/<day>/metered/``.

The cursor is a JSON map of every file version already handled
(``<day>/<file>@mtime_ns``), so a file is acted on once, a changed file again, and a
file whose day is not yet a partition waits for its partition instead of
being skipped for good. Run keys name the day and the file versions the run
uses, so the same files never trigger the same day twice.
"""

import datetime as dt
import json
from collections.abc import Callable

import dagster as dg

from models.timegrid import day_has_ended
from pipelines.defs import inbox
from pipelines.defs.jobs import evaluate_day, plan_day
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings


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
