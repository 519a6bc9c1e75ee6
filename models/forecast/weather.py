"""One weather frame per plant on the delivery day's 15-minute grid, whatever the source.

A *weather frame* has the 96 step starts of the delivery day (Asia/Shanghai) as
its index; each row holds the weather representative of that step (the value
at the step's midpoint). Its columns are windpowerlib's (variable, height in m)
pairs, in windpowerlib's units:

=====================  ======  ==========================================
column                 unit    meaning
=====================  ======  ==========================================
``("temperature", 2)``  K      air temperature at 2 m
``("pressure", 0)``     Pa     air pressure at the plant's ground level
``("wind_speed", h)``   m/s    wind speed at h m above ground (one or more)
``("ghi", 0)``          W/m²   global horizontal irradiance (step mean)
``("dni", 0)``          W/m²   direct normal irradiance (step mean)
``("dhi", 0)``          W/m²   diffuse horizontal irradiance (step mean)
=====================  ======  ==========================================

Sources (``synthetic.py``, ``openmeteo.py``) implement :class:`WeatherSource`
with the helpers here; ``sources.py`` picks one and returns a frame per plant.
"""

from __future__ import annotations

import datetime as dt
import warnings
from typing import Protocol

import numpy as np
import pandas as pd
from pvlib import irradiance, solarposition

from models.forecast.errors import ForecastInputError, ForecastInputWarning
from models.forecast.fleet import Site
from models.timegrid import TZ, day_start, day_step_midpoints, midpoints


class WeatherSource(Protocol):
    """Anything that gives a plant's weather frame for a delivery day."""

    name: str

    def fetch(self, site: Site, day: dt.date) -> pd.DataFrame:
        """Return the weather frame of ``site`` for ``day`` (see module docstring)."""
        ...


def to_steps(
    times: pd.DatetimeIndex,
    values: np.ndarray,
    day: dt.date,
    *,
    label: str,
    shift: pd.Timedelta | None = None,
    max_gap_hours: float = 1.0,
    nonnegative: bool = False,
) -> np.ndarray:
    """Check one native series and bring it to the step midpoints of ``day``.

    Parameters
    ----------
    times : DatetimeIndex
        tz-aware sample times, strictly increasing.
    values : ndarray
        samples; NaN marks a gap.
    day : date
        delivery day.
    label : str
        ``"file: variable"``, used in every message.
    shift : Timedelta, optional
        added to ``times`` first (e.g. minus half an interval for backward means).
    max_gap_hours : float
        longest run of NaN, in hours of samples, that is interpolated (with a
        :class:`ForecastInputWarning`); longer runs are an error.
    nonnegative : bool
        whether a negative sample is an error.

    Returns
    -------
    ndarray of 96 floats

    Raises
    ------
    ForecastInputError
        duplicated or decreasing times, a day not covered, a long NaN gap or a
        negative value; the message names ``label``, the time and the rule.
    """
    values = np.asarray(values, dtype=float)
    times = pd.DatetimeIndex(times).as_unit("ns")
    if len(times) < 2:
        raise ForecastInputError(f"{label}: fewer than two samples")
    diffs = np.diff(times.asi8)
    if (diffs <= 0).any():
        i = int(np.argmax(diffs <= 0)) + 1
        rule = "duplicated" if diffs[i - 1] == 0 else "earlier than the one before (not monotonic)"
        raise ForecastInputError(f"{label}: timestamp {_local(times[i])} is {rule}")
    interval = pd.Timedelta(int(np.median(diffs)), unit="ns")
    need_from = day_start(day)
    day_end = need_from + pd.Timedelta(days=1)
    need_to = day_end - interval
    if times[0] > need_from or times[-1] < need_to:
        raise ForecastInputError(
            f"{label}: times {_local(times[0])} to {_local(times[-1])} do not cover the "
            f"delivery day {day.isoformat()} ({_local(need_from)} to {_local(need_to)} "
            "Asia/Shanghai needed; is the file for another day or in the wrong time zone?)"
        )
    window = (times >= need_from - interval) & (times <= day_end + interval)
    t, v = times[window], values[window]
    bad = np.isnan(v)
    if bad.any():
        _check_gaps(t, bad, interval, label, max_gap_hours)
        good = ~bad
        if good.sum() < 2:
            raise ForecastInputError(f"{label}: no valid samples on {day.isoformat()}")
        v = np.interp(t.asi8, t.asi8[good], v[good])
    if nonnegative and (v < 0).any():
        i = int(np.argmax(v < 0))
        raise ForecastInputError(
            f"{label}: negative value {v[i]:g} at {_local(t[i])} (must be >= 0)"
        )
    if shift is not None:
        t = t + shift
    target = day_step_midpoints(day).as_unit("ns")
    return np.interp(target.asi8, t.asi8, v)


def _check_gaps(t, bad, interval, label, max_gap_hours) -> None:
    """Warn about short NaN runs, raise on long ones."""
    edges = np.diff(np.concatenate([[0], bad.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    for s, e in zip(starts, ends, strict=True):
        hours = (e - s) * interval / pd.Timedelta(hours=1)
        span = f"{_local(t[s])} to {_local(t[e - 1])}"
        if hours > max_gap_hours + 1e-9:
            raise ForecastInputError(
                f"{label}: NaN gap {span} ({hours:g} h) cannot be filled "
                f"(gaps of at most {max_gap_hours:g} h are interpolated)"
            )
        warnings.warn(
            f"{label}: NaN gap {span} ({hours:g} h) interpolated",
            ForecastInputWarning,
            stacklevel=3,
        )


def _local(ts: pd.Timestamp) -> str:
    return ts.tz_convert(TZ).strftime("%Y-%m-%d %H:%M%z")


def complete_irradiance(frame: pd.DataFrame, site: Site) -> pd.DataFrame:
    """Add DNI and DHI by the Erbs decomposition where only GHI is known.

    Parameters
    ----------
    frame : DataFrame
        weather frame with ``("ghi", 0)`` [W/m²].
    site : Site
        location of the plant.

    Returns
    -------
    DataFrame with ``("dni", 0)`` and ``("dhi", 0)``.

    References
    ----------
    Erbs, Klein & Duffie (1982), Solar Energy 28(4), 293-302,
    doi:10.1016/0038-092X(82)90302-4, via :func:`pvlib.irradiance.erbs`.
    """
    if ("ghi", 0) not in frame or (("dni", 0) in frame and ("dhi", 0) in frame):
        return frame
    times = midpoints(frame.index)
    zenith = solarposition.get_solarposition(times, site.latitude, site.longitude, site.altitude_m)
    parts = irradiance.erbs(
        frame[("ghi", 0)].to_numpy(), zenith["zenith"].to_numpy(), times.day_of_year.to_numpy()
    )
    frame = frame.copy()
    frame[("dni", 0)] = np.asarray(parts["dni"], dtype=float)
    frame[("dhi", 0)] = np.asarray(parts["dhi"], dtype=float)
    return frame


def wind_heights(frame: pd.DataFrame) -> list[float]:
    """Heights [m] at which ``frame`` has wind speed, ascending."""
    return sorted(h for v, h in frame.columns if v == "wind_speed")


def hub_wind_speed(frame: pd.DataFrame, hub_height_m: float) -> pd.Series:
    """Wind speed at hub height from the heights the weather has.

    Interpolates linearly between the nearest heights around the hub
    (:func:`windpowerlib.tools.linear_interpolation_extrapolation`) when the hub
    lies between measured heights; above the highest height it extrapolates
    with the Hellman power law (:func:`windpowerlib.wind_speed.hellman`) whose
    exponent is the shear between the two highest heights of each step (clipped
    to [0.05, 0.45]; 1/7 with a single height).

    Returns
    -------
    Series [m/s]
    """
    from windpowerlib import tools
    from windpowerlib import wind_speed as ws

    heights = wind_heights(frame)
    if not heights:
        raise ForecastInputError("weather has no wind speed")
    if hub_height_m in heights:
        return frame[("wind_speed", hub_height_m)].astype(float)
    if len(heights) >= 2 and heights[0] <= hub_height_m <= heights[-1]:
        df = frame[[("wind_speed", h) for h in heights]].copy()
        df.columns = pd.Index(heights)
        return tools.linear_interpolation_extrapolation(df, hub_height_m).astype(float)
    if hub_height_m < heights[0]:
        ref = heights[0]
        exponent = 1 / 7
        if len(heights) >= 2:
            exponent = _shear(frame, heights[0], heights[1])
    else:
        ref = heights[-1]
        exponent = 1 / 7 if len(heights) == 1 else _shear(frame, heights[-2], heights[-1])
    return ws.hellman(
        frame[("wind_speed", ref)].astype(float), ref, hub_height_m, hellman_exponent=exponent
    )


def _shear(frame: pd.DataFrame, low: float, high: float) -> pd.Series:
    v_low = frame[("wind_speed", low)].to_numpy(dtype=float)
    v_high = frame[("wind_speed", high)].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.log(v_high / v_low) / np.log(high / low)
    alpha = np.where((v_low > 0.5) & (v_high > 0.5) & np.isfinite(alpha), alpha, 1 / 7)
    return pd.Series(np.clip(alpha, 0.05, 0.45), index=frame.index)
