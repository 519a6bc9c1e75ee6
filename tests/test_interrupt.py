"""A solve stopped by a real signal publishes its best plan (``suandian solve`` in a subprocess).

The medium example solved to a zero gap on one thread takes far longer than
the moment its first incumbent appears (about 1 s), so the signal is sent as
soon as the HiGHS log shows a branch-and-bound row with a finite best
solution: no fixed sleep, whatever the machine's speed. Standard error is a
pseudo-terminal, as at a dispatcher's console: into a pipe, Pyomo hands the
HiGHS log on only when the run ends.
"""

from __future__ import annotations

import os
import pty
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from models.instance import load_instance
from models.plan import read_plan
from models.plan.verify import verify_plan
from tests.conftest import EXAMPLES

REPO = Path(__file__).resolve().parents[1]
INSTANCE = EXAMPLES / "medium-12" / "instance.json"
NUMBER = r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?"
# A B&B row: nodes, queue, leaves, explored %, best bound, best solution (a number, not inf).
INCUMBENT_ROW = re.compile(rf"^\s*\w?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+{NUMBER}\s+{NUMBER}\s")


def _lines(fd: int, sink: queue.Queue) -> None:
    with os.fdopen(fd, "r", errors="replace") as stream:
        try:
            for line in iter(stream.readline, ""):
                sink.put(line)
        except OSError:  # EIO: the terminal's other side closed with the process
            pass
    sink.put(None)


def start_solve(out: Path, *extra: str) -> tuple[subprocess.Popen, queue.Queue]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}
    terminal, stderr = pty.openpty()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "suandian"), "solve", str(INSTANCE), "--out", str(out),
         "--gap", "0", "--threads", "1", *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )  # fmt: skip
    os.close(stderr)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(terminal, lines), daemon=True).start()
    return proc, lines


def wait_for_incumbent(proc: subprocess.Popen, lines: queue.Queue, timeout: float = 120.0):
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1.0)
        except queue.Empty:
            continue
        if line is None:
            pytest.fail(f"solve ended before an incumbent was logged:\n{''.join(seen[-30:])}")
        seen.append(line)
        if INCUMBENT_ROW.match(line):
            return seen
    proc.kill()
    pytest.fail(f"no incumbent logged within {timeout} s:\n{''.join(seen[-30:])}")


def signal_at_incumbent(
    proc: subprocess.Popen,
    lines: queue.Queue,
    signum: int,
    on_incumbent: Callable[[], None] | None = None,
) -> int:
    """Send ``signum`` once the log shows an incumbent; the exit code (a hung process is killed)."""
    try:
        wait_for_incumbent(proc, lines)
        if on_incumbent is not None:
            on_incumbent()
        proc.send_signal(signum)
        return proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_the_solve_and_publishes_the_best_plan(tmp_path, signum):
    out = tmp_path / "plan"
    proc, lines = start_solve(out)
    code = signal_at_incumbent(proc, lines, signum)
    stderr = []
    while (line := lines.get(timeout=10)) is not None:
        stderr.append(line)
    stdout = proc.stdout.read()
    assert code == 0, "".join(stderr[-20:])
    assert stdout.startswith("interrupted: objective ")
    plan = read_plan(out)
    summary = plan.summary
    assert summary["status"] == "interrupted"
    objective, bound = summary["objective"], summary["bound"]
    assert bound <= objective
    assert summary["gap"] == pytest.approx((objective - bound) / max(1.0, abs(objective)))
    log = "".join(stderr)
    assert "Interrupted by user" in log  # HiGHS's own report of the stop
    assert f"solve interrupted: best plan found has gap {summary['gap']:.3%}" in log
    assert verify_plan(load_instance(INSTANCE), plan) == []


def test_signal_to_a_portfolio_stops_every_search_and_publishes_the_best_plan(tmp_path):
    # Only the parent is signalled (as by a supervisor's SIGTERM): it passes the signal
    # on to its two searches, which each return their best plan.
    out = tmp_path / "plan"
    proc, lines = start_solve(out, "--portfolio", "2")
    # Seed 0 logs the incumbent; the parent is not in the B&B.
    code = signal_at_incumbent(proc, lines, signal.SIGTERM)
    stdout = proc.stdout.read()
    assert code == 0, stdout
    assert stdout.startswith("interrupted: objective ")
    plan = read_plan(out)
    summary = plan.summary
    assert summary["status"] == "interrupted"
    assert summary["bound"] <= summary["objective"]
    assert verify_plan(load_instance(INSTANCE), plan) == []


def _spawned(pid: int) -> list[int]:
    """Processes that ``pid`` spawned through multiprocessing (read from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # ended while being read
        if int(fields[1]) == pid and b"spawn_main" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (not gone, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _still_running(pids: list[int], within: float) -> list[int]:
    """Those of ``pids`` still running after waiting up to ``within`` seconds for them to end."""
    deadline = time.monotonic() + within
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [pid for pid in pids if _running(pid)]


def signal_a_solve_with_a_helper(out: Path, signum: int) -> tuple[subprocess.Popen, int, list[int]]:
    """A solve with a helper sent ``signum`` at its first incumbent: it, its exit code, its helper."""
    proc, lines = start_solve(out, "--helper", "on")
    children: list[int] = []
    code = signal_at_incumbent(proc, lines, signum, lambda: children.extend(_spawned(proc.pid)))
    assert len(children) == 1, "the solve started no helper process"
    return proc, code, children


def test_signal_to_a_solve_with_a_helper_publishes_the_plan_and_ends_the_helper(tmp_path):
    # Only the solve is signalled (as by Dagster's SIGTERM), not its helper process: the
    # solve still stops cleanly with its best plan, and the helper does not outlive it.
    # (That the helper ends with the search, not only with the process, is checked in
    # process by tests/models/dispatch/test_helper.py.)
    out = tmp_path / "plan"
    proc, code, children = signal_a_solve_with_a_helper(out, signal.SIGTERM)
    stdout = proc.stdout.read()
    assert code == 0, stdout
    assert stdout.startswith("interrupted: objective ")
    assert read_plan(out).summary["status"] == "interrupted"
    assert _still_running(children, within=10.0) == []


def test_a_helper_whose_solve_is_killed_ends_by_itself(tmp_path):
    # SIGKILL gives the solve no chance to stop its helper (no time limit either): the
    # helper sees that its parent is gone and ends; its plans are no longer read.
    out = tmp_path / "plan"
    _proc, code, children = signal_a_solve_with_a_helper(out, signal.SIGKILL)
    assert code == -signal.SIGKILL
    # It may still be importing and building its model when its parent dies.
    assert _still_running(children, within=60.0) == []
    assert not out.exists()
