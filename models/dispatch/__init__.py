"""The Pyomo model of the dispatch contract, built per component and solved by HiGHS.

What other packages use; the modules behind these names are internal.
"""

from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.options import (
    AUTO_ON_OFF,
    DAILY_PLAN,
    DEFAULT_HIGHS_OPTIONS,
    DEFAULT_MIP_REL_GAP,
    EVALUATION,
    SolveOptions,
)
from models.dispatch.solution import Solution
from models.dispatch.solve import solve_instance
from models.dispatch.variants import flat_plan, redispatch

__all__ = [
    "AUTO_ON_OFF",
    "DAILY_PLAN",
    "DEFAULT_HIGHS_OPTIONS",
    "DEFAULT_MIP_REL_GAP",
    "EVALUATION",
    "NoFeasiblePlanError",
    "Solution",
    "SolveOptions",
    "flat_plan",
    "redispatch",
    "solve_instance",
]
