"""Forecasts to instance: the Qingyang fleet, weather → power, and the day's contract-v1 instance.

Public API (each step is a plain function, so a pipeline can make an asset of it):

``build_instance(delivery_day, *, config=None, weather=None, workloads=None, scenarios=3,
plant_forecasts=None) -> dict``
    the whole chain below; returns a raw instance already checked with
    :func:`models.instance.validate`.
``load_fleet_config(path=None) -> FleetConfig``
    the cluster configuration (``data/qingyang.toml`` by default), validated
    with pydantic; unknown keys are errors.
``weather_forecast(config, day, source=None) -> dict[plant id, DataFrame]``
    one weather frame per plant on the 96-step grid (synthetic offline source,
    Open-Meteo JSON files or an Open-Meteo-compatible HTTP API).
``renewable_forecast(config, weather, day, scenarios=3, plant_forecasts=None) -> RenewableForecast``
    pvlib / windpowerlib point forecast per plant [MW], optionally replaced by
    96-point plant files, turned into scenarios by the error model of
    :mod:`models.forecast.scenarios`.
``datacenter_conditions(config, weather, day) -> list[dict]``
    the contract's data-centre records: PUE from temperature, inflexible load.
``workload_queue(config, day, path=None, datacenters=None) -> list[dict]``
    the contract's workloads, from a day file or the deterministic demo queue.
``grid_tariff(config, day) -> dict``
    the contract's grid record with the time-of-use import price.
``assemble_instance(config, day, renewable, datacenters, workloads, grid) -> dict``
    put together and validate.

Errors in any input raise :class:`ForecastInputError` (a ``ValueError``) whose
message names the file, plant, key or row and time, and the rule; repaired
inputs (short NaN gaps) warn with :class:`ForecastInputWarning`.

The command ``suandian instance`` is in :mod:`models.forecast.command`.
"""

from models.forecast.assemble import (
    HORIZON_HOURS,
    assemble_instance,
    build_instance,
    joined_conditions,
    joined_tariff,
    storage_records,
)
from models.forecast.backlog import InitialState
from models.forecast.conditions import datacenter_conditions, pue_from_temperature
from models.forecast.errors import ForecastInputError, ForecastInputWarning
from models.forecast.fleet import DEFAULT_CONFIG, FleetConfig, load_fleet_config
from models.forecast.renewable import (
    RenewableForecast,
    horizon_forecast,
    plant_power,
    renewable_forecast,
)
from models.forecast.sources import make_source, weather_forecast
from models.forecast.tariff import grid_tariff
from models.forecast.weather import WeatherSource
from models.forecast.workloads import demo_queue, workload_queue

__all__ = [
    "DEFAULT_CONFIG",
    "HORIZON_HOURS",
    "FleetConfig",
    "ForecastInputError",
    "ForecastInputWarning",
    "InitialState",
    "RenewableForecast",
    "WeatherSource",
    "assemble_instance",
    "build_instance",
    "datacenter_conditions",
    "demo_queue",
    "grid_tariff",
    "horizon_forecast",
    "joined_conditions",
    "joined_tariff",
    "load_fleet_config",
    "make_source",
    "plant_power",
    "pue_from_temperature",
    "renewable_forecast",
    "storage_records",
    "weather_forecast",
    "workload_queue",
]
