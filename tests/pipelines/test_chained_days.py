"""Chained days through the real forecast assets on the small fleet.

Expected values are read with plain pandas from the published files of the
previous day (``plan/rack_power_plan.csv``, ``plan/energy_schedule.csv``,
``plan/workload_allocation.csv``) and from the fleet file, never from the
handover code under test.
"""

import datetime as dt
import json
import tomllib

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import (
    SMALL_FLEET,
    failure_description,
    materialize_day,
    shifted,
    small_fleet_resources,
    tiny_raw,
)

from models.forecast import build_instance
from pipelines.definitions import ASSETS
from pipelines.defs.resources import ForecastSettings

INSTANCE_ASSETS = {
    "weather_forecast",
    "renewable_forecast",
    "datacenter_conditions",
    "workload_queue",
    "grid_tariff",
    "dispatch_instance",
}

DAYS = [shifted(-20), shifted(-19), shifted(-18)]
LONG_JOB = "render-long"
LONG_JOB_MWH = 60.0
# The battery may end a day low (3 MWh rather than the shipped 10), so the state of
# charge handed on differs from the configured start and the test can tell them apart.
FINAL_MIN_MWH = 3.0


def chained_fleet(tmp_path) -> tuple[str, str]:
    """The small fleet with a low end-of-day floor, and its queue plus a 3-day job."""
    text = (SMALL_FLEET / "fleet.toml").read_text()
    assert "energy_final_min_mwh = 10.0" in text
    fleet = tmp_path / "fleet.toml"
    fleet.write_text(
        text.replace("energy_final_min_mwh = 10.0", f"energy_final_min_mwh = {FINAL_MIN_MWH}")
    )
    rows = (SMALL_FLEET / "workloads.csv").read_text().rstrip("\n")
    end = (dt.date.fromisoformat(DAYS[0]) + dt.timedelta(days=3)).isoformat()
    queue = tmp_path / "workloads.csv"
    queue.write_text(
        rows + f"\n{LONG_JOB},{LONG_JOB_MWH},dc-a;dc-b,{DAYS[0]}T00:00,{end}T00:00,1.5,2500\n"
    )
    return str(fleet), str(queue)


def chained_resources(runs_dir, fleet: str, queue: str, **forecast) -> dict:
    return small_fleet_resources(runs_dir) | {
        "forecast": ForecastSettings(
            fleet_config=fleet,
            workload_file=queue,
            scenarios=2,
            inbox_dir=str(runs_dir / "inbox"),
            **forecast,
        )
    }


def instance_of(runs_dir, day: str) -> dict:
    return json.loads((runs_dir / day / "instance.json").read_text())


def end_state(runs_dir, day: str) -> tuple[dict, float]:
    """Blocks at step 95 and the probability-weighted state of charge there, from the CSVs."""
    plan = runs_dir / day / "plan"
    rack = pd.read_csv(plan / "rack_power_plan.csv")
    last = rack[rack["step"] == 95]
    blocks = dict(zip(last["datacenter"], last["blocks_on"].astype(int), strict=True))
    energy = pd.read_csv(plan / "energy_schedule.csv")
    probability = {s["id"]: s["probability"] for s in instance_of(runs_dir, day)["scenarios"]}
    end = energy[energy["step"] == 95]
    soc = float((end["soc_mwh__bess-1"] * end["scenario"].map(probability)).sum())
    return blocks, soc


def served_mwh(runs_dir, day: str, job: str) -> float:
    alloc = pd.read_csv(runs_dir / day / "plan" / "workload_allocation.csv")
    rows = alloc[(alloc["workload"] == job) & (alloc["step"] < 96)]
    return float(rows["mw"].sum()) * 0.25


def job_record(raw: dict, job: str) -> dict:
    [record] = [w for w in raw["workloads"] if w["id"] == job]
    return record


def test_three_chained_days_hand_on_their_end_state(tmp_path, runs_dir):
    fleet, queue = chained_fleet(tmp_path)
    res = chained_resources(runs_dir, fleet, queue)
    with dg.instance_for_test() as instance:
        results = [materialize_day(day, res, instance) for day in DAYS]
    assert all(r.success for r in results)

    # The first day has no predecessor: the configured values, and it says so.
    first = instance_of(runs_dir, DAYS[0])
    configured = tomllib.loads((SMALL_FLEET / "fleet.toml").read_text())["storage"][0]
    assert first["initial_state_source"] == "configured"
    assert first["storage"][0]["energy_initial_mwh"] == configured["energy_initial_mwh"]
    unchained = build_instance(
        dt.date.fromisoformat(DAYS[0]), config=fleet, workloads=queue, scenarios=2
    )
    assert [dc.get("initial_blocks_on") for dc in first["datacenters"]] == [
        dc.get("initial_blocks_on") for dc in unchained["datacenters"]
    ]
    [meta] = results[0].asset_materializations_for_node("dispatch_instance")
    assert meta.metadata["initial_state_source"].value == "configured"

    remaining = LONG_JOB_MWH
    for k in (1, 2):
        before, day = DAYS[k - 1], DAYS[k]
        raw = instance_of(runs_dir, day)
        blocks, soc = end_state(runs_dir, before)
        assert raw["initial_state_source"] == f"plan:{before}"
        assert {dc["id"]: dc["initial_blocks_on"] for dc in raw["datacenters"]} == blocks
        assert raw["storage"][0]["energy_initial_mwh"] == pytest.approx(soc, abs=1e-6)
        [meta] = results[k].asset_materializations_for_node("dispatch_instance")
        assert meta.metadata["initial_state_source"].value == f"plan:{before}"
        # The job spanning the three days: what is left falls by what the day before served.
        remaining -= served_mwh(runs_dir, before, LONG_JOB)
        record = job_record(raw, LONG_JOB)
        owed = record.get("backlog_energy_mwh", record["energy_mwh"])
        assert owed == pytest.approx(remaining, abs=1e-6)
    # The chain handed on a different charge than the configuration's at least once.
    socs = [instance_of(runs_dir, d)["storage"][0]["energy_initial_mwh"] for d in DAYS[1:]]
    assert any(abs(s - configured["energy_initial_mwh"]) > 0.1 for s in socs)
    assert served_mwh(runs_dir, DAYS[0], LONG_JOB) > 0
    assert remaining < LONG_JOB_MWH


def test_independent_days_build_todays_instance(tmp_path, runs_dir):
    fleet, queue = chained_fleet(tmp_path)
    res = chained_resources(runs_dir, fleet, queue, chain_days=False)
    (runs_dir / DAYS[0]).mkdir()
    (runs_dir / DAYS[0] / "instance.json").write_text(json.dumps(tiny_raw(DAYS[0])))
    with dg.instance_for_test() as instance:
        result = materialize_day(DAYS[1], res, instance)
    assert result.success
    raw = instance_of(runs_dir, DAYS[1])
    # The previous folder (even one of another fleet) is not read: today's instance.
    expected = build_instance(
        dt.date.fromisoformat(DAYS[1]), config=fleet, workloads=queue, scenarios=2
    )
    assert "initial_state_source" not in raw
    assert raw == json.loads(json.dumps(expected))


def test_a_previous_day_of_another_fleet_fails_naming_the_file(tmp_path, runs_dir):
    fleet, queue = chained_fleet(tmp_path)
    res = chained_resources(runs_dir, fleet, queue)
    folder = runs_dir / DAYS[0]
    folder.mkdir()
    (folder / "instance.json").write_text(json.dumps(tiny_raw(DAYS[0])))
    with dg.instance_for_test() as instance:
        result = materialize_day(DAYS[1], res, instance, raise_on_error=False)
    assert not result.success
    message = failure_description(result, "workload_queue")
    assert str(folder / "instance.json") in message and "another fleet" in message
    assert not (runs_dir / DAYS[1] / "instance.json").exists()


def test_a_48_hour_horizon_builds_two_days_committing_to_the_first(tmp_path, runs_dir):
    fleet, queue = chained_fleet(tmp_path)
    res = chained_resources(runs_dir, fleet, queue, horizon_hours=48)
    upstream = [a for a in ASSETS if a.key.path[-1] in INSTANCE_ASSETS]
    with dg.instance_for_test() as instance:
        result = dg.materialize(upstream, partition_key=DAYS[0], resources=res, instance=instance)
    assert result.success
    raw = instance_of(runs_dir, DAYS[0])
    assert (raw["steps"], raw["committed_steps"]) == (192, 96)
    assert all(len(dc["pue"]) == 192 for dc in raw["datacenters"])
    assert len(raw["grid"]["import_price"]) == 192
    # the multi-day job is due at the end of the third day: this horizon owes 2/3 of it
    assert job_record(raw, LONG_JOB)["energy_mwh"] == pytest.approx(LONG_JOB_MWH * 2 / 3)
