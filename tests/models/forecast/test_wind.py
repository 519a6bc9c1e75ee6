"""Wind physics (models/forecast/wind.py and hub-height wind in weather.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from windpowerlib import WindTurbine

from models.forecast.weather import hub_wind_speed
from models.forecast.wind import turbine, wind_power_mw
from models.timegrid import day_step_starts

from .conftest import SUMMER


def frame_at(speeds, height=135, temp_k=288.15, pressure_pa=101325.0) -> pd.DataFrame:
    speeds = np.broadcast_to(np.asarray(speeds, dtype=float), (96,))
    frame = pd.DataFrame(
        {
            ("wind_speed", height): speeds,
            ("temperature", 2): np.full(96, temp_k),
            ("pressure", 0): np.full(96, pressure_pa),
        },
        index=day_step_starts(SUMMER),
    )
    frame.columns = pd.MultiIndex.from_tuples(frame.columns)
    return frame


def test_turbine_library_offline():
    wt = turbine("E-141/4200", 135.0)
    assert isinstance(wt, WindTurbine)
    assert wt.nominal_power == 4.2e6
    assert wt.power_curve["value"].max() == pytest.approx(4.2e6)


def test_wind_power_zero_below_cut_in_and_above_cut_out(config):
    farm = config.plant("huanxian-wind-1")
    curve = turbine(farm.turbine_type, farm.hub_height_m).power_curve
    first_power = curve.loc[curve["value"] > 0, "wind_speed"].min()
    cut_out = curve["wind_speed"].max()
    calm = wind_power_mw(farm, frame_at(0.5 * (first_power - 1.0)))
    storm = wind_power_mw(farm, frame_at(cut_out + 2.0))
    assert (calm == 0).all()
    assert (storm == 0).all()


def test_wind_power_follows_turbine_curve(config):
    farm = config.plant("huachi-wind-1")
    curve = turbine(farm.turbine_type, farm.hub_height_m).power_curve
    speeds = np.linspace(0, 30, 96)
    mw = wind_power_mw(farm, frame_at(speeds)).to_numpy()
    expected = (
        np.interp(speeds, curve["wind_speed"], curve["value"], left=0, right=0)
        * farm.turbine_count
        * farm.wake_efficiency
        * farm.availability
        / 1e6
    )
    expected = np.minimum(expected, farm.capacity_mw)
    # density correction at 135 m in a standard atmosphere moves the curve by a few %
    mid = (speeds > 4) & (speeds < 11)
    np.testing.assert_allclose(mw[mid], expected[mid], rtol=0.06)
    ramp = mw[(speeds > 3) & (speeds < 12)]
    assert (np.diff(ramp) >= 0).all()  # monotone up to rated


def test_wind_power_lower_in_thin_air(config):
    farm = config.plant("huanxian-wind-2")
    sea = wind_power_mw(farm, frame_at(8.0)).mean()
    upland = wind_power_mw(farm, frame_at(8.0, pressure_pa=82000.0)).mean()
    assert upland < 0.95 * sea


def test_wind_power_never_above_capacity(config):
    for farm in config.wind_farms:
        mw = wind_power_mw(farm, frame_at(np.linspace(0, 40, 96), temp_k=250.0))
        assert (mw <= farm.capacity_mw + 1e-9).all() and (mw >= 0).all()
        rated = farm.turbine_count * 4.2 * farm.wake_efficiency * farm.availability
        assert mw.max() == pytest.approx(min(rated, farm.capacity_mw), rel=1e-6)


def test_wind_power_clipped_at_grid_capacity(config):
    farm = config.plant("huanxian-wind-1").model_copy(
        update={"wake_efficiency": 1.0, "availability": 1.0}
    )
    mw = wind_power_mw(farm, frame_at(np.linspace(0, 20, 96), temp_k=250.0))
    assert mw.max() == pytest.approx(farm.capacity_mw)  # 48 x 4.2 MW = 201.6 MW > 200 MW


def test_hub_wind_interpolates_between_heights():
    frame = pd.concat([frame_at(8.0, 120), frame_at(11.0, 180)[[("wind_speed", 180)]]], axis=1)
    v = hub_wind_speed(frame, 135.0)
    assert v.iloc[0] == pytest.approx(8.0 + 3.0 * 15 / 60)


def test_hub_wind_extrapolates_with_shear_above_highest_height():
    frame = pd.concat([frame_at(5.0, 10), frame_at(8.0, 100)[[("wind_speed", 100)]]], axis=1)
    alpha = np.log(8.0 / 5.0) / np.log(10.0)
    v = hub_wind_speed(frame, 135.0)
    assert v.iloc[0] == pytest.approx(8.0 * 1.35**alpha)
    assert (v > 8.0).all()
