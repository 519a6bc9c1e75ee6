"""``make plan``: one Dagster run of a delivery day, told in one line per step.

``dg launch`` prints every Dagster event at DEBUG (about 250 lines for a day)
and interleaves lines from its step processes. This launcher runs the same
command with its output sent to a log file, follows the run in the Dagster
instance's event log (structured and complete, unlike the console stream) and
prints one line per finished step or check, then the day's key figures from the
published ``summary.json`` or, on failure, each failing step's error.
``--verbose`` also copies the full log to the terminal as it comes.

Run as ``python -m pipelines.launch 2026-07-15``; ``DAGSTER_HOME`` must be set,
as for ``dg`` itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

import dagster as dg

from models.plan import PlanFolderError, show
from pipelines.defs.settings import current_resources

if TYPE_CHECKING:
    from dagster._core.events import StepFailureData

POLL_S = 0.5
LOG_TAIL_LINES = 15
WARNING = 30


def failure_reason(data: StepFailureData) -> str:
    """The error a person needs: a ``dg.Failure``'s description, else the user's error.

    Dagster wraps user errors (``Error occurred while executing op ...``); the
    first error in the ``cause`` chain that is not Dagster's names what went
    wrong, and its own causes follow on lines of their own.
    """
    if data.user_failure_data is not None and data.user_failure_data.description:
        return data.user_failure_data.description.strip()
    error = data.error
    if error is None:
        return "unknown error"
    while error.cls_name.startswith("Dagster") and error.cause is not None:
        error = error.cause
    lines = [error.message.strip()]
    while error.cause is not None:
        error = error.cause
        lines.append(f"caused by {error.message.strip()}")
    return "\n".join(lines)


class RunNarrator:
    """Turns event-log entries into progress lines and remembers why the run failed.

    A check runs as its own step; its evaluation is the line shown, so the
    step's own success is not repeated.
    """

    def __init__(self, started: float) -> None:
        self.started = started
        self.failures: list[str] = []
        self.run_failure = ""
        self._check_steps: set[str] = set()

    def _line(self, entry: dg.EventLogEntry, tag: str, text: str) -> str:
        elapsed = max(0, int(entry.timestamp - self.started))
        return f"[{elapsed // 60:2d}:{elapsed % 60:02d}] {tag:<5} {text}"

    def feed(self, entry: dg.EventLogEntry) -> str | None:
        """The line for ``entry``, or ``None`` for the events only the log file needs."""
        event = entry.dagster_event
        step = entry.step_key or ""
        if event is None:
            if entry.level < WARNING:
                return None
            tag = "warn" if entry.level == WARNING else "error"
            return self._line(entry, tag, f"{step}: {entry.user_message}")
        kind = event.event_type
        if kind == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            self._check_steps.add(step)
            severity = data.severity.value.lower()
            verdict = "passed" if data.passed else f"failed ({severity})"
            text = f"{data.asset_key.to_user_string()}: {data.check_name} {verdict}"
            if not data.passed and data.description:
                text += f": {data.description}"
            tag = "check" if data.passed else ("warn" if severity == "warn" else "FAIL")
            return self._line(entry, tag, text)
        if kind == dg.DagsterEventType.STEP_SUCCESS:
            if step in self._check_steps:
                return None
            seconds = event.step_success_data.duration_ms / 1000
            return self._line(entry, "ok", f"{step} ({seconds:.1f} s)")
        if kind == dg.DagsterEventType.STEP_FAILURE:
            reason = failure_reason(event.step_failure_data)
            self.failures.append(f"{step}: {reason}")
            first = reason.splitlines()[0] if reason else ""
            return self._line(entry, "FAIL", f"{step}: {first}")
        if kind == dg.DagsterEventType.STEP_UP_FOR_RETRY:
            return self._line(entry, "retry", f"{step}: {event.message}")
        if kind == dg.DagsterEventType.STEP_SKIPPED:
            return self._line(entry, "skip", step)
        if kind == dg.DagsterEventType.RUN_FAILURE:
            # said once, in the closing block; needed when no step failed
            self.run_failure = event.message or "run failed"
        return None


def error_tail(text: str) -> list[str]:
    """The closing lines of a command that failed before its run: the error, not the traceback.

    A Python traceback ends with the exception's unindented lines after its
    indented frames; those lines are kept (at most ``LOG_TAIL_LINES``).
    """
    lines = text.rstrip().splitlines()
    start = len(lines)
    while start > 0 and not lines[start - 1][:1].isspace():
        start -= 1
    return lines[max(start, len(lines) - LOG_TAIL_LINES) :] if start < len(lines) else lines[-1:]


def _shown(path: Path) -> str:
    """``path`` relative to the working directory when inside it (how a person typed it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _copy_lines(source: IO[str], log: IO[str], echo: IO[str]) -> None:
    for line in source:
        log.write(line)
        log.flush()
        echo.write(line)
        echo.flush()


def _find_run(instance: dg.DagsterInstance, job: str, day: str, since: dt.datetime) -> str | None:
    runs = instance.get_runs(
        filters=dg.RunsFilter(job_name=job, tags={"dagster/partition": day}, created_after=since),
        limit=1,
    )
    return runs[0].run_id if runs else None


def launch(
    day: str,
    command: Sequence[str],
    log_path: Path,
    *,
    job: str = "plan_day",
    verbose: bool = False,
    instance_factory: Callable[[], dg.DagsterInstance] = dg.DagsterInstance.get,
    out: IO[str] = sys.stdout,
) -> int:
    """Run ``command`` (a ``dg launch`` of ``job`` for ``day``) and report on it.

    Returns 0 when the run succeeded and its summary was read; otherwise the
    command's exit code, or 1 if the command exited 0 on a failed run.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    # SQLite stores a run's creation time to the second: look one second back.
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    narrator = RunNarrator(started=time.time())
    print(f"{job} {day}: one line per step; full log in {_shown(log_path)}", file=out, flush=True)
    with log_path.open("w", encoding="utf-8") as log, instance_factory() as instance:
        if verbose:
            proc = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
            copier = threading.Thread(target=_copy_lines, args=(proc.stdout, log, out))
            copier.start()
        else:
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        run_id: str | None = None
        cursor: str | None = None
        while True:
            finished = proc.poll() is not None
            run_id = run_id or _find_run(instance, job, day, since)
            if run_id is not None:
                records = instance.get_records_for_run(run_id, cursor=cursor)
                cursor = records.cursor
                for record in records.records:
                    line = narrator.feed(record.event_log_entry)
                    if line is not None and not verbose:
                        print(line, file=out, flush=True)
            if finished:
                break
            time.sleep(POLL_S)
        if verbose:
            copier.join()
        run = instance.get_run_by_id(run_id) if run_id else None
    succeeded = proc.returncode == 0 and run is not None and run.is_success
    print(file=out)
    if succeeded and not narrator.failures:
        day_dir = current_resources()["publisher"].day_dir(day)
        try:
            lines = show(Path(_shown(day_dir)), extra=[("full Dagster log", _shown(log_path))])
        except PlanFolderError as exc:
            print(f"{job} {day} succeeded, but the plan cannot be shown: {exc}", file=out)
            return 1
        print(f"{job} {day}: published {_shown(day_dir)}/", file=out)
        print("\n".join(lines), file=out)
        return 0
    if run is None:
        print(f"{job} {day} failed before a run started; the log ends with:", file=out)
        tail = error_tail(log_path.read_text(encoding="utf-8", errors="replace"))
        print("\n".join(f"  {line}" for line in tail), file=out)
    else:
        print(f"{job} {day} failed (run {run.run_id}, {run.status.value}):", file=out)
        reasons = narrator.failures or [narrator.run_failure or "no step failed; see the log"]
        for reason in reasons:
            print("  " + reason.replace("\n", "\n    "), file=out)
    print(f"full Dagster log: {_shown(log_path)}", file=out)
    return proc.returncode or 1


def default_log_path(day: str, job: str) -> Path:
    """``<runs>/logs/<job>-<day>.log``: beside the published days, not inside one.

    A failed day then leaves no half-published folder behind, and the folder a
    site downloads holds only the plan.
    """
    return current_resources()["publisher"].root() / "logs" / f"{job}-{day}.log"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.launch", description=__doc__)
    parser.add_argument("day", help="delivery day YYYY-MM-DD (the partition)")
    parser.add_argument("--job", default="plan_day")
    parser.add_argument("--verbose", action="store_true", help="also show the full Dagster log")
    parser.add_argument("--log", type=Path, default=None, help="log file (default: runs/logs/)")
    args = parser.parse_args(argv)
    dg_bin = shutil.which("dg", path=str(Path(sys.executable).parent)) or "dg"
    command = [dg_bin, "launch", "--job", args.job, "--partition", args.day]
    log_path = args.log or default_log_path(args.day, args.job)
    return launch(args.day, command, log_path, job=args.job, verbose=args.verbose)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
