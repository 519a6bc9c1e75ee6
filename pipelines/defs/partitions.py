"""Delivery-day partitions: one partition per calendar day in Asia/Shanghai.

``end_offset=2`` because Dagster counts the offset from the last *finished* day:
at 21:00 on 23 November the newest key is 22 November with offset 0, so the
nightly schedule can only plan 24 November when the offset is 2.
The first day comes from ``SUANDIAN_FIRST_DAY`` (read when the code location
loads), so a deployment can open its history further back for backfills.
"""

from __future__ import annotations

import os

import dagster as dg

from models.timegrid import TZ as TIMEZONE

FIRST_DAY = os.environ.get("SUANDIAN_FIRST_DAY", "2026-01-01")

delivery_days = dg.DailyPartitionsDefinition(
    start_date=FIRST_DAY, timezone=TIMEZONE, end_offset=2, fmt="%Y-%m-%d"
)
