"""A published small day with placement rules, copied fresh into each test that re-plans it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.plan import DayFolder, plan_tables
from tests.models.backtest.conftest import small_day, two_scenarios

OPTIONS = SolveOptions(mip_rel_gap=1e-6, time_limit_s=60, log=False)


def ruled_day() -> dict:
    """small-11 with two scenarios, its two long jobs in one place with paid restarts."""
    raw = two_scenarios(small_day())
    for w in raw["workloads"][1:]:
        w.update(max_datacenters=1, restart_cost=200.0, min_run_steps=4, migration_cost=5.0)
    return raw


@pytest.fixture(scope="session")
def published_day(tmp_path_factory) -> Path:
    """The day folder as the pipeline leaves it: instance.json and the day-ahead plan/."""
    day = DayFolder(tmp_path_factory.mktemp("published") / "2026-12-12")
    day.path.mkdir()
    day.write_instance(ruled_day())
    inst = day.read_instance()
    day.write_plan(plan_tables(inst, solve_instance(inst, OPTIONS)))
    return day.path


@pytest.fixture()
def day_dir(published_day: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(published_day, tmp_path / published_day.name))
