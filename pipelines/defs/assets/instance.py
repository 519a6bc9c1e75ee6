"""The day's problem instance: the contract-valid JSON the solver reads, archived per day.

Only ``<runs>/<day>/instance.json`` is replaced (``models.plan.DayFolder``):
the day's published plan and report stay until a new plan is written whole,
so a re-plan whose solve fails leaves the dispatcher the last good plan. The
plan's ``summary.json`` names the instance it was solved from
(``instance_sha256``), and this asset's metadata says whether that is the new
one. Any day's plan can be re-solved later with
``suandian solve <runs>/<day>/instance.json --out DIR``.

**Chained days** (``forecast.chain_days``): the day starts where the previous
day's published plan ends (``models.plan.previous_state``: blocks at its last
delivery step, expected state of charge, work left). The previous day's folder
is read here, not taken as a managed input: a missing predecessor (the first
partition, a gap) must fall back to the configured values, which a managed
input cannot do. The dependency is declared on this asset's own previous
partition, because Dagster refuses a cycle through several assets (the plan of
D−1 → the instance of D → the plan of D): the UI shows the chain, and
re-materialising day D marks the later days' instances, and with them their
plans, out of date. ``python -m pipelines.backfill`` runs days in order.
"""

from typing import Any

import dagster as dg

from models.forecast import ForecastInputError, assemble_instance
from models.instance import Instance, InstanceError, instance_digest, validate
from models.plan import DayFolder, PlanFolderError
from pipelines.defs.common import chain_state, day_folder, delivery_day, fleet
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import ForecastSettings, Publisher

#: Day D's instance follows day D−1's (the previous partition of this asset).
PREVIOUS_DAY = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


def invalid_instance_failure(day: str, problems: list[str]) -> dg.Failure:
    problems = [p.strip() for p in problems if p.strip()]
    return dg.Failure(
        description=f"The instance for {day} is invalid ({len(problems)} problem(s)):\n"
        + "\n".join(problems),
        metadata={"problems": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in problems))},
        allow_retries=False,
    )


def initial_state_metadata(instance: Instance) -> dict[str, Any]:
    """Where the day starts, for the UI: the source, the blocks on and each battery's charge."""
    lines = ["| asset | initial state |", "|---|---:|"]
    for dc in instance.datacenters:
        blocks = "step 0's load + 1" if dc.initial_blocks_on is None else dc.initial_blocks_on
        lines.append(f"| {dc.id} | {blocks} blocks |")
    lines += [f"| {st.id} | {st.energy_initial_mwh:,.2f} MWh |" for st in instance.storage]
    return {
        "initial_state_source": dg.MetadataValue.text(
            instance.initial_state_source or "configured"
        ),
        "initial_state": dg.MetadataValue.md("\n".join(lines)),
        "energy_initial_mwh": dg.MetadataValue.float(
            float(sum(st.energy_initial_mwh for st in instance.storage))
        ),
        "committed_steps": dg.MetadataValue.int(instance.delivery_steps),
    }


def published_plan_instance(folder: DayFolder) -> str | None:
    """``instance_sha256`` of the day's published plan, ``None`` when there is none."""
    if not folder.plan_dir.is_dir():
        return None
    try:
        return str(folder.read_summary().get("instance_sha256", ""))
    except PlanFolderError:
        return None


@dg.asset(
    partitions_def=delivery_days,
    group_name="planning",
    owners=["team:dispatch"],
    kinds={"json"},
    code_version="2",
    deps=[dg.AssetDep("dispatch_instance", partition_mapping=PREVIOUS_DAY)],
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

    Chained, it starts from the previous day's published plan, or from the
    configured values where that day has no folder (``initial_state_source``
    says which). Fails with the validator's message, naming each key path and
    rule, when the inputs do not make a valid instance, and naming the file when
    the previous day's folder cannot start this day.
    """

    day = context.partition_key
    state = chain_state(forecast, publisher, delivery_day(context))
    try:
        raw = assemble_instance(
            fleet(forecast),
            delivery_day(context),
            renewable_forecast,
            datacenter_conditions,
            workload_queue,
            grid_tariff,
            state,
        )
        instance = validate(raw, f"dispatch_instance {day}")
    except InstanceError as exc:
        raise invalid_instance_failure(day, exc.problems) from exc
    except ForecastInputError as exc:  # assemble_instance wraps the validator's message
        raise invalid_instance_failure(day, str(exc).splitlines()) from exc
    folder = day_folder(publisher, day)
    path = folder.write_instance(raw)
    digest = instance_digest(raw)
    published = published_plan_instance(folder)
    if published is not None and published != digest:
        context.log.info(
            f"{day}: the published plan was solved from instance {published[:12]}; it stays "
            "published until a plan of this instance is written"
        )
    expected_renewable = (
        sum(s.probability * float(s.total_renewable_mw.sum()) for s in instance.scenarios)
        * instance.step_hours
    )
    context.add_output_metadata(
        {
            "instance_json": dg.MetadataValue.path(str(path)),
            "name": instance.name,
            "instance_sha256": digest,
            "published_plan_instance_sha256": published or "",
            "datacenters": len(instance.datacenters),
            "workloads": len(instance.workloads),
            "scenarios": len(instance.scenarios),
            "steps": instance.steps,
            "flexible_demand_mwh": float(sum(w.energy_mwh for w in instance.workloads)),
            "expected_renewable_mwh": float(expected_renewable),
            "resolve_command": dg.MetadataValue.text(f"suandian solve {path} --out DIR"),
            **initial_state_metadata(instance),
        }
    )
    return raw
