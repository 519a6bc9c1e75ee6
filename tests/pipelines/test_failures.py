"""Failures are clear: invalid instance, infeasible day, transient sources.

The solver stopped at a limit is run for real in ``test_real_forecast.py``.
"""

import json

import dagster as dg
import pytest
from pipeline_support import DAY, failure_description, materialize_day, resources, tiny_raw

import pipelines.defs.assets.forecasts as forecast_assets


@pytest.fixture
def instance(dagster_home):
    with dg.DagsterInstance.get() as inst:
        yield inst


def test_invalid_instance_fails_with_the_validators_message(assemble_returns, instance, runs_dir):
    raw = tiny_raw()
    raw["datacenters"][1]["pue"][17] = 0.8
    assemble_returns(raw)
    result = materialize_day(DAY, resources(runs_dir), instance, raise_on_error=False)
    assert not result.success
    message = failure_description(result, "dispatch_instance")
    assert f"The instance for {DAY} is invalid" in message
    assert "datacenters[1].pue[17]" in message
    assert not (runs_dir / DAY).exists()  # nothing half-published
    assert not result.asset_materializations_for_node("dispatch_plan")


def test_infeasible_day_fails_with_the_named_cause(assemble_returns, instance, runs_dir):
    raw = tiny_raw()
    # dc01 needs 3 blocks from step 0 on, but starts with none and may add one per step
    dc = raw["datacenters"][0]
    dc.update(initial_blocks_on=0, max_block_change=1, inflexible_mw=[12.0] * 96)
    assemble_returns(raw)
    result = materialize_day(DAY, resources(runs_dir), instance, raise_on_error=False)
    assert not result.success
    message = failure_description(result, "dispatch_plan")
    assert message.startswith(f"No feasible plan for {DAY}: ")
    assert len(message) > len(f"No feasible plan for {DAY}: ") + 5
    # the instance stays archived for `suandian solve`; there was no plan before
    assert sorted(p.name for p in (runs_dir / DAY).iterdir()) == ["instance.json"]


def snapshot(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_failed_replan_keeps_the_last_good_plan(assemble_returns, instance, runs_dir):
    good = tiny_raw()
    assemble_returns(good)
    assert materialize_day(DAY, resources(runs_dir), instance).success
    day = runs_dir / DAY
    plan_before = snapshot(day / "plan")
    report_before = (day / "report.html").read_bytes()
    published = json.loads((day / "plan" / "summary.json").read_text())

    bad = tiny_raw()
    bad["datacenters"][0].update(initial_blocks_on=0, max_block_change=1, inflexible_mw=[12.0] * 96)
    assemble_returns(bad)
    result = materialize_day(DAY, resources(runs_dir), instance, raise_on_error=False)
    assert not result.success
    assert failure_description(result, "dispatch_plan").startswith(f"No feasible plan for {DAY}: ")
    # The new instance is archived; the plan and report of the old one are untouched.
    assert json.loads((day / "instance.json").read_text()) == bad
    assert snapshot(day / "plan") == plan_before
    assert (day / "report.html").read_bytes() == report_before
    [mat] = result.asset_materializations_for_node("dispatch_instance")
    meta = {k: v.value for k, v in mat.metadata.items()}
    assert meta["published_plan_instance_sha256"] == published["instance_sha256"]
    assert meta["instance_sha256"] != published["instance_sha256"]


def test_transient_source_error_is_retried(assemble_returns, instance, runs_dir, monkeypatch):
    real = forecast_assets.weather_step
    calls = []

    def flaky(config, day, source):
        calls.append(day)
        if len(calls) == 1:
            raise ConnectionError("weather service unreachable")
        return real(config, day, source)

    monkeypatch.setattr(forecast_assets, "weather_step", flaky)
    assemble_returns(tiny_raw())
    result = materialize_day(DAY, resources(runs_dir), instance)
    assert result.success and len(calls) == 2
    retried = [e for e in result.all_events if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert [e.step_key for e in retried] == ["weather_forecast"]


def test_bad_input_is_not_retried(instance, runs_dir, monkeypatch):
    from models.forecast.errors import ForecastInputError

    calls = []

    def broken(config, day, source):
        calls.append(day)
        raise ForecastInputError("huanxian-wind-1.json: wind_speed_100m: missing")

    monkeypatch.setattr(forecast_assets, "weather_step", broken)
    result = materialize_day(DAY, resources(runs_dir), instance, raise_on_error=False)
    assert not result.success and len(calls) == 1
    assert "wind_speed_100m: missing" in failure_description(result, "weather_forecast")
