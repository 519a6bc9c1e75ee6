"""Re-planning a published day on its folder: 23 hourly revisions, and every way one fails."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from models.cli import main
from models.forecast import load_fleet_config
from models.intraday import RevisionError, replan_day, revisions, synthetic_usf, write_usf
from models.plan import DayFolder
from models.plan.verify import verify_plan
from models.timegrid import ZONE
from tests.models.intraday.conftest import OPTIONS

TABLES = ("rack_power_plan", "workload_allocation", "energy_schedule")
DAY = dt.date(2026, 12, 12)


def _table(folder: Path, name: str) -> pd.DataFrame:
    """A published table in one fixed row order (ids, then step)."""
    table = pd.read_csv(folder / f"{name}.csv")
    keys = [c for c in ("scenario", "workload", "datacenter", "step") if c in table.columns]
    return table.sort_values(keys).reset_index(drop=True)


def _past(folder: Path, name: str, k: int) -> pd.DataFrame:
    table = _table(folder, name)
    return table[table["step"] < k].reset_index(drop=True)


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_hourly_revisions_keep_the_executed_past(day_dir: Path) -> None:
    day = DayFolder(day_dir)
    previous = day.plan_dir
    for hour in range(1, 24):
        k = 4 * hour
        replan_day(day_dir, dt.time(hour), options=OPTIONS)
        for name in TABLES:
            # The executed past of the new current plan is the one of the plan before it.
            pd.testing.assert_frame_equal(_past(day.current_dir, name, k), _past(previous, name, k))
        revision = DayFolder(day.revision_dir(f"{hour:02d}00"))
        assert verify_plan(revision.read_instance(), revision.read_plan()) == []
        # From the revision time on, the current plan is the revision's, in the day's steps.
        rest = _table(day.current_dir, "rack_power_plan")
        rest = rest[rest["step"] >= k].reset_index(drop=True)
        own = _table(revision.plan_dir, "rack_power_plan")
        assert rest["blocks_on"].tolist() == own["blocks_on"].tolist()
        assert (rest["step"] - k).tolist() == own["step"].tolist()
        previous = Path(shutil.copytree(day.current_dir, day_dir.parent / f"current-{hour:02d}"))
    records = revisions(day_dir)
    assert [r["at"] for r in records] == [f"{h:02d}:00" for h in range(1, 24)]
    assert [r["based_on"] for r in records] == ["day-ahead"] + [f"{h:02d}:00" for h in range(1, 23)]
    assert json.loads((day.current_dir / "summary.json").read_text())["revision"] == "23:00"


def test_a_revision_before_the_latest_is_refused(day_dir: Path) -> None:
    replan_day(day_dir, dt.time(12), options=OPTIONS)
    before = _digest(day_dir)
    with pytest.raises(RevisionError, match=r"the day was revised at 12:00.*stays 12:00"):
        replan_day(day_dir, dt.time(11), options=OPTIONS)
    assert _digest(day_dir) == before


@pytest.mark.parametrize("at", ["00:00", "12:05"])
def test_a_time_off_the_day_or_the_grid_is_refused(day_dir: Path, at: str) -> None:
    with pytest.raises(RevisionError, match=rf"--at {at}: .*stays day-ahead"):
        replan_day(day_dir, dt.time.fromisoformat(at), options=OPTIONS)


def _forecast_files(tmp_path: Path, at: dt.datetime, issued: dt.datetime) -> Path:
    """A synthetic forecast around 40 % of capacity, written as the plants would send it."""
    config = load_fleet_config()
    index = pd.date_range(
        dt.datetime.combine(DAY, dt.time(), tzinfo=ZONE), periods=96, freq="15min"
    )
    truth = pd.DataFrame({p.id: 0.4 * p.capacity_mw for p in config.plants}, index=index)
    usf = synthetic_usf(config, at, truth)
    folder = tmp_path / f"usf-{issued:%H%M}"
    write_usf(type(usf)(usf.at, usf.mw, issued, usf.source), folder)
    return folder


def test_cli_replans_on_forecast_files(day_dir: Path, tmp_path: Path, capsys) -> None:
    at = dt.datetime.combine(DAY, dt.time(9), tzinfo=ZONE)
    files = _forecast_files(tmp_path, at, at - dt.timedelta(minutes=10))
    code = main(
        ["replan", str(day_dir), "--at", "09:00", "--forecast", str(files), "--gap", "1e-6"]
    )
    assert code == 0, capsys.readouterr().err
    record = json.loads((day_dir / "revisions" / "0900" / "revision.json").read_text())
    assert record["forecast"]["source"] == f"files {files}"
    assert record["forecast"]["issued"] == "2026-12-12T08:50:00+08:00"
    inst = DayFolder(day_dir / "revisions" / "0900").read_instance()
    for sc in inst.scenarios:  # every scenario takes the plants' forecast for 4 hours
        for plant, series in sc.renewable_mw.items():
            sent = pd.read_csv(files / f"{plant}.csv")["mw"].to_numpy()
            assert series[:16] == pytest.approx(sent)


@pytest.mark.parametrize("late", [True, False])
def test_cli_a_late_or_broken_file_keeps_the_plan_in_force(
    day_dir: Path, tmp_path: Path, capsys, late: bool
) -> None:
    assert main(["replan", str(day_dir), "--at", "08:00", "--gap", "1e-6"]) == 0
    before = _digest(day_dir)
    at = dt.datetime.combine(DAY, dt.time(9), tzinfo=ZONE)
    issued = at - dt.timedelta(minutes=45 if late else 0)
    files = _forecast_files(tmp_path, at, issued)
    broken = next(files.glob("*.csv"))
    if not late:
        broken.write_text(broken.read_text().replace("\n16,", "\n17,"))
    capsys.readouterr()
    code = main(["replan", str(day_dir), "--at", "09:00", "--forecast", str(files)])
    err = capsys.readouterr().err
    assert code == 2
    assert "revision 09:00 not made" in err and "the plan in force stays 08:00" in err
    assert ("late: issued" in err) if late else ("point '17', expected 16" in err)
    assert str(files) in err
    assert _digest(day_dir) == before  # nothing written, 08:00 still current


def test_measured_state_of_charge_wins(day_dir: Path, tmp_path: Path, capsys) -> None:
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps({"time": "2026-12-12T14:00:00+08:00", "storage_mwh": {"bess-1": 100.0}})
    )
    assert main(["replan", str(day_dir), "--at", "14:00", "--actual-until", str(state)]) == 0
    raw = json.loads((day_dir / "revisions" / "1400" / "instance.json").read_text())
    assert raw["storage"][0]["energy_initial_mwh"] == 100.0
    assert raw["initial_state_source"] == "actual:2026-12-12T14:00"
    record = json.loads((day_dir / "revisions" / "1400" / "revision.json").read_text())
    assert record["state"]["source"] == "actual"
    state.write_text(
        json.dumps({"time": "2026-12-12T13:00:00+08:00", "storage_mwh": {"bess-1": 100.0}})
    )
    capsys.readouterr()
    assert main(["replan", str(day_dir), "--at", "15:00", "--actual-until", str(state)]) == 2
    assert "the state must be measured at the revision time 2026-12-12T15:00:00+08:00" in (
        capsys.readouterr().err
    )


def test_a_day_ahead_plan_published_again_starts_the_revisions_afresh(day_dir: Path) -> None:
    replan_day(day_dir, dt.time(12), options=OPTIONS)
    assert [r["at"] for r in revisions(day_dir)] == ["12:00"]
    # The day is planned again (a re-run): its summary changes, the 12:00 revision is stale.
    summary = day_dir / "plan" / "summary.json"
    content = json.loads(summary.read_text())
    content["solve_seconds"] += 1.0
    summary.write_text(json.dumps(content))
    assert revisions(day_dir) == []
    revision = replan_day(day_dir, dt.time(9), options=OPTIONS)  # before 12:00: allowed now
    assert revision.record["based_on"] == "day-ahead"
    assert [r["at"] for r in revisions(day_dir)] == ["09:00"]
