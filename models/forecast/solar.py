"""PV plants with pvlib: solar position, transposition, cell temperature, PVWatts DC and inverter.

The chain for one plant, evaluated at the step midpoints:

1. solar position (NREL SPA, :func:`pvlib.solarposition.get_solarposition`);
2. surface orientation: fixed, or single-axis tracking with backtracking
   (:func:`pvlib.tracking.singleaxis`);
3. plane-of-array irradiance with the Perez model
   (:func:`pvlib.irradiance.get_total_irradiance`), beam reduced by the ASHRAE
   incidence-angle modifier;
4. cell temperature, Faiman or PVsyst (:mod:`pvlib.temperature`), from the 2 m
   air temperature (converted here from K to °C) and the lowest wind speed;
5. DC power ``pvwatts_dc`` times ``1 − losses_percent/100``;
6. AC power ``inverter.pvwatts`` with the AC capacity as the inverter limit.

The result is in MW (W → MW here), clipped to [0, capacity], and zero when the
sun is below the horizon.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings

import numpy as np
import pandas as pd
from pvlib import (
    atmosphere,
    iam,
    inverter,
    irradiance,
    location,
    pvsystem,
    solarposition,
    temperature,
    tracking,
)

from models.forecast.fleet import PvPlant, Site
from models.forecast.units import kelvin_to_celsius, w_to_mw
from models.forecast.weather import wind_heights
from models.timegrid import TZ, day_step_starts, midpoints


def pv_power_mw(plant: PvPlant, frame: pd.DataFrame) -> pd.Series:
    """AC power of a PV plant for each step of a weather frame.

    Parameters
    ----------
    plant : PvPlant
        array and inverter description.
    frame : DataFrame
        weather frame with ``("ghi", 0)``, ``("dni", 0)``, ``("dhi", 0)`` [W/m²],
        ``("temperature", 2)`` [K] and at least one ``("wind_speed", h)`` [m/s].

    Returns
    -------
    Series
        AC power [MW] on the frame's index, in [0, ``capacity_mw``].

    References
    ----------
    Dobos, A. P. (2014). PVWatts Version 5 Manual, NREL/TP-6A20-62641.
    Perez, R. et al. (1990). Solar Energy 44(5), 271-289,
    doi:10.1016/0038-092X(90)90055-H.
    """
    times = midpoints(frame.index)
    temp_air = kelvin_to_celsius(frame[("temperature", 2)].to_numpy(dtype=float))
    pressure = frame[("pressure", 0)].to_numpy(dtype=float) if ("pressure", 0) in frame else None
    solpos = solarposition.get_solarposition(
        times,
        plant.latitude,
        plant.longitude,
        plant.altitude_m,
        pressure=pressure,
        temperature=temp_air,
    )
    heights = wind_heights(frame)
    wind = (
        frame[("wind_speed", heights[0])].to_numpy(dtype=float)
        if heights
        else np.full(len(frame), 1.0)
    )
    return pd.Series(
        _chain(
            plant,
            times,
            solpos,
            frame[("ghi", 0)].to_numpy(dtype=float),
            frame[("dni", 0)].to_numpy(dtype=float),
            frame[("dhi", 0)].to_numpy(dtype=float),
            temp_air,
            wind,
        ),
        index=frame.index,
        name=plant.id,
    )


def _chain(plant, times, solpos, ghi, dni, dhi, temp_air, wind_speed) -> np.ndarray:
    zenith = solpos["apparent_zenith"].to_numpy()
    azimuth = solpos["azimuth"].to_numpy()
    if plant.mount == "single_axis":
        track = tracking.singleaxis(
            zenith,
            azimuth,
            axis_tilt=0.0,
            axis_azimuth=plant.axis_azimuth_deg,
            max_angle=plant.max_angle_deg,
            backtrack=True,
            gcr=plant.gcr,
        )
        tilt = np.nan_to_num(np.asarray(track["surface_tilt"], dtype=float), nan=0.0)
        surf_az = np.nan_to_num(
            np.asarray(track["surface_azimuth"], dtype=float), nan=plant.axis_azimuth_deg
        )
    else:
        tilt, surf_az = plant.tilt_deg, plant.azimuth_deg
    dni_extra = np.asarray(
        irradiance.get_extra_radiation(times.day_of_year.to_numpy()), dtype=float
    )
    airmass = atmosphere.get_relative_airmass(zenith)
    poa = irradiance.get_total_irradiance(
        tilt,
        surf_az,
        zenith,
        azimuth,
        dni,
        ghi,
        dhi,
        dni_extra=dni_extra,
        airmass=airmass,
        albedo=plant.albedo,
        model="perez",
    )
    aoi = irradiance.aoi(tilt, surf_az, zenith, azimuth)
    poa_direct = np.nan_to_num(np.asarray(poa["poa_direct"], dtype=float))
    poa_diffuse = np.nan_to_num(np.asarray(poa["poa_diffuse"], dtype=float))
    poa_global = poa_direct + poa_diffuse
    effective = poa_direct * np.nan_to_num(np.asarray(iam.ashrae(aoi), dtype=float)) + poa_diffuse
    if plant.temperature_model == "pvsyst":
        temp_cell = temperature.pvsyst_cell(poa_global, temp_air, wind_speed)
    else:
        temp_cell = temperature.faiman(poa_global, temp_air, wind_speed)
    pdc0 = plant.capacity_mw * plant.dc_ac_ratio * 1e6
    pdc = pvsystem.pvwatts_dc(effective, temp_cell, pdc0, plant.gamma_pdc_per_c)
    pdc = np.asarray(pdc, dtype=float) * (1.0 - plant.losses_percent / 100.0)
    pac = inverter.pvwatts(
        pdc,
        plant.capacity_mw * 1e6 / plant.inverter_efficiency,
        eta_inv_nom=plant.inverter_efficiency,
    )
    mw = np.clip(w_to_mw(np.nan_to_num(np.asarray(pac, dtype=float))), 0.0, plant.capacity_mw)
    mw[zenith >= 90.0] = 0.0
    return mw


@functools.lru_cache(maxsize=256)
def clearsky(site: Site, day: dt.date) -> pd.DataFrame:
    """Clear-sky GHI, DNI and DHI [W/m²] at the step midpoints (Ineichen–Perez, pvlib).

    Returns a frame indexed by the 96 step starts with columns ``ghi``, ``dni``,
    ``dhi`` and ``apparent_elevation`` [°].
    """
    index = day_step_starts(day)
    times = midpoints(index)
    solpos = solarposition.get_solarposition(times, site.latitude, site.longitude, site.altitude_m)
    loc = location.Location(site.latitude, site.longitude, TZ, site.altitude_m)
    dni_extra = np.asarray(
        irradiance.get_extra_radiation(times.day_of_year.to_numpy()), dtype=float
    )
    with warnings.catch_warnings():
        # pvlib 0.16's Linke-turbidity lookup reads DatetimeIndex.dayofyear, deprecated in pandas 3
        warnings.filterwarnings("ignore", message=".*dayofyear.*", category=DeprecationWarning)
        clear = loc.get_clearsky(
            times, model="ineichen", solar_position=solpos, dni_extra=dni_extra
        )
    clear["apparent_elevation"] = solpos["apparent_elevation"]
    clear.index = index
    return clear


@functools.lru_cache(maxsize=256)
def clearsky_power_mw(plant: PvPlant, day: dt.date) -> pd.Series:
    """AC power [MW] of ``plant`` under clear sky at 20 °C air and 2 m/s wind.

    The envelope the PV forecast error scales with (``scenarios.py``).
    """
    clear = clearsky(plant, day)
    times = midpoints(clear.index)
    solpos = solarposition.get_solarposition(
        times, plant.latitude, plant.longitude, plant.altitude_m
    )
    n = len(clear)
    mw = _chain(
        plant,
        times,
        solpos,
        clear["ghi"].to_numpy(),
        clear["dni"].to_numpy(),
        clear["dhi"].to_numpy(),
        np.full(n, 20.0),
        np.full(n, 2.0),
    )
    return pd.Series(mw, index=clear.index, name=plant.id)
