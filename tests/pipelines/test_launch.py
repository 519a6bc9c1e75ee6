"""``make plan``'s launcher: one line per step, the key figures or the failing step's error.

A toy partitioned job stands in for ``plan_day`` (the launcher only reads the
run's events and the published ``summary.json``), so these tests take seconds.
"""

import io
import json
import re
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.launch import RunNarrator, error_tail, launch

DAY = "2024-07-15"
JOB = "__ephemeral_asset_job__"  # the job dg.materialize runs
SUMMARY = {
    "name": "toy-2024-07-15", "start": "2024-07-15T00:00:00+08:00", "status": "time_limit",
    "gap": 0.0123456, "objective": 538353.4, "green_share": 0.75476, "import_mwh": 1115.43,
    "unserved_flexible_mwh": 0.19,
}  # fmt: skip

TOY = """
import json, os, sys
from pathlib import Path
import dagster as dg

days = dg.DailyPartitionsDefinition(start_date="2024-07-01")

@dg.asset(partitions_def=days)
def forecast(context):
    context.log.warning("forecast source offline: synthetic weather used")
    return 1

@dg.asset(partitions_def=days)
def published(context, forecast):
    if os.environ["TOY_FAIL"]:
        raise ValueError("solver exploded on " + context.partition_key)
    plan = Path(os.environ["SUANDIAN_RUNS_DIR"]) / context.partition_key / "plan"
    plan.mkdir(parents=True)
    (plan / "summary.json").write_text(os.environ["TOY_SUMMARY"])

@dg.asset_check(asset=forecast, partitions_def=days)
def forecast_positive(forecast):
    return dg.AssetCheckResult(passed=forecast > 0)

result = dg.materialize([forecast, published, forecast_positive], partition_key=sys.argv[1],
                        instance=dg.DagsterInstance.get(), raise_on_error=False)
sys.exit(0 if result.success else 1)
"""


@pytest.fixture
def toy(tmp_path, dagster_home, runs_dir, monkeypatch):
    """The toy job's command line, run under a temporary DAGSTER_HOME and runs folder."""
    script = tmp_path / "toy_job.py"
    script.write_text(TOY)
    monkeypatch.setenv("SUANDIAN_RUNS_DIR", str(runs_dir))
    monkeypatch.setenv("TOY_SUMMARY", json.dumps(SUMMARY))
    monkeypatch.setenv("TOY_FAIL", "")
    return [sys.executable, str(script), DAY]


def run(command, log: Path, **kwargs) -> tuple[int, list[str]]:
    out = io.StringIO()
    code = launch(DAY, command, log, job=JOB, out=out, **kwargs)
    return code, out.getvalue().splitlines()


def body(line: str) -> str:
    """A progress line without its ``[m:ss]`` elapsed-time prefix."""
    match = re.fullmatch(r"\[ ?\d+:\d\d\] (.*)", line)
    assert match, line
    return " ".join(match.group(1).split())


def test_success_prints_a_line_per_step_then_the_key_figures(toy, tmp_path, runs_dir) -> None:
    log = tmp_path / "logs" / "plan.log"
    code, lines = run(toy, log)
    assert code == 0, "\n".join(lines)
    progress = [
        re.sub(r"\(\d+\.\d s\)", "(t)", body(line)) for line in lines if line.startswith("[")
    ]
    assert progress[0] == "warn forecast: forecast source offline: synthetic weather used"
    assert sorted(progress[1:]) == [
        "check forecast: forecast_positive passed", "ok forecast (t)", "ok published (t)",
    ]  # fmt: skip
    assert len(progress) == 4  # the check's own step success is not repeated
    # The key figures, formatted by hand from SUMMARY.
    text = "\n".join(lines)
    assert f"published {runs_dir / DAY}/" in text
    assert "status                         time_limit, gap 1.2346%" in text
    assert "expected daily cost            ¥538,353" in text
    assert "green share                    75.5%" in text
    assert "imported from the grid         1,115.4 MWh" in text
    assert "flexible energy left unserved  0.2 MWh" in text
    assert lines[-1] == f"  full Dagster log               {log}"  # aligned with the figures
    assert "DEBUG" not in text
    full = log.read_text()
    assert "DEBUG" in full and "STEP_SUCCESS" in full  # everything stays in the file


def test_failure_exits_non_zero_with_the_steps_error(toy, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TOY_FAIL", "1")
    code, lines = run(toy, tmp_path / "plan.log")
    assert code == 1
    fails = [body(line) for line in lines if line.startswith("[") and "FAIL" in line]
    assert fails == [f"FAIL published: ValueError: solver exploded on {DAY}"]
    failed = lines.index(next(line for line in lines if line.startswith(f"{JOB} {DAY} failed")))
    assert lines[failed + 1].strip() == f"published: ValueError: solver exploded on {DAY}"
    assert not any("expected daily cost" in line for line in lines)


def test_a_command_that_fails_before_any_run_shows_its_error(dagster_home, tmp_path) -> None:
    command = [
        sys.executable,
        "-c",
        "import sys; print('Error: no partition 2024-07-15'); sys.exit(2)",
    ]
    code, lines = run(command, tmp_path / "plan.log")
    assert code == 2
    assert f"{JOB} {DAY} failed before a run started; the log ends with:" in lines
    assert "  Error: no partition 2024-07-15" in lines


def test_verbose_shows_the_full_log_and_the_figures(toy, tmp_path) -> None:
    log = tmp_path / "plan.log"
    code, lines = run(toy, log, verbose=True)
    assert code == 0
    text = "\n".join(lines)
    assert "DEBUG" in text and "STEP_SUCCESS" in text
    assert not any(line.startswith("[") for line in lines)
    assert "green share                    75.5%" in text
    assert log.read_text().strip() in text


def test_narrator_names_the_users_error_its_cause_and_a_failures_description() -> None:
    days = dg.DailyPartitionsDefinition(start_date="2024-07-01")

    @dg.asset(partitions_def=days)
    def wrapped() -> None:
        try:
            raise KeyError("dc07")
        except KeyError as exc:
            raise RuntimeError("site table incomplete") from exc

    @dg.asset(partitions_def=days)
    def infeasible() -> None:
        raise dg.Failure(description="No feasible plan for 2024-07-15: dc03 ramp")

    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize([wrapped, infeasible], partition_key=DAY, instance=instance,
                            raise_on_error=False)  # fmt: skip
    assert not result.success
    narrator = RunNarrator(started=time.time() - 61)
    lines = [
        narrator.feed(r.event_log_entry)
        for r in instance.get_records_for_run(result.run_id).records
    ]
    shown = sorted(body(line) for line in lines if line is not None)
    assert shown == ["FAIL infeasible: No feasible plan for 2024-07-15: dc03 ramp",
                     "FAIL wrapped: RuntimeError: site table incomplete"]  # first line only  # fmt: skip
    assert sorted(narrator.failures) == [
        "infeasible: No feasible plan for 2024-07-15: dc03 ramp",
        "wrapped: RuntimeError: site table incomplete\ncaused by KeyError: 'dc07'",
    ]


def test_error_tail_keeps_the_exception_not_the_traceback() -> None:
    log = "\n".join([
        "Telemetry notice", "Traceback (most recent call last):",
        '  File "job.py", line 397, in execute', "    job_def.validate_partition_key(partition)",
        "dagster._core.errors.DagsterUnknownPartitionError: Could not find a partition with key",
        "`1999-01-01`.", "",
    ])  # fmt: skip
    assert error_tail(log) == [
        "dagster._core.errors.DagsterUnknownPartitionError: Could not find a partition with key",
        "`1999-01-01`.",
    ]
    assert error_tail("Error: no such job\n") == ["Error: no such job"]
    assert error_tail("x\n  indented last") == ["  indented last"]
