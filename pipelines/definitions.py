"""The Suandian code location: one ``Definitions`` from the modules under ``defs/``.

``defs`` is built when Dagster loads the code location, not when this module
is imported, so the deployment's settings (:mod:`pipelines.defs.settings`) are
those of the process that loads it; tests and scripts call ``defs()``.

The executor defaults to Dagster's multiprocess executor (each asset in its own
process, independent days in parallel runs); a run can switch to in-process in
the launchpad (``execution: {config: {in_process: {}}}``).
``SUANDIAN_EXECUTOR=in_process`` makes in-process the only executor, which
starts faster on a small machine and suits tests and backfills launched from
the CLI.
"""

import dagster as dg

from pipelines.defs import checks, schedules, sensors
from pipelines.defs.assets import evaluation, forecasts, instance, plan, report, revision
from pipelines.defs.jobs import evaluate_day, plan_day, replan_hour
from pipelines.defs.settings import deployment_resources, location_settings

# ASSETS: what plans a day (every day); EVALUATION_ASSETS: past days against their actual;
# REVISION_ASSETS: the published day re-planned hour by hour.
ASSETS = dg.load_assets_from_modules([forecasts, instance, plan, report])
EVALUATION_ASSETS = dg.load_assets_from_modules([evaluation])
REVISION_ASSETS = dg.load_assets_from_modules([revision])
CHECKS = dg.load_asset_checks_from_modules([checks])

# multiprocess still lets a run pick {"execution": {"config": {"in_process": {}}}}
EXECUTORS = {"multiprocess": dg.multi_or_in_process_executor, "in_process": dg.in_process_executor}


@dg.definitions
def defs() -> dg.Definitions:
    """The code location, with the settings of the environment it loads in."""
    return dg.Definitions(
        assets=[*ASSETS, *EVALUATION_ASSETS, *REVISION_ASSETS],
        asset_checks=CHECKS,
        jobs=[plan_day, evaluate_day, replan_hour],
        schedules=[schedules.nightly_plan, schedules.hourly_replan],
        sensors=[sensors.inbox_sensor, sensors.metered_inbox_sensor, sensors.usf_inbox_sensor],
        resources=deployment_resources(),
        executor=EXECUTORS[location_settings().executor],
    )
