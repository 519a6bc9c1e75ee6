"""Grid connection and the Gansu-style time-of-use tariff for the delivery day.

Bands follow 甘发改价格〔2024〕424号 (``docs/data-sources.md`` A4 and B8):
peak 06:00-08:00 and 18:00-23:00, valley 10:00-16:00, flat otherwise; the
default prices are peak 550, flat 400 and valley 250 CNY/MWh. The season of the
delivery day's month picks the bands (and, if it has them, its own prices).
Step ``t`` takes the band of its start time.
"""

from __future__ import annotations

import datetime as dt

from models.forecast.fleet import FleetConfig, TariffSeason
from models.timegrid import STEP_MINUTES, STEPS_PER_DAY


def season_of(config: FleetConfig, day: dt.date) -> TariffSeason:
    """The tariff season whose months include the delivery day's month."""
    for season in config.tariff.seasons:
        if day.month in season.months:
            return season
    raise LookupError(day.month)  # unreachable: the config validator requires full coverage


def band_per_step(config: FleetConfig, day: dt.date) -> list[str]:
    """Tariff band (``peak``, ``flat``, ``valley``) of each of the 96 steps."""
    season = season_of(config, day)
    bands = [config.tariff.default_band] * STEPS_PER_DAY
    for band, ranges in season.bands.items():
        for start, end in ranges:
            for t in range(round(start * 60 / STEP_MINUTES), round(end * 60 / STEP_MINUTES)):
                bands[t] = band
    return bands


def grid_tariff(config: FleetConfig, day: dt.date) -> dict:
    """The contract's ``grid`` record for the delivery day.

    Returns
    -------
    dict
        ``import_limit_mw``, ``export_limit_mw``, ``import_price`` and
        ``export_price`` (96 values, CNY/MWh), ``emission_factor_t_per_mwh``,
        ``carbon_price_per_t``, ``curtailment_cost_per_mwh``,
        ``unserved_load_penalty_per_mwh``.
    """
    season = season_of(config, day)
    prices = {**config.tariff.prices_per_mwh, **(season.prices_per_mwh or {})}
    g = config.grid
    return {
        "import_limit_mw": g.import_limit_mw,
        "export_limit_mw": g.export_limit_mw,
        "import_price": [float(prices[b]) for b in band_per_step(config, day)],
        "export_price": [float(g.export_price_per_mwh)] * STEPS_PER_DAY,
        "emission_factor_t_per_mwh": g.emission_factor_t_per_mwh,
        "carbon_price_per_t": g.carbon_price_per_t,
        "curtailment_cost_per_mwh": g.curtailment_cost_per_mwh,
        "unserved_load_penalty_per_mwh": g.unserved_load_penalty_per_mwh,
    }
