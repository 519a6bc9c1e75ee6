"""The Suandian code location: one ``Definitions`` from the modules under ``defs/``."""

from __future__ import annotations

import dagster as dg

from pipelines.defs import checks, schedules, sensors
from pipelines.defs.assets import forecasts, instance, plan, report
from pipelines.defs.jobs import plan_day
from pipelines.defs.resources import default_resources

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([forecasts, instance, plan, report]),
    asset_checks=dg.load_asset_checks_from_modules([checks]),
    jobs=[plan_day],
    schedules=[schedules.nightly_plan],
    sensors=[sensors.inbox_sensor],
    resources=default_resources(),
)
