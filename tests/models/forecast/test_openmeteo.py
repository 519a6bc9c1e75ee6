"""Open-Meteo JSON files (models/forecast/openmeteo.py, weather.py)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from models.forecast import (
    ForecastInputError,
    ForecastInputWarning,
    build_instance,
    weather_forecast,
)
from models.instance import validate

from .conftest import OM_DIR, SUMMER, cli_error


@pytest.fixture(scope="module")
def frames(config):
    return weather_forecast(config, SUMMER, str(OM_DIR))


def _load(name: str) -> dict:
    return json.loads((OM_DIR / f"{name}.json").read_text(encoding="utf-8"))


def test_wind_in_km_per_h_and_old_names(frames):
    raw = _load("huanxian-wind-1")
    frame = frames["huanxian-wind-1"]
    assert sorted(h for v, h in frame.columns if v == "wind_speed") == [10, 80, 120, 180]
    # step 0's midpoint (00:07:30) lies between the 00:00 and 01:00 samples
    v80 = raw["hourly"]["windspeed_80m"]
    expected = (v80[0] + (v80[1] - v80[0]) / 8) / 3.6
    assert frame[("wind_speed", 80)].iloc[0] == pytest.approx(expected)
    t = raw["hourly"]["temperature_2m"]
    assert frame[("temperature", 2)].iloc[0] == pytest.approx(t[0] + (t[1] - t[0]) / 8 + 273.15)


def test_surface_pressure_moved_to_plant_altitude(frames, config):
    raw = _load("huanxian-wind-1")
    p = frames["huanxian-wind-1"][("pressure", 0)].iloc[0]
    assert p < raw["hourly"]["surface_pressure"][0] * 100  # plant 40 m above the grid cell
    assert p == pytest.approx(raw["hourly"]["surface_pressure"][0] * 100, rel=0.01)


def test_minutely_15_wins_over_hourly(frames):
    raw = _load("xifeng-pv-1")
    frame = frames["xifeng-pv-1"]
    t15 = raw["minutely_15"]["temperature_2m"]
    assert frame[("temperature", 2)].iloc[0] == pytest.approx((t15[0] + t15[1]) / 2 + 273.15)
    assert frame[("temperature", 2)].max() < 273.15 + 30  # not the hourly +30 °C values


def test_radiation_is_backward_mean(frames):
    raw = _load("xifeng-pv-1")
    ghi = raw["minutely_15"]["shortwave_radiation"]
    # stamp 13:15 holds the mean of 13:00-13:15, i.e. step 52
    assert frames["xifeng-pv-1"][("ghi", 0)].iloc[52] == pytest.approx(ghi[53])


def test_gmt_response_moved_to_shanghai(frames):
    raw = _load("huachi-wind-1")
    assert raw["timezone"] == "GMT" and raw["hourly"]["time"][0] == "2026-06-20T16:00"
    v10 = np.asarray(raw["hourly"]["windspeed_10m"]) / 3.6
    # 2026-06-20T16:00 GMT = 2026-06-21 00:00 Asia/Shanghai
    frame = frames["huachi-wind-1"]
    assert frame[("wind_speed", 10)].iloc[0] == pytest.approx(v10[0] + (v10[1] - v10[0]) / 8)


def test_instance_from_files_validates_and_pv_peaks_at_noon(config):
    raw = build_instance(SUMMER, weather=str(OM_DIR))
    validate(raw)
    p50 = raw["scenarios"][1]["renewable_mw"]
    pv = np.asarray(p50["xifeng-pv-1"])
    assert pv[:16].max() == 0 and 48 <= int(np.argmax(pv)) <= 54
    assert max(p50["huanxian-wind-1"]) > 50


def _write(folder, name, data):
    (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


def _check(capsys, tmp_path, folder, *needles):
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--weather", str(folder))
    for needle in needles:
        assert needle in msg, msg
    return msg


def test_missing_weather_file(capsys, tmp_path, om_copy):
    (om_copy / "zhenyuan-pv-1.json").unlink()
    _check(
        capsys,
        tmp_path,
        om_copy,
        "zhenyuan-pv-1.json: missing weather file for plant zhenyuan-pv-1",
    )


def test_unreadable_weather_file(capsys, tmp_path, om_copy):
    (om_copy / "xifeng-pv-1.json").write_text('{"latitude": 35.7, "hourly": {', encoding="utf-8")
    _check(capsys, tmp_path, om_copy, "xifeng-pv-1.json: not valid JSON")


def test_missing_weather_directory(capsys, tmp_path):
    _check(capsys, tmp_path, tmp_path / "nowhere", "nowhere: weather directory not found")


def test_duplicated_timestamp(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-1")
    data["hourly"]["time"][5] = data["hourly"]["time"][4]
    _write(om_copy, "huanxian-wind-1", data)
    _check(
        capsys,
        tmp_path,
        om_copy,
        "huanxian-wind-1.json: hourly",
        "2026-06-21 04:00+0800 is duplicated",
    )


def test_non_monotonic_timestamps(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-1")
    times = data["hourly"]["time"]
    times[7], times[8] = times[8], times[7]
    _write(om_copy, "huanxian-wind-1", data)
    _check(capsys, tmp_path, om_copy, "huanxian-wind-1.json", "not monotonic")


def test_wrong_time_zone(capsys, tmp_path, om_copy):
    data = _load("xifeng-pv-1")
    data["utc_offset_seconds"] = 0
    _write(om_copy, "xifeng-pv-1", data)
    _check(capsys, tmp_path, om_copy, "xifeng-pv-1.json: wrong time zone", "'Asia/Shanghai'")


def test_unknown_time_zone(capsys, tmp_path, om_copy):
    data = _load("xifeng-pv-1")
    data["timezone"] = "Mars/Olympus"
    _write(om_copy, "xifeng-pv-1", data)
    _check(capsys, tmp_path, om_copy, "timezone: unknown time zone 'Mars/Olympus'")


def test_day_not_covered(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-2")
    for key, values in data["hourly"].items():
        data["hourly"][key] = values[12:]  # starts at noon
    _write(om_copy, "huanxian-wind-2", data)
    _check(
        capsys,
        tmp_path,
        om_copy,
        "huanxian-wind-2.json",
        "do not cover the delivery day 2026-06-21",
    )


def test_file_in_utc_that_covers_the_utc_day_only(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-2")
    data.update(utc_offset_seconds=0, timezone="GMT", timezone_abbreviation="GMT")
    _write(om_copy, "huanxian-wind-2", data)  # 00:00 GMT = 08:00 in Qingyang
    _check(capsys, tmp_path, om_copy, "do not cover the delivery day", "wrong time zone?")


def test_short_nan_gap_interpolated_with_warning(config, om_copy):
    data = _load("huanxian-wind-1")
    data["hourly"]["windspeed_80m"][10] = None  # one hour
    _write(om_copy, "huanxian-wind-1", data)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = weather_forecast(config, SUMMER, str(om_copy))["huanxian-wind-1"]
    assert any(
        issubclass(w.category, ForecastInputWarning) and "NaN gap" in str(w.message) for w in caught
    )
    v = np.asarray(data["hourly"]["windspeed_80m"], dtype=float) / 3.6
    # step 40 (10:00-10:15) is interpolated between 09:00 and 11:00
    assert frame[("wind_speed", 80)].iloc[40] == pytest.approx(v[9] + (v[11] - v[9]) * (1.125 / 2))


def test_long_nan_gap_is_an_error(capsys, tmp_path, om_copy):
    data = _load("qingcheng-pv-1")
    for i in range(40, 50):  # 2.5 h of 15-minute values
        data["minutely_15"]["shortwave_radiation"][i] = None
    _write(om_copy, "qingcheng-pv-1", data)
    _check(
        capsys,
        tmp_path,
        om_copy,
        "qingcheng-pv-1.json: minutely_15.shortwave_radiation",
        "NaN gap 2026-06-21 10:00+0800 to 2026-06-21 12:15+0800 (2.5 h)",
    )


def test_negative_irradiance(capsys, tmp_path, om_copy):
    data = _load("qingcheng-pv-1")
    data["minutely_15"]["direct_normal_irradiance"][50] = -5.0
    _write(om_copy, "qingcheng-pv-1", data)
    _check(
        capsys,
        tmp_path,
        om_copy,
        "minutely_15.direct_normal_irradiance",
        "negative value -5 at 2026-06-21 12:30+0800",
    )


def test_negative_wind_speed(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-1")
    data["hourly"]["wind_speed_120m"][3] = -1.0
    _write(om_copy, "huanxian-wind-1", data)
    _check(capsys, tmp_path, om_copy, "hourly.wind_speed_120m", "negative value", "03:00")


def test_coordinates_far_from_plant(capsys, tmp_path, om_copy):
    data = _load("zhenyuan-wind-1")
    data["latitude"] = 38.0
    _write(om_copy, "zhenyuan-wind-1", data)
    _check(
        capsys,
        tmp_path,
        om_copy,
        "zhenyuan-wind-1.json: coordinates (38°N",
        "more than 1° from plant zhenyuan-wind-1 (35.68°N, 107.19°E)",
    )


def test_plant_missing_from_config(capsys, tmp_path, om_copy):
    _write(om_copy, "pingliang-wind-1", _load("huanxian-wind-1"))
    _check(
        capsys,
        tmp_path,
        om_copy,
        "pingliang-wind-1.json: plant 'pingliang-wind-1' is missing from the config",
    )


def test_unknown_unit(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-1")
    data["hourly_units"]["windspeed_10m"] = "furlong/fortnight"
    _write(om_copy, "huanxian-wind-1", data)
    _check(capsys, tmp_path, om_copy, "hourly.windspeed_10m: unknown unit 'furlong/fortnight'")


def test_non_number_value(capsys, tmp_path, om_copy):
    data = _load("huanxian-wind-1")
    data["hourly"]["temperature_2m"][2] = "warm"
    _write(om_copy, "huanxian-wind-1", data)
    _check(capsys, tmp_path, om_copy, "hourly.temperature_2m[2]: 'warm' is not a number")


def test_missing_radiation_for_pv(config, om_copy):
    data = _load("xifeng-pv-1")
    del data["minutely_15"]["shortwave_radiation"]
    _write(om_copy, "xifeng-pv-1", data)
    with pytest.raises(ForecastInputError, match="shortwave_radiation: missing"):
        weather_forecast(config, SUMMER, str(om_copy))
