"""Totals recomputed from a plan's published files, to hold them against ``summary.json``.

The summary's figures, their labels and units come from ``models.plan.figures``;
this module recomputes what the published files add up to (and the flexible
energy an instance asks for), so a check can compare the two independently.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from models.instance import Instance
from models.plan import delivery_part, read_plan


def flexible_demand_mwh(instance: Instance) -> float:
    """IT energy all flexible workloads ask for [MWh]."""
    return float(sum(w.energy_mwh for w in instance.workloads))


def unserved_flexible_mwh(instance: Instance, summary: Mapping[str, Any]) -> float:
    """Flexible energy left unserved [MWh] (never below zero from rounding)."""
    return max(0.0, flexible_demand_mwh(instance) - float(summary["flexible_served_mwh"]))


def scenario_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per-scenario figures as a list of dicts with an ``id`` key (dict or list form)."""
    scenarios = summary.get("scenarios") or []
    if isinstance(scenarios, Mapping):
        return [{"id": key, **dict(value)} for key, value in scenarios.items()]
    return [dict(row) for row in scenarios]


def totals_from_tables(
    instance: Instance,
    rack_power_plan: pd.DataFrame,
    workload_allocation: pd.DataFrame,
    energy_schedule: pd.DataFrame,
) -> dict[str, float]:
    """Probability-weighted energy totals recomputed from the three plan tables [MWh].

    Over the delivery day, as the summary's figures (``models.plan.delivery_part``).
    """
    rack_power_plan, workload_allocation, energy_schedule = (
        delivery_part(instance, t) for t in (rack_power_plan, workload_allocation, energy_schedule)
    )
    dt = instance.step_hours
    probability = {s.id: s.probability for s in instance.scenarios}
    weights = energy_schedule["scenario"].astype(str).map(probability)
    if weights.isna().any():
        unknown = sorted(set(energy_schedule["scenario"].astype(str)) - set(probability))
        raise ValueError(f"energy_schedule names unknown scenarios: {unknown}")

    def weighted(column: str) -> float:
        return float((energy_schedule[column] * weights).sum() * dt)

    return {
        "renewable_mwh": weighted("renewable_mw"),
        "curtailed_mwh": weighted("curtailed_mw"),
        "exported_mwh": weighted("export_mw"),
        "import_mwh": weighted("import_mw"),
        "shed_mwh": weighted("shed_mw"),
        "facility_mwh": float(rack_power_plan["facility_mw"].sum() * dt),
        "flexible_served_mwh": float(workload_allocation["mw"].sum() * dt),
    }


def totals_from_published(instance: Instance, plan_dir: Path) -> dict[str, float]:
    """The same totals, read back from the CSV files of a plan folder (a day's ``plan/``)."""
    plan = read_plan(plan_dir)
    return totals_from_tables(
        instance, plan.rack_power_plan, plan.workload_allocation, plan.energy_schedule
    )


def compare_totals(
    totals: Mapping[str, float],
    summary: Mapping[str, Any],
    rel_tol: float = 1e-6,
    abs_tol: float = 1e-6,
) -> list[str]:
    """Lines naming every total that differs from the summary (empty list: all equal)."""
    problems = []
    for key, value in totals.items():
        if key not in summary:
            problems.append(f"{key}: missing from summary")
            continue
        expected = float(summary[key])
        if abs(value - expected) > max(abs_tol, rel_tol * max(abs(value), abs(expected))):
            problems.append(f"{key}: files give {value!r}, summary says {expected!r}")
    return problems
