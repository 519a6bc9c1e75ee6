"""The offline default weather source: a deterministic, physically shaped synthetic forecast.

Same (date, plant), same numbers: every random stream is seeded from a SHA-256
of the date and a name (:mod:`models.forecast.seeds`). A *regional* stream
(seeded by the date alone) drives the weather all plants share, so nearby farms
see the same windy or cloudy day; a *site* stream adds local variation.

Model (step midpoints, local time ``h`` in hours, day of year ``doy``,
season ``s = cos(2π(doy − 197)/365.25)``, +1 in mid-July, −1 in mid-January):

- **Irradiance**: clear-sky GHI from pvlib (Ineichen–Perez with the Linke
  turbidity climatology) times a clear-sky index ``1 − 0.8·c(t)``; the cloud
  fraction ``c(t)`` is a logistic AR(1) process (φ = 0.9 per 15 min) around a
  daily cloudiness drawn from a Beta law with mean
  ``cloudiness_mean + cloudiness_seasonal·s`` (wet summer monsoon, dry clear
  winter). DNI and DHI follow from the Erbs decomposition.
- **Temperature** at 2 m: ``mean + amplitude·s − 6.5 K/km·(alt − ref)`` plus a
  regional daily anomaly (σ 2.5 K), and a diurnal swing (max 15:00) damped on
  cloudy days.
- **Wind** at 100 m: the monthly mean of ``wind_100m_by_month_m_per_s`` times
  the plant's ``synthetic_wind_factor``, a lognormal daily factor (σ 0.35,
  regional), a night maximum (+12 % at 02:00, the nocturnal low-level jet) and
  a persistent multiplicative AR(1) (φ = 0.97 per 15 min). Wind at 10 m follows
  from a power-law shear exponent that is 0.28 in the stable night and 0.12 at
  midday, which gives the surface wind its afternoon maximum.
- **Pressure**: ICAO standard atmosphere at the plant altitude, higher in
  winter, with a regional daily anomaly.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from models.forecast.fleet import FleetConfig, Site
from models.forecast.seeds import ar1, stable_rng
from models.forecast.solar import clearsky
from models.forecast.units import celsius_to_kelvin, standard_pressure_pa
from models.timegrid import STEPS_PER_DAY, day_step_midpoints, day_step_starts

_MID_MONTH_DOY = np.array([15.5, 45, 74.5, 105, 135.5, 166, 196.5, 227.5, 258, 288.5, 319, 349.5])


def _regional(day: dt.date) -> dict[str, np.ndarray | float]:
    rng = stable_rng(day, "region")
    return {
        "temp_anomaly": rng.standard_normal(),
        "cloud_u": rng.random(),
        "cloud_path": ar1(rng, STEPS_PER_DAY, 0.9),
        "wind_day": rng.standard_normal(),
        "wind_path": ar1(rng, STEPS_PER_DAY, 0.97),
        "pressure": rng.standard_normal(),
    }


class SyntheticSource:
    """Deterministic synthetic weather for any plant and date (offline default)."""

    name = "synthetic"

    def __init__(self, config: FleetConfig):
        self.config = config

    def fetch(self, site: Site, day: dt.date) -> pd.DataFrame:
        """Weather frame of ``site`` for ``day`` (see :mod:`models.forecast.weather`)."""
        from scipy import stats

        syn = self.config.synthetic
        reg = _regional(day)
        rng = stable_rng(day, site.id)
        times = day_step_midpoints(day)
        hours = (times.hour + times.minute / 60.0).to_numpy()
        doy = day.timetuple().tm_yday
        season = np.cos(2 * np.pi * (doy - 197) / 365.25)

        clear = clearsky(site, day)

        mean_cloud = float(
            np.clip(syn.cloudiness_mean + syn.cloudiness_seasonal * season, 0.05, 0.95)
        )
        kappa = 2.5
        cloud_day = float(
            stats.beta.ppf(reg["cloud_u"], mean_cloud * kappa, (1 - mean_cloud) * kappa)
        )
        cloud_day = float(np.clip(cloud_day, 0.01, 0.99))
        noise = 0.8 * reg["cloud_path"] + 0.6 * ar1(rng, STEPS_PER_DAY, 0.9)
        logit = np.log(cloud_day / (1 - cloud_day)) + 1.2 * noise
        cloud = 1.0 / (1.0 + np.exp(-logit))
        ghi = clear["ghi"].to_numpy() * (1.0 - 0.8 * cloud)

        t_mean = (
            syn.temperature_mean_c
            + syn.temperature_amplitude_c * season
            - 0.0065 * (site.altitude_m - syn.temperature_reference_altitude_m)
            + 2.5 * reg["temp_anomaly"]
            + 0.3 * rng.standard_normal()
        )
        swing = syn.diurnal_swing_c * (1.0 - 0.5 * cloud_day)
        temp_c = (
            t_mean
            + swing * np.cos(2 * np.pi * (hours - 15.0) / 24.0)
            + 0.3 * ar1(rng, STEPS_PER_DAY, 0.95)
        )

        monthly = np.asarray(syn.wind_100m_by_month_m_per_s)
        v_season = np.interp(
            doy,
            np.r_[_MID_MONTH_DOY - 365, _MID_MONTH_DOY, _MID_MONTH_DOY + 365],
            np.r_[monthly, monthly, monthly],
        )
        factor = getattr(site, "synthetic_wind_factor", 1.0)
        daily = np.exp(0.35 * reg["wind_day"] - 0.35**2 / 2 + 0.08 * rng.standard_normal())
        path = 0.85 * reg["wind_path"] + np.sqrt(1 - 0.85**2) * ar1(rng, STEPS_PER_DAY, 0.97)
        v100 = (
            v_season
            * factor
            * daily
            * (1.0 + 0.12 * np.cos(2 * np.pi * (hours - 2.0) / 24.0))
            * np.exp(0.18 * path - 0.18**2 / 2)
        )
        sin_elev = np.sin(np.radians(clear["apparent_elevation"].to_numpy()))
        alpha = 0.28 - 0.16 * np.clip(sin_elev / 0.5, 0.0, 1.0)
        v10 = v100 * (10.0 / 100.0) ** alpha

        pressure = (
            standard_pressure_pa(site.altitude_m) * (1.0 - 0.005 * season) + 400.0 * reg["pressure"]
        )

        frame = pd.DataFrame(
            {
                ("temperature", 2): celsius_to_kelvin(temp_c),
                ("pressure", 0): np.full(STEPS_PER_DAY, pressure),
                ("wind_speed", 10): v10,
                ("wind_speed", 100): v100,
                ("ghi", 0): np.clip(ghi, 0.0, None),
            },
            index=day_step_starts(day),
        )
        frame.columns = pd.MultiIndex.from_tuples(frame.columns, names=["variable", "height"])
        return frame
