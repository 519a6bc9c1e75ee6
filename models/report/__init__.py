"""The dispatcher's day report and the site operators' files (no Dagster here)."""

from models.report.figures import (
    compare_totals,
    totals_from_published,
    totals_from_tables,
    unserved_flexible_mwh,
)
from models.report.html import render_day_report, write_day_report
from models.report.site import write_site_files

__all__ = [
    "compare_totals",
    "render_day_report",
    "totals_from_published",
    "totals_from_tables",
    "unserved_flexible_mwh",
    "write_day_report",
    "write_site_files",
]
