"""Helpers and fixtures for the pipeline tests: a temporary DAGSTER_HOME and runs folder, short solver
limits, a tiny instance, and helpers to start Dagster processes on a free local port.

The test days are fixed calendar days counted from ``REFERENCE_DAY``, so their
forecasts, tariffs and plans are the same whatever the date. The real partitions
definition runs from ``SUANDIAN_FIRST_DAY`` to tomorrow in Asia/Shanghai by the
clock; ``SUANDIAN_FIRST_DAY`` is set here, before the code location is imported, for
this process and every Dagster process the tests start. The test days are then
partitions under any clock from ``REFERENCE_DAY`` on, which includes the clock that CI
fakes a year back (``faketime -f -365d`` in ``.ci/run``).
"""

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REFERENCE_DAY = dt.date(2025, 11, 24)  # a Monday
FIRST_DAY = (REFERENCE_DAY - dt.timedelta(days=30)).isoformat()
os.environ["SUANDIAN_FIRST_DAY"] = FIRST_DAY

import dagster as dg  # noqa: E402  (the partitions read SUANDIAN_FIRST_DAY when imported)
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from pipelines.definitions import ASSETS, CHECKS  # noqa: E402
from pipelines.defs import partitions  # noqa: E402
from pipelines.defs.resources import (  # noqa: E402
    ForecastSettings,
    PlanLimits,
    Publisher,
    SolverSettings,
)
from tests.conftest import (  # noqa: E402  (the pipeline tests import SMALL_FLEET from here)
    SMALL_FLEET,
    two_site_battery,
    two_site_datacentres,
)

if partitions.FIRST_DAY != FIRST_DAY:
    raise RuntimeError(
        f"pipelines.defs.partitions was imported before the pipeline tests set "
        f"SUANDIAN_FIRST_DAY={FIRST_DAY} (it opens at {partitions.FIRST_DAY})"
    )


def shifted(days: int) -> str:
    """``REFERENCE_DAY`` shifted by ``days``, as a partition key."""
    return (REFERENCE_DAY + dt.timedelta(days=days)).isoformat()


DAY = shifted(0)
OTHER_DAY = shifted(1)
PAST_DAY = shifted(-3)
BACKFILL_DAYS = [shifted(-14), shifted(-13), shifted(-12)]
SHANGHAI = ZoneInfo(partitions.TIMEZONE)


def today() -> dt.date:
    """Today in Asia/Shanghai by the clock Dagster reads (real or faked)."""
    return dt.datetime.now(SHANGHAI).date()


REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Short limits keep the suite fast; the published plan is then the best found within them.
TIME_LIMIT_S = int(os.environ.get("SUANDIAN_TEST_TIME_LIMIT_S", "20"))
MIP_GAP = 2e-3
TEST_GAP_LIMIT = 0.05

HOME_YAML = """\
telemetry: {enabled: false}
run_coordinator:
  module: dagster.core.run_coordinator
  class: DefaultRunCoordinator
"""

# Two runs at once, as dagster_home/dagster.yaml allows on two cores: three full-fleet
# solves sharing two cores leave a 20 s limit no time to find a plan.
QUEUED_HOME_YAML = """\
telemetry: {enabled: false}
concurrency:
  runs: {max_concurrent_runs: 2}
"""


def all_assets_and_checks() -> list:
    return [*ASSETS, *CHECKS]


def resources(runs_dir: Path, **solver) -> dict:
    """Independent days (``chain_days=False``): these tests fake the day's instance, often of
    another fleet than the configuration's, which a chained next day would refuse to follow."""
    return {
        "forecast": ForecastSettings(inbox_dir=str(runs_dir / "inbox"), chain_days=False),
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


def tiny_raw(day: str = DAY) -> dict:
    """A small valid instance (2 data centres, 96 steps, 2 scenarios) that solves in a second.

    Wind and prices vary with ``day``, so two days give two different plans.
    """
    steps = 96
    k = dt.date.fromisoformat(day).toordinal() % 5
    wind = [30.0 + 10.0 * ((t // 8 + k) % 3) for t in range(steps)]
    pv = [max(0.0, 40.0 * (1 - abs(t - 44 - 4 * k) / 24)) for t in range(steps)]
    return {
        "version": 1,
        "name": f"tiny-{day}",
        "start": f"{day}T00:00:00+08:00",
        "step_minutes": 15,
        "steps": steps,
        "scenarios": [
            {
                "id": "low",
                "probability": 0.5,
                "renewable_mw": {"w-wind-1": [0.7 * x for x in wind], "p-pv-1": pv},
            },
            {"id": "high", "probability": 0.5, "renewable_mw": {"w-wind-1": wind, "p-pv-1": pv}},
        ],
        "datacenters": two_site_datacentres(steps),
        "workloads": [
            {
                "id": "train-a",
                "energy_mwh": 60.0,
                "datacenters": ["dc01", "dc02"],
                "release_step": 8,
                "deadline_step": 96,
                "max_mw": 10.0,
                "unserved_penalty_per_mwh": 3000.0,
            },
            {
                "id": "batch-b",
                "energy_mwh": 12.0,
                "datacenters": ["dc02"],
                "release_step": 0,
                "deadline_step": 48,
                "max_mw": 5.0,
                "unserved_penalty_per_mwh": 2000.0,
            },
        ],
        "storage": two_site_battery(),
        "grid": {
            "import_limit_mw": 50.0,
            "export_limit_mw": 10.0,
            "import_price": [250.0 + 10 * k] * 32 + [550.0] * 32 + [400.0 - 10 * k] * 32,
            "export_price": [100.0 + 5 * k] * steps,
            "emission_factor_t_per_mwh": 0.55,
            "carbon_price_per_t": 60.0,
            "curtailment_cost_per_mwh": 0.0,
            "unserved_load_penalty_per_mwh": 100000.0,
        },
    }


@pytest.fixture
def assemble_returns(monkeypatch):
    """Make ``dispatch_instance`` assemble a given raw instance (validated like the real one)."""
    import pipelines.defs.assets.instance as instance_assets
    from models.forecast.errors import ForecastInputError
    from models.instance import InstanceError, validate

    def install(raw) -> None:
        """``raw``: an instance dict, or a function of the day (``YYYY-MM-DD``) giving one."""

        def fake(config, day, renewable, datacenters, workloads, grid, state=None):
            data = raw(day.isoformat()) if callable(raw) else raw
            try:
                validate(data, f"instance for {day.isoformat()}")
            except InstanceError as exc:
                raise ForecastInputError(str(exc)) from None
            return data

        monkeypatch.setattr(instance_assets, "assemble_instance", fake)

    return install


def tiny_assembler(monkeypatch) -> None:
    """Make every day's ``dispatch_instance`` the tiny instance of that day."""
    import pipelines.defs.assets.instance as instance_assets

    monkeypatch.setattr(
        instance_assets, "assemble_instance", lambda config, day, *parts: tiny_raw(day.isoformat())
    )


def failure_description(result, step: str) -> str:
    [event] = [e for e in result.get_step_failure_events() if e.step_key == step]
    data = event.step_failure_data
    user = data.user_failure_data
    return (user.description if user is not None and user.description else "") + (
        data.error.message if data.error else ""
    )


def assert_days_differ(runs, first_day, second_day):
    first = json.loads((runs / first_day / "plan" / "summary.json").read_text())
    second = json.loads((runs / second_day / "plan" / "summary.json").read_text())
    assert first["objective"] != second["objective"]
    a = pd.read_csv(runs / first_day / "plan" / "rack_power_plan.csv")
    b = pd.read_csv(runs / second_day / "plan" / "rack_power_plan.csv")
    assert not a[["blocks_on", "facility_mw"]].equals(b[["blocks_on", "facility_mw"]])
    assert b["start"].iloc[0].startswith(second_day)


# The planning graph of ``plan_day``: its assets and checks, by name.
ALL_ASSETS = {
    "weather_forecast",
    "renewable_forecast",
    "datacenter_conditions",
    "workload_queue",
    "grid_tariff",
    "dispatch_instance",
    "dispatch_plan",
    "rack_power_plan",
    "plan_report",
}
ALL_CHECKS = {
    "instance_valid",
    "plan_feasible",
    "gap_within_limit",
    "no_shed_load",
    "unserved_flexible_energy",
    "published_totals_match_summary",
}


def small_fleet_resources(runs_dir: Path, **solver) -> dict:
    """``resources`` with the forecast assets reading the small fleet and its workloads."""
    return resources(runs_dir, **solver) | {
        "forecast": ForecastSettings(
            fleet_config=str(SMALL_FLEET / "fleet.toml"),
            workload_file=str(SMALL_FLEET / "workloads.csv"),
            scenarios=2,
            inbox_dir=str(runs_dir / "inbox"),
        )
    }
