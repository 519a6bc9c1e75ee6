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
