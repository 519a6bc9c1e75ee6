"""Actual output: the synthetic realisation, metered and weather files, and ``actual.json``."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil

import numpy as np
import pandas as pd
import pytest

from models.backtest.actual import (
    ACTUAL_SCENARIO,
    actual_instance,
    draw_errors,
    mean_forecast_mw,
    read_actual,
    synthetic_actual,
)
from models.forecast import ForecastInputError, load_fleet_config, plant_power, weather_forecast
from models.instance import load_instance, validate
from models.plan import DayFolder
from tests.models.backtest.conftest import BUILT_DAY
from tests.models.forecast.conftest import OM_DIR, SUMMER


@pytest.fixture(scope="module")
def config():
    return load_fleet_config()


@pytest.fixture(scope="module")
def built(built_raw):
    return validate(built_raw, "built")


def test_synthetic_actual_same_date_same_numbers(built, config):
    first = read_actual(None, built, config)
    again = read_actual("synthetic", built, load_fleet_config())
    assert first.source == "synthetic"
    np.testing.assert_array_equal(first.mw.to_numpy(), again.mw.to_numpy())


def test_synthetic_actual_other_date_differs(built, config):
    point = mean_forecast_mw(built)
    today = synthetic_actual(config, BUILT_DAY, point).mw.to_numpy()
    tomorrow = synthetic_actual(config, BUILT_DAY + dt.timedelta(days=1), point).mw.to_numpy()
    assert np.abs(today - tomorrow).max() > 1.0


def test_actual_differs_from_the_forecast_and_every_scenario(built, config):
    actual = read_actual(None, built, config).mw
    forecast = mean_forecast_mw(built)
    assert np.abs(actual.to_numpy() - forecast.to_numpy()).max() > 1.0
    for sc in built.scenarios:
        values = np.column_stack([sc.renewable_mw[p] for p in actual.columns])
        # Per plant, the actual moves within the day around the scenario, never along it.
        for k, plant in enumerate(actual.columns):
            if values[:, k].max() > 1.0:
                assert np.abs(actual[plant].to_numpy() - values[:, k]).max() > 0.1, (sc.id, plant)


def test_actual_within_capacity_and_no_pv_at_night(built, config):
    actual = read_actual(None, built, config).mw
    for plant in actual.columns:
        cap = config.plant(plant).capacity_mw
        assert actual[plant].min() >= 0.0
        assert actual[plant].max() <= cap + 1e-9
    night = actual.index.hour < 5
    for plant in (p.id for p in config.pv_plants):
        assert (actual.loc[night, plant] == 0.0).all()


def test_draw_errors_follow_the_error_model():
    """Marginal N(0, σ²), the given correlation between plants, persistent within the day."""
    index = pd.RangeIndex(96)
    sigma = pd.DataFrame({"a": np.full(96, 2.0), "b": np.full(96, 2.0)}, index=index)
    rho = pd.DataFrame([[1.0, 0.5], [0.5, 1.0]], index=["a", "b"], columns=["a", "b"])
    draws = np.array(
        [
            draw_errors(dt.date(2025, 1, 1) + dt.timedelta(days=k), sigma, rho).to_numpy()
            for k in range(300)
        ]
    )  # days × steps × plants
    eps = draws / 2.0
    assert eps.std() == pytest.approx(1.0, abs=0.08)
    assert abs(eps.mean()) < 0.15
    corr = np.corrcoef(eps[:, :, 0].ravel(), eps[:, :, 1].ravel())[0, 1]
    assert corr == pytest.approx(0.5, abs=0.08)
    lag = np.corrcoef(eps[:, :-1, 0].ravel(), eps[:, 1:, 0].ravel())[0, 1]
    assert lag > 0.9
    # not fully persistent: the truth also moves within the day
    assert np.std(eps[:, :, 0], axis=1).mean() > 0.1


def test_actual_instance_changes_only_the_scenarios(built_raw, built, config):
    actual = read_actual(None, built, config)
    raw_actual = actual_instance(built_raw, actual)
    assert list(raw_actual) == list(built_raw)
    for key in built_raw:
        if key != "scenarios":
            assert raw_actual[key] == built_raw[key], key
    (sc,) = raw_actual["scenarios"]
    assert sc["id"] == ACTUAL_SCENARIO and sc["probability"] == 1.0
    assert list(sc["renewable_mw"]) == list(built.plants)
    np.testing.assert_array_equal(
        np.column_stack([sc["renewable_mw"][p] for p in built.plants]), actual.mw.to_numpy()
    )


def test_actual_json_written_and_read_back(tmp_path, built_raw, built, config):
    actual = read_actual(None, built, config)
    path = DayFolder(tmp_path).write_actual(actual_instance(built_raw, actual))
    again = read_actual(path, built, config)
    assert again.source.startswith("instance ")
    np.testing.assert_array_equal(again.mw.to_numpy(), actual.mw.to_numpy())
    assert len(load_instance(path).scenarios) == 1


def test_actual_json_of_another_day_is_refused(tmp_path, built_raw, built, config):
    other = copy.deepcopy(built_raw)
    other["start"] = "2026-03-11T00:00:00+08:00"
    raw_actual = actual_instance(other, read_actual(None, built, config))
    path = tmp_path / "actual.json"
    path.write_text(json.dumps(raw_actual))
    with pytest.raises(ForecastInputError, match=r"actual\.json: starts 2026-03-11"):
        read_actual(path, built, config)


def test_synthetic_actual_needs_the_fleet_plants(config):
    from tests.conftest import EXAMPLES

    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    with pytest.raises(ForecastInputError, match="qingyang-pv-1"):
        read_actual(None, inst, config)


# ---- metered plant files --------------------------------------------------------------------


def write_metered(folder, plants, values=None):
    folder.mkdir(parents=True, exist_ok=True)
    for p in plants:
        rows = ["point,time,mw"]
        for k in range(96):
            minutes = 15 * (k + 1)
            mw = values[p][k] if values else 10.0 + k / 10
            rows.append(f"{k + 1},{minutes // 60:02d}:{minutes % 60:02d},{mw}")
        (folder / f"{p}.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_metered_files_are_the_actual(tmp_path, small_raw):
    inst = validate(small_raw, "small")
    folder = write_metered(tmp_path / "metered", inst.plants)
    actual = read_actual(folder, inst)
    assert actual.source == f"metered {folder}"
    assert list(actual.mw.columns) == list(inst.plants)
    np.testing.assert_allclose(actual.mw.iloc[:, 0], 10.0 + np.arange(96) / 10)


def _replace_line(path, line_no, text):
    lines = path.read_text().splitlines()
    lines[line_no - 1] = text
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (
            lambda f: _replace_line(f / "huanxian-pv-1.csv", 12, "11,02:45,abc"),
            r"huanxian-pv-1\.csv: row 12 \(point 11, period ending 02:45\): mw 'abc' is not a number",
        ),
        (
            lambda f: _replace_line(f / "huanxian-pv-1.csv", 5, "4,01:00,-3"),
            r"huanxian-pv-1\.csv: row 5 .*outside \[0, 150\]",
        ),
        (
            lambda f: _replace_line(f / "huanxian-wind-1.csv", 3, "2,00:45,1.0"),
            r"huanxian-wind-1\.csv: row 3 .*time '00:45', expected 00:30",
        ),
        (
            lambda f: f.joinpath("qingcheng-pv-1.csv").write_text("point,time,mw\n1,00:15,1\n"),
            r"qingcheng-pv-1\.csv: 1 values .* exactly 96",
        ),
        (
            lambda f: f.joinpath("qingcheng-pv-1.csv").unlink(),
            r"no metered output qingcheng-pv-1\.csv for plant qingcheng-pv-1",
        ),
        (
            lambda f: shutil.copy(f / "huanxian-pv-1.csv", f / "xifeng-pv-1.csv"),
            r"xifeng-pv-1\.csv: plant 'xifeng-pv-1' is not in the instance",
        ),
        (
            lambda f: f.joinpath("huanxian-pv-1.json").write_text("{}"),
            r"both \.csv \(metered\) and \.json \(weather\)",
        ),
    ],
    ids=[
        "not-a-number",
        "negative",
        "time-order",
        "short",
        "missing-plant",
        "unknown-plant",
        "mixed-kinds",
    ],
)
def test_bad_metered_files_name_file_and_row(tmp_path, small_raw, damage, message):
    inst = validate(small_raw, "small")
    folder = write_metered(tmp_path / "metered", inst.plants)
    damage(folder)
    with pytest.raises(ForecastInputError, match=message):
        read_actual(folder, inst)


def test_empty_or_missing_actual_folder(tmp_path, small_raw):
    inst = validate(small_raw, "small")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ForecastInputError, match=r"no <plant id>\.csv"):
        read_actual(tmp_path / "empty", inst)
    with pytest.raises(ForecastInputError, match="not found"):
        read_actual(tmp_path / "nowhere", inst)


# ---- weather files ----------------------------------------------------------------------------


def test_weather_files_go_through_the_forecast_physics(small_raw, config):
    raw = copy.deepcopy(small_raw)
    raw["start"] = f"{SUMMER.isoformat()}T00:00:00+08:00"
    inst = validate(raw, "summer")
    actual = read_actual(OM_DIR, inst, config)
    assert actual.source == f"weather {OM_DIR}"
    expected, _ = plant_power(config, weather_forecast(config, SUMMER, OM_DIR), SUMMER)
    np.testing.assert_array_equal(actual.mw.to_numpy(), expected[list(inst.plants)].to_numpy())
    assert actual.mw["huanxian-pv-1"].max() > 10.0
    assert (actual.mw["huanxian-pv-1"].iloc[:12] == 0.0).all()


def test_bad_weather_file_names_the_file(tmp_path, small_raw, config):
    raw = copy.deepcopy(small_raw)
    raw["start"] = f"{SUMMER.isoformat()}T00:00:00+08:00"
    inst = validate(raw, "summer")
    folder = tmp_path / "weather"
    shutil.copytree(OM_DIR, folder)
    (folder / "huanxian-pv-1.json").write_text("{not json")
    with pytest.raises(ForecastInputError, match=r"huanxian-pv-1\.json: not valid JSON"):
        read_actual(folder, inst, config)
