"""Plant power for the delivery day: weather → MW per plant, overrides, then scenarios."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.forecast.fleet import FleetConfig
from models.forecast.plant_files import plant_forecasts as read_plant_forecasts
from models.forecast.scenarios import error_sigma_mw, make_scenarios
from models.forecast.solar import clearsky_power_mw, pv_power_mw
from models.forecast.wind import wind_power_mw
from models.timegrid import day_step_starts


@dataclass(frozen=True)
class RenewableForecast:
    """Renewable power of the fleet for one delivery day.

    Attributes
    ----------
    point_mw : DataFrame
        point forecast [MW], 96 step starts × plant ids.
    sigma_mw : DataFrame
        standard deviation of the forecast error [MW], same shape.
    scenarios : list of dict
        the contract's scenarios (``id``, ``probability``, ``renewable_mw``).
    overridden : tuple of str
        plants whose point forecast came from a 96-point file.
    """

    point_mw: pd.DataFrame
    sigma_mw: pd.DataFrame
    scenarios: list[dict]
    overridden: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Long table: scenario, plant, step, start, mw."""
        index = self.point_mw.index
        rows = []
        for sc in self.scenarios:
            for plant, values in sc["renewable_mw"].items():
                rows.append(
                    pd.DataFrame(
                        {
                            "scenario": sc["id"],
                            "probability": sc["probability"],
                            "plant": plant,
                            "step": np.arange(len(values)),
                            "start": index,
                            "mw": values,
                        }
                    )
                )
        return pd.concat(rows, ignore_index=True)


def plant_power(
    config: FleetConfig,
    weather: dict[str, pd.DataFrame],
    day: dt.date,
    plant_forecasts: str | Path | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Point forecast [MW] of every plant (weather-based, or from its 96-point file)."""
    overrides = read_plant_forecasts(config, day, plant_forecasts) if plant_forecasts else {}
    point = {}
    for plant in config.plants:
        if plant.id in overrides:
            point[plant.id] = overrides[plant.id]
        elif plant.kind == "wind":
            point[plant.id] = wind_power_mw(plant, weather[plant.id]).to_numpy()
        else:
            point[plant.id] = pv_power_mw(plant, weather[plant.id]).to_numpy()
    return pd.DataFrame(point, index=day_step_starts(day)), tuple(sorted(overrides))


def renewable_forecast(
    config: FleetConfig,
    weather: dict[str, pd.DataFrame],
    day: dt.date,
    scenarios: int = 3,
    plant_forecasts: str | Path | None = None,
) -> RenewableForecast:
    """Point forecast, error model and scenarios of the whole fleet.

    Parameters
    ----------
    config : FleetConfig
    weather : dict
        plant id → weather frame (:func:`models.forecast.sources.weather_forecast`).
    day : date
        delivery day.
    scenarios : int
        number of scenarios (>= 1).
    plant_forecasts : str or Path, optional
        folder of 96-point CSV files ``<plant id>.csv`` overriding the
        weather-based power of those plants.

    Returns
    -------
    RenewableForecast
    """
    return horizon_forecast(config, [weather], day, scenarios, plant_forecasts)


def horizon_forecast(
    config: FleetConfig,
    weather_days: list[dict[str, pd.DataFrame]],
    day: dt.date,
    scenarios: int = 3,
    plant_forecasts: str | Path | None = None,
) -> RenewableForecast:
    """:func:`renewable_forecast` over consecutive days from ``day`` (one weather dict each).

    The point forecasts of the days are joined, and the error model runs once
    over the whole horizon, so the look-ahead's errors keep growing with lead
    time and one scenario is one persistent error over the horizon. The plant
    files of ``plant_forecasts`` are 96-point files of the delivery day: they
    override its first day only.
    """
    parts, overridden = [], ()
    for k, weather in enumerate(weather_days):
        point_k, over_k = plant_power(
            config, weather, day + dt.timedelta(days=k), plant_forecasts if k == 0 else None
        )
        parts.append(point_k)
        overridden = overridden or over_k
    point = pd.concat(parts)
    clear = pd.DataFrame(
        {
            p.id: np.concatenate(
                [
                    clearsky_power_mw(p, day + dt.timedelta(days=k)).to_numpy()
                    for k in range(len(weather_days))
                ]
            )
            for p in config.pv_plants
        },
        index=point.index,
    )
    sigma = error_sigma_mw(config, day, clear)
    return RenewableForecast(
        point, sigma, make_scenarios(config, day, point, sigma, scenarios), overridden
    )
