"""Intraday revisions in the code location: ``plan_revision`` per hour, its schedule and sensor.

The day is the intraday tests' small day with placement rules (``ruled_day``)
moved to the pipeline tests' fixed ``DAY``, so its hours are partitions under
any clock; it is solved once and copied into each test's runs folder, as
``rack_power_plan`` leaves it (``instance.json`` and ``plan/``).
"""

import datetime as dt
import hashlib
import json
import os
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import DAY, SHANGHAI, failure_description, resources

from models.dispatch import solve_instance
from models.forecast import load_fleet_config
from models.intraday import UltraShortForecast, synthetic_usf, write_usf
from models.plan import DayFolder, plan_tables
from pipelines.definitions import defs
from pipelines.defs.assets.revision import plan_revision, usf_set_dir
from pipelines.defs.resources import ForecastSettings, Publisher
from pipelines.defs.schedules import hourly_replan
from pipelines.defs.sensors import usf_inbox_sensor
from tests.models.intraday.conftest import OPTIONS, ruled_day

DATE = dt.date.fromisoformat(DAY)


def day_raw() -> dict:
    raw = ruled_day()
    raw["start"] = f"{DAY}T00:00:00+08:00"
    return raw


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    """The day folder with its instance and day-ahead plan, solved once for the module."""
    day = DayFolder(tmp_path_factory.mktemp("published") / DAY)
    day.path.mkdir()
    day.write_instance(day_raw())
    inst = day.read_instance()
    day.write_plan(plan_tables(inst, solve_instance(inst, OPTIONS)))
    return day.path


@pytest.fixture
def day_dir(published: Path, runs_dir: Path) -> Path:
    return Path(shutil.copytree(published, runs_dir / DAY))


def forecast_set(folder: Path, hour: int) -> Path:
    """The plants' files for the revision at ``hour``, issued 10 minutes before it."""
    config = load_fleet_config()
    at = dt.datetime.combine(DATE, dt.time(hour), tzinfo=SHANGHAI)
    index = pd.date_range(
        dt.datetime.combine(DATE, dt.time(), tzinfo=SHANGHAI), periods=96, freq="15min"
    )
    truth = pd.DataFrame({p.id: 0.4 * p.capacity_mw for p in config.plants}, index=index)
    usf = synthetic_usf(config, at, truth)
    issued = at - dt.timedelta(minutes=10)
    return write_usf(UltraShortForecast(usf.at, usf.mw, issued, usf.source), folder)


def revise(runs_dir: Path, hour: int, instance: dg.DagsterInstance, **kwargs):
    return dg.materialize(
        [plan_revision],
        partition_key=f"{DAY}-{hour:02d}:00",
        resources=resources(runs_dir),
        instance=instance,
        **kwargs,
    )


def metadata(result) -> dict:
    [event] = result.asset_materializations_for_node("plan_revision")
    return {key: value.value for key, value in event.metadata.items()}


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_hourly_revisions_write_the_day_and_tell_the_dispatcher(day_dir, runs_dir):
    with dg.instance_for_test() as instance:
        midnight = revise(runs_dir, 0, instance)
        assert midnight.success
        assert metadata(midnight)["revision"] == "day-ahead"
        assert not (day_dir / "current").exists()  # 00:00 re-plans nothing

        assert revise(runs_dir, 9, instance).success
        # the 10:00 set in the inbox is used without run config
        inbox_set = forecast_set(usf_set_dir(runs_dir / "inbox", DAY, "1000"), 10)
        result = revise(runs_dir, 10, instance)
        assert result.success

    assert (day_dir / "revisions" / "0900" / "revision.json").is_file()
    record = json.loads((day_dir / "revisions" / "1000" / "revision.json").read_text())
    assert (day_dir / "revisions" / "1000" / "plan" / "summary.json").is_file()
    assert json.loads((day_dir / "current" / "summary.json").read_text())["revision"] == "10:00"

    meta = metadata(result)
    assert meta["revision"] == "10:00"
    assert meta["based_on"] == "09:00"
    assert meta["forecast_source"] == f"files {inbox_set}"
    assert meta["forecast_mean_difference_mw"] == pytest.approx(
        record["forecast"]["mean_difference_mw"]
    )
    assert meta["state_source"] == "plan"
    assert meta["storage_difference_mwh"] == pytest.approx(0.0)
    assert meta["status"] == record["plan"]["status"]
    assert meta["gap"] == pytest.approx(record["plan"]["gap"])
    for side in ("before", "after"):
        figures = record[f"rest_of_day_{side}"]
        assert meta[f"import_mwh_{side}"] == pytest.approx(figures["import_mwh"])
        assert meta[f"green_share_{side}"] == pytest.approx(figures["green_share"])
    rows = [line for line in meta["revisions"].splitlines() if line.startswith("| ")][1:]
    assert [row.split(" | ")[0] for row in rows] == ["| 09:00", "| 10:00"]
    assert rows[1].split(" | ")[1] == "09:00"  # based on the 09:00 revision


def test_a_bad_forecast_fails_the_run_and_keeps_the_plan_in_force(day_dir, runs_dir, tmp_path):
    files = forecast_set(tmp_path / "usf-1100", 11)
    broken = files / "huanxian-wind-1.csv"
    broken.write_text("".join(broken.read_text().splitlines(keepends=True)[:-1]))  # 15 rows
    with dg.instance_for_test() as instance:
        assert revise(runs_dir, 10, instance).success
        before = digest(day_dir / "current")
        result = revise(
            runs_dir,
            11,
            instance,
            run_config={"ops": {"plan_revision": {"config": {"forecast_dir": str(files)}}}},
            raise_on_error=False,
        )
    assert not result.success
    message = failure_description(result, "plan_revision")
    assert "revision 11:00 not made" in message
    assert f"{broken}: 15 points for plant huanxian-wind-1" in message
    assert "; the plan in force stays 10:00" in message
    assert digest(day_dir / "current") == before
    assert not (day_dir / "revisions" / "1100").exists()


def _schedule_tick(hour: int):
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime.combine(DATE, dt.time(hour), tzinfo=SHANGHAI),
        repository_def=defs().get_repository_def(),
    )
    return hourly_replan.evaluate_tick(context)


def test_hourly_schedule_requests_the_hour_and_not_midnight():
    assert hourly_replan.cron_schedule == "0 * * * *"
    assert hourly_replan.execution_timezone == "Asia/Shanghai"
    assert hourly_replan.default_status == dg.DefaultScheduleStatus.STOPPED
    [request] = _schedule_tick(10).run_requests
    assert request.partition_key == f"{DAY}-10:00"
    assert request.job_name in (None, "replan_hour")
    midnight = _schedule_tick(0)
    assert not midnight.run_requests
    assert "day-ahead" in midnight.skip_message


def _sensor_tick(instance, runs_dir: Path, cursor: str | None):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=defs(),
        resources={
            "forecast": ForecastSettings(inbox_dir=str(runs_dir / "inbox")),
            "publisher": Publisher(runs_dir=str(runs_dir)),
        },
    )
    return usf_inbox_sensor.evaluate_tick(context)


def test_usf_sensor_runs_a_complete_set_once(runs_dir, tmp_path):
    DayFolder(runs_dir / DAY).write_instance(day_raw())  # its plants make a set complete
    plants = DayFolder(runs_dir / DAY).read_instance().plants
    sent = forecast_set(tmp_path / "sent", 10)
    target = usf_set_dir(runs_dir / "inbox", DAY, "1000")

    def drop(plant: str, second: int) -> None:
        shutil.copyfile(sent / f"{plant}.csv", target / f"{plant}.csv")
        os.utime(target / f"{plant}.csv", ns=(second * 1_000_000_000,) * 2)

    with dg.instance_for_test() as instance:
        assert _sensor_tick(instance, runs_dir, None).skip_message == (
            "no new ultra-short-term forecast sets"
        )
        target.mkdir(parents=True)
        for second, plant in enumerate(plants[:-1], start=1):
            drop(plant, second)
        waiting = _sensor_tick(instance, runs_dir, None)
        assert not waiting.run_requests
        assert f"{DAY}/1000 (missing {plants[-1]}.csv)" in waiting.skip_message

        drop(plants[-1], 9)
        tick = _sensor_tick(instance, runs_dir, waiting.cursor)
        [request] = tick.run_requests
        assert request.partition_key == f"{DAY}-10:00"
        assert request.run_key == f"usf-{DAY}-1000-9000000000"
        assert request.run_config == {
            "ops": {"plan_revision": {"config": {"forecast_dir": str(target)}}}
        }

        # the same files never request twice; a rewritten file is a new set
        assert not _sensor_tick(instance, runs_dir, tick.cursor).run_requests
        os.utime(target / f"{plants[0]}.csv", ns=(12_000_000_000,) * 2)
        [again] = _sensor_tick(instance, runs_dir, tick.cursor).run_requests
        assert again.run_key == f"usf-{DAY}-1000-12000000000"
