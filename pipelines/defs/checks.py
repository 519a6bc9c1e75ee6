"""Asset checks on each delivery day's instance and plan.

Each check is partitioned like its asset (``partitions_def=delivery_days``),
so it reads only the day being run. Severities: an invalid instance blocks the
solve; an infeasible plan, shed load or published files that disagree with
the summary are errors; a gap above the limit or unserved flexible energy above
its threshold are warnings.
"""

from pathlib import Path
from typing import Any

import dagster as dg

from models.instance import InstanceError, validate
from models.plan import read_plan, read_summary, verify_plan
from models.report import (
    compare_totals,
    flexible_demand_mwh,
    totals_from_published,
    unserved_flexible_mwh,
)
from pipelines.defs.assets.instance import dispatch_instance
from pipelines.defs.assets.plan import dispatch_plan, rack_power_plan
from pipelines.defs.common import SolvedDay, day_folder
from pipelines.defs.partitions import delivery_days
from pipelines.defs.resources import PlanLimits, Publisher

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR
SHED_TOLERANCE_MWH = 1e-6


@dg.asset_check(
    asset=dispatch_instance,
    partitions_def=delivery_days,
    blocking=True,
    description="The archived instance.json passes every rule of the contract.",
)
def instance_valid(
    context: dg.AssetCheckExecutionContext, publisher: Publisher, dispatch_instance: dict
) -> dg.AssetCheckResult:
    folder = day_folder(publisher, context.partition_key)
    path = folder.instance_path
    try:
        if path.exists():
            instance = folder.read_instance()
            same = instance.raw == dispatch_instance
        else:
            instance = validate(dispatch_instance, "dispatch_instance")
            same = True
    except InstanceError as exc:
        problems = list(exc.problems)
        return dg.AssetCheckResult(
            passed=False,
            severity=ERROR,
            description=f"{len(problems)} problem(s): " + "; ".join(problems[:5]),
            metadata={
                "problems": dg.MetadataValue.md("\n".join(f"- `{p}`" for p in problems)),
                "path": dg.MetadataValue.path(str(path)),
            },
        )
    return dg.AssetCheckResult(
        passed=same,
        severity=ERROR,
        description=None if same else "instance.json differs from the asset's value",
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "datacenters": len(instance.datacenters),
            "workloads": len(instance.workloads),
            "scenarios": len(instance.scenarios),
            "steps": instance.steps,
        },
    )


@dg.asset_check(
    asset=rack_power_plan,
    partitions_def=delivery_days,
    blocking=True,
    additional_ins={"dispatch_instance": dg.AssetIn("dispatch_instance")},
    description="An independent re-check of the contract's constraints on the "
    "published CSV files (not a re-read of the solver status).",
)
def plan_feasible(rack_power_plan: dict, dispatch_instance: dict) -> dg.AssetCheckResult:

    instance = validate(dispatch_instance, "dispatch_instance")
    problems = verify_plan(instance, read_plan(rack_power_plan["plan_dir"]))
    return dg.AssetCheckResult(
        passed=not problems,
        severity=ERROR,
        description=None if not problems else f"{len(problems)} violation(s): {problems[0]}",
        metadata={
            "violations": len(problems),
            "details": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems[:50]) or "none"),
        },
    )


@dg.asset_check(
    asset=dispatch_plan,
    partitions_def=delivery_days,
    description="The relative gap is within the configured limit.",
)
def gap_within_limit(plan_limits: PlanLimits, dispatch_plan: SolvedDay) -> dg.AssetCheckResult:
    summary = dispatch_plan.tables.summary
    limit = plan_limits.gap_limit if plan_limits.gap_limit > 0 else dispatch_plan.mip_rel_gap
    gap = float(summary["gap"])
    passed = gap <= limit * (1 + 1e-9) + 1e-12
    return dg.AssetCheckResult(
        passed=passed,
        severity=WARN,
        description=None
        if passed
        else (f"gap {gap:.4%} above the limit {limit:.4%} (solver status {summary['status']})"),
        metadata={"gap": gap, "limit": limit, "status": str(summary["status"])},
    )


@dg.asset_check(
    asset=dispatch_plan,
    partitions_def=delivery_days,
    description="No load is shed in any scenario.",
)
def no_shed_load(dispatch_plan: SolvedDay) -> dg.AssetCheckResult:
    summary: dict[str, Any] = dispatch_plan.tables.summary
    energy = dispatch_plan.tables.energy_schedule
    worst = energy.groupby("scenario")["shed_mw"].max()
    shed = float(summary["shed_mwh"])
    max_mw = float(energy["shed_mw"].max()) if len(energy) else 0.0
    passed = shed <= SHED_TOLERANCE_MWH and max_mw <= SHED_TOLERANCE_MWH
    return dg.AssetCheckResult(
        passed=passed,
        severity=ERROR,
        description=None if passed else f"{shed:,.3f} MWh of load shed (expected)",
        metadata={
            "shed_mwh": shed,
            "largest_shed_mw": max_mw,
            "scenarios_with_shed": int((worst > SHED_TOLERANCE_MWH).sum()),
        },
    )


@dg.asset_check(
    asset=dispatch_plan,
    partitions_def=delivery_days,
    additional_ins={"dispatch_instance": dg.AssetIn("dispatch_instance")},
    description="Flexible workload energy left unserved, warned above a threshold.",
)
def unserved_flexible_energy(
    plan_limits: PlanLimits, dispatch_plan: SolvedDay, dispatch_instance: dict
) -> dg.AssetCheckResult:
    instance = validate(dispatch_instance, "dispatch_instance")
    summary = dispatch_plan.tables.summary
    unserved = unserved_flexible_mwh(instance, summary)
    demand = flexible_demand_mwh(instance)
    passed = unserved <= plan_limits.unserved_warn_mwh
    return dg.AssetCheckResult(
        passed=passed,
        severity=WARN,
        description=None
        if passed
        else (
            f"{unserved:,.2f} MWh of {demand:,.2f} MWh flexible energy left unserved "
            f"(threshold {plan_limits.unserved_warn_mwh:g} MWh)"
        ),
        metadata={
            "unserved_flexible_mwh": unserved,
            "flexible_demand_mwh": demand,
            "threshold_mwh": plan_limits.unserved_warn_mwh,
        },
    )


@dg.asset_check(
    asset=rack_power_plan,
    partitions_def=delivery_days,
    additional_ins={
        "dispatch_instance": dg.AssetIn("dispatch_instance"),
        "dispatch_plan": dg.AssetIn("dispatch_plan"),
    },
    description="Totals recomputed from the published CSV files equal summary.json, "
    "and summary.json equals the solve's summary.",
)
def published_totals_match_summary(
    rack_power_plan: dict, dispatch_instance: dict, dispatch_plan: SolvedDay
) -> dg.AssetCheckResult:
    instance = validate(dispatch_instance, "dispatch_instance")
    plan_dir = Path(rack_power_plan["plan_dir"])
    published = read_summary(plan_dir)
    totals = totals_from_published(instance, plan_dir)
    problems = compare_totals(totals, published)
    problems += [
        f"summary.json {p}"
        for p in compare_totals(
            {k: float(published[k]) for k in totals if k in published},
            dispatch_plan.tables.summary,
            rel_tol=0.0,
            abs_tol=0.0,
        )
    ]
    return dg.AssetCheckResult(
        passed=not problems,
        severity=ERROR,
        description=None if not problems else "; ".join(problems),
        metadata={
            **{k: float(v) for k, v in totals.items()},
            "summary_json": dg.MetadataValue.path(str(plan_dir / "summary.json")),
        },
    )
