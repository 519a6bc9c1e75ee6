"""Runs through the real forecast assets (no stubbed instance assembly) on a small fleet.

``tests/data/small-fleet`` holds one wind farm, one PV plant, two data centres, a
battery and a three-job workload file, so the weather, renewable, data-centre,
workload and tariff assets build a real instance that HiGHS solves in about a second.
The expected values come from the fleet files themselves (ids, tariff bands, the
workload file's times) and from the contract's gap formula.
"""

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import (
    ALL_ASSETS,
    ALL_CHECKS,
    DAY,
    SMALL_FLEET,
    materialize_day,
    small_fleet_resources,
)

import models.plan.folder as plan_folder
from pipelines.defs.resources import PlanLimits
from tests.report_parse import parse_report

FORECAST_ASSETS = {
    "weather_forecast",
    "renewable_forecast",
    "datacenter_conditions",
    "workload_queue",
    "grid_tariff",
}


@pytest.fixture
def instance(dagster_home):
    with dg.DagsterInstance.get() as inst:
        yield inst


def materialised(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def started_steps(result) -> set[str]:
    return {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}


def hand_tariff() -> list[float]:
    """The small fleet's import price per 15-minute step, from its TOML bands."""
    hours = [400.0] * 24
    for h in (6, 7, 18, 19, 20, 21, 22):
        hours[h] = 550.0
    for h in range(10, 16):
        hours[h] = 250.0
    return [hours[t // 4] for t in range(96)]


def test_small_fleet_day_runs_the_real_forecast_assets(instance, runs_dir):
    result = materialize_day(DAY, small_fleet_resources(runs_dir), instance)
    assert result.success
    assert materialised(result) == ALL_ASSETS
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == ALL_CHECKS
    assert {e.check_name: e.description for e in evaluations if not e.passed} == {}

    raw = json.loads((runs_dir / DAY / "instance.json").read_text())
    assert raw["start"] == f"{DAY}T00:00:00+08:00"
    assert [dc["id"] for dc in raw["datacenters"]] == ["dc-a", "dc-b"]
    assert [dc["racks"] for dc in raw["datacenters"]] == [2000, 1200]
    assert [s["id"] for s in raw["storage"]] == ["bess-1"]
    assert len(raw["scenarios"]) == 2
    for scenario in raw["scenarios"]:
        assert set(scenario["renewable_mw"]) == {"xifeng-wind-1", "xifeng-pv-1"}
        assert max(scenario["renewable_mw"]["xifeng-pv-1"]) <= 15.0
        assert max(scenario["renewable_mw"]["xifeng-pv-1"][:20]) == 0.0  # night before 05:00
    for dc in raw["datacenters"]:
        assert all(1.10 <= p <= 1.35 for p in dc["pue"])
    assert raw["grid"]["import_price"] == hand_tariff()
    assert raw["grid"]["import_limit_mw"] == 30.0

    queue = pd.read_csv(SMALL_FLEET / "workloads.csv")
    workloads = {w["id"]: w for w in raw["workloads"]}
    assert set(workloads) == set(queue["id"])
    batch = workloads["batch-b"]
    assert (batch["release_step"], batch["deadline_step"]) == (32, 80)  # 08:00-20:00
    assert batch["energy_mwh"] == 12.0 and batch["datacenters"] == ["dc-a", "dc-b"]
    assert (workloads["etl-c"]["release_step"], workloads["etl-c"]["deadline_step"]) == (48, 72)

    summary = json.loads((runs_dir / DAY / "plan" / "summary.json").read_text())
    assert summary["status"] == "optimal"
    rack = pd.read_csv(runs_dir / DAY / "plan" / "rack_power_plan.csv")
    assert sorted(rack["datacenter"].unique()) == ["dc-a", "dc-b"]
    assert len(rack) == 2 * 96


def corrupt_archived_instance(monkeypatch) -> None:
    """The archived instance.json gets a negative price after the asset validated its value."""
    real = plan_folder.dump_instance

    def dump(raw, path):
        real(raw, path)
        data = json.loads(Path(path).read_text())
        data["grid"]["import_price"][40] = -1.0
        Path(path).write_text(json.dumps(data))

    monkeypatch.setattr(plan_folder, "dump_instance", dump)


def corrupt_published_plan(monkeypatch) -> None:
    """The published rack plan switches every block of the first row off, though load runs."""
    real = plan_folder.write_plan_files

    def write(tables, folder):
        real(tables, folder)
        path = Path(folder) / "rack_power_plan.csv"
        rack = pd.read_csv(path)
        rack.loc[0, "blocks_on"] = 0
        rack.to_csv(path, index=False)

    monkeypatch.setattr(plan_folder, "write_plan_files", write)


@pytest.mark.parametrize(
    ("corrupt", "check", "problem", "done"),
    [
        (
            corrupt_archived_instance,
            "instance_valid",
            "grid.import_price[40]",
            FORECAST_ASSETS | {"dispatch_instance"},
        ),
        (
            corrupt_published_plan,
            "plan_feasible",
            "violation",
            FORECAST_ASSETS | {"dispatch_instance", "dispatch_plan", "rack_power_plan"},
        ),
    ],
    ids=["instance_valid", "plan_feasible"],
)
def test_failing_blocking_check_stops_the_downstream_assets(
    monkeypatch, instance, runs_dir, corrupt, check, problem, done
):
    corrupt(monkeypatch)
    result = materialize_day(DAY, small_fleet_resources(runs_dir), instance, raise_on_error=False)
    assert not result.success
    assert materialised(result) == done
    never_started = ALL_ASSETS - done
    assert not never_started & started_steps(result)
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == check]
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    assert problem in evaluation.description
    [failure] = result.get_step_failure_events()
    assert failure.step_key.endswith(check)
    assert "blocking asset check failed" in failure.step_failure_data.error.message
    assert check in failure.step_failure_data.error.message
    run = instance.get_run_by_id(result.run_id)
    assert run.status == dg.DagsterRunStatus.FAILURE


def test_highs_solution_limit_publishes_an_iteration_limit_plan(instance, runs_dir):
    """The real solver stopped by a HiGHS limit that does not depend on the machine's speed.

    ``mip_max_improving_sols=1`` ends the search at its first incumbent, before
    the bound can meet it on this instance; one thread keeps the search path fixed.
    """
    res = small_fleet_resources(
        runs_dir, highs_options={"mip_max_improving_sols": 1}, threads=1, mip_rel_gap=1e-4
    ) | {"plan_limits": PlanLimits(gap_limit=1e-3)}
    result = materialize_day(DAY, res, instance)
    assert result.success
    summary = json.loads((runs_dir / DAY / "plan" / "summary.json").read_text())
    assert summary["status"] == "iteration_limit"  # a HiGHS work limit, not the clock
    gap = (summary["objective"] - summary["bound"]) / max(1.0, abs(summary["objective"]))
    assert summary["gap"] == pytest.approx(gap, abs=1e-12)
    assert summary["gap"] > 1e-3

    meta = result.asset_materializations_for_node("dispatch_plan")[0].metadata
    assert meta["status"].value == "iteration_limit"
    assert meta["gap"].value == summary["gap"]
    assert meta["highs_options"].value == {"mip_max_improving_sols": 1}
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    gap_check = evaluations["gap_within_limit"]
    assert not gap_check.passed and gap_check.severity == dg.AssetCheckSeverity.WARN
    assert gap_check.description == (
        f"gap {summary['gap']:.4%} above the limit 0.1000% (solver status iteration_limit)"
    )
    blocking_or_error = {"instance_valid", "plan_feasible", "published_totals_match_summary"}
    assert all(evaluations[name].passed for name in blocking_or_error)
    warnings = [
        e.user_message
        for e in instance.all_logs(result.run_id)
        if e.level == 30 and "mip_max_improving_sols" in (e.user_message or "")
    ]
    assert warnings and "publishing the best plan found" in warnings[0]
    page = (runs_dir / DAY / "report.html").read_text()
    assert 'id="not-optimal"' in page
    assert parse_report(page)["tables"]["key-figures"]["status"] == ["iteration_limit"]
