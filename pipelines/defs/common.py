"""Helpers the asset modules share, so that no asset module imports another.

The day's folder itself is ``models.plan.DayFolder``: every asset reads and
writes the day's files through it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import dagster as dg

from models.forecast import FleetConfig, ForecastInputError, load_fleet_config
from models.plan import DayFolder, PlanTables
from pipelines.defs.resources import ForecastSettings, Publisher

T = TypeVar("T")


@dataclass
class SolvedDay:
    """What ``dispatch_plan`` hands downstream: the tables and the limits it solved under."""

    tables: PlanTables
    mip_rel_gap: float
    time_limit_s: float | None


def delivery_day(context: dg.AssetExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


def day_folder(publisher: Publisher, day: str) -> DayFolder:
    """The folder of ``day`` the publisher writes (``<runs>/<day>/`` or its draft)."""
    return DayFolder(publisher.day_dir(day))


def from_source(what: str, call: Callable[[], T]) -> T:
    """Run a source call; input errors fail for good, anything else may be retried."""

    try:
        return call()
    except (ForecastInputError, FileNotFoundError, PermissionError, IsADirectoryError) as exc:
        raise dg.Failure(description=f"{what}: {exc}", allow_retries=False) from exc


def fleet(forecast: ForecastSettings) -> FleetConfig:
    """The fleet description the ``forecast`` resource names."""
    return from_source(
        "fleet configuration", lambda: load_fleet_config(forecast.fleet_config_path())
    )
