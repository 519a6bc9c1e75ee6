"""The revision instance of the rest of the day, against the published files read with pandas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.instance import validate
from models.intraday import POINTS, revision_instance
from models.intraday.revision import carry_bias
from models.plan import DayFolder
from models.plan.folder import read_plan

K = 40  # 10:00


@pytest.fixture(scope="module")
def day(published_day: Path):
    folder = DayFolder(published_day)
    inst = folder.read_instance()
    current = read_plan(folder.plan_dir)
    index = pd.date_range(inst.step_starts()[K], periods=POINTS, freq="15min")
    usf = pd.DataFrame({p: 7.0 + np.arange(POINTS) for p in inst.plants}, index=index)
    return inst, current, usf, revision_instance(inst, current, K, usf)


def test_the_rest_of_the_grid(day) -> None:
    inst, _current, _usf, raw = day
    assert raw["steps"] == 96 - K
    assert raw["start"] == "2026-12-12T10:00:00+08:00"
    assert raw["initial_state_source"] == "plan:2026-12-12T10:00"
    dc = raw["datacenters"][0]
    assert dc["pue"] == inst.raw["datacenters"][0]["pue"][K:]
    assert raw["grid"]["import_price"] == inst.raw["grid"]["import_price"][K:]
    validate(raw)


def test_the_first_four_hours_on_the_forecast_then_the_day_ahead(day) -> None:
    inst, _current, usf, raw = day
    for sc, original in zip(raw["scenarios"], inst.raw["scenarios"], strict=True):
        assert sc["id"] == original["id"] and sc["probability"] == original["probability"]
        for plant, series in sc["renewable_mw"].items():
            assert series[:POINTS] == usf[plant].tolist()
            assert series[POINTS:] == original["renewable_mw"][plant][K + POINTS :]


def test_blocks_and_battery_where_the_plan_leaves_them(day, published_day: Path) -> None:
    _inst, _current, _usf, raw = day
    rack = pd.read_csv(published_day / "plan" / "rack_power_plan.csv")
    at = rack[rack["step"] == K - 1].set_index("datacenter")["blocks_on"]
    assert {d["id"]: d["initial_blocks_on"] for d in raw["datacenters"]} == at.to_dict()
    schedule = pd.read_csv(published_day / "plan" / "energy_schedule.csv")
    rows = schedule[schedule["step"] == K - 1]
    weights = rows["scenario"].map({"low": 0.4, "high": 0.6})
    expected = float((rows["soc_mwh__bess-1"] * weights).sum())
    assert raw["storage"][0]["energy_initial_mwh"] == pytest.approx(expected)


def test_jobs_owe_what_the_past_left_with_their_history(day, published_day: Path) -> None:
    inst, _current, _usf, raw = day
    alloc = pd.read_csv(published_day / "plan" / "workload_allocation.csv")
    past = alloc[alloc["step"] < K]
    jobs = {w["id"]: w for w in raw["workloads"]}
    assert any(j.get("started") for j in jobs.values())  # the case carries a history
    for w in inst.raw["workloads"]:
        if w["deadline_step"] <= K:
            assert w["id"] not in jobs  # its window has passed
            continue
        served = 0.25 * past.loc[past["workload"] == w["id"], "mw"].sum()
        got = jobs[w["id"]]
        assert got["energy_mwh"] == pytest.approx(w["energy_mwh"] - served)
        assert got["deadline_step"] == w["deadline_step"] - K
        assert got["release_step"] == max(0, w["release_step"] - K)
        mine = past[past["workload"] == w["id"]]
        last = mine[mine["step"] == K - 1]
        if w["release_step"] < K:
            assert got["mw_before"] == pytest.approx(
                dict(zip(last["datacenter"], last["mw"], strict=True))
            )
            assert got.get("started", False) == (len(mine) > 0)
            run = 0
            while K - 1 - run in set(mine["step"]):
                run += 1
            assert got.get("run_steps_before", 0) == run
            if len(mine) and "max_datacenters" in w:
                assert got["datacenters_used"] == sorted(set(mine["datacenter"]))


def test_the_error_the_forecast_revealed_carries_on_as_documented() -> None:
    # Two scenarios at 0.5/0.5; the day-ahead mean at the forecast's last step is 15, the
    # forecast says 25: wind carries +10 times the persistence 0.8 + 0.2 · 0.95^h at h
    # steps after it; PV the ratio 25/15 the same way. Capacity 30 clips.
    def rest() -> dict:
        return {"a": np.array([10.0, 10.0, 10.0, 10.0]), "b": np.array([20.0, 20.0, 20.0, 29.0])}

    share = [0.8 + 0.2 * 0.95, 0.8 + 0.2 * 0.95**2]
    wind = rest()
    wind["a"][:2] = wind["b"][:2] = 25.0  # the forecast's two steps
    carry_bias(wind, 2, 25.0, 15.0, 30.0, pv=False)
    assert wind["a"][2:] == pytest.approx([10 + 10 * share[0], 10 + 10 * share[1]])
    assert wind["b"][2:] == pytest.approx([20 + 10 * share[0], 30.0])
    sun = rest()
    carry_bias(sun, 2, 25.0, 15.0, 30.0, pv=True)
    ratio = 25.0 / 15.0
    assert sun["a"][2:] == pytest.approx([10 * (1 + (ratio - 1) * s) for s in share])
    # Under 1 % of capacity the mean says nothing about the sun: no change.
    dark = rest()
    carry_bias(dark, 2, 25.0, 0.2, 30.0, pv=True)
    assert dark["a"][2:].tolist() == [10.0, 10.0]
