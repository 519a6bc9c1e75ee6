"""Data-centre conditions (models/forecast/conditions.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.forecast import datacenter_conditions, pue_from_temperature, weather_forecast

from .conftest import SUMMER, WINTER


def test_pue_curve_matches_qingyang_defaults(config):
    air = config.pue["air"]
    np.testing.assert_allclose(
        pue_from_temperature([-10.0, 10.0, 21.4, 30.0, 50.0], air),
        [1.10, 1.10, 1.10 + 0.008 * 11.4, 1.26, 1.35],
    )
    liquid = config.pue["liquid"]
    assert pue_from_temperature([30.0], liquid)[0] == pytest.approx(1.07 + 0.004 * 20)


def test_cluster_size_and_records(config):
    assert len(config.datacenters) == 11
    assert sum(d.racks for d in config.datacenters) == 100_000
    assert all(d.rack_kw == 2.5 and 0.25 <= d.idle_fraction <= 0.5 for d in config.datacenters)


@pytest.mark.parametrize("day", [SUMMER, WINTER])
def test_conditions_feasible_for_the_model(config, day):
    records = datacenter_conditions(config, weather_forecast(config, day), day)
    for rec in records:
        cap = rec["racks"] * rec["rack_kw"] / 1000
        block = rec["block_racks"] * rec["rack_kw"] / 1000
        load = np.asarray(rec["inflexible_mw"])
        assert len(load) == 96 and load.min() > 0 and load.max() <= 0.95 * cap
        assert min(rec["pue"]) >= 1.07 and max(rec["pue"]) <= 1.35
        needed = np.ceil(load / block - 1e-9)
        assert needed[0] <= rec["initial_blocks_on"] <= rec["racks"] // rec["block_racks"]
        assert abs(rec["initial_blocks_on"] - needed[0]) <= rec["max_block_change"]
        assert np.abs(np.diff(needed)).max() <= rec["max_block_change"]
        assert not math.isnan(sum(rec["pue"]))


def test_summer_afternoon_pue_higher_than_winter(config):
    summer = datacenter_conditions(config, weather_forecast(config, SUMMER), SUMMER)
    winter = datacenter_conditions(config, weather_forecast(config, WINTER), WINTER)
    assert max(summer[1]["pue"]) > max(winter[1]["pue"])
    assert set(winter[1]["pue"]) == {1.10}  # free cooling all day in January
