"""PV physics (models/forecast/solar.py): a clear June day at a Qingyang site."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.forecast.solar import clearsky, clearsky_power_mw, pv_power_mw
from models.timegrid import day_step_starts

from .conftest import SUMMER, WINTER


def clear_frame(site, day, temp_c=20.0, wind=2.0) -> pd.DataFrame:
    """A weather frame of pvlib clear-sky irradiance, constant air temperature and wind."""
    cs = clearsky(site, day)
    frame = pd.DataFrame(
        {
            ("ghi", 0): cs["ghi"].to_numpy(),
            ("dni", 0): cs["dni"].to_numpy(),
            ("dhi", 0): cs["dhi"].to_numpy(),
            ("temperature", 2): np.full(96, temp_c + 273.15),
            ("pressure", 0): np.full(96, 85000.0),
            ("wind_speed", 10): np.full(96, wind),
        },
        index=day_step_starts(day),
    )
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


def solar_noon_hours(lon: float) -> float:
    """Approximate local (UTC+8) solar noon on 21 June (equation of time ≈ −1.7 min)."""
    return 12.0 + (120.0 - lon) * 4 / 60 + 1.7 / 60


def test_pv_power_clear_june_day_peaks_near_solar_noon(config):
    plant = config.plant("xifeng-pv-1")
    mw = pv_power_mw(plant, clear_frame(plant, SUMMER))
    values = mw.to_numpy()
    hours = (np.arange(96) + 0.5) / 4
    noon = solar_noon_hours(plant.longitude)
    # the peak (a plateau when the inverter clips) is centred on solar noon
    plateau = hours[values >= values.max() - 1e-6]
    assert abs(plateau.mean() - noon) <= 0.5
    assert abs((hours * values).sum() / values.sum() - noon) <= 0.25
    # DC/AC 1.25 and 14 % losses on a 32° south array: close to, at most, AC capacity
    assert 0.75 * plant.capacity_mw <= values.max() <= plant.capacity_mw
    # symmetric: 3 h before and after noon give about the same power
    before, after = np.interp([noon - 3, noon + 3], hours, values)
    assert before == pytest.approx(after, rel=0.1)


def test_pv_power_zero_at_night(config):
    plant = config.plant("huanxian-pv-1")
    mw = pv_power_mw(plant, clear_frame(plant, SUMMER)).to_numpy()
    elevation = clearsky(plant, SUMMER)["apparent_elevation"].to_numpy()
    assert (mw[elevation <= 0] == 0).all()
    assert mw[:16].sum() == 0 and mw[-12:].sum() == 0  # 00:00-04:00, 21:00-24:00
    assert (mw[(elevation > 20)] > 0).all()


def test_pv_power_never_above_capacity_even_on_cold_bright_day(config):
    plant = config.plant("huanxian-pv-1")
    frame = clear_frame(plant, SUMMER, temp_c=-20.0, wind=10.0)
    frame[("ghi", 0)] *= 1.3
    frame[("dni", 0)] *= 1.3
    mw = pv_power_mw(plant, frame)
    assert mw.max() == pytest.approx(plant.capacity_mw)  # inverter clipping
    assert (mw >= 0).all() and (mw <= plant.capacity_mw).all()


def test_pv_power_hot_day_lower_than_cool_day(config):
    plant = config.plant("xifeng-pv-1")
    cool = pv_power_mw(plant, clear_frame(plant, SUMMER, temp_c=5.0)).sum()
    hot = pv_power_mw(plant, clear_frame(plant, SUMMER, temp_c=35.0)).sum()
    assert hot < cool * 0.97


def test_pv_power_winter_day_shorter_and_lower(config):
    plant = config.plant("qingcheng-pv-1")
    summer = pv_power_mw(plant, clear_frame(plant, SUMMER)).to_numpy()
    winter = pv_power_mw(plant, clear_frame(plant, WINTER)).to_numpy()
    assert (winter > 0).sum() < (summer > 0).sum()
    assert winter.sum() < summer.sum()


def test_pv_power_single_axis_tracking_gains_energy(config):
    plant = config.plant("zhenyuan-pv-1")
    tracker = plant.model_copy(update={"mount": "single_axis", "tilt_deg": 0.0})
    fixed = pv_power_mw(plant, clear_frame(plant, SUMMER)).sum()
    tracked = pv_power_mw(tracker, clear_frame(tracker, SUMMER)).sum()
    assert tracked > fixed * 1.05


def test_clearsky_power_envelope(config):
    plant = config.plant("xifeng-pv-1")
    env = clearsky_power_mw(plant, SUMMER)
    assert len(env) == 96 and env.max() <= plant.capacity_mw and env.iloc[0] == 0
