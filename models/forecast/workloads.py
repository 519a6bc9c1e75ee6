"""The flexible workload queue of a delivery day: from a file, or a deterministic demo queue.

File format
-----------
``<workloads dir>/<YYYY-MM-DD>.csv`` (or ``.json``), or any file given with
``--workloads FILE``. CSV, UTF-8, header required, one workload per row::

    id,energy_mwh,datacenters,earliest_start,deadline,max_mw,unserved_penalty_per_mwh
    train-llm-a,120,dc01;dc02,00:00,24:00,12,3000

============================  ==========================================================
column                        meaning
============================  ==========================================================
``id``                        unique workload id
``energy_mwh``                IT energy the workload needs [MWh], > 0
``datacenters``               data centres it may run in, separated by ``;`` or spaces
``earliest_start``            ``HH:MM`` local time on the delivery day, or an ISO time
                              (naive = Asia/Shanghai), days earlier too; rounded up to
                              the next step
``deadline``                  ``HH:MM`` (``24:00`` = end of day) or ISO time, days later
                              too; rounded down to a step boundary
``max_mw``                    largest total IT power per step [MW], > 0
``unserved_penalty_per_mwh``  penalty on energy left unserved [CNY/MWh], >= 0
============================  ==========================================================

Optional columns, the placement rules of the contract (``docs/contract.md``,
section 9); an empty cell or a missing column means the rule is off:
``min_mw`` [MW], ``max_datacenters``, ``migration_cost`` [CNY/MW],
``restart_cost`` [CNY per restart], ``min_run_steps`` and ``preemptible``
(``true``/``false``).

JSON: ``{"workloads": [{...}]}`` or a bare list, with the same keys
(``datacenters`` a list of ids or a string as above; ``preemptible`` a JSON
boolean or the text ``true``/``false``).

When no file exists for the day, :func:`demo_queue` generates one from the date.

The rows are a backlog of jobs (:mod:`models.forecast.backlog`): a job due past
the planning horizon owes that horizon its pro-rata share only.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from models.forecast.backlog import InitialState, Job, horizon_workload, merge_queue
from models.forecast.conditions import inflexible_mw
from models.forecast.errors import ForecastInputError
from models.forecast.fleet import FleetConfig, JobClassRules
from models.forecast.seeds import stable_rng
from models.timegrid import STEP_MINUTES, STEPS_PER_DAY, ZONE

COLUMNS = (
    "id",
    "energy_mwh",
    "datacenters",
    "earliest_start",
    "deadline",
    "max_mw",
    "unserved_penalty_per_mwh",
)
#: Optional columns: the placement rules of the contract (section 9); empty = absent.
OPTIONAL_COLUMNS = (
    "min_mw",
    "max_datacenters",
    "migration_cost",
    "restart_cost",
    "min_run_steps",
    "preemptible",
)
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?$")


def find_workload_file(config: FleetConfig, day: dt.date, path: str | Path | None) -> Path | None:
    """The workload file: ``path`` itself, or ``<dir>/<day>.csv|.json``; None if absent."""
    if path is not None and not Path(path).is_dir():
        p = Path(path)
        if not p.is_file():
            raise ForecastInputError(f"{p}: workload file not found")
        return p
    folder = Path(path) if path is not None else config.resolve(config.workloads.directory)
    for ext in (".csv", ".json"):
        candidate = folder / f"{day.isoformat()}{ext}"
        if candidate.is_file():
            return candidate
    return None


def _minutes(value: Any, day: dt.date, where: str) -> float:
    """Minutes after the delivery day's 00:00 (Asia/Shanghai)."""
    text = str(value).strip()
    m = _HHMM.match(text)
    if m:
        hours, minutes = int(m.group(1)), int(m.group(2))
        if minutes >= 60 or hours > 24 or (hours == 24 and minutes):
            raise ForecastInputError(f"{where}: {text!r} is not a time of day (00:00-24:00)")
        return hours * 60.0 + minutes
    try:
        stamp = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ForecastInputError(f"{where}: {text!r} is not HH:MM or an ISO time") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=ZONE)
    start = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
    return (stamp - start).total_seconds() / 60.0


def _number(value: Any, where: str, *, positive: bool) -> float:
    if isinstance(value, bool):
        raise ForecastInputError(f"{where}: {value!r} is not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ForecastInputError(f"{where}: {value!r} is not a number") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        rule = "> 0" if positive else ">= 0"
        raise ForecastInputError(f"{where}: {value!r} must be a finite number {rule}")
    return number


def _record(row: dict[str, Any], where: str, day: dt.date, known: set[str]) -> Job:
    missing = [c for c in COLUMNS if row.get(c) in (None, "")]
    if missing:
        raise ForecastInputError(f"{where}: missing {', '.join(missing)}")
    extra = sorted(set(row) - set(COLUMNS) - set(OPTIONAL_COLUMNS))
    if extra:
        raise ForecastInputError(f"{where}: unknown key {', '.join(map(str, extra))}")
    dcs = row["datacenters"]
    if isinstance(dcs, str):
        dcs = [d for d in re.split(r"[;,\s|]+", dcs) if d]
    if not isinstance(dcs, list) or not dcs:
        raise ForecastInputError(f"{where}: datacenters: needs at least one data centre")
    for d in dcs:
        if d not in known:
            raise ForecastInputError(
                f"{where}: datacenters: unknown data centre {d!r} "
                f"(known: {', '.join(sorted(known))})"
            )
    if len(set(dcs)) != len(dcs):
        raise ForecastInputError(f"{where}: datacenters: a data centre is listed twice")
    start = _minutes(row["earliest_start"], day, f"{where}: earliest_start")
    end = _minutes(row["deadline"], day, f"{where}: deadline")
    origin = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
    return Job(
        id=str(row["id"]).strip(),
        energy_mwh=_number(row["energy_mwh"], f"{where}: energy_mwh", positive=True),
        datacenters=tuple(dcs),
        earliest_start=origin + dt.timedelta(minutes=start),
        deadline=origin + dt.timedelta(minutes=end),
        max_mw=_number(row["max_mw"], f"{where}: max_mw", positive=True),
        unserved_penalty_per_mwh=_number(
            row["unserved_penalty_per_mwh"], f"{where}: unserved_penalty_per_mwh", positive=False
        ),
        rules=_rules(row, where),
    )


def _rules(row: dict[str, Any], where: str) -> dict[str, Any]:
    """The optional placement columns given (not empty) in ``row``, as contract values.

    Their relations (``min_mw <= max_mw``, ``max_datacenters`` at most the
    data centres listed) are the instance validation's to report.
    """
    out: dict[str, Any] = {}
    for key in OPTIONAL_COLUMNS:
        value = row.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        at = f"{where}: {key}"
        if key == "preemptible":
            text = str(value).strip().lower() if not isinstance(value, bool) else value
            if text not in (True, False, "true", "false"):
                raise ForecastInputError(f"{at}: {value!r} must be true or false")
            out[key] = text in (True, "true")
        elif key in ("max_datacenters", "min_run_steps"):
            number = _number(value, at, positive=True)
            if number != int(number):
                raise ForecastInputError(f"{at}: {value!r} must be a whole number >= 1")
            out[key] = int(number)
        else:
            out[key] = _number(value, at, positive=False)
    return out


def read_jobs(path: Path, day: dt.date, known: set[str]) -> list[tuple[str, Job]]:
    """Read a workload file (CSV or JSON) into jobs, each with the row it came from."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ForecastInputError(f"{path}: cannot read workload file ({exc})") from None
    rows: list[tuple[str, dict]] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ForecastInputError(f"{path}: not valid JSON ({exc})") from None
        items = data.get("workloads") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise ForecastInputError(f'{path}: expected a list or {{"workloads": [...]}}')
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise ForecastInputError(f"{path}: workloads[{i}]: not an object")
            rows.append((f"{path}: workloads[{i}]", item))
    else:
        reader = csv.DictReader(text.splitlines())
        header = [h.strip() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ForecastInputError(f"{path}: header lacks {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            if None in row:
                raise ForecastInputError(f"{path}: row {line}: more fields than the header")
            rows.append((f"{path}: row {line}", {k.strip(): v for k, v in row.items()}))
    out, seen = [], set()
    for where, row in rows:
        job = _record(row, where, day, known)
        if job.id in seen:
            raise ForecastInputError(f"{where}: id {job.id!r} is duplicated")
        seen.add(job.id)
        out.append((where, job))
    return out


def demo_queue(
    config: FleetConfig, day: dt.date, datacenters: list[dict] | None = None
) -> list[dict]:
    """A deterministic demo queue for ``day`` (same date, same queue).

    Three kinds of jobs: ``train`` (most of the day, 3-5 data centres), ``batch``
    (4-12 h windows, 2-3 data centres) and ``etl`` (2-6 h, 1-2 data centres). Their
    energies add up to ``energy_share_of_spare`` of the IT energy the data centres
    have left after the inflexible load; each job's ``max_mw`` lets it finish in
    50-90 % of its window and takes at most half of the spare power of its data
    centres (of the ``max_datacenters`` with the least spare power, when its class
    limits them), so every job can be served in full. The class's placement rules
    (``[workloads.demo.rules]``) give its contract keys (``placement_rules``).
    """
    demo = config.workloads.demo
    rng = stable_rng(day, "workloads")
    if datacenters is None:
        loads = {dc.id: inflexible_mw(dc, day) for dc in config.datacenters}
    else:
        loads = {d["id"]: np.asarray(d["inflexible_mw"]) for d in datacenters}
    caps = {dc.id: dc.capacity_mw for dc in config.datacenters}
    ids = [dc.id for dc in config.datacenters]
    spare_total = sum((caps[d] - loads[d]).sum() for d in ids) * STEP_MINUTES / 60.0
    kinds = rng.choice(["train", "batch", "etl"], size=demo.jobs, p=[0.3, 0.4, 0.3])
    jobs = []
    for kind in kinds:
        if kind == "train":
            release, length = int(rng.integers(0, 9)), int(rng.integers(80, 97))
            n_dc, weight = int(rng.integers(3, 6)), rng.lognormal(1.5, 0.4)
        elif kind == "batch":
            release, length = int(rng.integers(0, 61)), int(rng.integers(16, 49))
            n_dc, weight = int(rng.integers(2, 4)), rng.lognormal(0.8, 0.4)
        else:
            release, length = int(rng.integers(0, 81)), int(rng.integers(8, 25))
            n_dc, weight = int(rng.integers(1, 3)), rng.lognormal(0.0, 0.4)
        deadline = min(STEPS_PER_DAY, release + length)
        dcs = sorted(rng.choice(ids, size=n_dc, replace=False).tolist())
        jobs.append(
            (
                kind,
                release,
                deadline,
                dcs,
                weight,
                rng.uniform(0.5, 0.9),
                rng.uniform(
                    demo.penalty_min_per_mwh,
                    max(demo.penalty_min_per_mwh, demo.penalty_max_per_mwh),
                ),
            )
        )
    total_weight = sum(j[4] for j in jobs) or 1.0
    out = []
    for k, (kind, release, deadline, dcs, weight, fill, penalty) in enumerate(jobs):
        hours = (deadline - release) * STEP_MINUTES / 60.0
        rules = demo.rules.get(kind)
        spares = sorted(float(np.min(caps[d] - loads[d][release:deadline])) for d in dcs)
        # A job held to k sites must fit in the k with the least room, so it can be served.
        sites = rules.max_datacenters if rules and rules.max_datacenters else len(dcs)
        spare_mw = sum(spares[:sites])
        energy = demo.energy_share_of_spare * spare_total * weight / total_weight
        max_mw = min(energy / (hours * fill), 0.5 * spare_mw)
        energy = min(energy, 0.95 * max_mw * hours)
        if energy <= 0.001 or max_mw <= 0.001:
            continue
        job = {
            "id": f"job-{k + 1:02d}-{kind}",
            "energy_mwh": round(energy, 3),
            "datacenters": dcs,
            "release_step": release,
            "deadline_step": deadline,
            "max_mw": round(max_mw, 3),
            "unserved_penalty_per_mwh": round(float(penalty), 2),
        }
        if rules is not None:
            job.update(placement_rules(rules, job, demo.work_value_per_mwh))
        out.append(job)
    return out


def placement_rules(rules: JobClassRules, job: dict, work_value_per_mwh: float) -> dict:
    """The contract's placement keys of one demo job from its class's rules (none if unset)."""
    keys: dict[str, Any] = {}
    sites = len(job["datacenters"])
    if rules.max_datacenters is not None and rules.max_datacenters < sites:
        keys["max_datacenters"] = rules.max_datacenters
    if rules.min_mw_share > 0:
        keys["min_mw"] = round(rules.min_mw_share * job["max_mw"], 3)
    if rules.migration_cost_per_mw > 0 and sites >= 2:
        keys["migration_cost"] = rules.migration_cost_per_mw
    if rules.restart_work_hours > 0:
        keys["restart_cost"] = round(
            job["max_mw"] * rules.restart_work_hours * work_value_per_mwh, 2
        )
    if rules.min_run_steps is not None:
        keys["min_run_steps"] = rules.min_run_steps
    if not rules.preemptible:
        keys["preemptible"] = False
    return keys


def job_of(record: dict, start: dt.datetime) -> Job:
    """A contract workload of the horizon from ``start`` as a job of the backlog."""
    rules = {k: record[k] for k in OPTIONAL_COLUMNS if k in record}
    return Job(
        id=record["id"],
        energy_mwh=record["energy_mwh"],
        datacenters=tuple(record["datacenters"]),
        earliest_start=start + dt.timedelta(minutes=STEP_MINUTES * record["release_step"]),
        deadline=start + dt.timedelta(minutes=STEP_MINUTES * record["deadline_step"]),
        max_mw=record["max_mw"],
        unserved_penalty_per_mwh=record["unserved_penalty_per_mwh"],
        rules=rules,
    )


def workload_queue(
    config: FleetConfig,
    day: dt.date,
    path: str | Path | None = None,
    datacenters: list[dict] | None = None,
    steps: int = STEPS_PER_DAY,
    state: InitialState | None = None,
) -> list[dict]:
    """The contract's workload records for the planning horizon from the delivery day.

    Parameters
    ----------
    config : FleetConfig
    day : date
    path : str or Path, optional
        a workload file, or a folder holding ``<YYYY-MM-DD>.csv|.json``; ``None``
        looks in the config's ``[workloads] directory``. No file for the day →
        :func:`demo_queue`.
    datacenters : list of dict, optional
        the day's data-centre records (for the demo queue's spare capacity).
    steps : int
        steps of the horizon from the day's 00:00 (96: the day itself).
    state : InitialState, optional
        what the previous day left: its carried jobs join the queue
        (:func:`models.forecast.backlog.merge_queue`).

    Returns
    -------
    list of dict
        one workload per job whose window meets the horizon; a job due past
        the horizon owes its pro-rata share (:mod:`models.forecast.backlog`).
    """
    start = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
    found = find_workload_file(config, day, path)
    if found is None:
        rows = [("demo queue", job_of(w, start)) for w in demo_queue(config, day, datacenters)]
    else:
        rows = read_jobs(found, day, {dc.id for dc in config.datacenters})
    where = {job.id: at for at, job in rows}
    jobs = [job for _, job in rows]
    if state is not None:
        jobs = merge_queue(jobs, state, start)
    out = []
    for job in jobs:
        try:
            record = horizon_workload(job, start, steps)
        except ValueError as exc:
            raise ForecastInputError(
                f"{where.get(job.id, f'carried job {job.id}')}: earliest_start "
                f"{job.earliest_start.isoformat()} and deadline {job.deadline.isoformat()} "
                f"{exc} on {day.isoformat()}"
            ) from None
        if record is not None:
            out.append(record)
    return out
