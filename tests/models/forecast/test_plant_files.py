"""96-point plant power forecasts (models/forecast/plant_files.py)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from models.forecast import ForecastInputError, renewable_forecast, weather_forecast
from models.forecast.plant_files import plant_forecasts

from .conftest import PLANTS_DIR, SUMMER, cli_error


def test_override_replaces_weather_based_power(config):
    weather = weather_forecast(config, SUMMER)
    fc = renewable_forecast(config, weather, SUMMER, scenarios=1, plant_forecasts=PLANTS_DIR)
    expected = np.loadtxt(PLANTS_DIR / "huanxian-wind-1.csv", delimiter=",", skiprows=1, usecols=2)
    np.testing.assert_allclose(fc.scenarios[0]["renewable_mw"]["huanxian-wind-1"], expected)
    assert fc.overridden == ("huanxian-wind-1",)
    plain = renewable_forecast(config, weather, SUMMER, scenarios=1)
    np.testing.assert_allclose(fc.point_mw["huanxian-wind-2"], plain.point_mw["huanxian-wind-2"])


def test_single_column_file(config, tmp_path):
    (tmp_path / "xifeng-pv-1.csv").write_text("mw\n" + "1.5\n" * 96)
    assert plant_forecasts(config, SUMMER, tmp_path)["xifeng-pv-1"].tolist() == [1.5] * 96


def _lines():
    return (PLANTS_DIR / "huanxian-wind-1.csv").read_text().splitlines()


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda rows: rows[:-1], "95 values for plant huanxian-wind-1"),
        (lambda rows: [*rows, "97,24:15,1.0"], "97 values for plant huanxian-wind-1"),
        (
            lambda rows: [*rows[:10], "10,02:30,abc", *rows[11:]],
            "row 11 (point 10, period ending 02:30): mw 'abc' is not a number",
        ),
        (lambda rows: [*rows[:5], "5,01:15,-3", *rows[6:]], "outside [0, 200]"),
        (lambda rows: [*rows[:5], "5,01:15,250", *rows[6:]], "outside [0, 200]"),
        (lambda rows: [*rows[:3], "3,01:00,10", *rows[4:]], "time '01:00', expected 00:45"),
    ],
)
def test_bad_96_point_files(config, tmp_path, capsys, mutate, needle):
    folder = tmp_path / "plants"
    folder.mkdir()
    path = folder / "huanxian-wind-1.csv"
    path.write_text("\n".join(mutate(_lines())) + "\n")
    with pytest.raises(ForecastInputError) as err:
        plant_forecasts(config, SUMMER, folder)
    assert needle in str(err.value) and str(path) in str(err.value)
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--plant-forecasts", str(folder))
    assert needle in msg


def test_file_for_plant_missing_from_config(config, tmp_path, capsys):
    folder = tmp_path / "plants"
    folder.mkdir()
    shutil.copy(PLANTS_DIR / "huanxian-wind-1.csv", folder / "gansu-wind-9.csv")
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--plant-forecasts", str(folder))
    assert "gansu-wind-9.csv: plant 'gansu-wind-9' is missing from the config" in msg
