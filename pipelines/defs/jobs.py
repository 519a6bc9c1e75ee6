"""The one job: plan a delivery day from forecasts to the published plan and report."""

from __future__ import annotations

import dagster as dg

PLAN_GROUPS = ("forecasts", "planning", "publishing")

plan_day = dg.define_asset_job(
    "plan_day",
    selection=dg.AssetSelection.groups(*PLAN_GROUPS),
    description="Forecast, build, solve, check and publish one delivery day (one partition).",
    tags={"suandian/job": "plan_day"},
)
