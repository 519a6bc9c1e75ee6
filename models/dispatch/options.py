"""The solver settings a dispatcher may change, and their defaults, in a module of their own.

Every way of solving (one search, the portfolio of searches, the comparison
policies) takes a ``SolveOptions``; defined below all of them, it lets each
name its argument's type without importing another.

The defaults are written here once. ``SolveOptions()`` is the contract's
default (``suandian solve``: no time limit, gap ``DEFAULT_MIP_REL_GAP``); the
three profiles below are the only other limits, each named for the solves
that use it, so the command line, the backtest and the Dagster resources read
them instead of repeating numbers (docs/operations.md, *Settings*).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from models.dispatch.tightening import DEFAULT_TIGHTENINGS

# RENS (a root sub-MIP heuristic) spends seconds on this model for incumbents that the
# other heuristics find anyway: without it the full-size example proved 1e-4 in 27 s
# instead of 35 s, the medium and small examples unchanged (benchmarks/README.md).
DEFAULT_HIGHS_OPTIONS: tuple[tuple[str, object], ...] = (("mip_heuristic_run_rens", False),)

# The relative gap of the contract (`suandian solve --gap`): every solve stops there
# unless a profile below names another.
DEFAULT_MIP_REL_GAP = 1e-4

# How a setting of a switch that is ``None`` by default (``SolveOptions.start``,
# ``SolveOptions.helper``: decided by the model's own rule) is written by a user.
AUTO_ON_OFF: dict[str, bool | None] = {"auto": None, "on": True, "off": False}


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings a dispatcher may change.

    Parameters
    ----------
    time_limit_s
        Wall-clock limit for all solver rounds together [s]; ``None`` for none.
    mip_rel_gap
        Relative gap at which the search stops, as the contract defines it.
    threads
        HiGHS threads; ``None`` lets HiGHS choose.
    log
        Stream the HiGHS log to ``log_stream`` while solving.
    tightenings
        Names from ``models.dispatch.tightening.TIGHTENINGS``.
    highs_options
        Extra HiGHS options as (name, value) pairs. A work limit among them
        (``mip_max_nodes``, ``mip_max_leaves``, ``mip_max_improving_sols``) applies
        to each round and, when it stops the search, gives status ``"iteration_limit"``.
    start
        Hand HiGHS a first plan (``models.dispatch.start``: the relaxation's
        placement in one stretch per job, its blocks rounded up) before the search;
        ``None``: only when some workload has a placement rule (the generated
        days), where HiGHS's own heuristics find no good plan for minutes.
    start_plan
        A plan to start from instead (``(blocks_on, allocation)``: data-centre id
        → blocks per step, ``(workload, datacenter, step)`` → MW): its first stage
        fixed, the rest settled by a short run, the result handed to HiGHS. An
        intraday revision passes the plan in force, which stays feasible.
    helper
        A second process that looks for cheaper plans around the best one while
        HiGHS searches, and hands them over (``models.dispatch.helper``); ``None``:
        on a machine of two cores or more, for a model of 500 integers or more.
    portfolio
        Independent HiGHS searches (random seeds 0..N-1) run in parallel
        processes; the first to prove optimality wins (``models.dispatch.portfolio``).
    """

    time_limit_s: float | None = None
    mip_rel_gap: float = DEFAULT_MIP_REL_GAP
    threads: int | None = None
    log: bool = False
    log_stream: TextIO | None = None
    tightenings: tuple[str, ...] = DEFAULT_TIGHTENINGS
    highs_options: tuple[tuple[str, object], ...] = DEFAULT_HIGHS_OPTIONS
    start: bool | None = None
    start_plan: tuple[dict, dict] | None = None
    helper: bool | None = None
    portfolio: int = 1


# The day's solve of the daily pipeline: a plan must be published every evening, so the
# search is capped at 60 s and stops at 0.1 %, looser than the contract's gap until the
# solve proves DEFAULT_MIP_REL_GAP within that time.
DAILY_PLAN = SolveOptions(time_limit_s=60.0, mip_rel_gap=1e-3)

# Each MIP of the evaluation of a day on its actual output (the comparison plans, among
# them the day report's flat plan, and the re-dispatches; in a backtest also the day's
# plan): capped so that a range of days finishes, at the contract's gap (`suandian
# evaluate`, `suandian backtest`, the pipeline).
EVALUATION = SolveOptions(time_limit_s=45.0)
