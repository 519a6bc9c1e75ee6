"""The state a day hands to the next: read from the previous day's published folder.

Day D starts where day D−1's plan ends (:func:`previous_state`):

- **blocks**: D−1's ``blocks_on`` at its last delivery-day step (step
  ``committed_steps − 1``, 95 for a day of 15-minute steps). Blocks are first
  stage, the same in every scenario, so the plan's value is the one the sites
  will run.
- **batteries**: the *probability-weighted* state of charge at that step over
  D−1's scenarios. The state of charge is second stage, one value per
  scenario; which scenario happens is unknown when D is planned the evening
  before, and the expectation is the estimate with the least expected square
  error under the plan's own probabilities (a named scenario, p50 say, would
  ignore the skew of the others). It is a convex combination of values within
  ``[energy_min_mwh, energy_max_mwh]``, so it lies there too (the instance
  builder clips away solver residue).
- **measured end state wins**: when D−1 has been evaluated on its actual output
  (``evaluation.json`` with ``realised_end_state``, ``suandian evaluate`` or
  the evaluation assets), the batteries start from the state of charge the
  plan really reached on that day, and the source says ``actual:<D−1>``.
- **work left**: every job of D−1's instance keeps its whole remaining energy
  (``backlog_energy_mwh``, else ``energy_mwh``) minus what the plan served in
  the delivery day; a job with energy left whose deadline
  (``backlog_deadline``, else the end of its window) lies after D's start is
  carried into D's queue with the same deadline. A job whose deadline has
  passed is not carried: its energy left was D−1's unserved energy, paid for
  by its penalty in D−1's plan.

The folder must be D−1's, of the same fleet, with a plan solved from the
instance beside it; anything else is a :class:`PlanFolderError` naming the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from models.forecast import FleetConfig
from models.forecast.backlog import DONE_MWH, InitialState, Job
from models.forecast.workloads import OPTIONAL_COLUMNS
from models.instance import Instance, InstanceError
from models.plan.figures import history_before, served_mwh
from models.plan.folder import (
    INSTANCE_FILE,
    SUMMARY_FILE,
    DayFolder,
    PlanFolderError,
    read_plan,
    solved_from,
)
from models.plan.results import PlanTables
from models.timegrid import ZONE

#: Key of ``evaluation.json`` holding the realised end state (``models.backtest``).
REALISED_END_STATE = "realised_end_state"


def _locate(folder: Path) -> tuple[DayFolder, Path]:
    """The day folder and the plan folder ``folder`` names (a day folder or its ``plan/``)."""
    if not folder.is_dir():
        raise PlanFolderError(f"{folder}: missing (the previous day's folder or its plan/)")
    if (folder / INSTANCE_FILE).is_file():
        return DayFolder(folder), DayFolder(folder).plan_dir
    if (folder / SUMMARY_FILE).is_file():
        if (folder.parent / INSTANCE_FILE).is_file():
            return DayFolder(folder.parent), folder
        raise PlanFolderError(
            f"{folder.parent / INSTANCE_FILE}: missing (the instance the plan in {folder} "
            "was solved from, beside it in its day folder)"
        )
    raise PlanFolderError(
        f"{folder / INSTANCE_FILE}: missing (a day folder holds instance.json and plan/)"
    )


def _read_instance(day: DayFolder) -> Instance:
    try:
        return day.read_instance()
    except InstanceError as exc:
        raise PlanFolderError(str(exc)) from None


def _check_fleet(prev: Instance, config: FleetConfig, where: Path) -> None:
    pairs = (
        ("data centres", {d.id for d in prev.datacenters}, {d.id for d in config.datacenters}),
        ("storage", {s.id for s in prev.storage}, {s.id for s in config.storage}),
    )
    for what, theirs, ours in pairs:
        if theirs != ours:
            raise PlanFolderError(
                f"{where}: another fleet: its {what} are {', '.join(sorted(theirs)) or 'none'}, "
                f"the configuration's {', '.join(sorted(ours)) or 'none'}"
            )


def carried_jobs(prev: Instance, allocation: pd.DataFrame, next_start: dt.datetime) -> list[Job]:
    """The jobs of ``prev`` with energy left and a deadline after ``next_start``.

    ``allocation`` is what ran of ``prev``'s plan in its delivery day. Each job
    carries its history from there (``history_before`` at the delivery day's end):
    the sites it used, its first start and the stretch running at midnight, so that
    the next day keeps it where it ran and counts its restarts as one day would.
    """
    raw = {w["id"]: w for w in prev.raw.get("workloads", [])}
    step = dt.timedelta(minutes=prev.step_minutes)
    served = served_mwh(prev, allocation)
    out = []
    for w in prev.workloads:
        total = w.energy_mwh if w.backlog_energy_mwh is None else w.backlog_energy_mwh
        deadline = w.backlog_deadline or prev.start + w.deadline_step * step
        left = total - served.get(w.id, 0.0)
        if left <= DONE_MWH or deadline <= next_start:
            continue
        out.append(
            Job(
                id=w.id,
                energy_mwh=left,
                datacenters=w.datacenters,
                earliest_start=prev.start + w.release_step * step,
                deadline=deadline,
                max_mw=w.max_mw,
                unserved_penalty_per_mwh=w.unserved_penalty_per_mwh,
                rules={k: raw[w.id][k] for k in OPTIONAL_COLUMNS if k in raw[w.id]},
                history=history_before(w, allocation, prev.delivery_steps),
            )
        )
    return out


def end_state(inst: Instance, plan: PlanTables) -> tuple[dict[str, int], dict[str, float]]:
    """What a plan hands to the next day: blocks on and expected charge at its last delivery step.

    Returns data-centre id → ``blocks_on`` and storage id → the
    probability-weighted state of charge [MWh] at step ``committed_steps − 1``
    (see the module doc for why the expectation).
    """
    last = inst.delivery_steps - 1
    rack = plan.rack_power_plan[plan.rack_power_plan["step"] == last]
    blocks = {str(d): int(n) for d, n in zip(rack["datacenter"], rack["blocks_on"], strict=True)}
    schedule = plan.energy_schedule[plan.energy_schedule["step"] == last]
    weights = schedule["scenario"].map({s.id: s.probability for s in inst.scenarios})
    energy = {st.id: float((schedule[f"soc_mwh__{st.id}"] * weights).sum()) for st in inst.storage}
    return blocks, energy


def previous_state(folder: str | Path, day: dt.date, config: FleetConfig) -> InitialState:
    """What day ``day − 1``'s folder hands to ``day`` (see the module doc).

    Parameters
    ----------
    folder : str or Path
        the previous day's folder ``<runs>/<D−1>/``, or its ``plan/``.
    day : date
        the day to plan (D).
    config : FleetConfig
        the fleet D is planned for; the previous plan must be of the same
        data centres and storage.

    Raises
    ------
    PlanFolderError
        a missing or unreadable file, a plan of another instance, day or fleet.
    """
    day_folder, plan_dir = _locate(Path(folder))
    prev = _read_instance(day_folder)
    where = day_folder.instance_path
    prev_day = prev.start.astimezone(ZONE).date()
    if prev_day != day - dt.timedelta(days=1):
        raise PlanFolderError(
            f"{where}: plans {prev_day.isoformat()}, not the day before "
            f"{day.isoformat()} ({(day - dt.timedelta(days=1)).isoformat()})"
        )
    _check_fleet(prev, config, where)
    plan = read_plan(plan_dir)
    if not solved_from(plan.summary, prev):
        raise PlanFolderError(
            f"{plan_dir / SUMMARY_FILE}: the plan was solved from another instance than {where}"
        )
    last = prev.delivery_steps - 1
    blocks, energy = end_state(prev, plan)
    source = f"plan:{prev_day.isoformat()}"
    if day_folder.has_evaluation():
        realised = day_folder.read_evaluation().get(REALISED_END_STATE)
        if isinstance(realised, dict) and set(realised.get("storage_mwh", {})) == set(energy):
            energy = {k: float(v) for k, v in realised["storage_mwh"].items()}
            source = f"actual:{prev_day.isoformat()}"
    alloc = plan.workload_allocation
    alloc = alloc[alloc["step"] <= last]
    next_start = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
    return InitialState(
        source=source,
        blocks_on=blocks,
        energy_mwh=energy,
        jobs=tuple(carried_jobs(prev, alloc, next_start)),
        known=frozenset(w.id for w in prev.workloads),
    )
