"""``suandian backtest --chain``: three small days, four policies, read back from the files."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.backtest import chain
from models.backtest.chain import CHAIN_POLICIES, day_actuals, execute_day, run_chained_backtest
from models.backtest.run import BacktestOptions
from models.cli import main
from models.forecast import ForecastInputError, load_fleet_config
from models.plan.handover import previous_state
from tests.conftest import REPO

SMALL = REPO / "tests" / "data" / "small-fleet"
DAYS = [dt.date(2026, 1, 5), dt.date(2026, 1, 6), dt.date(2026, 1, 7)]
GAP = 1e-3
OPTIONS = BacktestOptions(
    time_limit_s=30,
    mip_rel_gap=GAP,
    threads=1,
    config=str(SMALL / "fleet.toml"),
    workloads=str(SMALL / "workloads.csv"),
    scenarios=2,
)
CHAINED = [p for p, spec in CHAIN_POLICIES.items() if spec.chained]


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[Path, list]:
    out = tmp_path_factory.mktemp("chain")
    return out, run_chained_backtest(DAYS[0], DAYS[-1], out, OPTIONS)


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_policy_day_ran_and_the_csv_has_one_row_each(ran):
    out, results = ran
    assert all(r.ok for r in results), [r.error for r in results if not r.ok]
    table = pd.read_csv(out / "backtest.csv")
    assert len(table) == len(DAYS) * len(CHAIN_POLICIES)
    assert set(zip(table["day"], table["policy"], strict=True)) == {
        (d.isoformat(), p) for d in DAYS for p in CHAIN_POLICIES
    }
    for column in (
        "realised_cost",
        "import_mwh",
        "green_share",
        "work_served_mwh",
        "work_left_mwh",
        "end_soc_mwh",
    ):
        assert table[column].notna().all(), column
    # workloads.csv asks 30 + 12 + 4 MWh each day, all due within it
    assert table["work_served_mwh"].to_numpy() == pytest.approx(46.0, abs=1e-3)
    assert table["work_left_mwh"].to_numpy() == pytest.approx(0.0, abs=1e-6)
    page = (out / "backtest.html").read_text(encoding="utf-8")
    assert "Cumulative realised cost" in page and page.count("<svg") >= 3


def test_each_chained_day_starts_from_the_previous_days_realised_end(ran):
    out, _ = ran
    for policy in CHAINED:
        for prev, day in itertools.pairwise(DAYS):
            before, now = out / policy / prev.isoformat(), out / policy / day.isoformat()
            inst = _json(now / "instance.json")
            assert inst["initial_state_source"] == f"actual:{prev.isoformat()}"
            steps = pd.read_csv(before / "policy_steps.csv")
            soc = steps.loc[steps["step"] == 95, "storage_soc_mwh"].iloc[0]
            assert inst["storage"][0]["energy_initial_mwh"] == pytest.approx(soc, abs=1e-6)
            rack = pd.read_csv(before / "plan" / "rack_power_plan.csv")
            at_end = rack[rack["step"] == 95].set_index("datacenter")["blocks_on"]
            for dc in inst["datacenters"]:
                assert dc["initial_blocks_on"] == at_end[dc["id"]], (policy, day, dc["id"])


def test_island_days_start_from_the_configuration(ran):
    out, _ = ran
    for day in DAYS:
        inst = _json(out / "island" / day.isoformat() / "instance.json")
        assert "initial_state_source" not in inst
        assert inst["storage"][0]["energy_initial_mwh"] == 10.0  # fleet.toml


def test_every_policy_is_executed_on_the_same_actual_day(ran):
    out, _ = ran
    for day in DAYS:
        base = _json(out / "island" / day.isoformat() / "actual.json")["scenarios"][0]
        for policy in CHAIN_POLICIES:
            sc = _json(out / policy / day.isoformat() / "actual.json")["scenarios"][0]
            for plant, values in base["renewable_mw"].items():
                assert sc["renewable_mw"][plant][:96] == pytest.approx(values)


def test_48h_days_look_past_midnight_and_count_the_delivery_day_only(ran):
    out, _ = ran
    table = pd.read_csv(out / "backtest.csv").set_index(["day", "policy"])
    for day in DAYS:
        folder = out / "chained-48h" / day.isoformat()
        actual = _json(folder / "actual.json")
        assert actual["steps"] == 192 and actual["committed_steps"] == 96
        # the contract's objective over steps 0-95, from the files with plain pandas
        steps = pd.read_csv(folder / "policy_steps.csv").sort_values("step").head(96)
        grid, delta = actual["grid"], 0.25
        imp_cost = np.asarray(grid["import_price"][:96]) + (
            grid["carbon_price_per_t"] * grid["emission_factor_t_per_mwh"]
        )
        cost = delta * float(
            (imp_cost * steps["import_mw"]).sum()
            - (np.asarray(grid["export_price"][:96]) * steps["export_mw"]).sum()
            + grid["curtailment_cost_per_mwh"] * steps["curtailed_mw"].sum()
            + grid["unserved_load_penalty_per_mwh"] * steps["shed_mw"].sum()
            + actual["storage"][0]["degradation_cost_per_mwh"] * steps["storage_discharge_mw"].sum()
        )
        rack = pd.read_csv(folder / "plan" / "rack_power_plan.csv")
        for dc in actual["datacenters"]:
            n = (
                rack[rack["datacenter"] == dc["id"]]
                .sort_values("step")["blocks_on"]
                .to_numpy()[:96]
            )
            before = np.concatenate([[dc.get("initial_blocks_on", n[0])], n[:-1]])
            cost += dc.get("block_startup_cost", 0.0) * float(np.maximum(0, n - before).sum())
        assert table.loc[(day.isoformat(), "chained-48h"), "realised_cost"] == pytest.approx(
            cost, rel=1e-6, abs=1e-3
        )


def test_24h_realised_cost_is_the_redispatch_objective(ran):
    out, _ = ran
    table = pd.read_csv(out / "backtest.csv")
    day_only = table[table["policy"] != "chained-48h"]
    assert day_only["realised_cost"].to_numpy() == pytest.approx(
        day_only["redispatch_objective"].to_numpy(), rel=1e-6, abs=1e-3
    )


def test_perfect_foresight_is_cheapest_from_the_same_initial_state(ran, tmp_path):
    """Per day, from perfect foresight's own start: the 24 h plan costs at least as much.

    Both are then re-dispatched on the same actual 24 h day; perfect foresight is
    its optimum (up to the MIP gap), the 24 h plan one feasible first stage of it.
    """
    out, _ = ran
    table = pd.read_csv(out / "backtest.csv").set_index(["day", "policy"])
    config = load_fleet_config(OPTIONS.config)
    actuals = day_actuals(DAYS, OPTIONS)
    for k, day in enumerate(DAYS):
        state = None
        if k:
            state = previous_state(out / "chained-perfect" / DAYS[k - 1].isoformat(), day, config)
        mine = execute_day(
            day,
            CHAIN_POLICIES["chained-24h"],
            state,
            actuals[day.isoformat()],
            OPTIONS,
            tmp_path / day.isoformat(),
        )
        perfect = table.loc[(day.isoformat(), "chained-perfect"), "realised_cost"]
        assert perfect <= mine["realised_cost"] + GAP * abs(perfect) + 1e-6, day
        assert (
            mine["initial_soc_mwh"]
            == table.loc[(day.isoformat(), "chained-perfect"), "initial_soc_mwh"]
        )


def test_a_failed_day_stops_the_days_after_it(tmp_path, monkeypatch):
    real = chain.execute_day

    def failing(day, *args):
        if day == DAYS[1]:
            raise ForecastInputError("weather.json: row 3: broken")
        return real(day, *args)

    monkeypatch.setattr(chain, "execute_day", failing)
    results = chain.run_chain("chained-24h", DAYS, tmp_path, OPTIONS, day_actuals(DAYS, OPTIONS))
    assert [(r.ok, r.kind) for r in results] == [(True, None), (False, "input"), (False, "skipped")]
    assert "weather.json: row 3" in results[1].error
    assert results[2].error == f"not run: {DAYS[1].isoformat()} failed"
    assert not (tmp_path / "chained-24h" / DAYS[1].isoformat()).exists()


def test_chain_to_before_from_exits_2(tmp_path, capsys):
    code = main(
        [
            "backtest",
            "--chain",
            "--from",
            "2026-01-07",
            "--to",
            "2026-01-05",
            "--out",
            str(tmp_path / "bt"),
        ]
    )
    assert code == 2
    assert "before --from" in capsys.readouterr().err
    assert not (tmp_path / "bt").exists()


def test_chain_unreadable_actual_day_exits_2_before_any_plan(tmp_path, capsys):
    bad = tmp_path / "actual" / DAYS[1].isoformat()
    bad.mkdir(parents=True)
    (bad / "xifeng-wind-1.csv").write_text("not,a\nmetered,file\n", encoding="utf-8")
    code = main(
        [
            "backtest",
            "--chain",
            "--from",
            DAYS[0].isoformat(),
            "--to",
            DAYS[-1].isoformat(),
            "--out",
            str(tmp_path / "bt"),
            "--actual",
            str(tmp_path / "actual"),
            "--config",
            OPTIONS.config,
            "--workloads",
            OPTIONS.workloads,
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert str(bad) in err
    assert not list((tmp_path / "bt").glob("*/*"))
