"""Plan tables, key figures, independent checks and the folders a plan and a day are written to."""

from models.plan.folder import (
    EVALUATION_FILE,
    DayFolder,
    PlanFolderError,
    read_plan,
    read_summary,
    solved_from,
    write_plan,
)
from models.plan.results import PlanTables, plan_tables

__all__ = [
    "EVALUATION_FILE",
    "DayFolder",
    "PlanFolderError",
    "PlanTables",
    "plan_tables",
    "read_plan",
    "read_summary",
    "solved_from",
    "write_plan",
]
