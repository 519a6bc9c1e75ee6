"""Backfills through Dagster: independent days by a daemon, chained days in order."""

import itertools
import json
import subprocess
import sys
import time

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import (
    BACKFILL_DAYS,
    BIN,
    HOME_YAML,
    QUEUED_HOME_YAML,
    REPO,
    SMALL_FLEET,
    dagster_process,
    shifted,
    subprocess_env,
)


@pytest.mark.slow
def test_cli_backfill_three_days(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(QUEUED_HOME_YAML)
    runs = tmp_path / "runs"
    # Independent days: a job backfill launches them at once (chained days need the order).
    env = subprocess_env(home, runs, SUANDIAN_CHAIN_DAYS="false")
    # Create the SQLite storages here, once: a daemon and the CLI starting together both
    # stamp the schema and can leave two alembic heads ("more than one head present").
    with dg.DagsterInstance.from_config(str(home)) as instance:
        instance.get_runs()
        instance.all_instigator_state()
        instance.get_latest_materialization_event(dg.AssetKey("dispatch_plan"))
    with dagster_process([str(BIN / "dagster-daemon"), "run"], env, tmp_path / "daemon.log"):
        # Run from the repo root without -m: the location is named from pyproject ("suandian").
        launched = subprocess.run(
            [
                str(BIN / "dagster"),
                "job",
                "backfill",
                "-j",
                "plan_day",
                "--from",
                BACKFILL_DAYS[0],
                "--to",
                BACKFILL_DAYS[-1],
                "--noprompt",
            ],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert launched.returncode == 0, launched.stdout[-2000:] + launched.stderr[-3000:]
        with dg.DagsterInstance.from_config(str(home)) as instance:
            deadline = time.monotonic() + 900
            while True:
                records = instance.get_runs(filters=dg.RunsFilter(job_name="plan_day"))
                done = [
                    r
                    for r in records
                    if r.status
                    in (
                        dg.DagsterRunStatus.SUCCESS,
                        dg.DagsterRunStatus.FAILURE,
                        dg.DagsterRunStatus.CANCELED,
                    )
                ]
                if len(records) == len(BACKFILL_DAYS) and len(done) == len(BACKFILL_DAYS):
                    break
                assert time.monotonic() < deadline, (
                    f"backfill unfinished: "
                    f"{[(r.tags.get('dagster/partition'), r.status) for r in records]}"
                    + (tmp_path / "daemon.log").read_text()[-3000:]
                )
                time.sleep(3)
            failures = [
                f"{r.tags.get('dagster/partition')}: {event.message}"
                f" {event.dagster_event.step_failure_data.error.to_string()}"
                for r in records
                if r.status != dg.DagsterRunStatus.SUCCESS
                for event in instance.all_logs(r.run_id)
                if event.dagster_event is not None and event.dagster_event.is_step_failure
            ]
            assert {r.status for r in records} == {dg.DagsterRunStatus.SUCCESS}, failures
            assert sorted(r.tags["dagster/partition"] for r in records) == BACKFILL_DAYS
            assert all("dagster/backfill" in r.tags for r in records)
    for day in BACKFILL_DAYS:
        assert (runs / day / "instance.json").is_file()
        assert (runs / day / "plan" / "summary.json").is_file()
        assert (runs / day / "report.html").is_file()


@pytest.mark.slow
def test_ordered_backfill_chains_seven_days(tmp_path):
    """``python -m pipelines.backfill`` over 7 small-fleet days: each starts at its predecessor's end."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(HOME_YAML)
    runs = tmp_path / "runs"
    days = [shifted(k) for k in range(-27, -20)]
    env = subprocess_env(
        home,
        runs,
        SUANDIAN_FLEET_CONFIG=str(SMALL_FLEET / "fleet.toml"),
        SUANDIAN_WORKLOAD_FILE=str(SMALL_FLEET / "workloads.csv"),
        SUANDIAN_SCENARIOS="2",
    )
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.backfill", "--from", days[0], "--to", days[-1]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "7 days planned in order" in done.stdout
    first = json.loads((runs / days[0] / "instance.json").read_text())
    assert first["initial_state_source"] == "configured"
    for before, day in itertools.pairwise(days):
        raw = json.loads((runs / day / "instance.json").read_text())
        assert raw["initial_state_source"] == f"plan:{before}"
        rack = pd.read_csv(runs / before / "plan" / "rack_power_plan.csv")
        last = rack[rack["step"] == 95]
        blocks = dict(zip(last["datacenter"], last["blocks_on"].astype(int), strict=True))
        assert {dc["id"]: dc["initial_blocks_on"] for dc in raw["datacenters"]} == blocks
        energy = pd.read_csv(runs / before / "plan" / "energy_schedule.csv")
        probability = {
            s["id"]: s["probability"]
            for s in json.loads((runs / before / "instance.json").read_text())["scenarios"]
        }
        end = energy[energy["step"] == 95]
        soc = float((end["soc_mwh__bess-1"] * end["scenario"].map(probability)).sum())
        assert raw["storage"][0]["energy_initial_mwh"] == pytest.approx(soc, abs=1e-6)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.get_runs(filters=dg.RunsFilter(job_name="plan_day"))
        assert sorted(r.tags["dagster/partition"] for r in records) == days
        assert {r.status for r in records} == {dg.DagsterRunStatus.SUCCESS}
