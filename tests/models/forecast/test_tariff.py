"""Time-of-use tariff and grid record (models/forecast/tariff.py)."""

from __future__ import annotations

import datetime as dt

from models.forecast import grid_tariff, load_fleet_config

from .conftest import SUMMER, write_config


def test_gansu_bands_on_steps(config):
    grid = grid_tariff(config, SUMMER)
    price = grid["import_price"]
    peak = set(range(24, 32)) | set(range(72, 92))
    valley = set(range(40, 64))
    for t in range(96):
        expected = 550.0 if t in peak else 250.0 if t in valley else 400.0
        assert price[t] == expected, t
    assert grid["emission_factor_t_per_mwh"] == 0.5543
    assert grid["carbon_price_per_t"] == 70.0
    assert grid["export_limit_mw"] == 0.0 and len(grid["export_price"]) == 96


def test_seasonal_tariff(tmp_path):
    path = write_config(
        tmp_path,
        'name = "all-year"\nmonths = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]\n',
        'name = "winter"\nmonths = [1, 2, 3, 10, 11, 12]\n'
        "prices_per_mwh = { peak = 600.0, flat = 420.0, valley = 260.0 }\n"
        "bands = { peak = [[7, 9], [17.5, 22]], valley = [[11, 15]] }\n\n"
        '[[tariff.seasons]]\nname = "summer"\nmonths = [4, 5, 6, 7, 8, 9]\n',
    )
    cfg = load_fleet_config(path)
    winter = grid_tariff(cfg, dt.date(2026, 1, 15))["import_price"]
    summer = grid_tariff(cfg, SUMMER)["import_price"]
    assert winter[28] == 600.0 and winter[70] == 600.0 and winter[69] == 420.0
    assert winter[44] == 260.0 and winter[40] == 420.0
    assert summer[24] == 550.0 and summer[40] == 250.0
