"""The dispatcher's day report (no Dagster here); its folder is ``models.plan.DayFolder``."""

from models.report.html import render_day_report
from models.report.totals import (
    compare_totals,
    flexible_demand_mwh,
    scenario_rows,
    totals_from_published,
    totals_from_tables,
    unserved_flexible_mwh,
)

__all__ = [
    "compare_totals",
    "flexible_demand_mwh",
    "render_day_report",
    "scenario_rows",
    "totals_from_published",
    "totals_from_tables",
    "unserved_flexible_mwh",
]
