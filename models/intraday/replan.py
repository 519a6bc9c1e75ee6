"""Re-planning a published day at τ, on its folder: ``<day>/revisions/<HHMM>/`` and ``current/``.

:func:`replan_day` reads the day's instance and current plan (``current/``, or
``plan/`` before the first revision), the ultra-short-term forecast (files, or
the synthetic one) and the measured state at τ if given, solves the rest of the
horizon (:func:`models.intraday.revision.revision_instance`) and writes:

1. ``revisions/<HHMM>/``: the revision's ``instance.json``, ``plan/`` (a plan
   folder of that instance, which the verifier checks like any other) and
   ``revision.json`` (what it started from, what changed and why, the key
   figures of the rest of the day before and after);
2. ``current/``: the executed past and the revision (``merge_current``).

Each is written whole (``models.atomic``), the revision first. Any failure (a
bad or late forecast file, a state file of another time, no feasible plan)
raises :class:`RevisionError` before anything is written: the previous
revision stays in force and the message says which one that is.

Revisions go forward: steps before the latest revision are executed, so a
revision earlier than it is refused; the same time again replaces it (its
executed past is the same).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from models.atomic import atomic_write_text, replace_directory
from models.backtest.actual import mean_forecast_mw, synthetic_actual
from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.forecast import FleetConfig, ForecastInputError, load_fleet_config
from models.instance import Instance, InstanceError, validate
from models.intraday.revision import merge_current, revision_instance, state_at
from models.intraday.usf import UltraShortForecast, read_usf, synthetic_usf
from models.plan.figures import scenario_figures, weighted
from models.plan.folder import (
    SUMMARY_FILE,
    DayFolder,
    PlanFolderError,
    read_plan,
    solved_from,
    write_plan,
)
from models.plan.results import PlanTables, plan_tables
from models.report import render_day_report
from models.timegrid import ZONE

REVISION_FILE = "revision.json"
#: Label of the plan in force before the day's first revision.
DAY_AHEAD = "day-ahead"


class RevisionError(ValueError):
    """A revision that could not be made; the day's current plan is unchanged."""


class NoFeasibleRevisionError(RevisionError):
    """No feasible plan for the rest of the day (the cause named); nothing was written."""


@dataclass(frozen=True)
class Revision:
    """A revision written to the day folder: its time, folder and ``revision.json``."""

    at: str
    folder: Path
    record: dict[str, Any]


def revision_step(inst: Instance, at: dt.time) -> int:
    """The step of the day that starts at ``at`` (local time), in ``[1, delivery steps)``."""
    start = inst.start.astimezone(ZONE)
    moment = dt.datetime.combine(start.date(), at, tzinfo=ZONE)
    minutes = (moment - start).total_seconds() / 60
    k = int(minutes // inst.step_minutes)
    if minutes != k * inst.step_minutes:
        raise RevisionError(
            f"--at {at:%H:%M}: not on the {inst.step_minutes}-minute grid of the day"
        )
    if not 1 <= k < inst.delivery_steps:
        raise RevisionError(
            f"--at {at:%H:%M}: a revision lies after 00:00 and before the end of the delivery day"
        )
    return k


def day_ahead_digest(day: DayFolder) -> str:
    """SHA-256 of the published day-ahead plan's ``summary.json``: what revisions build on.

    A day-ahead plan published again (a re-run of the day) makes the earlier
    revisions and ``current/`` stale: they revised another plan.
    """
    try:
        return hashlib.sha256((day.plan_dir / SUMMARY_FILE).read_bytes()).hexdigest()
    except OSError as exc:
        raise RevisionError(f"{day.plan_dir / SUMMARY_FILE}: cannot read ({exc})") from None


def current_plan(day: DayFolder, inst: Instance) -> tuple[PlanTables, str]:
    """The plan in force and its label (``"day-ahead"`` or the revision's ``HH:MM``).

    ``current/`` counts only while it revises the published day-ahead plan.
    """
    try:
        if day.current_dir.is_dir():
            tables = read_plan(day.current_dir)
            if tables.summary.get("day_ahead_sha256") == day_ahead_digest(day):
                return tables, str(tables.summary.get("revision", "?"))
        tables = day.read_plan()
    except PlanFolderError as exc:
        raise RevisionError(str(exc)) from None
    if not solved_from(tables.summary, inst):
        raise RevisionError(
            f"{day.plan_dir}: the plan was solved from another instance than {day.instance_path}"
        )
    return tables, DAY_AHEAD


def read_state_at(path: str | Path, at: dt.datetime, inst: Instance) -> dict[str, float]:
    """The measured state of charge at ``at`` from ``path``.

    The file: ``{"time": "<ISO time with offset>", "storage_mwh": {"<id>": MWh, …}}``,
    one value per battery of the instance, at the revision time.
    """
    path = Path(path)
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RevisionError(f"{path}: cannot read the state at {at:%H:%M} ({exc})") from None
    if not isinstance(content, dict) or set(content) != {"time", "storage_mwh"}:
        raise RevisionError(f"{path}: must be an object with the keys time and storage_mwh")
    try:
        stamp = dt.datetime.fromisoformat(str(content["time"]))
    except ValueError:
        raise RevisionError(f"{path}: time: must be an ISO time, got {content['time']!r}") from None
    if stamp.utcoffset() is None or stamp != at:
        raise RevisionError(
            f"{path}: time: the state must be measured at the revision time {at.isoformat()},"
            f" got {content['time']!r}"
        )
    soc = content["storage_mwh"]
    ids = {st.id for st in inst.storage}
    if not isinstance(soc, dict) or set(soc) != ids:
        raise RevisionError(
            f"{path}: storage_mwh: must give every battery ({', '.join(sorted(ids))})"
        )
    out = {}
    for st in inst.storage:
        value = soc[st.id]
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not (st.energy_min_mwh - 1e-6 <= value <= st.energy_max_mwh + 1e-6)
        ):
            raise RevisionError(
                f"{path}: storage_mwh.{st.id}: must be a number in"
                f" [{st.energy_min_mwh:g}, {st.energy_max_mwh:g}], got {value!r}"
            )
        out[st.id] = float(value)
    return out


def plan_in_force(current: PlanTables, k: int) -> tuple[dict, dict]:
    """The current plan's blocks and allocation from step ``k``, in the revision's steps.

    Still feasible for the revision (the same past, the first stage unchanged; only
    the renewables and the battery's start moved), so HiGHS starts from it.
    """
    rack = current.rack_power_plan[current.rack_power_plan["step"] >= k].sort_values("step")
    blocks = {
        str(d): rows["blocks_on"].to_numpy(dtype=int) for d, rows in rack.groupby("datacenter")
    }
    alloc = current.workload_allocation[current.workload_allocation["step"] >= k]
    allocation = {
        (str(j), str(d), int(t) - k): float(v)
        for j, d, t, v in zip(
            alloc["workload"], alloc["datacenter"], alloc["step"], alloc["mw"], strict=True
        )
    }
    return blocks, allocation


def rest_of_day(inst: Instance, tables: PlanTables, k: int) -> dict[str, float]:
    """Key figures of ``tables`` (steps of ``inst``) over the delivery steps from ``k`` on."""
    rows = [
        t[t["step"] >= k]
        for t in (tables.rack_power_plan, tables.workload_allocation, tables.energy_schedule)
    ]
    return weighted(inst, scenario_figures(inst, *rows))


def _forecast(
    at: dt.datetime,
    forecast: str | Path | None,
    inst: Instance,
    config: FleetConfig,
    truth_mw: pd.DataFrame | None,
) -> UltraShortForecast:
    try:
        if forecast is not None:
            return read_usf(forecast, at, config, inst.plants)
        if truth_mw is None:
            truth_mw = synthetic_actual(config, at.date(), mean_forecast_mw(inst).iloc[:96]).mw
        return synthetic_usf(config, at, truth_mw)
    except ForecastInputError as exc:
        raise RevisionError(str(exc)) from None


def replan_day(
    day_dir: str | Path,
    at: dt.time,
    *,
    forecast: str | Path | None = None,
    actual_until: str | Path | None = None,
    options: SolveOptions | None = None,
    config: FleetConfig | None = None,
    truth_mw: pd.DataFrame | None = None,
) -> Revision:
    """Re-plan the day in ``day_dir`` at ``at`` (see the module doc).

    Parameters
    ----------
    forecast : path, optional
        folder of ultra-short-term ``<plant>.csv`` files; ``None``: the synthetic one.
    actual_until : path, optional
        the measured state at ``at`` (:func:`read_state_at`); ``None``: the plan's.
    config : FleetConfig, optional
        the fleet (its plants' capacities check the forecast); default the shipped one.
    truth_mw : DataFrame, optional
        the actual output the synthetic forecast is drawn around (the
        backtest's); default the day's synthetic actual.

    Raises
    ------
    RevisionError
        nothing was written; the message names the file or rule and the plan in force.
    """
    day = DayFolder(Path(day_dir))
    config = config or load_fleet_config()
    options = options or SolveOptions()
    try:
        inst = day.read_instance()
    except (InstanceError, OSError) as exc:
        raise RevisionError(f"{day.instance_path}: {exc}") from None
    in_force = DAY_AHEAD
    try:
        k = revision_step(inst, at)
        current, in_force = current_plan(day, inst)
        latest = current.summary.get("revised_from_step")
        if latest is not None and k < int(latest):
            raise RevisionError(
                f"--at {at:%H:%M}: the day was revised at {in_force}; the steps before it are"
                " executed, so a revision must be at that time or later"
            )
        moment = inst.start + dt.timedelta(minutes=inst.step_minutes * k)
        usf = _forecast(moment, forecast, inst, config, truth_mw)
        measured = None if actual_until is None else read_state_at(actual_until, moment, inst)
        raw = revision_instance(inst, current, k, usf.mw, measured, config)
        rev = validate(raw, f"revision {at:%H:%M}")
        try:
            sol = solve_instance(rev, replace(options, start_plan=plan_in_force(current, k)))
        except NoFeasiblePlanError as exc:
            raise NoFeasibleRevisionError(
                f"no feasible plan for the rest of the day: {exc.cause}"
            ) from None
    except (RevisionError, InstanceError) as exc:
        kind = (
            NoFeasibleRevisionError if isinstance(exc, NoFeasibleRevisionError) else RevisionError
        )
        raise kind(
            f"revision {at:%H:%M} not made: {exc}; the plan in force stays {in_force}"
        ) from None
    tables = plan_tables(rev, sol)
    merged = merge_current(inst, current, tables, k)
    digest = day_ahead_digest(day)
    merged.summary["day_ahead_sha256"] = digest
    record = revision_record(inst, current, merged, rev, tables, k, usf, measured, in_force)
    record["day_ahead_sha256"] = digest
    hhmm = f"{at:%H%M}"
    target = day.revision_dir(hhmm)

    def fill(folder: Path) -> None:
        out = DayFolder(folder)
        out.write_instance(raw)
        out.write_plan(tables)
        atomic_write_text(folder / REVISION_FILE, json.dumps(record, indent=2) + "\n")

    replace_directory(target, fill)
    write_plan(merged, day.current_dir)
    if day.report_path.is_file():
        refresh_report(day, inst)
    return Revision(f"{at:%H:%M}", target, record)


def refresh_report(day: DayFolder, inst: Instance) -> None:
    """Render the day's ``report.html`` again with its revisions (the day-ahead plan's report)."""
    flat = read_plan(day.flat_plan_dir) if day.flat_plan_dir.is_dir() else None
    page = render_day_report(inst, day.read_plan(), flat, revisions=revisions(day.path))
    day.write_report(page)


def revision_record(
    inst: Instance,
    current: PlanTables,
    merged: PlanTables,
    rev: Instance,
    tables: PlanTables,
    k: int,
    usf: UltraShortForecast,
    measured: dict[str, float] | None,
    based_on: str,
) -> dict[str, Any]:
    """``revision.json``: where the revision started from, what changed and why."""
    blocks, planned_soc = state_at(inst, current, k)
    mean = mean_forecast_mw(inst)
    window = usf.mw.dropna(how="all")
    window = window[window.index.isin(mean.index)]
    day_ahead = mean.loc[window.index, window.columns].sum(axis=1)
    difference = window.sum(axis=1) - day_ahead
    soc = measured or planned_soc
    return {
        "at": f"{rev.start.astimezone(ZONE):%H:%M}",
        "time": rev.start.isoformat(),
        "step": k,
        "based_on": based_on,
        "forecast": {
            "source": usf.source,
            "issued": usf.issued.isoformat(),
            "steps": len(window),
            "mean_difference_mw": float(difference.mean()) if len(difference) else 0.0,
            "largest_difference_mw": float(difference.abs().max()) if len(difference) else 0.0,
        },
        "state": {
            "source": "actual" if measured is not None else "plan",
            "blocks_on": int(sum(blocks.values())),
            "storage_mwh": soc,
            "storage_difference_mwh": float(sum(soc.values()) - sum(planned_soc.values())),
        },
        "plan": {
            "status": tables.summary["status"],
            "objective": tables.summary["objective"],
            "gap": tables.summary["gap"],
            "solve_seconds": tables.summary["solve_seconds"],
        },
        "rest_of_day_before": rest_of_day(inst, current, k),
        "rest_of_day_after": rest_of_day(inst, merged, k),
    }


def revisions(day_dir: str | Path) -> list[dict[str, Any]]:
    """The revisions of the published day-ahead plan (``revision.json``), in time order.

    Revisions of a day-ahead plan since published again are left out.
    """
    day = DayFolder(Path(day_dir))
    folder = day.revisions_dir
    digest = day_ahead_digest(day) if folder.is_dir() else None
    out = []
    for sub in sorted(folder.glob("[0-2][0-9][0-5][0-9]")) if folder.is_dir() else []:
        path = sub / REVISION_FILE
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise PlanFolderError(f"{path}: cannot read the revision ({exc})") from None
        if record.get("day_ahead_sha256") == digest:
            out.append(record)
    return out


def changes_table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per revision: the why (forecast, state) and the rest of the day's figures."""
    rows = []
    for r in records:
        after, before = r["rest_of_day_after"], r["rest_of_day_before"]
        rows.append(
            {
                "at": r["at"],
                "based_on": r["based_on"],
                "forecast_difference_mw": r["forecast"]["mean_difference_mw"],
                "storage_difference_mwh": r["state"]["storage_difference_mwh"],
                "import_mwh_before": before["import_mwh"],
                "import_mwh_after": after["import_mwh"],
                "green_share_after": after["green_share"],
                "status": r["plan"]["status"],
                "gap": r["plan"]["gap"],
            }
        )
    return pd.DataFrame(rows)


__all__ = [
    "NoFeasibleRevisionError",
    "Revision",
    "RevisionError",
    "changes_table",
    "replan_day",
    "revisions",
]
