"""The nightly schedule and the inbox sensor produce the right run requests."""

import datetime as dt
import json
import os

import dagster as dg
import pytest
from pipeline_support import ALL_ASSETS, ALL_CHECKS, DAY, OTHER_DAY, PAST_DAY, SHANGHAI, today

from pipelines.definitions import defs
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings
from pipelines.defs.schedules import nightly_plan
from pipelines.defs.sensors import inbox_sensor

# 21:00 in Shanghai on the evening before DAY: the nightly schedule plans DAY.
EVENING = dt.datetime.combine(
    dt.date.fromisoformat(DAY) - dt.timedelta(days=1), dt.time(21, 0), tzinfo=SHANGHAI
)


def test_partitions_reach_tomorrow_in_shanghai():
    keys = delivery_days.get_partition_keys(current_time=EVENING)
    assert keys[-1] == DAY
    assert delivery_days.timezone == "Asia/Shanghai"


def test_nightly_schedule_plans_next_day(tmp_path):
    assert nightly_plan.cron_schedule == "0 21 * * *"
    assert nightly_plan.execution_timezone == "Asia/Shanghai"
    context = dg.build_schedule_context(
        scheduled_execution_time=EVENING,
        resources={"forecast": ForecastSettings(inbox_dir=str(tmp_path))},
        repository_def=defs().get_repository_def(),
    )
    [request] = nightly_plan.evaluate_tick(context).run_requests
    assert request.partition_key == DAY
    assert request.run_key == f"nightly-{DAY}"
    assert request.run_config == {}


def _drop(path, text="x", second=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if second is not None:
        os.utime(path, ns=(1_000_000_000 * second,) * 2)
    return path


def test_nightly_schedule_uses_inbox_files_of_its_day(tmp_path):
    plants = _drop(tmp_path / DAY / "plants" / "huanxian-wind-1.csv", second=1)
    _drop(tmp_path / DAY / "workloads_v1.json", second=2)
    newer = _drop(tmp_path / DAY / "workloads_v2.json", second=3)
    _drop(tmp_path / OTHER_DAY / "workloads.json", second=4)
    context = dg.build_schedule_context(
        scheduled_execution_time=EVENING,
        resources={"forecast": ForecastSettings(inbox_dir=str(tmp_path))},
        repository_def=defs().get_repository_def(),
    )
    [request] = nightly_plan.evaluate_tick(context).run_requests
    assert request.run_config == {
        "resources": {
            "forecast": {
                "config": {"plant_forecast_dir": str(plants.parent), "workload_file": str(newer)}
            }
        }
    }


def _tick(instance, inbox, cursor):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=defs(),
        resources={"forecast": ForecastSettings(inbox_dir=str(inbox))},
    )
    return inbox_sensor.evaluate_tick(context)


def test_inbox_sensor_run_keys_and_cursor(tmp_path):
    with dg.instance_for_test() as instance:
        first = _tick(instance, tmp_path, None)
        assert not first.run_requests and first.skip_message == "no new inbox files"

        plant = _drop(tmp_path / PAST_DAY / "plants" / "huanxian-wind-1.csv", second=5)
        _drop(tmp_path / PAST_DAY / "notes.txt")  # ignored: neither kind
        _drop(tmp_path / "stray.csv")  # ignored: not in a day folder
        tick = _tick(instance, tmp_path, None)
        [request] = tick.run_requests
        assert request.partition_key == PAST_DAY
        assert (
            request.run_key == f"inbox-{PAST_DAY}-{PAST_DAY}/plants/huanxian-wind-1.csv@5000000000"
        )
        assert request.run_config["resources"]["forecast"]["config"] == {
            "plant_forecast_dir": str(plant.parent)
        }
        assert json.loads(tick.cursor) == [f"{PAST_DAY}/plants/huanxian-wind-1.csv@5000000000"]

        # the same file never triggers twice
        assert not _tick(instance, tmp_path, tick.cursor).run_requests

        # a workload file for the same day re-runs it with both inputs, under a new run key
        work = _drop(tmp_path / PAST_DAY / "workload_queue.json", "[]", second=6)
        tick2 = _tick(instance, tmp_path, tick.cursor)
        [request2] = tick2.run_requests
        assert request2.run_config["resources"]["forecast"]["config"] == {
            "plant_forecast_dir": str(plant.parent),
            "workload_file": str(work),
        }
        assert request2.run_key != request.run_key

        # a rewritten file (new mtime) counts as new
        os.utime(plant, ns=(7_000_000_000,) * 2)
        tick3 = _tick(instance, tmp_path, tick2.cursor)
        assert [r.partition_key for r in tick3.run_requests] == [PAST_DAY]
        assert tick3.run_requests[0].run_key not in {request.run_key, request2.run_key}


def test_inbox_sensor_waits_for_future_partition(tmp_path):
    beyond = today() + dt.timedelta(days=7)  # tomorrow is the newest partition
    _drop(tmp_path / beyond.isoformat() / "workloads.json")
    with dg.instance_for_test() as instance:
        tick = _tick(instance, tmp_path, None)
        assert not tick.run_requests
        assert "wait for their day" in tick.skip_message


@pytest.mark.parametrize("name", ["plan_day"])
def test_job_selects_all_assets_and_checks(name):
    job = defs().resolve_job_def(name)
    keys = {k.to_user_string() for k in job.asset_layer.asset_graph.get_all_asset_keys()}
    assert keys == ALL_ASSETS
    checks = {c.name for c in job.asset_layer.asset_graph.asset_check_keys}
    assert checks == ALL_CHECKS
