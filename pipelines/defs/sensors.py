"""Re-plan a day when new plant forecasts or workload files land in the inbox.

The cursor is a JSON map of every file version already handled
(``<day>/<file>@mtime_ns``), so a file is acted on once, a changed file again, and a
file whose day is not yet a partition waits for its partition instead of
being skipped for good. Run keys name the day and the file versions the run
uses, so the same files never trigger the same day twice.
"""

import json

import dagster as dg

from pipelines.defs import inbox
from pipelines.defs.jobs import plan_day
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
