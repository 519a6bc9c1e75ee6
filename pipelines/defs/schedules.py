"""Nightly planning: at 21:00 Asia/Shanghai, plan the next delivery day; and every
hour, revise the day's plan at that hour.

The nightly time is a location setting (``SUANDIAN_NIGHTLY_CRON``, see
:mod:`pipelines.defs.settings`), read when this module loads.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.defs import inbox
from pipelines.defs.jobs import plan_day, replan_hour
from pipelines.defs.partitions import REVISION_HOUR_FORMAT, TIMEZONE
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


@dg.schedule(
    job=replan_hour,
    cron_schedule="0 * * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Revise today's plan (Asia/Shanghai) at the top of every hour from 01:00, on "
    "the hour's inbox forecast set when there is one, else the synthetic forecast.",
)
def hourly_replan(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """The partition of the hour that starts now; none at 00:00, the day-ahead plan's hour.

    The run key names the hour, so a tick evaluated twice starts one run; a set of
    forecast files landing later re-runs the hour through the USF inbox sensor.
    """
    moment = context.scheduled_execution_time.astimezone(ZoneInfo(TIMEZONE))
    if moment.hour == 0:
        return dg.SkipReason("00:00: the day-ahead plan is in force; revisions start at 01:00")
    key = moment.replace(minute=0, second=0, microsecond=0).strftime(REVISION_HOUR_FORMAT)
    return dg.RunRequest(
        run_key=f"hourly-{key}", partition_key=key, tags={"suandian/trigger": "hourly"}
    )
