"""A three-day backfill through the CLI, carried out by a real Dagster daemon."""

import subprocess
import time

import dagster as dg
import pytest
from pipeline_support import (
    BACKFILL_DAYS,
    BIN,
    QUEUED_HOME_YAML,
    REPO,
    dagster_process,
    subprocess_env,
)


@pytest.mark.slow
def test_cli_backfill_three_days(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(QUEUED_HOME_YAML)
    runs = tmp_path / "runs"
    env = subprocess_env(home, runs)
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
