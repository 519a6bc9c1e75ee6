"""Assemble the contract-v1 instance of a delivery day from its parts, and the one-call builder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.forecast.conditions import datacenter_conditions
from models.forecast.errors import ForecastInputError
from models.forecast.fleet import FleetConfig, load_fleet_config
from models.forecast.renewable import RenewableForecast, renewable_forecast
from models.forecast.sources import weather_forecast
from models.forecast.tariff import grid_tariff
from models.forecast.weather import WeatherSource
from models.forecast.workloads import workload_queue
from models.instance import validate
from models.timegrid import STEP_MINUTES, STEPS_PER_DAY, day_step_starts


def storage_records(config: FleetConfig) -> list[dict]:
    """The contract's storage records (straight from the config)."""
    return [s.model_dump() for s in config.storage]


def assemble_instance(
    config: FleetConfig,
    day: dt.date,
    renewable: RenewableForecast | list[dict],
    datacenters: list[dict],
    workloads: list[dict],
    grid: dict,
) -> dict:
    """Put the parts together as a contract-v1 instance and validate it.

    Parameters
    ----------
    config : FleetConfig
    day : date
        delivery day.
    renewable : RenewableForecast or list of dict
        the scenarios (:func:`renewable_forecast`).
    datacenters, workloads : list of dict
        from :func:`datacenter_conditions` and :func:`workload_queue`.
    grid : dict
        from :func:`grid_tariff`.

    Returns
    -------
    dict
        the raw instance, checked with :func:`models.instance.validate`.

    Raises
    ------
    models.instance.InstanceError
        if the result breaks the contract (``.problems`` lists every key path and rule).
    """
    scenarios = renewable.scenarios if isinstance(renewable, RenewableForecast) else renewable
    raw = {
        "version": 1,
        "name": f"{config.name}-{day.isoformat()}",
        "start": day_step_starts(day)[0].isoformat(),
        "step_minutes": STEP_MINUTES,
        "steps": STEPS_PER_DAY,
        "scenarios": scenarios,
        "datacenters": datacenters,
        "workloads": workloads,
        "storage": storage_records(config),
        "grid": grid,
    }
    validate(raw, f"instance for {day.isoformat()}")
    return raw


def build_instance(
    delivery_day: dt.date,
    *,
    config: str | Path | FleetConfig | None = None,
    weather: str | Path | WeatherSource | None = None,
    workloads: str | Path | None = None,
    scenarios: int | None = 3,
    plant_forecasts: str | Path | None = None,
) -> dict:
    """Build the contract-v1 instance of one delivery day.

    Parameters
    ----------
    delivery_day : date
        the day (Asia/Shanghai) to plan.
    config : str, Path or FleetConfig, optional
        cluster configuration; ``None`` = the shipped ``data/qingyang.toml``.
    weather : str or Path, optional
        ``None`` = the config's source (offline synthetic by default); a
        directory of Open-Meteo JSON files ``<plant id>.json``; an http(s) base
        URL of an Open-Meteo-compatible API.
    workloads : str or Path, optional
        workload file or folder (see :mod:`models.forecast.workloads`).
    scenarios : int
        number of renewable scenarios (``None`` = the config's).
    plant_forecasts : str or Path, optional
        folder of 96-point plant power CSVs overriding the weather-based power.

    Returns
    -------
    dict
        a raw instance that passed :func:`models.instance.validate`.

    Raises
    ------
    ForecastInputError
        on any bad input (the message names file, plant, key or row and time).
    models.instance.InstanceError
        if the parts do not make a contract-valid instance.
    """
    if isinstance(delivery_day, dt.datetime) or not isinstance(delivery_day, dt.date):
        raise ForecastInputError(f"delivery day {delivery_day!r} is not a date")
    cfg = config if isinstance(config, FleetConfig) else load_fleet_config(config)
    count = cfg.forecast.scenarios if scenarios is None else scenarios
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 50:
        raise ForecastInputError(f"scenarios: {count!r} must be a whole number from 1 to 50")
    frames = weather_forecast(cfg, delivery_day, weather)
    renewable = renewable_forecast(cfg, frames, delivery_day, count, plant_forecasts)
    dcs = datacenter_conditions(cfg, frames, delivery_day)
    queue = workload_queue(cfg, delivery_day, workloads, dcs)
    return assemble_instance(
        cfg, delivery_day, renewable, dcs, queue, grid_tariff(cfg, delivery_day)
    )
