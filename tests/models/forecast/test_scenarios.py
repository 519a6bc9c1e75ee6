"""Forecast-error model and scenarios (models/forecast/scenarios.py, renewable.py)."""

from __future__ import annotations

import numpy as np
import pytest

from models.forecast import renewable_forecast, weather_forecast
from models.forecast.scenarios import correlation_matrix, lead_hours, quantisation

from .conftest import SUMMER


@pytest.fixture(scope="module")
def summer_weather(config):
    return weather_forecast(config, SUMMER)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 50])
def test_quantisation_probabilities_sum_to_one(n):
    nodes, probs, ids = quantisation(n)
    assert len(nodes) == len(probs) == len(ids) == n
    assert sum(probs) == 1.0
    assert len(set(ids)) == n
    assert all(p > 0 for p in probs)
    assert list(nodes) == sorted(nodes)
    assert abs(sum(z * p for z, p in zip(nodes, probs, strict=True))) < 1e-12  # mean preserved


def test_quantisation_three_bins():
    nodes, _probs, ids = quantisation(3)
    assert ids == ["p17", "p50", "p83"]
    assert nodes[1] == pytest.approx(0.0, abs=1e-12)
    assert nodes[2] == pytest.approx(1.0908, abs=1e-3)  # E[Z | Z > Φ⁻¹(2/3)]


@pytest.mark.parametrize("n", [1, 3, 5])
def test_scenario_count_order_and_probabilities(config, summer_weather, n):
    fc = renewable_forecast(config, summer_weather, SUMMER, scenarios=n)
    assert len(fc.scenarios) == n
    assert sum(s["probability"] for s in fc.scenarios) == pytest.approx(1.0, abs=1e-12)
    energy = [sum(map(sum, s["renewable_mw"].values())) / 4 for s in fc.scenarios]
    assert energy == sorted(energy)
    if n > 1:
        assert energy[0] < energy[-1]
    for s in fc.scenarios:
        assert set(s["renewable_mw"]) == {p.id for p in config.plants}
        for pid, values in s["renewable_mw"].items():
            assert len(values) == 96
            assert min(values) >= 0 and max(values) <= config.plant(pid).capacity_mw
    mid = fc.scenarios[n // 2]["renewable_mw"]
    if n % 2:
        for pid in mid:
            np.testing.assert_allclose(mid[pid], fc.point_mw[pid].to_numpy(), atol=1e-9)


def test_error_grows_with_lead_time_and_pv_zero_at_night(config, summer_weather):
    fc = renewable_forecast(config, summer_weather, SUMMER, scenarios=3)
    lead = lead_hours(config, SUMMER)
    assert lead[0] == pytest.approx(15 + 1 / 8) and np.all(np.diff(lead) > 0)
    wind = fc.sigma_mw["huanxian-wind-1"].to_numpy()
    assert np.all(np.diff(wind) > 0)
    pv = fc.sigma_mw["xifeng-pv-1"].to_numpy()
    assert pv[:16].max() == 0 and pv[48] > 0
    low, high = fc.scenarios[0]["renewable_mw"], fc.scenarios[-1]["renewable_mw"]
    assert max(low["xifeng-pv-1"][:16]) == 0 and max(high["xifeng-pv-1"][:16]) == 0


def test_wind_errors_correlated_by_distance(config):
    rho = correlation_matrix(config)
    near = rho.loc["huanxian-wind-1", "huanxian-wind-2"]  # about 30 km apart
    far = rho.loc["huanxian-wind-2", "zhenyuan-wind-1"]  # about 136 km apart
    assert 1 > near > far > 0
    assert rho.loc["huanxian-wind-1", "huanxian-pv-1"] == 0  # wind_pv_correlation = 0
    assert np.all(np.linalg.eigvalsh(rho.to_numpy()) > -1e-12)


def test_correlated_farms_move_together(config, summer_weather):
    fc = renewable_forecast(config, summer_weather, SUMMER, scenarios=3)
    low, high = fc.scenarios[0]["renewable_mw"], fc.scenarios[-1]["renewable_mw"]
    for farm in config.wind_farms:
        point = fc.point_mw[farm.id].to_numpy()
        lo, hi = np.asarray(low[farm.id]), np.asarray(high[farm.id])
        assert np.all(lo <= point + 1e-9) and np.all(hi >= point - 1e-9)
