"""The day folder (``models.plan.folder``): every file written whole and read back equal.

Expected values are the objects written (a round trip), plain pandas on the
written CSV files, and hand-made broken inputs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from models.dispatch.solve import solve_instance
from models.instance import InstanceError, instance_digest, validate
from models.plan import DayFolder, PlanFolderError, plan_tables, read_plan, solved_from
from tests.conftest import tiny_instance

RAW = tiny_instance()


@pytest.fixture(scope="module")
def tables():
    inst = validate(RAW, "tiny")
    return plan_tables(inst, solve_instance(inst))


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_instance_round_trip_and_digest_ignores_layout(tmp_path):
    day = DayFolder(tmp_path / "2026-11-23")
    day.write_instance(RAW)
    assert day.read_instance().raw == RAW
    reordered = json.loads(json.dumps(RAW, sort_keys=True, indent=4))
    assert instance_digest(reordered) == instance_digest(RAW)
    changed = json.loads(json.dumps(RAW))
    changed["name"] = "another"
    assert instance_digest(changed) != instance_digest(RAW)


def test_plan_round_trip(tmp_path, tables):
    day = DayFolder(tmp_path)
    day.write_plan(tables)
    back = day.read_plan()
    assert back.summary == json.loads(json.dumps(tables.summary))
    for name in ("rack_power_plan", "workload_allocation", "energy_schedule"):
        written = getattr(tables, name).copy()
        written["start"] = [ts.isoformat() for ts in written["start"]]
        pd.testing.assert_frame_equal(
            getattr(back, name), written, check_dtype=False, check_exact=True
        )
    dcs = sorted(tables.rack_power_plan["datacenter"].unique())
    assert files(day.plan_dir) == sorted(
        [
            "energy_schedule.csv",
            "rack_power_plan.csv",
            "rack_power_plan.parquet",
            "summary.json",
            "workload_allocation.csv",
            *(f"sites/{dc}.csv" for dc in dcs),
        ]
    )


def test_summary_names_the_instance_it_was_solved_from(tmp_path, tables):
    day = DayFolder(tmp_path)
    day.write_instance(RAW)
    day.write_plan(tables)
    assert tables.summary["instance_sha256"] == instance_digest(RAW)
    assert day.plan_is_current()
    newer = json.loads(json.dumps(RAW))
    newer["grid"]["carbon_price_per_t"] += 1.0
    day.write_instance(newer)
    assert not day.plan_is_current()
    assert not solved_from(day.read_summary(), day.read_instance())
    assert read_plan(day.plan_dir).summary == json.loads(json.dumps(tables.summary))


def test_actual_and_evaluation_round_trip(tmp_path):
    day = DayFolder(tmp_path)
    actual = json.loads(json.dumps(RAW))
    actual["scenarios"] = [dict(actual["scenarios"][0], id="actual", probability=1.0)]
    day.write_actual(actual)
    assert day.read_actual().raw == actual
    content = {"name": "x", "policies": {"flat": {"realised_cost": 1.5}}, "vss": None}
    steps = pd.DataFrame({"policy": ["flat"], "step": [0], "import_mw": [2.25]})
    per_plant = pd.DataFrame({"plant": ["pv"], "step": [0], "actual_mw": [0.5]})
    day.write_evaluation(content, steps, per_plant)
    assert day.read_evaluation() == content
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "policy_steps.csv"), steps)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "actual_output.csv"), per_plant)


def test_nan_in_an_actual_is_refused_and_nothing_written(tmp_path):
    day = DayFolder(tmp_path / "day")
    actual = json.loads(json.dumps(RAW))
    plant = next(iter(actual["scenarios"][0]["renewable_mw"]))
    actual["scenarios"][0]["renewable_mw"][plant][1] = math.nan
    with pytest.raises(InstanceError, match=rf"renewable_mw\.{plant}\[1\]"):
        day.write_actual(actual)
    assert not day.actual_path.exists()


def test_nan_in_an_evaluation_is_refused_and_the_old_one_kept(tmp_path):
    day = DayFolder(tmp_path)
    empty = pd.DataFrame({"step": [0]})
    day.write_evaluation({"vss": 1.0}, empty, empty)
    with pytest.raises(ValueError, match="NaN and Infinity are not JSON"):
        day.write_evaluation({"vss": math.nan}, empty, empty)
    assert day.read_evaluation() == {"vss": 1.0}


def test_missing_plan_file_is_named(tmp_path, tables):
    day = DayFolder(tmp_path)
    day.write_plan(tables)
    (day.plan_dir / "energy_schedule.csv").unlink()
    with pytest.raises(PlanFolderError, match=r"energy_schedule\.csv: missing"):
        day.read_plan()
