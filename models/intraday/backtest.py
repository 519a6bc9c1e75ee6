"""The chained backtest's intraday policy: the day-ahead plan re-planned every hour.

``intraday-hourly`` plans each day as ``chained-24h`` does, then re-plans it at
01:00, 02:00 … 23:00 on the synthetic ultra-short-term forecast drawn around
that day's actual output (:func:`models.intraday.replan.replan_day` with the
backtest's truth), each revision starting from the plan's expected state at τ.
The day's current plan at 24:00 (blocks and allocation: the decisions the
revisions changed) is then executed on the actual like every other policy's
plan (``models.backtest.chain``), and its realised end state starts the next
day. A revision that fails keeps the plan in force, as in operation.

``value of re-planning = (chained-24h − intraday-hourly) / (chained-24h −
chained-perfect)`` over a range: the share of the gap to perfect foresight
that hourly re-planning closes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from functools import partial
from pathlib import Path

from models.backtest.actual import ActualOutput
from models.backtest.chain import ChainPolicy
from models.backtest.policies import FirstStage, read_plan
from models.dispatch.options import SolveOptions
from models.forecast import FleetConfig
from models.intraday.replan import RevisionError, replan_day
from models.plan.folder import DayFolder

#: Revision times of the hourly policy (00:00 is the day-ahead plan itself).
HOURS = tuple(dt.time(h) for h in range(1, 24))


def revise_hourly(
    day_dir: Path,
    actual: ActualOutput,
    options: SolveOptions,
    config: FleetConfig,
    *,
    time_limit_s: float | None = None,
) -> FirstStage:
    """Re-plan ``day_dir`` every hour on forecasts around ``actual``; the day's current plan.

    ``time_limit_s`` caps each revision (the day-ahead's limit otherwise): 23 a day.
    """
    day = DayFolder(day_dir)
    if time_limit_s is not None:
        options = replace(options, time_limit_s=time_limit_s)
    for at in HOURS:
        try:
            replan_day(day_dir, at, options=options, config=config, truth_mw=actual.mw)
        except RevisionError:
            continue  # the plan in force stays, as it would in operation
    inst = day.read_instance()
    return read_plan(inst, day.current_dir if day.current_dir.is_dir() else day.plan_dir)


def intraday_policy(revision_time_limit_s: float | None = None) -> ChainPolicy:
    """The ``intraday-hourly`` chain policy, each revision within ``revision_time_limit_s``."""
    revise = partial(revise_hourly, time_limit_s=revision_time_limit_s)
    return ChainPolicy("intraday-hourly", chained=True, horizon_hours=24, revise=revise)
