"""Jobs that span days: the backlog, the share a horizon owes, and the state a day starts from.

A queue row is a *job*: the energy it still owes, a window from its earliest
start to its deadline (which may be days away) and its limits. A day's instance
sees the job through its planning horizon only (:func:`horizon_workload`):

- a job whose deadline lies inside the horizon is an ordinary v1 workload
  owing all its energy by then;
- a job whose deadline lies past the horizon owes, by the horizon's end, the
  **pro-rata share** of its energy for the part of its remaining window the
  horizon covers::

      share = energy · (horizon end − window start) / (deadline − window start)

  with ``window start = max(earliest start, horizon start)``. The share is an
  ordinary v1 workload (``energy_mwh = share``, ``deadline_step = steps``) with
  the job's own penalty, so every day makes at least its share of progress and
  no day can push the whole job onto the last one: the trap of deferring a
  far deadline day after day cannot close. Two optional keys of the extension
  "chained days" (``docs/contract.md``) record the job's whole remaining
  energy and its real deadline; the model reads neither.

What a day leaves unserved of a job whose deadline is still ahead is not lost:
the next day's queue carries the job with ``energy − served`` and the same
deadline (:class:`InitialState`), and the next share is computed from that, so
falling behind raises tomorrow's share. Only when the real deadline passes is
the energy left the job's missed work; the penalty paid on a day's share is the
price of falling behind, in full on the deadline's own day, where the share is
the whole rest.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from models.timegrid import STEP_MINUTES

#: Energy below this is served [MWh]: solver residue does not keep a job alive.
DONE_MWH = 1e-6


@dataclass(frozen=True)
class Job:
    """One job of the backlog, with the energy it still owes and its real window.

    ``earliest_start`` and ``deadline`` are time-zone aware; ``rules`` holds
    the optional placement keys of the contract (section 9) as given, and
    ``history`` what a job carried from the day before did by midnight (the keys
    of the extension "intraday revisions", ``models.plan.figures.history_before``):
    they hold for a horizon that starts when that day ends.
    """

    id: str
    energy_mwh: float
    datacenters: tuple[str, ...]
    earliest_start: dt.datetime
    deadline: dt.datetime
    max_mw: float
    unserved_penalty_per_mwh: float
    rules: dict[str, Any] = field(default_factory=dict)
    history: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class InitialState:
    """Where a day starts: what its predecessor left, or the configured values.

    Attributes
    ----------
    source : str
        ``"configured"``, ``"plan:<day>"`` or ``"actual:<day>"``; written to
        the instance as ``initial_state_source``.
    blocks_on : dict
        data-centre id → blocks on before step 0 (absent: the configured rule).
    energy_mwh : dict
        storage id → state of charge before step 0 (absent: the configured value).
    jobs : tuple of Job
        work carried over with its remaining energy; it replaces queue rows of the same id.
    known : frozenset of str
        ids of the jobs the predecessor planned: queue rows of these ids that
        were released before the day are that same job, and their state comes
        from ``jobs`` (a finished one is not queued again).
    """

    source: str = "configured"
    blocks_on: dict[str, int] = field(default_factory=dict)
    energy_mwh: dict[str, float] = field(default_factory=dict)
    jobs: tuple[Job, ...] = ()
    known: frozenset[str] = frozenset()


def owed_share(
    energy_mwh: float, window_start: dt.datetime, horizon_end: dt.datetime, deadline: dt.datetime
) -> float:
    """Energy a job owes by ``horizon_end``: its share of the time left in its window [MWh]."""
    if deadline <= horizon_end:
        return energy_mwh
    covered = max(0.0, (horizon_end - window_start).total_seconds())
    return energy_mwh * covered / (deadline - window_start).total_seconds()


def horizon_workload(job: Job, start: dt.datetime, steps: int) -> dict | None:
    """The contract's workload of ``job`` in the horizon of ``steps`` from ``start``.

    Returns ``None`` for a job whose window lies wholly outside the horizon
    (not yet released, or its deadline passed). The window is rounded inward to
    whole steps (release up, deadline down); a window inside the horizon that
    holds no whole step is an error of the queue (``ValueError``).
    """
    end = start + dt.timedelta(minutes=STEP_MINUTES * steps)
    if job.earliest_start >= end or job.deadline <= start:
        return None
    release = max(0, math.ceil((job.earliest_start - start) / _STEP - 1e-9))
    deadline = min(steps, math.floor((job.deadline - start) / _STEP + 1e-9))
    if not release < deadline:
        raise ValueError("leave no whole 15-minute step")
    window_start = max(job.earliest_start, start)
    share = owed_share(job.energy_mwh, window_start, end, job.deadline)
    record = {
        "id": job.id,
        "energy_mwh": share,
        "datacenters": list(job.datacenters),
        "release_step": release,
        "deadline_step": deadline,
        "max_mw": job.max_mw,
        "unserved_penalty_per_mwh": job.unserved_penalty_per_mwh,
        **job.rules,
        **job.history,
    }
    if job.deadline > end:
        record["backlog_energy_mwh"] = job.energy_mwh
        record["backlog_deadline"] = job.deadline.isoformat()
    return record


def merge_queue(queue: list[Job], state: InitialState, start: dt.datetime) -> list[Job]:
    """The day's backlog: the carried jobs first, then the queue's rows that are new.

    A row is not new when a carried job has its id, or when the predecessor
    planned its id and the row was released before ``start`` (the same job,
    whose remaining energy the carried state knows; done when not carried).
    """
    carried = {j.id for j in state.jobs}
    fresh = [
        j
        for j in queue
        if j.id not in carried and not (j.id in state.known and j.earliest_start < start)
    ]
    return [*state.jobs, *fresh]


_STEP = dt.timedelta(minutes=STEP_MINUTES)
