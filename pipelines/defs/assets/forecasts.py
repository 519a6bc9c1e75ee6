"""The day's inputs: weather, renewable power per plant and scenario, data-centre
conditions, the workload queue and the grid tariff.

Each asset is a thin wrapper over one step of ``models.forecast``; the fleet
description comes from the TOML file named by the ``forecast`` resource.
Transient source errors (network, a file still being written) are retried by
the assets' ``RetryPolicy``; an input that breaks a rule fails at once with the
rule in the message.
"""

from typing import Any

import dagster as dg
import pandas as pd

from models.forecast import datacenter_conditions as conditions_step
from models.forecast import grid_tariff as tariff_step
from models.forecast import horizon_forecast, joined_conditions, joined_tariff
from models.forecast import weather_forecast as weather_step
from models.forecast import workload_queue as queue_step
from models.timegrid import STEPS_PER_DAY
from pipelines.defs.common import chain_state, delivery_day, fleet, from_source, horizon_days
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings, Publisher

OWNERS = ["team:forecasting"]
SOURCE_RETRY = dg.RetryPolicy(
    max_retries=3, delay=2, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS
)


def frame_metadata(frame: Any) -> dict[str, Any]:
    """Row count, columns and a small preview of a DataFrame (or a dict of them)."""
    if (
        isinstance(frame, dict)
        and frame
        and all(isinstance(v, pd.DataFrame) for v in frame.values())
    ):
        first = next(iter(frame.values()))
        return {
            "frames": dg.MetadataValue.int(len(frame)),
            "keys": dg.MetadataValue.text(", ".join(map(str, frame))[:500]),
            "rows_per_frame": dg.MetadataValue.int(len(first)),
            "columns": dg.MetadataValue.text(", ".join(map(str, first.columns))[:500]),
        }
    if isinstance(frame, pd.DataFrame):
        return {
            "dagster/row_count": dg.MetadataValue.int(len(frame)),
            "columns": dg.MetadataValue.text(", ".join(map(str, frame.columns))[:500]),
            "preview": dg.MetadataValue.md(
                frame.head(4).to_markdown() if _has_tabulate() else frame.head(4).to_string()
            ),
        }
    return {}


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


@dg.asset(
    partitions_def=delivery_days,
    group_name="forecasts",
    owners=OWNERS,
    kinds={"python", "pandas"},
    code_version="1",
    retry_policy=SOURCE_RETRY,
)
def weather_forecast(context: dg.AssetExecutionContext, forecast: ForecastSettings) -> list:
    """Weather at 15-minute steps (Asia/Shanghai) from the configured source (``offline``:
    the bundled synthetic climatology, no network): one plant → frame dict per day of
    the planning horizon, the delivery day first."""

    config = fleet(forecast)
    days = horizon_days(forecast, delivery_day(context))
    weather = from_source(
        f"weather source {forecast.source!r}",
        lambda: [weather_step(config, d, forecast.source or None) for d in days],
    )
    context.add_output_metadata(
        {
            "source": forecast.source or config.weather.source,
            "horizon_days": dg.MetadataValue.int(len(days)),
            **frame_metadata(weather[0]),
        }
    )
    return weather


@dg.asset(
    partitions_def=delivery_days,
    group_name="forecasts",
    owners=OWNERS,
    kinds={"pvlib", "windpowerlib", "pandas"},
    code_version="1",
    retry_policy=SOURCE_RETRY,
)
def renewable_forecast(
    context: dg.AssetExecutionContext, forecast: ForecastSettings, weather_forecast: Any
):
    """Available power per plant and scenario [MW] over the horizon (96 steps a day):
    pvlib and windpowerlib chains on the weather (or a plant's own 96-point file from
    the inbox, for the delivery day), spread into scenarios by the forecast-error model,
    whose errors grow with lead time over the look-ahead."""

    day = delivery_day(context)
    config = fleet(forecast)
    plant_dir = forecast.plant_forecast_dir or None
    result = from_source(
        "renewable forecast" + (f" with plant files from {plant_dir}" if plant_dir else ""),
        lambda: horizon_forecast(config, weather_forecast, day, forecast.scenarios, plant_dir),
    )
    daily = result.point_mw.iloc[:STEPS_PER_DAY].sum() * 0.25
    context.add_output_metadata(
        {
            "scenarios": dg.MetadataValue.int(len(result.scenarios)),
            "plant_files": dg.MetadataValue.text(", ".join(result.overridden) or "none"),
            "expected_mwh": dg.MetadataValue.float(float(daily.sum())),
            "per_plant_mwh": dg.MetadataValue.md(
                "| plant | point forecast MWh |\n|---|---:|\n"
                + "\n".join(f"| {p} | {v:,.1f} |" for p, v in daily.items())
            ),
        }
    )
    return result


@dg.asset(
    partitions_def=delivery_days,
    group_name="forecasts",
    owners=OWNERS,
    kinds={"python", "pandas"},
    code_version="1",
)
def datacenter_conditions(
    context: dg.AssetExecutionContext, forecast: ForecastSettings, weather_forecast: Any
):
    """PUE per data centre and step from the forecast air temperature, and the inflexible
    IT load [MW] each data centre must carry, over the horizon."""

    config = fleet(forecast)
    days = horizon_days(forecast, delivery_day(context))
    conditions = from_source(
        "data-centre conditions",
        lambda: joined_conditions(
            [conditions_step(config, w, d) for w, d in zip(weather_forecast, days, strict=True)]
        ),
    )
    rows = [
        f"| {dc['id']} | {sum(dc['pue']) / len(dc['pue']):.3f} | {max(dc['pue']):.3f} | "
        f"{sum(dc['inflexible_mw']) * 0.25:,.1f} |"
        for dc in conditions
    ]
    context.add_output_metadata(
        {
            "datacenters": dg.MetadataValue.int(len(conditions)),
            "inflexible_mwh": dg.MetadataValue.float(
                float(sum(sum(dc["inflexible_mw"]) for dc in conditions) * 0.25)
            ),
            "conditions": dg.MetadataValue.md(
                "| data centre | mean PUE | max PUE | inflexible MWh |\n|---|---:|---:|---:|\n"
                + "\n".join(rows)
            ),
        }
    )
    return conditions


@dg.asset(
    partitions_def=delivery_days,
    group_name="forecasts",
    owners=OWNERS,
    kinds={"python"},
    code_version="1",
    retry_policy=SOURCE_RETRY,
)
def workload_queue(
    context: dg.AssetExecutionContext,
    forecast: ForecastSettings,
    publisher: Publisher,
    datacenter_conditions: list,
) -> list:
    """Flexible workloads of the horizon (energy, window, data centres, rate limit,
    penalty), from the configured workload file, or the offline demo queue sized to the
    delivery day's spare capacity. With chained days the work the previous day's plan
    left joins the queue with its remaining energy; a job due past the horizon owes its
    pro-rata share (``models.forecast.backlog``)."""

    path = forecast.workload_file or None
    day = delivery_day(context)
    steps = STEPS_PER_DAY * len(horizon_days(forecast, day))
    state = chain_state(forecast, publisher, day)
    first_day = [
        {**dc, "inflexible_mw": dc["inflexible_mw"][:STEPS_PER_DAY]} for dc in datacenter_conditions
    ]
    queue = from_source(
        f"workload file {path}" if path else "workload queue",
        lambda: queue_step(fleet(forecast), day, path, first_day, steps, state),
    )
    rows = [
        f"| {w['id']} | {w['energy_mwh']:,.1f} | {w['release_step']}-{w['deadline_step']} | "
        f"{', '.join(w['datacenters'])} |"
        for w in queue[:40]
    ]
    context.add_output_metadata(
        {
            "source": dg.MetadataValue.text(path or "configured folder, else demo queue"),
            "workloads": dg.MetadataValue.int(len(queue)),
            "carried_jobs": dg.MetadataValue.int(len(state.jobs) if state else 0),
            "energy_mwh": dg.MetadataValue.float(float(sum(w["energy_mwh"] for w in queue))),
            "queue": dg.MetadataValue.md(
                "| workload | MWh | steps | data centres |\n|---|---:|---|---|\n" + "\n".join(rows)
            ),
        }
    )
    return queue


@dg.asset(
    partitions_def=delivery_days,
    group_name="forecasts",
    owners=OWNERS,
    kinds={"python"},
    code_version="1",
)
def grid_tariff(context: dg.AssetExecutionContext, forecast: ForecastSettings) -> dict:
    """The grid connection for the day: time-of-use import price and export price per step
    [CNY/MWh], import and export limits, emission factor and carbon price."""

    config = fleet(forecast)
    days = horizon_days(forecast, delivery_day(context))
    tariff = from_source(
        "grid tariff", lambda: joined_tariff([tariff_step(config, d) for d in days])
    )
    prices = tariff["import_price"]
    context.add_output_metadata(
        {
            "import_price_min": dg.MetadataValue.float(float(min(prices))),
            "import_price_mean": dg.MetadataValue.float(float(sum(prices) / len(prices))),
            "import_price_max": dg.MetadataValue.float(float(max(prices))),
            "import_limit_mw": dg.MetadataValue.float(float(tariff["import_limit_mw"])),
            "export_limit_mw": dg.MetadataValue.float(float(tariff["export_limit_mw"])),
        }
    )
    return tariff
