"""Solving an instance: the entry point a dispatcher's tools call.

It names the cause of an infeasible day before building anything
(``models.dispatch.diagnose``), then runs one search in this process
(``models.dispatch.rounds``) or several seeded ones side by side
(``models.dispatch.portfolio``), as ``SolveOptions.portfolio`` asks.
"""

from __future__ import annotations

from models.dispatch.diagnose import NoFeasiblePlanError, find_causes
from models.dispatch.options import SolveOptions
from models.dispatch.portfolio import solve_portfolio
from models.dispatch.rounds import solve_single
from models.dispatch.solution import Solution
from models.instance.schema import Instance


def solve_instance(inst: Instance, options: SolveOptions | None = None) -> Solution:
    """Build and solve the contract's problem for ``inst`` (in parallel searches if asked).

    Raises
    ------
    NoFeasiblePlanError
        When the instance has no feasible plan (with its named cause), or none
        was found within the time limit.
    """
    options = options or SolveOptions()
    causes = find_causes(inst)
    if causes:
        raise NoFeasiblePlanError("; ".join(causes))
    if options.portfolio > 1:
        return solve_portfolio(inst, options)
    return solve_single(inst, options)
