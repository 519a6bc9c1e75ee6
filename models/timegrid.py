"""The delivery day's time grid: Asia/Shanghai, 15-minute steps from 00:00.

Step ``t`` of a day starts at 00:00 Asia/Shanghai plus ``t`` steps and is
represented by its midpoint, where the physics (sun position, temperature,
load shape) is evaluated. Forecasts, actuals and the pipeline's day partitions
all speak of this one grid, so it lives below them all. An instance carries its
own grid (``Instance.step_starts``); this module is the grid instances are
built on.

The number of steps is a parameter: a horizon longer than one day (192 steps
for 48 h) is the same grid, continued past midnight.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pandas as pd

TZ = "Asia/Shanghai"
ZONE = zoneinfo.ZoneInfo(TZ)
STEP_MINUTES = 15
STEPS_PER_DAY = 24 * 60 // STEP_MINUTES
STEP = pd.Timedelta(minutes=STEP_MINUTES)


def day_start(day: dt.date) -> pd.Timestamp:
    """00:00 of ``day`` in Asia/Shanghai: the start of its first step."""
    return pd.Timestamp(day).tz_localize(TZ)


def day_step_starts(day: dt.date, steps: int = STEPS_PER_DAY) -> pd.DatetimeIndex:
    """The starts of ``steps`` consecutive steps from 00:00 of ``day`` (Asia/Shanghai)."""
    return pd.date_range(day_start(day), periods=steps, freq=STEP).as_unit("ns")


def midpoints(starts: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The midpoints of the steps that begin at ``starts``."""
    return starts + STEP / 2


def day_step_midpoints(day: dt.date, steps: int = STEPS_PER_DAY) -> pd.DatetimeIndex:
    """The midpoints of :func:`day_step_starts`."""
    return midpoints(day_step_starts(day, steps))


def day_has_ended(day: dt.date, now: dt.datetime | None = None) -> bool:
    """Whether ``day`` (Asia/Shanghai) is over, so that its actual output can exist.

    ``None`` means the current time; a naive ``now`` is read as the machine's
    local time (:meth:`datetime.datetime.astimezone`).
    """
    now = now.astimezone(ZONE) if now is not None else dt.datetime.now(ZONE)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZONE)
    return now >= end
