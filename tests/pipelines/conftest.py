"""Fixtures for the pipeline tests: a temporary DAGSTER_HOME and runs folder, short solver
limits, a tiny instance, and helpers to start Dagster processes on a free local port."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from pipelines.definitions import ASSETS, CHECKS
from pipelines.defs.resources import ForecastSettings, PlanLimits, Publisher, SolverSettings

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DAY = "2026-11-23"
# Short limits keep the suite fast; the published plan is then the best found within them.
TIME_LIMIT_S = int(os.environ.get("SUANDIAN_TEST_TIME_LIMIT_S", "20"))
MIP_GAP = 1e-3
TEST_GAP_LIMIT = 0.05

HOME_YAML = """\
telemetry: {enabled: false}
run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
"""

QUEUED_HOME_YAML = """\
telemetry: {enabled: false}
concurrency:
  runs: {max_concurrent_runs: 3}
"""


def all_assets_and_checks() -> list:
    return [*ASSETS, *CHECKS]


def resources(runs_dir: Path, **solver) -> dict:
    return {
        "forecast": ForecastSettings(inbox_dir=str(runs_dir / "inbox")),
        "solver": SolverSettings(
            **{"time_limit_s": TIME_LIMIT_S, "mip_rel_gap": MIP_GAP, **solver}
        ),
        "publisher": Publisher(runs_dir=str(runs_dir)),
        "plan_limits": PlanLimits(gap_limit=TEST_GAP_LIMIT, unserved_warn_mwh=1.0),
    }


def materialize_day(day: str, res: dict, instance: dg.DagsterInstance, **kwargs):
    """Materialise every asset and check of one day in this process."""
    return dg.materialize(
        all_assets_and_checks(), partition_key=day, resources=res, instance=instance, **kwargs
    )


@pytest.fixture
def dagster_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(HOME_YAML)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def runs_dir(tmp_path) -> Path:
    path = tmp_path / "runs"
    path.mkdir()
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(home: Path, runs: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "SUANDIAN_RUNS_DIR": str(runs),
        "SUANDIAN_EXECUTOR": "in_process",
        "SUANDIAN_TIME_LIMIT_S": str(TIME_LIMIT_S),
        "SUANDIAN_MIP_GAP": str(MIP_GAP),
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@contextlib.contextmanager
def dagster_process(
    args: list[str],
    env: dict[str, str],
    log: Path,
    port: int | None = None,
    ready_timeout: float = 120.0,
):
    """Start a Dagster command from the repo root; wait for /server_info when ``port`` is set.

    SIGINT is reset to its default in the child (a background process otherwise ignores
    it and Dagster maps SIGTERM onto SIGINT), so ``terminate`` shuts it down cleanly.
    """
    import urllib.request

    with log.open("wb") as out:
        proc = subprocess.Popen(
            args,
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            if port is not None:
                deadline = time.monotonic() + ready_timeout
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"{args[0]} exited: {log.read_text()[-3000:]}")
                    try:
                        with urllib.request.urlopen(
                            f"http://127.0.0.1:{port}/server_info", timeout=2
                        ) as reply:
                            if reply.status == 200:
                                break
                    except OSError:
                        pass
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"no server after {ready_timeout} s: {log.read_text()[-3000:]}"
                        )
                    time.sleep(0.5)
            yield proc
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
