"""Delivery-day partitions: one partition per calendar day in Asia/Shanghai, and the
hourly partitions of the intraday revisions (``revision_hours``).

``end_offset=2`` because Dagster counts the offset from the last *finished* day:
at 21:00 on 23 November the newest key is 22 November with offset 0, so the
nightly schedule can only plan 24 November when the offset is 2.
The first day is a location setting (``SUANDIAN_FIRST_DAY``, see
:mod:`pipelines.defs.settings`), so a deployment can open its history further
back for backfills; the assets carry the partitions, so it is read when this
module loads.
"""

from __future__ import annotations

import dagster as dg

from models.timegrid import TZ as TIMEZONE
from pipelines.defs.settings import location_settings

FIRST_DAY = location_settings().first_day

delivery_days = dg.DailyPartitionsDefinition(
    start_date=FIRST_DAY, timezone=TIMEZONE, end_offset=2, fmt="%Y-%m-%d"
)

#: Format of an hourly key: the day, then the hour (``2026-01-02-10:00``).
REVISION_HOUR_FORMAT = "%Y-%m-%d-%H:%M"

# Intraday revisions: one partition per hour of a delivery day. ``end_offset=2`` for
# the reason ``delivery_days`` has one: the newest key is the last finished hour, and
# the ultra-short-term forecast of τ arrives before τ (issued at most 30 minutes
# earlier), so at 09:50 the 10:00 revision must already be a partition.
revision_hours = dg.HourlyPartitionsDefinition(
    start_date=f"{FIRST_DAY}-00:00",
    timezone=TIMEZONE,
    end_offset=2,
    fmt=REVISION_HOUR_FORMAT,
)
