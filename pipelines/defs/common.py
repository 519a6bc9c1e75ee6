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

from models.forecast import (
    HORIZON_HOURS,
    FleetConfig,
    ForecastInputError,
    InitialState,
    load_fleet_config,
)
from models.plan import DayFolder, PlanFolderError, PlanTables, previous_state
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


def horizon_days(forecast: ForecastSettings, day: dt.date) -> list[dt.date]:
    """The days the planning horizon covers from ``day`` (``forecast.horizon_hours``)."""
    if forecast.horizon_hours not in HORIZON_HOURS:
        raise dg.Failure(
            description=f"forecast.horizon_hours: {forecast.horizon_hours}; choose one of "
            + ", ".join(map(str, HORIZON_HOURS)),
            allow_retries=False,
        )
    return [day + dt.timedelta(days=k) for k in range(forecast.horizon_hours // 24)]


def chain_state(
    forecast: ForecastSettings, publisher: Publisher, day: dt.date
) -> InitialState | None:
    """Where ``day`` starts: the end of D−1's published plan, when days are chained.

    ``None`` with ``chain_days`` off: the configured values and no
    ``initial_state_source`` key, the instance of independent days. Chained, a
    D−1 without a published folder (the first partition, a gap) gives the
    configured values with source ``configured``. The predecessor is always the
    *published* day (a draft run chains from it too). A D−1 folder that cannot
    start the day (no plan beside its instance, a plan of another instance, day
    or fleet) fails for good, naming the file: planning on from the configured
    state would hide that the chain is broken.
    """
    if not forecast.chain_days:
        return None
    before = (day - dt.timedelta(days=1)).isoformat()
    folder = DayFolder(publisher.root() / before)
    if not folder.instance_path.is_file():
        return InitialState()
    try:
        return previous_state(folder.path, day, fleet(forecast))
    except PlanFolderError as exc:
        raise dg.Failure(
            description=f"{day.isoformat()} starts where {before} ends, and {before}'s "
            f"folder cannot say where: {exc}. Plan {before} first, or plan this day "
            "from the configured state (forecast.chain_days: false)",
            allow_retries=False,
        ) from exc
