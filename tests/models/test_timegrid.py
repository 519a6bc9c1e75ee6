"""The delivery day's time grid, against times written out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from models.timegrid import day_has_ended, day_step_midpoints, day_step_starts

DAY = dt.date(2026, 3, 10)
CST = dt.timezone(dt.timedelta(hours=8))


def test_a_day_is_96_quarter_hours_from_midnight_in_shanghai():
    starts = day_step_starts(DAY)
    assert len(starts) == 96
    assert starts[0] == pd.Timestamp("2026-03-10T00:00+08:00")
    assert starts[0] == pd.Timestamp("2026-03-09T16:00Z")
    assert starts[1] == pd.Timestamp("2026-03-10T00:15+08:00")
    assert starts[-1] == pd.Timestamp("2026-03-10T23:45+08:00")
    assert starts[0].isoformat() == "2026-03-10T00:00:00+08:00"
    assert (starts[1:] - starts[:-1] == pd.Timedelta(minutes=15)).all()


def test_midpoints_are_seven_and_a_half_minutes_in():
    mids = day_step_midpoints(DAY)
    assert len(mids) == 96
    assert mids[0] == pd.Timestamp("2026-03-10T00:07:30+08:00")
    assert mids[-1] == pd.Timestamp("2026-03-10T23:52:30+08:00")


def test_a_48_hour_grid_continues_past_midnight():
    starts = day_step_starts(DAY, steps=192)
    assert len(starts) == 192
    assert starts[95] == pd.Timestamp("2026-03-10T23:45+08:00")
    assert starts[96] == pd.Timestamp("2026-03-11T00:00+08:00")
    assert starts[-1] == pd.Timestamp("2026-03-11T23:45+08:00")
    assert day_step_midpoints(DAY, steps=192)[-1] == pd.Timestamp("2026-03-11T23:52:30+08:00")


def test_a_day_ends_at_the_next_midnight_in_shanghai():
    assert not day_has_ended(DAY, dt.datetime(2026, 3, 10, 23, 59, tzinfo=CST))
    assert day_has_ended(DAY, dt.datetime(2026, 3, 11, 0, 0, tzinfo=CST))
    # 16:00 UTC is midnight in Shanghai (UTC+8)
    assert not day_has_ended(DAY, dt.datetime(2026, 3, 10, 15, 59, tzinfo=dt.UTC))
    assert day_has_ended(DAY, dt.datetime(2026, 3, 10, 16, 0, tzinfo=dt.UTC))
