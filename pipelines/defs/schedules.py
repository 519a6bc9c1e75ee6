"""Nightly planning: at 21:00 Asia/Shanghai, plan the next delivery day.

The time is a location setting (``SUANDIAN_NIGHTLY_CRON``, see
:mod:`pipelines.defs.settings`), read when this module loads.
"""

import datetime as dt

import dagster as dg

from pipelines.defs import inbox
from pipelines.defs.jobs import plan_day
from pipelines.defs.partitions import TIMEZONE
from pipelines.defs.resources import ForecastSettings
from pipelines.defs.settings import location_settings


@dg.schedule(
    job=plan_day,
    cron_schedule=location_settings().nightly_cron,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Plan tomorrow (Asia/Shanghai) every evening; uses the newest inbox files "
    "for that day when there are any.",
)
def nightly_plan(
    context: dg.ScheduleEvaluationContext, forecast: ForecastSettings
) -> dg.RunRequest:
    day = (context.scheduled_execution_time + dt.timedelta(days=1)).strftime("%Y-%m-%d")
    found = inbox.day_files(inbox.scan(forecast.inbox()), day)
    return dg.RunRequest(
        run_key=f"nightly-{day}",
        partition_key=day,
        run_config=inbox.run_config_for(found),
        tags={"suandian/trigger": "nightly"},
    )
