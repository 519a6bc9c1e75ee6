"""Data-centre conditions for the delivery day: PUE from outdoor temperature and inflexible load.

PUE (``docs/data-sources.md``, A7, A8 and B5)::

    PUE(T) = min(pue_max, base + slope · max(0, T − free_cooling_below_c))

with T the 2 m air temperature [°C] of the data centre's ``weather_plant``:
air-cooled halls 1.10 + 0.008/K above 10 °C capped at 1.35; liquid-cooled
1.07 + 0.004/K. Free cooling holds the PUE at its base most of the year.

Inflexible IT load (services that cannot move), per step::

    capacity · utilisation · (1 + amplitude · cos(2π (h − peak_hour)/24)) · f_day · f_week + noise

with ``f_day`` a deterministic daily factor (σ 3 %, seeded by date and data
centre), ``f_week`` 0.97 on Saturdays and Sundays, and a small persistent
noise (σ 1 %). The load stays within [0, 0.95 · capacity]. Blocks on before
step 0 (``initial_blocks_on``) are the blocks step 0's load needs plus one, so
the first step is reachable within ``max_block_change``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from models.forecast.errors import ForecastInputError
from models.forecast.fleet import DataCentreConfig, FleetConfig, PueModel
from models.forecast.seeds import ar1, stable_rng
from models.forecast.units import kelvin_to_celsius
from models.timegrid import STEPS_PER_DAY, day_step_midpoints


def pue_from_temperature(temp_c, model: PueModel) -> np.ndarray:
    """PUE per step from the outdoor temperature.

    Parameters
    ----------
    temp_c : array-like
        outdoor air temperature at 2 m [°C].
    model : PueModel

    Returns
    -------
    ndarray
        PUE [-], in [base, pue_max].
    """
    t = np.asarray(temp_c, dtype=float)
    return np.minimum(
        model.pue_max,
        model.base + model.slope_per_c * np.maximum(0.0, t - model.free_cooling_below_c),
    )


def inflexible_mw(dc: DataCentreConfig, day: dt.date) -> np.ndarray:
    """Inflexible IT load of ``dc`` per step [MW] (deterministic per date)."""
    rng = stable_rng(day, "inflexible", dc.id)
    times = day_step_midpoints(day)
    hours = (times.hour + times.minute / 60.0).to_numpy()
    daily = 1.0 + 0.03 * rng.standard_normal()
    weekly = 0.97 if day.weekday() >= 5 else 1.0
    shape = 1.0 + dc.diurnal_amplitude_frac * np.cos(2 * np.pi * (hours - dc.peak_hour) / 24.0)
    noise = 1.0 + 0.01 * ar1(rng, STEPS_PER_DAY, 0.9)
    load = dc.capacity_mw * dc.utilisation_frac * shape * daily * weekly * noise
    return np.clip(load, 0.0, 0.95 * dc.capacity_mw)


def datacenter_conditions(
    config: FleetConfig, weather: dict[str, pd.DataFrame], day: dt.date
) -> list[dict]:
    """The contract's data-centre records for the delivery day.

    Parameters
    ----------
    config : FleetConfig
    weather : dict
        plant id → weather frame; each data centre reads the 2 m temperature
        [K] of its ``weather_plant``.
    day : date

    Returns
    -------
    list of dict
        ``id, racks, rack_kw, block_racks, idle_fraction, pue, inflexible_mw,
        initial_blocks_on`` and, when configured, ``max_block_change`` and
        ``block_startup_cost``.

    Raises
    ------
    ForecastInputError
        when the inflexible load changes faster than ``max_block_change`` allows.
    """
    out = []
    for dc in config.datacenters:
        temp_c = kelvin_to_celsius(
            weather[dc.weather_plant][("temperature", 2)].to_numpy(dtype=float)
        )
        pue = pue_from_temperature(temp_c, config.pue[dc.cooling])
        load = inflexible_mw(dc, day)
        needed = np.ceil(load / dc.block_mw - 1e-9).astype(int)
        initial = min(dc.blocks, int(needed[0]) + 1)
        if dc.max_block_change is not None:
            jumps = np.abs(np.diff(needed))
            if jumps.size and jumps.max() > dc.max_block_change:
                t = int(np.argmax(jumps)) + 1
                raise ForecastInputError(
                    f"{config.source}: datacenters({dc.id}).max_block_change: the inflexible load "
                    f"needs {jumps.max()} more blocks at step {t} than allowed "
                    f"({dc.max_block_change})"
                )
        record = {
            "id": dc.id,
            "racks": dc.racks,
            "rack_kw": dc.rack_kw,
            "block_racks": dc.block_racks,
            "idle_fraction": dc.idle_fraction,
            "pue": [float(v) for v in pue],
            "inflexible_mw": [float(v) for v in load],
            "initial_blocks_on": initial,
        }
        if dc.max_block_change is not None:
            record["max_block_change"] = dc.max_block_change
        if dc.block_startup_cost:
            record["block_startup_cost"] = dc.block_startup_cost
        out.append(record)
    return out
