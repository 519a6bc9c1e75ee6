"""The nightly schedule and the inbox sensor produce the right run requests."""

import datetime as dt
import json
import os
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import defs
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings
from pipelines.defs.schedules import nightly_plan
from pipelines.defs.sensors import inbox_sensor

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_partitions_reach_tomorrow_in_shanghai():
    evening = dt.datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI)
    keys = delivery_days.get_partition_keys(current_time=evening)
    assert keys[-1] == "2026-11-24"
    assert delivery_days.timezone == "Asia/Shanghai"


def test_nightly_schedule_plans_next_day(tmp_path):
    assert nightly_plan.cron_schedule == "0 21 * * *"
    assert nightly_plan.execution_timezone == "Asia/Shanghai"
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI),
        resources={"forecast": ForecastSettings(inbox_dir=str(tmp_path))},
        repository_def=defs.get_repository_def(),
    )
    [request] = nightly_plan.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-11-24"
    assert request.run_key == "nightly-2026-11-24"
    assert request.run_config == {}


def test_nightly_schedule_picks_newest_inbox_files(tmp_path):
    older = tmp_path / "plants_2026-11-24_v1.csv"
    newer = tmp_path / "plants_2026-11-24_v2.csv"
    work = tmp_path / "workloads_2026-11-24.json"
    for i, path in enumerate((older, newer, work)):
        path.write_text("x")
        os.utime(path, ns=(1_000_000_000 * (i + 1),) * 2)
    (tmp_path / "plants_2026-11-25.csv").write_text("other day")
    context = dg.build_schedule_context(
        scheduled_execution_time=dt.datetime(2026, 11, 23, 21, 0, tzinfo=SHANGHAI),
        resources={"forecast": ForecastSettings(inbox_dir=str(tmp_path))},
        repository_def=defs.get_repository_def(),
    )
    [request] = nightly_plan.evaluate_tick(context).run_requests
    assert request.run_config == {
        "resources": {
            "forecast": {"config": {"plant_forecast_file": str(newer), "workload_file": str(work)}}
        }
    }


def _tick(instance, inbox, cursor):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=defs,
        resources={"forecast": ForecastSettings(inbox_dir=str(inbox))},
    )
    return inbox_sensor.evaluate_tick(context)


def test_inbox_sensor_run_keys_and_cursor(tmp_path):
    with dg.instance_for_test() as instance:
        first = _tick(instance, tmp_path, None)
        assert not first.run_requests and first.skip_message == "no new inbox files"

        plants = tmp_path / "plants_2026-11-20.csv"
        plants.write_text("step,mw\n")
        (tmp_path / "notes.txt").write_text("ignored: no day, wrong suffix")
        tick = _tick(instance, tmp_path, None)
        [request] = tick.run_requests
        assert request.partition_key == "2026-11-20"
        assert request.run_key.startswith("inbox-2026-11-20-plants_2026-11-20.csv@")
        assert request.run_config["resources"]["forecast"]["config"] == {
            "plant_forecast_file": str(plants)
        }
        cursor = tick.cursor
        assert json.loads(cursor) == [f"plants_2026-11-20.csv@{plants.stat().st_mtime_ns}"]

        # the same file never triggers twice
        again = _tick(instance, tmp_path, cursor)
        assert not again.run_requests

        # a workload file for the same day re-runs it with both files
        work = tmp_path / "workload_queue_2026-11-20.json"
        work.write_text("[]")
        tick = _tick(instance, tmp_path, cursor)
        [request] = tick.run_requests
        assert request.run_config["resources"]["forecast"]["config"] == {
            "plant_forecast_file": str(plants),
            "workload_file": str(work),
        }
        assert (
            request.run_key != f"inbox-2026-11-20-plants_2026-11-20.csv@{plants.stat().st_mtime_ns}"
        )

        # a rewritten file (new mtime) counts as new
        os.utime(plants, ns=(plants.stat().st_mtime_ns + 10**9,) * 2)
        tick2 = _tick(instance, tmp_path, tick.cursor)
        assert [r.partition_key for r in tick2.run_requests] == ["2026-11-20"]


def test_inbox_sensor_waits_for_future_partition(tmp_path):
    far = tmp_path / "plants_2099-01-01.csv"
    far.write_text("x")
    with dg.instance_for_test() as instance:
        tick = _tick(instance, tmp_path, None)
        assert not tick.run_requests
        assert "wait for their day" in tick.skip_message


@pytest.mark.parametrize("name", ["plan_day"])
def test_job_selects_all_assets_and_checks(name):
    job = defs.resolve_job_def(name)
    keys = {k.to_user_string() for k in job.asset_layer.asset_graph.get_all_asset_keys()}
    assert keys == {
        "weather_forecast",
        "renewable_forecast",
        "datacenter_conditions",
        "workload_queue",
        "grid_tariff",
        "dispatch_instance",
        "dispatch_plan",
        "rack_power_plan",
        "plan_report",
    }
    checks = {c.name for c in job.asset_layer.asset_graph.asset_check_keys}
    assert checks == {
        "instance_valid",
        "plan_feasible",
        "gap_within_limit",
        "no_shed_load",
        "unserved_flexible_energy",
        "published_totals_match_summary",
    }
