"""Weather forecasts in the Open-Meteo JSON response format, from files or over HTTP.

A response (https://open-meteo.com/en/docs) holds ``latitude``, ``longitude``,
``elevation``, ``utc_offset_seconds``, ``timezone`` and blocks ``hourly`` and/or
``minutely_15`` with a ``time`` array and one array per variable, the units in
``hourly_units`` / ``minutely_15_units``. Read here:

==============================  ====================  =========================
variable                        frame column          note
==============================  ====================  =========================
``temperature_2m``              ("temperature", 2)    °C or °F → K
``wind_speed_<h>m``             ("wind_speed", h)     km/h, m/s, mp/h, kn → m/s;
                                                      also old ``windspeed_<h>m``
``surface_pressure``            ("pressure", 0)       hPa → Pa, at the grid
                                                      cell's elevation, moved to
                                                      the plant's altitude
``pressure_msl``                ("pressure", 0)       used without surface value
``shortwave_radiation``         ("ghi", 0)            W/m², mean of the
                                                      preceding interval
``direct_normal_irradiance``    ("dni", 0)            same
``diffuse_radiation``           ("dhi", 0)            same
==============================  ====================  =========================

``time`` values are naive local times of the response's ``utc_offset_seconds``
(or unix seconds when ``time`` is ``unixtime``); they are moved to Asia/Shanghai.
A variable in ``minutely_15`` wins over the same variable in ``hourly``.
Radiation is a backward mean, so its stamps move back half an interval before
interpolation to the step midpoints. Other variables are instantaneous.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zoneinfo
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.forecast.errors import ForecastInputError, ForecastInputWarning
from models.forecast.fleet import FleetConfig, Site
from models.forecast.units import (
    IRRADIANCE_UNITS,
    PRESSURE_TO_PA,
    WIND_SPEED_TO_M_PER_S,
    celsius_to_kelvin,
    fahrenheit_to_celsius,
    standard_pressure_pa,
)
from models.forecast.weather import to_steps
from models.timegrid import STEPS_PER_DAY, TZ, day_step_starts

_WIND = re.compile(r"^wind_?speed_(\d+(?:\.\d+)?)m$")
_RADIATION = {
    "shortwave_radiation": "ghi",
    "direct_normal_irradiance": "dni",
    "diffuse_radiation": "dhi",
}
_BLOCKS = ("minutely_15", "hourly")
#: Open-Meteo's defaults when a response has no ``*_units``
_DEFAULT_UNITS = {"temperature": "°C", "wind_speed": "km/h", "pressure": "hPa", "radiation": "W/m²"}

HTTP_VARIABLES = [
    "temperature_2m",
    "surface_pressure",
    "wind_speed_10m",
    "wind_speed_80m",
    "wind_speed_120m",
    "wind_speed_180m",
    "shortwave_radiation",
    "direct_normal_irradiance",
    "diffuse_radiation",
]
HTTP_VARIABLES_15 = [
    "temperature_2m",
    "wind_speed_10m",
    "wind_speed_80m",
    "shortwave_radiation",
    "direct_normal_irradiance",
    "diffuse_radiation",
]


def _classify(name: str) -> tuple[str, float] | None:
    """(kind, height) of an Open-Meteo variable name, or None if not used."""
    if name == "temperature_2m":
        return "temperature", 2
    m = _WIND.match(name)
    if m:
        height = float(m.group(1))
        return "wind_speed", int(height) if height.is_integer() else height
    if name == "surface_pressure":
        return "surface_pressure", 0
    if name == "pressure_msl":
        return "pressure_msl", 0
    if name in _RADIATION:
        return _RADIATION[name], 0
    return None


def _offset_seconds(data: dict[str, Any], day: dt.date, label: str) -> int:
    """The response's UTC offset, checked against its ``timezone`` name."""
    off = data.get("utc_offset_seconds")
    name = data.get("timezone")
    zone_offset = None
    if name is not None:
        try:
            zone = zoneinfo.ZoneInfo(str(name))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ForecastInputError(f"{label}: timezone: unknown time zone {name!r}") from None
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
        zone_offset = int(noon.utcoffset().total_seconds())
    if off is None:
        if zone_offset is None:
            raise ForecastInputError(f"{label}: utc_offset_seconds: missing (and no timezone)")
        return zone_offset
    if isinstance(off, bool) or not isinstance(off, int | float) or not float(off).is_integer():
        raise ForecastInputError(f"{label}: utc_offset_seconds: {off!r} is not a whole number")
    if zone_offset is not None and zone_offset != int(off):
        raise ForecastInputError(
            f"{label}: wrong time zone: timezone {name!r} is UTC{zone_offset / 3600:+g} on "
            f"{day.isoformat()} but utc_offset_seconds is {int(off)} (UTC{int(off) / 3600:+g})"
        )
    return int(off)


def _times(block: dict, units: dict, offset: int, label: str) -> pd.DatetimeIndex:
    raw = block.get("time")
    if not isinstance(raw, list) or not raw:
        raise ForecastInputError(f"{label}.time: missing or empty")
    try:
        if units.get("time") == "unixtime":
            return pd.to_datetime(np.asarray(raw, dtype="int64"), unit="s", utc=True).tz_convert(TZ)
        stamps = pd.to_datetime(pd.Series(raw, dtype=object), format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise ForecastInputError(f"{label}.time: not ISO 8601 times ({exc})") from None
    index = pd.DatetimeIndex(stamps)
    if index.tz is None:
        index = index.tz_localize(dt.timezone(dt.timedelta(seconds=offset)))
    return index.tz_convert(TZ).as_unit("ns")


def _values(block: dict, name: str, n: int, label: str) -> np.ndarray:
    raw = block[name]
    if not isinstance(raw, list) or len(raw) != n:
        got = len(raw) if isinstance(raw, list) else type(raw).__name__
        raise ForecastInputError(f"{label}: {got} values for {n} times")
    out = np.empty(n)
    for i, value in enumerate(raw):
        if value is None:
            out[i] = np.nan
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ForecastInputError(f"{label}[{i}]: {value!r} is not a number")
        else:
            out[i] = float(value)
    return out


def _to_si(kind: str, values: np.ndarray, unit: str | None, label: str) -> np.ndarray:
    if kind == "temperature":
        unit = unit or _DEFAULT_UNITS["temperature"]
        if unit in ("°C", "C", "degC"):
            return celsius_to_kelvin(values)
        if unit in ("°F", "F", "degF"):
            return celsius_to_kelvin(fahrenheit_to_celsius(values))
    elif kind == "wind_speed":
        unit = unit or _DEFAULT_UNITS["wind_speed"]
        if unit in WIND_SPEED_TO_M_PER_S:
            return values * WIND_SPEED_TO_M_PER_S[unit]
    elif kind in ("surface_pressure", "pressure_msl"):
        unit = unit or _DEFAULT_UNITS["pressure"]
        if unit in PRESSURE_TO_PA:
            return values * PRESSURE_TO_PA[unit]
    else:
        unit = unit or _DEFAULT_UNITS["radiation"]
        if unit in IRRADIANCE_UNITS:
            return values
    raise ForecastInputError(f"{label}: unknown unit {unit!r}")


def parse_response(
    data: Any, site: Site, day: dt.date, *, label: str, config: FleetConfig
) -> pd.DataFrame:
    """Turn one Open-Meteo response into the plant's weather frame for ``day``.

    Parameters
    ----------
    data : dict
        the parsed JSON response.
    site : Site
        the plant it is for (its coordinates are checked, at most
        ``config.weather.max_distance_deg`` away in latitude and in longitude).
    day : date
        delivery day.
    label : str
        the file or URL, used in messages.
    config : FleetConfig

    Returns
    -------
    DataFrame
        weather frame (see :mod:`models.forecast.weather`).
    """
    if not isinstance(data, dict):
        raise ForecastInputError(f"{label}: not an Open-Meteo JSON object")
    if data.get("error"):
        raise ForecastInputError(
            f"{label}: the service answered an error: {data.get('reason', '?')}"
        )
    lat, lon = data.get("latitude"), data.get("longitude")
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon)):
        raise ForecastInputError(f"{label}: latitude/longitude: missing or not numbers")
    limit = config.weather.max_distance_deg
    if abs(lat - site.latitude) > limit or abs(lon - site.longitude) > limit:
        raise ForecastInputError(
            f"{label}: coordinates ({lat:g}°N, {lon:g}°E) are more than {limit:g}° from "
            f"plant {site.id} ({site.latitude:g}°N, {site.longitude:g}°E)"
        )
    offset = _offset_seconds(data, day, label)
    wcfg = config.weather
    series: dict[tuple[str, float], np.ndarray] = {}
    for block_name in _BLOCKS:
        block = data.get(block_name)
        if block is None:
            continue
        if not isinstance(block, dict):
            raise ForecastInputError(f"{label}: {block_name}: not an object")
        units = data.get(f"{block_name}_units") or {}
        times = _times(block, units, offset, f"{label}: {block_name}")
        for name in block:
            key = _classify(name)
            if key is None or key in series:
                continue
            where = f"{label}: {block_name}.{name}"
            values = _to_si(key[0], _values(block, name, len(times), where), units.get(name), where)
            is_rad = key[0] in ("ghi", "dni", "dhi")
            interval = (
                pd.Timedelta(int(np.median(np.diff(times.as_unit("ns").asi8))), unit="ns")
                if len(times) > 1
                else None
            )
            series[key] = to_steps(
                times,
                values,
                day,
                label=where,
                shift=-interval / 2 if is_rad and interval is not None else None,
                max_gap_hours=wcfg.max_gap_hours,
                nonnegative=key[0] in ("wind_speed", "ghi", "dni", "dhi"),
            )
    if not series and not any(b in data for b in _BLOCKS):
        raise ForecastInputError(f"{label}: no hourly or minutely_15 block")
    if ("temperature", 2) not in series:
        raise ForecastInputError(f"{label}: temperature_2m: missing (needed for plant {site.id})")
    if not any(k[0] == "wind_speed" for k in series):
        raise ForecastInputError(
            f"{label}: wind_speed_<h>m: no wind speed at any height (plant {site.id})"
        )
    if getattr(site, "kind", "") == "pv" and ("ghi", 0) not in series:
        raise ForecastInputError(
            f"{label}: shortwave_radiation: missing (needed for PV plant {site.id})"
        )

    target = standard_pressure_pa(site.altitude_m)
    if ("surface_pressure", 0) in series:
        elevation = data.get("elevation")
        cell = float(elevation) if isinstance(elevation, int | float) else site.altitude_m
        pressure = series.pop(("surface_pressure", 0)) * target / standard_pressure_pa(cell)
        series.pop(("pressure_msl", 0), None)
    elif ("pressure_msl", 0) in series:
        pressure = series.pop(("pressure_msl", 0)) * target / standard_pressure_pa(0.0)
    else:
        warnings.warn(
            f"{label}: no surface_pressure or pressure_msl; using the standard atmosphere",
            ForecastInputWarning,
            stacklevel=2,
        )
        pressure = np.full(STEPS_PER_DAY, target)
    series[("pressure", 0)] = pressure
    if (("dni", 0) in series and ("dhi", 0) not in series) or (
        ("dhi", 0) in series and ("dni", 0) not in series
    ):
        series.pop(("dni", 0), None)
        series.pop(("dhi", 0), None)
    frame = pd.DataFrame(series, index=day_step_starts(day))
    frame.columns = pd.MultiIndex.from_tuples(list(series), names=["variable", "height"])
    return frame.sort_index(axis=1)


class OpenMeteoFileSource:
    """Open-Meteo responses saved as ``<directory>/<plant id>.json``."""

    name = "files"

    def __init__(self, directory: Path, config: FleetConfig):
        self.directory = Path(directory)
        self.config = config

    def check_plants(self) -> None:
        """The folder exists and holds no file for a plant the config does not know."""
        if not self.directory.is_dir():
            raise ForecastInputError(f"{self.directory}: weather directory not found")
        known = {p.id for p in self.config.plants}
        for path in sorted(self.directory.glob("*.json")):
            if path.stem not in known:
                raise ForecastInputError(
                    f"{path}: plant {path.stem!r} is missing from the config {self.config.source} "
                    f"(known plants: {', '.join(sorted(known))})"
                )

    def fetch(self, site: Site, day: dt.date) -> pd.DataFrame:
        path = self.directory / f"{site.id}.json"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ForecastInputError(f"{path}: missing weather file for plant {site.id}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ForecastInputError(
                f"{path}: cannot read weather file for plant {site.id} ({exc})"
            ) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ForecastInputError(
                f"{path}: not valid JSON ({exc}) for plant {site.id}"
            ) from None
        return parse_response(data, site, day, label=str(path), config=self.config)


class OpenMeteoHttpSource:
    """An Open-Meteo-compatible forecast API (``<url>?latitude=..&longitude=..&hourly=..``).

    Each plant is one GET with ``timeout_seconds``; connection errors, timeouts,
    HTTP 429 and 5xx are retried ``retries`` times with exponential back-off
    (``retry_backoff_seconds``·2^k); other HTTP errors fail at once.
    """

    name = "http"

    def __init__(self, url: str, config: FleetConfig):
        self.url = url
        self.config = config

    def request_url(self, site: Site, day: dt.date) -> str:
        query = {
            "latitude": f"{site.latitude:.4f}",
            "longitude": f"{site.longitude:.4f}",
            "elevation": f"{site.altitude_m:g}",
            "hourly": ",".join(HTTP_VARIABLES),
            "minutely_15": ",".join(HTTP_VARIABLES_15),
            "timezone": TZ,
            "start_date": day.isoformat(),
            "end_date": (day + dt.timedelta(days=1)).isoformat(),
            "wind_speed_unit": "ms",
        }
        sep = "&" if "?" in self.url else "?"
        return self.url + sep + urllib.parse.urlencode(query)

    def fetch(self, site: Site, day: dt.date) -> pd.DataFrame:
        wcfg = self.config.weather
        url = self.request_url(site, day)
        label = f"{self.url} (plant {site.id})"
        last = ""
        for attempt in range(wcfg.retries + 1):
            if attempt:
                time.sleep(wcfg.retry_backoff_seconds * 2 ** (attempt - 1))
            try:
                req = urllib.request.Request(url, headers={"User-Agent": "suandian/0.1"})
                with urllib.request.urlopen(req, timeout=wcfg.timeout_seconds) as resp:
                    body = resp.read()
            except urllib.error.HTTPError as exc:
                reason = _error_reason(exc)
                if exc.code == 429 or exc.code >= 500:
                    last = f"HTTP {exc.code} {reason}"
                    continue
                raise ForecastInputError(f"{label}: HTTP {exc.code}: {reason}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                last = str(getattr(exc, "reason", exc))
                continue
            try:
                data = json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ForecastInputError(f"{label}: response is not JSON ({exc})") from None
            return parse_response(data, site, day, label=label, config=self.config)
        raise ForecastInputError(f"{label}: no answer after {wcfg.retries + 1} attempts ({last})")


def _error_reason(exc: urllib.error.HTTPError) -> str:
    try:
        body = json.loads(exc.read())
        return str(body.get("reason", exc.reason))
    except (ValueError, OSError, AttributeError):
        return str(exc.reason)
