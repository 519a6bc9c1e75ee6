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
from models.forecast import renewable_forecast as renewable_step
from models.forecast import weather_forecast as weather_step
from models.forecast import workload_queue as queue_step
from pipelines.defs.common import delivery_day, fleet, from_source
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings

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
def weather_forecast(context: dg.AssetExecutionContext, forecast: ForecastSettings):
    """Weather over the delivery day at 15-minute steps (Asia/Shanghai) from the configured
    source (``offline``: the bundled synthetic climatology, no network)."""

    day = delivery_day(context)
    config = fleet(forecast)
    weather = from_source(
        f"weather source {forecast.source!r}",
        lambda: weather_step(config, day, forecast.source or None),
    )
    context.add_output_metadata(
        {"source": forecast.source or config.weather.source, **frame_metadata(weather)}
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
    """Available power per plant and scenario [MW], 96 steps: pvlib and windpowerlib chains
    on the weather (or a plant's own 96-point file from the inbox), spread into
    scenarios by the forecast-error model."""

    day = delivery_day(context)
    config = fleet(forecast)
    plant_dir = forecast.plant_forecast_dir or None
    result = from_source(
        "renewable forecast" + (f" with plant files from {plant_dir}" if plant_dir else ""),
        lambda: renewable_step(config, weather_forecast, day, forecast.scenarios, plant_dir),
    )
    daily = result.point_mw.sum() * 0.25
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
    IT load [MW] each data centre must carry."""

    config = fleet(forecast)
    conditions = from_source(
        "data-centre conditions",
        lambda: conditions_step(config, weather_forecast, delivery_day(context)),
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
    context: dg.AssetExecutionContext, forecast: ForecastSettings, datacenter_conditions: list
) -> list:
    """Flexible workloads of the day (energy, window, data centres, rate limit, penalty),
    from the configured workload file, or the offline demo queue sized to the data
    centres' spare capacity."""

    path = forecast.workload_file or None
    queue = from_source(
        f"workload file {path}" if path else "workload queue",
        lambda: queue_step(fleet(forecast), delivery_day(context), path, datacenter_conditions),
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

    tariff = from_source("grid tariff", lambda: tariff_step(fleet(forecast), delivery_day(context)))
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
