"""The report says where the day started and what it hands on, and fades a look-ahead."""

from __future__ import annotations

from models.instance import validate
from models.report import render_day_report
from tests.models.report.conftest import hand_plan, tiny_raw
from tests.report_parse import parse_report


def with_end_charge(tables, step: int, low: float, high: float):
    """The hand plan with the battery's charge at ``step`` set per scenario."""
    frame = tables.energy_schedule
    at = frame["step"] == step
    frame.loc[at & (frame["scenario"] == "low"), "soc_mwh__bess-1"] = low
    frame.loc[at & (frame["scenario"] == "high"), "soc_mwh__bess-1"] = high
    return tables


def test_configured_start_and_expected_end_state():
    instance = validate(tiny_raw(), "tiny")
    tables = with_end_charge(hand_plan(instance), step=7, low=6.0, high=16.0)
    parsed = parse_report(render_day_report(instance, tables))
    assert parsed["values"]["initial-state"] == "configured"
    handover = parsed["tables"]["handover"]
    # probability-weighted by hand: 0.4 · 6 + 0.6 · 16 = 12
    assert [float(x) for x in handover["bess-1"]] == [10.0, 12.0]
    rack = tables.rack_power_plan
    last = int(rack[(rack["datacenter"] == "dc01") & (rack["step"] == 7)]["blocks_on"].iloc[0])
    assert [int(float(x)) for x in handover["dc01"]] == [1, last]
    assert "look-ahead" not in parsed_svgs(render_day_report(instance, tables))


def test_chained_look_ahead_hands_on_the_delivery_days_end():
    raw = tiny_raw() | {"committed_steps": 4, "initial_state_source": "plan:2026-11-22"}
    instance = validate(raw, "tiny chained")
    tables = with_end_charge(hand_plan(instance), step=3, low=2.0, high=7.0)
    page = render_day_report(instance, tables)
    parsed = parse_report(page)
    assert parsed["values"]["initial-state"] == "plan:2026-11-22"
    # the hand-over is at the last delivery step (3), not at the horizon's end (7)
    assert float(parsed["tables"]["handover"]["bess-1"][1]) == 0.4 * 2.0 + 0.6 * 7.0
    svgs = parsed_svgs(page)
    for chart in ("supply-low", "supply-high", "racks", "workloads"):
        assert f'id="look-ahead-{chart}"' in svgs, chart


def parsed_svgs(page: str) -> str:
    """The charts' SVG text of a page (where the look-ahead veil would be)."""
    return "".join(part.split("</svg>")[0] for part in page.split("<svg")[1:])


def _revision(at: str, based_on: str, before: float, after: float) -> dict:
    figures = {"import_mwh": 0.0, "green_share": 0.5}
    return {
        "at": at,
        "based_on": based_on,
        "forecast": {"mean_difference_mw": -12.5, "largest_difference_mw": 30.0},
        "state": {"source": "plan", "storage_difference_mwh": 0.0},
        "plan": {"status": "optimal", "gap": 1e-5},
        "rest_of_day_before": {**figures, "import_mwh": before},
        "rest_of_day_after": {**figures, "import_mwh": after},
    }


def test_the_revisions_of_the_day_in_order():
    instance = validate(tiny_raw(), "tiny")
    tables = hand_plan(instance)
    assert "revisions-table" not in parse_report(render_day_report(instance, tables))["tables"]
    records = [_revision("01:00", "day-ahead", 50.0, 40.0), _revision("02:00", "01:00", 40.0, 45.0)]
    page = render_day_report(instance, tables, revisions=records)
    parsed = parse_report(page)
    assert parsed["values"]["revisions"] == "2"
    rows = parsed["tables"]["revisions-table"]  # the numeric cells of each row
    assert list(rows) == ["01:00", "02:00"]
    assert '<tr data-key="02:00"><td>02:00</td><td>01:00</td>' in page  # based on 01:00
    assert [float(x) for x in rows["01:00"][0:2]] == [-12.5, 30.0]
    assert [float(x) for x in rows["02:00"][3:5]] == [40.0, 45.0]
