"""The offline synthetic weather source (models/forecast/synthetic.py, seeds.py)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from models.forecast import weather_forecast
from models.forecast.seeds import stable_seed
from models.forecast.synthetic import SyntheticSource

from .conftest import SUMMER, WINTER


def test_stable_seed_is_fixed_across_processes():
    # SHA-256 of "2026-06-21|huanxian-wind-1", not Python's salted hash()
    assert stable_seed(dt.date(2026, 6, 21), "huanxian-wind-1") == 5632745282171520923


def test_synthetic_deterministic_per_date(config):
    a = weather_forecast(config, SUMMER)
    b = weather_forecast(config, SUMMER, SyntheticSource(config))
    for plant in a:
        pd.testing.assert_frame_equal(a[plant], b[plant])


def test_synthetic_differs_between_dates_and_plants(config):
    a = weather_forecast(config, SUMMER)
    b = weather_forecast(config, SUMMER + dt.timedelta(days=1))
    for plant in a:
        assert not np.allclose(a[plant].to_numpy(), b[plant].to_numpy())
    w1 = a["huanxian-wind-1"][("wind_speed", 100)].to_numpy()
    w2 = a["huanxian-wind-2"][("wind_speed", 100)].to_numpy()
    assert not np.allclose(w1, w2)
    # nearby farms share the regional weather: their wind paths correlate
    assert np.corrcoef(w1, w2)[0, 1] > 0.5


def test_synthetic_physical_shape(config):
    summer = weather_forecast(config, SUMMER)["xifeng-pv-1"]
    winter = weather_forecast(config, WINTER)["xifeng-pv-1"]
    assert summer[("temperature", 2)].mean() > winter[("temperature", 2)].mean() + 10
    for frame in (summer, winter):
        ghi = frame[("ghi", 0)].to_numpy()
        assert ghi[:16].max() == 0 and ghi[-10:].max() == 0  # night
        assert ghi.max() > 100
        assert (frame[("wind_speed", 10)] >= 0).all()
        assert frame[("wind_speed", 10)].mean() < frame[("wind_speed", 100)].mean()
        assert (frame[("dni", 0)] >= 0).all() and (frame[("dhi", 0)] >= 0).all()
        assert 75000 < frame[("pressure", 0)].mean() < 90000  # 1 400 m altitude


def test_synthetic_wind_night_maximum_aloft_over_a_year(config):
    src = SyntheticSource(config)
    site = config.plant("huanxian-wind-1")
    days = [dt.date(2026, 1, 1) + dt.timedelta(days=d) for d in range(0, 365, 15)]
    v100 = np.mean([src.fetch(site, d)[("wind_speed", 100)].to_numpy() for d in days], axis=0)
    v10 = np.mean([src.fetch(site, d)[("wind_speed", 10)].to_numpy() for d in days], axis=0)
    assert v100[:16].mean() > v100[44:60].mean()  # 100 m: night > midday (low-level jet)
    assert v10[52:68].mean() > v10[:16].mean()  # 10 m: afternoon > night
    assert 5.0 < v100.mean() < 8.0
