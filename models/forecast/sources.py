"""Which weather source a day's forecast comes from, and the frames it gives.

The sources (``synthetic.py``, ``openmeteo.py``) build on the weather frame of
``weather.py``; this module sits above them and only chooses, so the imports
run one way (``weather`` ← ``synthetic``, ``openmeteo`` ← ``sources``) with none
inside a function. A new source is a class with ``name`` and
``fetch(site, day)`` (:class:`WeatherSource`) plus a branch in
:func:`make_source`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from models.forecast.errors import ForecastInputError
from models.forecast.fleet import FleetConfig
from models.forecast.openmeteo import OpenMeteoFileSource, OpenMeteoHttpSource
from models.forecast.synthetic import SyntheticSource
from models.forecast.weather import WeatherSource, complete_irradiance


def make_source(config: FleetConfig, weather: str | Path | WeatherSource | None) -> WeatherSource:
    """The source for ``weather`` (a directory, an http(s) URL, "synthetic"), or the config's."""
    if weather is not None and not isinstance(weather, str | Path):
        return weather
    wcfg = config.weather
    if weather is None:
        if wcfg.source == "files":
            if not wcfg.directory:
                raise ForecastInputError(
                    f"{config.source}: weather.directory: needed when source = 'files'"
                )
            return OpenMeteoFileSource(config.resolve(wcfg.directory), config)
        if wcfg.source == "http":
            if not wcfg.url:
                raise ForecastInputError(
                    f"{config.source}: weather.url: needed when source = 'http'"
                )
            return OpenMeteoHttpSource(wcfg.url, config)
        return SyntheticSource(config)
    text = str(weather)
    if text == "synthetic":
        return SyntheticSource(config)
    if text.startswith(("http://", "https://")):
        return OpenMeteoHttpSource(text, config)
    return OpenMeteoFileSource(Path(text), config)


def weather_forecast(
    config: FleetConfig, day: dt.date, source: str | Path | WeatherSource | None = None
) -> dict[str, pd.DataFrame]:
    """Weather frames of every plant for the delivery day.

    Parameters
    ----------
    config : FleetConfig
    day : date
        delivery day (Asia/Shanghai).
    source : str, Path or WeatherSource, optional
        a directory of Open-Meteo JSON files ``<plant id>.json``, an http(s)
        base URL of an Open-Meteo-compatible API, ``"synthetic"``, a source
        object, or ``None`` for the config's ``[weather]`` choice (synthetic by
        default).

    Returns
    -------
    dict
        plant id → weather frame (see :mod:`models.forecast.weather`).
    """
    src = make_source(config, source)
    check = getattr(src, "check_plants", None)
    if check is not None:
        check()
    return {plant.id: complete_irradiance(src.fetch(plant, day), plant) for plant in config.plants}
