"""Assemble the contract-v1 instance of a delivery day from its parts, and the one-call builder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from models.forecast.backlog import InitialState
from models.forecast.conditions import datacenter_conditions
from models.forecast.errors import ForecastInputError
from models.forecast.fleet import FleetConfig, load_fleet_config
from models.forecast.renewable import RenewableForecast, horizon_forecast
from models.forecast.sources import weather_forecast
from models.forecast.tariff import grid_tariff
from models.forecast.weather import WeatherSource
from models.forecast.workloads import workload_queue
from models.instance import validate
from models.timegrid import STEP_MINUTES, STEPS_PER_DAY, day_step_starts

#: Planning horizons ``suandian instance --horizon-hours`` accepts: the day, or past midnight.
HORIZON_HOURS = (24, 48, 72)


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
    state: InitialState | None = None,
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
    state : InitialState, optional
        where the day starts (:func:`with_initial_state`); ``None`` = the
        configured values, and no ``initial_state_source`` key (a v1 instance as before).

    The number of steps is the length of the series: 96 for the delivery day,
    more for a horizon past midnight, which then commits to its first 96
    (``committed_steps``).

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
    steps = len(grid["import_price"])
    raw = {
        "version": 1,
        "name": f"{config.name}-{day.isoformat()}",
        "start": day_step_starts(day)[0].isoformat(),
        "step_minutes": STEP_MINUTES,
        "steps": steps,
        "scenarios": scenarios,
        "datacenters": datacenters,
        "workloads": workloads,
        "storage": storage_records(config),
        "grid": grid,
    }
    if steps > STEPS_PER_DAY:
        raw["committed_steps"] = STEPS_PER_DAY
    if state is not None:
        with_initial_state(raw, state)
    validate(raw, f"instance for {day.isoformat()}")
    return raw


def with_initial_state(raw: dict, state: InitialState) -> dict:
    """Start ``raw``'s blocks and batteries where ``state`` says, and name its source.

    Blocks are clipped into ``0 … racks / block_racks`` and each battery's
    state of charge into ``[energy_min_mwh, energy_max_mwh]``: a plan's end
    state lies there already, and the clip only removes solver residue.
    """
    for dc in raw["datacenters"]:
        if dc["id"] in state.blocks_on:
            dc["initial_blocks_on"] = min(
                max(0, int(state.blocks_on[dc["id"]])), dc["racks"] // dc["block_racks"]
            )
    for st in raw["storage"]:
        if st["id"] in state.energy_mwh:
            st["energy_initial_mwh"] = min(
                max(float(state.energy_mwh[st["id"]]), st["energy_min_mwh"]), st["energy_max_mwh"]
            )
    raw["initial_state_source"] = state.source
    return raw


def build_instance(
    delivery_day: dt.date,
    *,
    config: str | Path | FleetConfig | None = None,
    weather: str | Path | WeatherSource | None = None,
    workloads: str | Path | None = None,
    scenarios: int | None = 3,
    plant_forecasts: str | Path | None = None,
    horizon_hours: int = 24,
    state: InitialState | None = None,
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
        folder of 96-point plant power CSVs overriding the weather-based power
        (of the delivery day; a look-ahead day keeps the weather-based power).
    horizon_hours : int
        24 (the delivery day), 48 or 72: the horizon continues past midnight
        with the next days' forecasts, conditions and tariff, and the instance
        commits to the delivery day's 96 steps (``committed_steps``). The
        batteries' end floor then applies at the horizon's end.
    state : InitialState, optional
        where the day starts and the work carried into its queue
        (:mod:`models.forecast.backlog`); ``None`` = the configured values.

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
    if horizon_hours not in HORIZON_HOURS:
        raise ForecastInputError(
            f"horizon: {horizon_hours!r} hours; choose one of {', '.join(map(str, HORIZON_HOURS))}"
        )
    days = [delivery_day + dt.timedelta(days=k) for k in range(horizon_hours // 24)]
    frames = [weather_forecast(cfg, d, weather) for d in days]
    renewable = horizon_forecast(cfg, frames, delivery_day, count, plant_forecasts)
    per_day = [datacenter_conditions(cfg, f, d) for f, d in zip(frames, days, strict=True)]
    # The demo queue sizes its jobs on the delivery day's spare capacity alone.
    queue = workload_queue(
        cfg, delivery_day, workloads, per_day[0], STEPS_PER_DAY * len(days), state
    )
    dcs = joined_conditions(per_day)
    grid = joined_tariff([grid_tariff(cfg, d) for d in days])
    return assemble_instance(cfg, delivery_day, renewable, dcs, queue, grid, state)


def joined_conditions(per_day: list[list[dict]]) -> list[dict]:
    """The first day's data-centre records with the later days' PUE and load appended.

    ``initial_blocks_on`` is the first day's: the state before the horizon.
    """
    out = [dict(dc) for dc in per_day[0]]
    for later in per_day[1:]:
        for dc, nxt in zip(out, later, strict=True):
            dc["pue"] = dc["pue"] + nxt["pue"]
            dc["inflexible_mw"] = dc["inflexible_mw"] + nxt["inflexible_mw"]
    return out


def joined_tariff(per_day: list[dict]) -> dict:
    """The first day's grid record with the later days' prices appended."""
    out = dict(per_day[0])
    for key in ("import_price", "export_price"):
        out[key] = [p for day in per_day for p in day[key]]
    return out
