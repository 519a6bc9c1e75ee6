"""``python -m pipelines.backfill``: days in order, the first failure stops the rest."""

import io

import pytest

from pipelines.backfill import day_range, main, plan_in_order


def test_days_run_in_order_and_a_failure_stops_the_later_days():
    days = day_range("2025-10-30", "2025-11-02")
    assert days == ["2025-10-30", "2025-10-31", "2025-11-01", "2025-11-02"]
    planned: list[str] = []

    def plan(day: str) -> int:
        planned.append(day)
        return 1 if day == "2025-10-31" else 0

    out = io.StringIO()
    assert plan_in_order(days, plan, out) == 1
    assert planned == ["2025-10-30", "2025-10-31"]
    message = out.getvalue()
    assert "2025-10-31 failed (day 2 of 4)" in message
    assert "not planned: 2025-11-01 … 2025-11-02 (2 days)" in message
    assert "--from 2025-10-31" in message


def test_every_day_planned():
    planned: list[str] = []
    out = io.StringIO()
    assert plan_in_order(["2025-11-01", "2025-11-02"], lambda d: planned.append(d) or 0, out) == 0
    assert planned == ["2025-11-01", "2025-11-02"]
    assert "2 days planned in order" in out.getvalue()


def test_a_reversed_range_is_refused(capsys):
    assert main(["--from", "2025-11-02", "--to", "2025-11-01"]) == 2
    assert "--to 2025-11-01 is before --from 2025-11-02" in capsys.readouterr().err
    with pytest.raises(ValueError):
        day_range("2025-11-01", "tomorrow")
