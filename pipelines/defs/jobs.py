"""The jobs: plan a delivery day (forecasts to the published plan and report),
evaluate a past day's plan on its actual output, and revise a day's plan at an hour."""

from __future__ import annotations

import dagster as dg

PLAN_GROUPS = ("forecasts", "planning", "publishing")

plan_day = dg.define_asset_job(
    "plan_day",
    selection=dg.AssetSelection.groups(*PLAN_GROUPS),
    description="Forecast, build, solve, check and publish one delivery day (one partition).",
    tags={"suandian/job": "plan_day"},
)

evaluate_day = dg.define_asset_job(
    "evaluate_day",
    selection=dg.AssetSelection.assets("actual_output", "plan_evaluation"),
    description="Actual output and evaluation of one past day's published plan (one "
    "partition; the day must have ended and its plan must be materialised).",
    tags={"suandian/job": "evaluate_day"},
)

replan_hour = dg.define_asset_job(
    "replan_hour",
    selection=dg.AssetSelection.assets("plan_revision"),
    description="Revise one published day at one hour (an hourly partition D-HH:00) on the "
    "ultra-short-term forecast: <day>/revisions/<HHMM>/ and <day>/current/.",
    tags={"suandian/job": "replan_hour"},
)
