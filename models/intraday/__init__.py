"""Intraday re-planning: the rest of a published day re-solved on the ultra-short-term forecast.

``usf`` reads and draws the 16-point forecasts, ``revision`` makes the rest of
the horizon an instance and merges a revision onto the day's current plan,
``replan`` works on the day folder (``revisions/<HHMM>/``, ``current/``) and
``command`` is ``suandian replan``.
"""

from models.intraday.replan import (
    REVISION_FILE,
    NoFeasibleRevisionError,
    Revision,
    RevisionError,
    changes_table,
    current_plan,
    replan_day,
    revisions,
)
from models.intraday.revision import merge_current, revision_instance
from models.intraday.usf import (
    POINTS,
    UltraShortForecast,
    read_usf,
    synthetic_usf,
    write_usf,
)

__all__ = [
    "POINTS",
    "REVISION_FILE",
    "NoFeasibleRevisionError",
    "Revision",
    "RevisionError",
    "UltraShortForecast",
    "changes_table",
    "current_plan",
    "merge_current",
    "read_usf",
    "replan_day",
    "revision_instance",
    "revisions",
    "synthetic_usf",
    "write_usf",
]
