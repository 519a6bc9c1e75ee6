"""``suandian backtest --chain --intraday hourly`` on the small fleet: what is executed is the
day's current plan after its 23 revisions, and the next day starts from its realised end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from models.cli import main
from tests.conftest import REPO

SMALL = REPO / "tests" / "data" / "small-fleet"


@pytest.mark.slow
def test_intraday_chain(tmp_path: Path, capsys) -> None:
    out = tmp_path / "bt"
    code = main(
        [
            "backtest", "--chain", "--intraday", "hourly", "--policies", "chained-24h",
            "--from", "2026-01-05", "--to", "2026-01-06", "--out", str(out),
            "--config", str(SMALL / "fleet.toml"), "--workloads", str(SMALL / "workloads.csv"),
            "--scenarios", "2", "--time-limit", "30", "--gap", "1e-4", "--threads", "1",
            "--revision-time-limit", "5",
        ]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    table = pd.read_csv(out / "backtest.csv")
    assert sorted(set(table["policy"])) == ["chained-24h", "intraday-hourly"]
    first = out / "intraday-hourly" / "2026-01-05"
    assert sorted(p.name for p in (first / "revisions").iterdir()) == [
        f"{h:02d}00" for h in range(1, 24)
    ]
    # The plan executed is the current one: the realised blocks are its blocks.
    current = pd.read_csv(first / "current" / "rack_power_plan.csv")
    realised = pd.read_csv(first / "policy_steps.csv")
    realised = realised[realised["policy"] == "stochastic"]
    merged = current.groupby("step")["blocks_on"].sum()
    assert realised.groupby("step")["blocks_on"].sum().tolist() == merged.tolist()
    # Day 2 starts from day 1's realised end state.
    end = json.loads((first / "evaluation.json").read_text())["realised_end_state"]
    second = json.loads((out / "intraday-hourly" / "2026-01-06" / "instance.json").read_text())
    assert second["initial_state_source"] == "actual:2026-01-05"
    soc = {st["id"]: st["energy_initial_mwh"] for st in second["storage"]}
    assert soc == pytest.approx(end["storage_mwh"])
