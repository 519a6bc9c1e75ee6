"""The Suandian code location: one ``Definitions`` from the modules under ``defs/``.

The executor defaults to Dagster's multiprocess executor (each asset in its own
process, independent days in parallel runs); a run can switch to in-process in
the launchpad (``execution: {config: {in_process: {}}}``).
``SUANDIAN_EXECUTOR=in_process`` makes in-process the only executor, which
starts faster on a small machine and suits tests and backfills launched from
the CLI.
"""

import os

import dagster as dg

from pipelines.defs import checks, schedules, sensors
from pipelines.defs.assets import evaluation, forecasts, instance, plan, report
from pipelines.defs.jobs import evaluate_day, plan_day
from pipelines.defs.resources import default_resources


def executor() -> dg.ExecutorDefinition:
    """The executor named by ``SUANDIAN_EXECUTOR`` (``multiprocess`` or ``in_process``)."""
    name = os.environ.get("SUANDIAN_EXECUTOR", "multiprocess")
    if name == "in_process":
        return dg.in_process_executor
    if name == "multiprocess":
        # multiprocess unless a run picks {"execution": {"config": {"in_process": {}}}}
        return dg.multi_or_in_process_executor
    raise ValueError(f"SUANDIAN_EXECUTOR={name!r}: expected 'multiprocess' or 'in_process'")


# ASSETS: what plans a day (every day); EVALUATION_ASSETS: past days against their actual.
ASSETS = dg.load_assets_from_modules([forecasts, instance, plan, report])
EVALUATION_ASSETS = dg.load_assets_from_modules([evaluation])
CHECKS = dg.load_asset_checks_from_modules([checks])

defs = dg.Definitions(
    assets=[*ASSETS, *EVALUATION_ASSETS],
    asset_checks=CHECKS,
    jobs=[plan_day, evaluate_day],
    schedules=[schedules.nightly_plan],
    sensors=[sensors.inbox_sensor, sensors.metered_inbox_sensor],
    resources=default_resources(),
    executor=executor(),
)
