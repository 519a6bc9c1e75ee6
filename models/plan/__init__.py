"""Plan tables, key figures, independent checks and the folders a plan and a day are written to.

What other packages use; the modules behind these names are internal.
"""

from models.plan.command import show
from models.plan.figures import FIGURE_BY_KEY, FIGURES, KEY_FIGURES, KeyFigure, delivery_part
from models.plan.folder import (
    EVALUATION_FILE,
    DayFolder,
    PlanFolderError,
    read_plan,
    read_summary,
    solved_from,
    write_plan,
)
from models.plan.handover import end_state, previous_state
from models.plan.results import PlanTables, plan_tables
from models.plan.verify import verify_plan

__all__ = [
    "EVALUATION_FILE",
    "FIGURES",
    "FIGURE_BY_KEY",
    "KEY_FIGURES",
    "DayFolder",
    "KeyFigure",
    "PlanFolderError",
    "PlanTables",
    "delivery_part",
    "end_state",
    "plan_tables",
    "previous_state",
    "read_plan",
    "read_summary",
    "show",
    "solved_from",
    "verify_plan",
    "write_plan",
]
