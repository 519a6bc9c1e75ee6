"""Evaluation of a past day in the pipeline: actual output, plan evaluation, backtest report,
the ``evaluate_day`` job and the metered-inbox sensor.

One past day is planned and evaluated in-process on the tiny instance (as the
pipeline-day tests do) with metered plant files in the inbox, into a
temporary runs folder and DAGSTER_HOME.
"""

import json
import os

import dagster as dg
import pytest
from pipeline_support import (
    PAST_DAY,
    TIME_LIMIT_S,
    all_assets_and_checks,
    resources,
    tiny_assembler,
    tiny_raw,
    today,
)

from models.backtest import POLICIES
from pipelines.definitions import EVALUATION_ASSETS, defs
from pipelines.defs.assets.evaluation import actual_output, backtest_report, plan_evaluation
from pipelines.defs.resources import ForecastSettings
from pipelines.defs.sensors import metered_inbox_sensor


def eval_resources(runs):
    return resources(runs, evaluation_time_limit_s=TIME_LIMIT_S, evaluation_mip_rel_gap=2e-3)


def write_metered(inbox, day, scale=0.9):
    """Metered 96-point files for the tiny instance's plants (a shifted copy of a scenario)."""
    folder = inbox / day / "metered"
    folder.mkdir(parents=True, exist_ok=True)
    scenario = tiny_raw(day)["scenarios"][1]["renewable_mw"]
    for plant, values in scenario.items():
        rows = [
            f"{k + 1},{scale * v * (1 + 0.05 * ((k // 12) % 3 - 1)):.4f}"
            for k, v in enumerate(values)
        ]
        (folder / f"{plant}.csv").write_text("point,mw\n" + "\n".join(rows) + "\n")
    return folder


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    base = tmp_path_factory.mktemp("evaluation")
    home, runs = base / "dagster_home", base / "runs"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
    write_metered(runs / "inbox", PAST_DAY)
    res = eval_resources(runs)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        tiny_assembler(mp)
        with dg.DagsterInstance.get() as instance:
            partitioned = [a for a in EVALUATION_ASSETS if a is not backtest_report]
            day = dg.materialize(
                [*all_assets_and_checks(), *partitioned],
                partition_key=PAST_DAY,
                resources=res,
                instance=instance,
            )
            report = dg.materialize([backtest_report], resources=res, instance=instance)
            yield {"day": day, "report": report, "runs": runs, "instance": instance}


def test_past_day_is_evaluated_with_five_policies(evaluated):
    assert evaluated["day"].success
    day_dir = evaluated["runs"] / PAST_DAY
    content = json.loads((day_dir / "evaluation.json").read_text())
    assert set(content["policies"]) == set(POLICIES)
    assert content["actual_source"].startswith("metered ")
    assert (day_dir / "actual.json").is_file()
    # The backtest's layout (models.plan.DayFolder): the step tables beside evaluation.json.
    assert {p.name for p in day_dir.iterdir()} >= {
        "instance.json",
        "plan",
        "report.html",
        "flat_plan",
        "actual.json",
        "evaluation.json",
        "policy_steps.csv",
        "actual_output.csv",
    }
    # The flat plan is the report's, solved once: its objective is the one in flat_plan/.
    flat_summary = json.loads((day_dir / "flat_plan" / "summary.json").read_text())
    assert content["flat_plan"] == "report"
    assert content["policies"]["flat"]["planned_objective"] == flat_summary["objective"]
    [mat] = evaluated["day"].asset_materializations_for_node("plan_evaluation")
    assert mat.partition == PAST_DAY
    meta = {k: v.value for k, v in mat.metadata.items()}
    stochastic = content["policies"]["stochastic"]
    assert meta["realised_cost"] == stochastic["realised_cost"]
    assert meta["green_share"] == stochastic["green_share"]
    pf_cost = content["policies"]["perfect_foresight"]["realised_cost"]
    assert meta["perfect_foresight_cost"] == pf_cost
    for key in ("value_captured", "vss", "evpi"):
        if content[key] is None:
            assert key not in meta
        else:
            assert isinstance(mat.metadata[key], dg.FloatMetadataValue)
            assert meta[key] == content[key]
    assert "| stochastic |" in meta["policies"]
    assert meta["flat_plan"] == "report"
    [actual] = evaluated["day"].asset_materializations_for_node("actual_output")
    assert actual.metadata["metered"].value is True


def test_backtest_report_collects_the_evaluated_days(evaluated):
    assert evaluated["report"].success
    out = evaluated["runs"] / "backtest"
    assert (out / "backtest.html").is_file()
    csv = (out / "backtest.csv").read_text().splitlines()
    assert len(csv) == 1 + len(POLICIES)
    assert all(line.startswith(PAST_DAY) for line in csv[1:])


def test_day_not_ended_fails_with_a_clear_message(tmp_path):
    day = today().isoformat()
    context = dg.build_asset_context(partition_key=day, resources=eval_resources(tmp_path))
    with pytest.raises(dg.Failure) as info:
        actual_output(context, dispatch_instance=tiny_raw(day))
    assert info.value.description == (
        f"{day} has not ended yet (Asia/Shanghai); evaluation needs the actual output"
    )
    assert not (tmp_path / day).exists()


def test_evaluate_day_job_selects_the_two_assets():
    job = defs().resolve_job_def("evaluate_day")
    keys = {k.to_user_string() for k in job.asset_layer.asset_graph.get_all_asset_keys()}
    assert {"actual_output", "plan_evaluation"} <= keys
    assert job.partitions_def is not None
    assert actual_output.group_names_by_key[actual_output.key] == "evaluation"
    assert plan_evaluation.group_names_by_key[plan_evaluation.key] == "evaluation"


def _tick(instance, inbox, cursor):
    context = dg.build_sensor_context(
        instance=instance,
        cursor=cursor,
        definitions=defs(),
        resources={"forecast": ForecastSettings(inbox_dir=str(inbox))},
    )
    return metered_inbox_sensor.evaluate_tick(context)


def test_metered_sensor_requests_the_day_once_per_file_version(tmp_path):
    folder = write_metered(tmp_path, PAST_DAY)
    with dg.instance_for_test() as instance:
        tick = _tick(instance, tmp_path, None)
        [request] = tick.run_requests
        assert request.partition_key == PAST_DAY
        assert request.job_name in (None, "evaluate_day")
        again = _tick(instance, tmp_path, tick.cursor)
        assert not again.run_requests
        # a new version of one file: the day again, under a new run key
        path = folder / "w-wind-1.csv"
        stamp = path.stat().st_mtime_ns + 5_000_000_000
        os.utime(path, ns=(stamp, stamp))
        newer = _tick(instance, tmp_path, tick.cursor)
        [request2] = newer.run_requests
        assert request2.partition_key == PAST_DAY
        assert request2.run_key != request.run_key


def test_metered_sensor_waits_for_the_day_to_end(tmp_path):
    day = today().isoformat()
    write_metered(tmp_path, day)
    with dg.instance_for_test() as instance:
        tick = _tick(instance, tmp_path, None)
        assert not tick.run_requests
        assert "wait for their day to end" in tick.skip_message


def test_bad_metered_file_fails_and_writes_nothing(tmp_path):
    runs = tmp_path / "runs"
    folder = write_metered(runs / "inbox", PAST_DAY)
    (folder / "w-wind-1.csv").write_text("point,mw\n1,abc\n")
    context = dg.build_asset_context(partition_key=PAST_DAY, resources=eval_resources(runs))
    with pytest.raises(dg.Failure) as info:
        actual_output(context, dispatch_instance=tiny_raw(PAST_DAY))
    assert "w-wind-1.csv" in info.value.description
    assert not (runs / PAST_DAY / "actual.json").exists()


def test_evaluate_day_job_reruns_from_the_stored_plan(evaluated):
    from pipelines.definitions import ASSETS
    from pipelines.defs.jobs import evaluate_day

    local = dg.Definitions(
        assets=[*ASSETS, *EVALUATION_ASSETS],
        jobs=[evaluate_day],
        resources=eval_resources(evaluated["runs"]),
    )
    result = local.resolve_job_def("evaluate_day").execute_in_process(
        partition_key=PAST_DAY, instance=evaluated["instance"]
    )
    assert result.success
    ran = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert ran == {"actual_output", "plan_evaluation"}
    content = json.loads((evaluated["runs"] / PAST_DAY / "evaluation.json").read_text())
    assert set(content["policies"]) == set(POLICIES)
