"""Re-plan a day when new plant forecasts or workload files land in the inbox, and
evaluate a past day when its metered output lands in ``<inbox>/<day>/metered/``.

The cursor is a JSON map of every file version already handled
(``<day>/<file>@mtime_ns``), so a file is acted on once, a changed file again, and a
file whose day is not yet a partition waits for its partition instead of
being skipped for good. Run keys name the day and the file versions the run
uses, so the same files never trigger the same day twice.
"""

import json

import dagster as dg

from models.backtest import day_has_ended
from pipelines.defs import inbox
from pipelines.defs.jobs import evaluate_day, plan_day
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings


@dg.sensor(
    job=plan_day,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches the inbox folder for plant 96-point forecasts and workload files "
    "(YYYY-MM-DD in the name) and re-plans the affected day.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, forecast: ForecastSettings):
    seen: list[str] = json.loads(context.cursor) if context.cursor else []
    handled = set(seen)
    files = inbox.scan(forecast.inbox())
    new = [f for f in files if f.key not in handled]
    waiting = [f for f in new if not delivery_days.has_partition_key(f.day)]
    ready = [f for f in new if delivery_days.has_partition_key(f.day)]
    if not ready:
        reason = (
            "no new inbox files"
            if not waiting
            else (f"{len(waiting)} file(s) wait for their day to become a partition")
        )
        return dg.SkipReason(reason)
    requests = []
    for day in sorted({f.day for f in ready}):
        found = inbox.day_files(files, day)
        requests.append(
            dg.RunRequest(
                run_key=inbox.run_key_for(day, found),
                partition_key=day,
                run_config=inbox.run_config_for(found),
                tags={"suandian/trigger": "inbox"},
            )
        )
    handled.update(f.key for f in ready)
    present = {f.key for f in files}
    cursor = sorted(k for k in handled if k in present)  # forget files removed from the inbox
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor))


def _evaluable(day: str) -> bool:
    import datetime as dt

    return delivery_days.has_partition_key(day) and day_has_ended(dt.date.fromisoformat(day))


@dg.sensor(
    job=evaluate_day,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description="Watches <inbox>/<day>/metered/ for metered 96-point plant output and "
    "evaluates that day's plan on it once the day has ended.",
)
def metered_inbox_sensor(context: dg.SensorEvaluationContext, forecast: ForecastSettings):
    seen: list[str] = json.loads(context.cursor) if context.cursor else []
    handled = set(seen)
    files = inbox.scan_metered(forecast.inbox())
    new = [f for f in files if f.key not in handled]
    ready = [f for f in new if _evaluable(f.day)]
    waiting = [f for f in new if not _evaluable(f.day)]
    if not ready:
        reason = (
            "no new metered files"
            if not waiting
            else f"{len(waiting)} metered file(s) wait for their day to end"
        )
        return dg.SkipReason(reason)
    requests = []
    for day in sorted({f.day for f in ready}):
        found = [f for f in files if f.day == day]
        requests.append(
            dg.RunRequest(
                run_key=f"metered-{day}-" + "+".join(sorted(f.key for f in found)),
                partition_key=day,
                tags={"suandian/trigger": "metered"},
            )
        )
    handled.update(f.key for f in ready)
    present = {f.key for f in files}
    cursor = sorted(k for k in handled if k in present)
    return dg.SensorResult(run_requests=requests, cursor=json.dumps(cursor))
