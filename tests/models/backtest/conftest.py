"""Shared fixtures of the backtest tests: a small day on the fleet's plants, its plan, a built day."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import validate
from models.plan import write_plan
from models.plan.results import plan_tables
from tests.conftest import EXAMPLES

#: small-11's plants renamed to plants of the shipped fleet, so the error model knows them
PLANT_NAMES = {
    "huanxian-wind-1": "huanxian-wind-1",
    "qingyang-pv-1": "huanxian-pv-1",
    "qingyang-pv-2": "qingcheng-pv-1",
}
OPTIONS = SolveOptions(mip_rel_gap=1e-4, time_limit_s=60)
BUILT_DAY = dt.date(2026, 3, 10)


def small_day() -> dict:
    """The contract's ``small-11`` example (read in place) with the fleet's plant ids."""
    raw = json.loads((EXAMPLES / "small-11" / "instance.json").read_text(encoding="utf-8"))
    for sc in raw["scenarios"]:
        sc["renewable_mw"] = {PLANT_NAMES[k]: v for k, v in sc["renewable_mw"].items()}
    return raw


def two_scenarios(raw: dict) -> dict:
    """``raw`` with a low (×0.6, p 0.4) and a high (×1.3, p 0.6) renewable scenario."""
    out = copy.deepcopy(raw)
    base = out["scenarios"][0]["renewable_mw"]
    out["scenarios"] = [
        {
            "id": "low",
            "probability": 0.4,
            "renewable_mw": {p: [0.6 * v for v in vals] for p, vals in base.items()},
        },
        {
            "id": "high",
            "probability": 0.6,
            "renewable_mw": {p: [1.3 * v for v in vals] for p, vals in base.items()},
        },
    ]
    return out


@pytest.fixture(scope="session")
def small_raw() -> dict:
    return small_day()


@pytest.fixture(scope="session")
def small_plan(small_raw, tmp_path_factory) -> tuple[Path, object]:
    """The small day solved and written as ``suandian solve --out`` writes it."""
    inst = validate(small_raw, "small")
    sol = solve_instance(inst, OPTIONS)
    folder = tmp_path_factory.mktemp("small-plan") / "plan"
    write_plan(plan_tables(inst, sol), folder)
    return folder, sol


@pytest.fixture(scope="session")
def built_raw() -> dict:
    """A full-size day of the shipped fleet as ``suandian instance`` builds it (no solve)."""
    from models.forecast import build_instance

    return build_instance(BUILT_DAY)
