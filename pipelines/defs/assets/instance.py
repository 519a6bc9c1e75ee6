"""The day's problem instance: the contract-valid JSON the solver reads, archived per day.

``<runs>/<day>/`` is replaced whole by a folder holding only the new
``instance.json``: a plan or report left from an earlier instance never sits
beside it, and any day's plan can be re-solved later with
``suandian solve <runs>/<day>/instance.json --out DIR``.
"""

from pathlib import Path
from typing import Any

import dagster as dg

from models.atomic import replace_directory
from models.forecast.assemble import assemble_instance
from models.forecast.errors import ForecastInputError
from models.instance import InstanceError, dump_instance, validate
from pipelines.defs.assets.forecasts import delivery_day, fleet
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings, Publisher


def invalid_instance_failure(day: str, problems: list[str]) -> dg.Failure:
    problems = [p.strip() for p in problems if p.strip()]
    return dg.Failure(
        description=f"The instance for {day} is invalid ({len(problems)} problem(s)):\n"
        + "\n".join(problems),
        metadata={"problems": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in problems))},
        allow_retries=False,
    )


@dg.asset(
    partitions_def=delivery_days,
    group_name="planning",
    owners=["team:dispatch"],
    kinds={"json"},
    code_version="1",
)
def dispatch_instance(
    context: dg.AssetExecutionContext,
    forecast: ForecastSettings,
    publisher: Publisher,
    renewable_forecast: Any,
    datacenter_conditions: Any,
    workload_queue: Any,
    grid_tariff: Any,
) -> dict:
    """The contract-valid instance for the day (``<runs>/<day>/instance.json``).

    Fails with the validator's message, naming each key path and rule, when the
    inputs do not make a valid instance.
    """

    day = context.partition_key
    try:
        raw = assemble_instance(
            fleet(forecast),
            delivery_day(context),
            renewable_forecast,
            datacenter_conditions,
            workload_queue,
            grid_tariff,
        )
        instance = validate(raw, f"dispatch_instance {day}")
    except InstanceError as exc:
        raise invalid_instance_failure(day, exc.problems) from exc
    except ForecastInputError as exc:  # assemble_instance wraps the validator's message
        raise invalid_instance_failure(day, str(exc).splitlines()) from exc
    day_dir = publisher.day_dir(day)
    replace_directory(day_dir, lambda staging: dump_instance(raw, Path(staging) / "instance.json"))
    path = day_dir / "instance.json"
    expected_renewable = (
        sum(s.probability * float(s.total_renewable_mw.sum()) for s in instance.scenarios)
        * instance.step_hours
    )
    context.add_output_metadata(
        {
            "instance_json": dg.MetadataValue.path(str(path)),
            "name": instance.name,
            "datacenters": len(instance.datacenters),
            "workloads": len(instance.workloads),
            "scenarios": len(instance.scenarios),
            "steps": instance.steps,
            "flexible_demand_mwh": float(sum(w.energy_mwh for w in instance.workloads)),
            "expected_renewable_mwh": float(expected_renewable),
            "resolve_command": dg.MetadataValue.text(f"suandian solve {path} --out DIR"),
        }
    )
    return raw
