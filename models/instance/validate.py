"""Checks of every rule of the instance contract, reporting all broken rules at once.

A dispatcher fixing a broken instance wants the whole list, not one error per
run, so each ``check_*`` appends ``"<key path>: <rule>"`` lines to a shared
list instead of raising; ``validate`` raises once at the end.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from models.instance.schema import (
    DATACENTER_FIELDS,
    GRID_FIELDS,
    SCENARIO_FIELDS,
    STORAGE_FIELDS,
    TOP_FIELDS,
    WORKLOAD_FIELDS,
    DataCenter,
    Field,
    Grid,
    Instance,
    Scenario,
    Storage,
    Workload,
)

PROBABILITY_TOLERANCE = 1e-9
#: ``initial_state_source``: where the day's initial state came from (extension "chained days").
STATE_SOURCE = re.compile(r"^(configured|(plan|actual):\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?)$")


class InstanceError(ValueError):
    """An instance breaks the contract; ``problems`` lists every broken rule."""

    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        head = f"{prefix}invalid instance ({len(self.problems)} problem(s))"
        super().__init__(head + "\n" + "\n".join(f"  {p}" for p in self.problems))


def _is_number(value: Any) -> bool:
    # bool is an int subclass in Python, but the contract treats true/false as non-numbers.
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Checker:
    """Collects problems while reading typed values out of the raw JSON tree."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, rule: str) -> None:
        self.problems.append(f"{path}: {rule}")

    def keys(self, obj: Any, path: str, fields: dict[str, Field]) -> bool:
        if not isinstance(obj, dict):
            self.fail(path or "instance", f"must be an object, got {_describe(obj)}")
            return False
        for key in obj:
            if key not in fields:
                self.fail(_join(path, key), f"unknown key (allowed: {', '.join(fields)})")
        for key, spec in fields.items():
            if spec.required and key not in obj:
                self.fail(_join(path, key), "required key is missing")
        return True

    def number(self, value: Any, path: str) -> float | None:
        if not _is_number(value):
            self.fail(path, f"must be a number, got {_describe(value)}")
            return None
        if not math.isfinite(value):
            self.fail(path, f"must be finite, got {value}")
            return None
        return float(value)

    def integer(self, value: Any, path: str) -> int | None:
        number = self.number(value, path)
        if number is None:
            return None
        if number != int(number):
            self.fail(path, f"must be a whole number, got {value}")
            return None
        return int(number)

    def string(self, value: Any, path: str) -> str | None:
        if not isinstance(value, str) or not value:
            self.fail(path, f"must be a non-empty string, got {_describe(value)}")
            return None
        return value

    def series(self, value: Any, path: str, steps: int | None) -> np.ndarray | None:
        if not isinstance(value, list):
            self.fail(path, f"must be an array of numbers, got {_describe(value)}")
            return None
        if steps is not None and len(value) != steps:
            self.fail(path, f"must have exactly steps={steps} values, got {len(value)}")
            return None
        numbers = [self.number(v, f"{path}[{i}]") for i, v in enumerate(value)]
        if any(v is None for v in numbers):
            return None
        return np.asarray(numbers, dtype=float)

    def at_least(self, value: float | None, path: str, low: float, strict: bool = False) -> None:
        if value is None:
            return
        if value < low or (strict and value == low):
            self.fail(path, f"must be {'>' if strict else '>='} {low:g}, got {value:g}")

    def series_at_least(self, values: np.ndarray | None, path: str, low: float) -> None:
        if values is None:
            return
        for i in np.flatnonzero(values < low):
            self.fail(f"{path}[{i}]", f"must be >= {low:g}, got {values[i]:g}")

    def unique_ids(self, ids: list[str | None], path: str, what: str) -> None:
        seen: dict[str, int] = {}
        for i, ident in enumerate(ids):
            if ident is None:
                continue
            if ident in seen:
                self.fail(
                    f"{path}[{i}].id",
                    f"duplicate {what} id {ident!r} (first at index {seen[ident]})",
                )
            else:
                seen[ident] = i


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _objects(chk: _Checker, raw: dict, key: str, allow_empty: bool) -> list:
    value = raw.get(key)
    if key not in raw:
        return []
    if not isinstance(value, list):
        chk.fail(key, f"must be an array of objects, got {_describe(value)}")
        return []
    if not value and not allow_empty:
        chk.fail(key, "must not be empty")
    return value


def check_header(chk: _Checker, raw: dict) -> tuple[int | None, datetime | None, int | None]:
    """Version, start time, step length and number of steps."""
    if "version" in raw:
        version = chk.integer(raw["version"], "version")
        if version is not None and version != 1:
            chk.fail("version", f"must be 1 (this reader knows format version 1), got {version}")
    if "name" in raw and not isinstance(raw["name"], str):
        chk.fail("name", f"must be a string, got {_describe(raw['name'])}")
    start = None
    if "start" in raw and chk.string(raw["start"], "start") is not None:
        try:
            start = datetime.fromisoformat(raw["start"])
        except ValueError:
            chk.fail("start", f"must be an ISO 8601 time, got {raw['start']!r}")
        else:
            if start.utcoffset() is None:
                chk.fail("start", f"must carry a UTC offset such as +08:00, got {raw['start']!r}")
                start = None
    step_minutes = steps = None
    if "step_minutes" in raw:
        step_minutes = chk.integer(raw["step_minutes"], "step_minutes")
        chk.at_least(step_minutes, "step_minutes", 0, strict=True)
    if "steps" in raw:
        steps = chk.integer(raw["steps"], "steps")
        chk.at_least(steps, "steps", 1)
        if steps is not None and steps < 1:
            steps = None
    return step_minutes, start, steps


def check_scenarios(chk: _Checker, raw: dict, steps: int | None) -> list[Scenario]:
    """Probabilities, plant sets and renewable series of every scenario."""
    items = _objects(chk, raw, "scenarios", allow_empty=False)
    scenarios: list[Scenario] = []
    plant_sets: list[tuple[int, list[str]]] = []
    for i, sc in enumerate(items):
        path = f"scenarios[{i}]"
        if not chk.keys(sc, path, SCENARIO_FIELDS):
            continue
        ident = chk.string(sc.get("id"), f"{path}.id") if "id" in sc else None
        prob = chk.number(sc["probability"], f"{path}.probability") if "probability" in sc else None
        chk.at_least(prob, f"{path}.probability", 0, strict=True)
        plants: dict[str, np.ndarray] = {}
        rmw = sc.get("renewable_mw")
        if "renewable_mw" in sc:
            if not isinstance(rmw, dict):
                chk.fail(
                    f"{path}.renewable_mw",
                    f"must be an object of plant series, got {_describe(rmw)}",
                )
            else:
                plant_sets.append((i, list(rmw)))
                for plant, values in rmw.items():
                    ppath = f"{path}.renewable_mw.{plant}"
                    arr = chk.series(values, ppath, steps)
                    chk.series_at_least(arr, ppath, 0.0)
                    if arr is not None:
                        plants[plant] = arr
        scenarios.append(Scenario(ident, prob, plants))  # type: ignore[arg-type]
    chk.unique_ids([s.id for s in scenarios], "scenarios", "scenario")
    if plant_sets:
        first_index, first = plant_sets[0]
        for i, names in plant_sets[1:]:
            if set(names) != set(first):
                missing = sorted(set(first) - set(names))
                extra = sorted(set(names) - set(first))
                chk.fail(
                    f"scenarios[{i}].renewable_mw",
                    f"must list the same plants as scenarios[{first_index}]"
                    f" (missing {missing}, extra {extra})",
                )
    probs = [s.probability for s in scenarios]
    if scenarios and all(p is not None for p in probs):
        total = math.fsum(probs)  # type: ignore[arg-type]
        if abs(total - 1.0) > PROBABILITY_TOLERANCE:
            chk.fail("scenarios", f"probabilities must sum to 1 (within 1e-9), got {total!r}")
    return scenarios


def check_datacenters(chk: _Checker, raw: dict, steps: int | None) -> list[DataCenter]:
    """Sizes, blocks, idle share, PUE, inflexible load and the optional ramp keys."""
    items = _objects(chk, raw, "datacenters", allow_empty=False)
    result: list[DataCenter] = []
    for i, dc in enumerate(items):
        path = f"datacenters[{i}]"
        if not chk.keys(dc, path, DATACENTER_FIELDS):
            continue
        get = dc.get
        ident = chk.string(get("id"), f"{path}.id") if "id" in dc else None
        racks = chk.integer(get("racks"), f"{path}.racks") if "racks" in dc else None
        block = (
            chk.integer(get("block_racks"), f"{path}.block_racks") if "block_racks" in dc else None
        )
        rack_kw = chk.number(get("rack_kw"), f"{path}.rack_kw") if "rack_kw" in dc else None
        idle = (
            chk.number(get("idle_fraction"), f"{path}.idle_fraction")
            if "idle_fraction" in dc
            else None
        )
        chk.at_least(racks, f"{path}.racks", 0, strict=True)
        chk.at_least(block, f"{path}.block_racks", 0, strict=True)
        chk.at_least(rack_kw, f"{path}.rack_kw", 0, strict=True)
        if racks and block and racks > 0 and block > 0 and racks % block:
            chk.fail(f"{path}.racks", f"must be a multiple of block_racks={block}, got {racks}")
        if idle is not None and not 0.0 <= idle < 1.0:
            chk.fail(f"{path}.idle_fraction", f"must be in [0, 1), got {idle:g}")
        pue = chk.series(get("pue"), f"{path}.pue", steps) if "pue" in dc else None
        chk.series_at_least(pue, f"{path}.pue", 1.0)
        inflex = (
            chk.series(get("inflexible_mw"), f"{path}.inflexible_mw", steps)
            if "inflexible_mw" in dc
            else None
        )
        chk.series_at_least(inflex, f"{path}.inflexible_mw", 0.0)
        blocks = racks // block if racks and block and racks > 0 and block > 0 else None
        if inflex is not None and racks and rack_kw and racks > 0 and rack_kw > 0:
            capacity = racks * rack_kw / 1000.0
            for t in np.flatnonzero(inflex > capacity):
                chk.fail(
                    f"{path}.inflexible_mw[{t}]",
                    f"must not exceed the capacity racks*rack_kw/1000 = {capacity:g} MW,"
                    f" got {inflex[t]:g}",
                )
        initial = change = None
        if "initial_blocks_on" in dc:
            initial = chk.integer(get("initial_blocks_on"), f"{path}.initial_blocks_on")
            chk.at_least(initial, f"{path}.initial_blocks_on", 0)
            if initial is not None and blocks is not None and initial > blocks:
                chk.fail(
                    f"{path}.initial_blocks_on",
                    f"must be at most racks/block_racks = {blocks}, got {initial}",
                )
        if "max_block_change" in dc:
            change = chk.integer(get("max_block_change"), f"{path}.max_block_change")
            chk.at_least(change, f"{path}.max_block_change", 0)
        startup = 0.0
        if "block_startup_cost" in dc:
            startup = chk.number(get("block_startup_cost"), f"{path}.block_startup_cost")
            chk.at_least(startup, f"{path}.block_startup_cost", 0.0)
        result.append(
            DataCenter(ident, racks, rack_kw, block, idle, pue, inflex, initial, change, startup)  # type: ignore[arg-type]
        )
    chk.unique_ids([d.id for d in result], "datacenters", "data-centre")
    return result


def check_workloads(
    chk: _Checker,
    raw: dict,
    steps: int | None,
    dc_ids: set[str],
    clock: tuple[datetime | None, int | None] = (None, None),
) -> list[Workload]:
    """Energy, eligible data centres and the time window of every workload.

    ``clock`` (start, step minutes) places a backlog deadline on the grid.
    """
    items = _objects(chk, raw, "workloads", allow_empty=True)
    result: list[Workload] = []
    for i, wl in enumerate(items):
        path = f"workloads[{i}]"
        if not chk.keys(wl, path, WORKLOAD_FIELDS):
            continue
        values: dict[str, Any] = {}
        for key in ("energy_mwh", "max_mw", "unserved_penalty_per_mwh"):
            if key in wl:
                values[key] = chk.number(wl[key], f"{path}.{key}")
                chk.at_least(values[key], f"{path}.{key}", 0.0)
        for key in ("release_step", "deadline_step"):
            if key in wl:
                values[key] = chk.integer(wl[key], f"{path}.{key}")
        release, deadline = values.get("release_step"), values.get("deadline_step")
        if release is not None and release < 0:
            chk.fail(f"{path}.release_step", f"must be >= 0, got {release}")
        if deadline is not None and steps is not None and deadline > steps:
            chk.fail(f"{path}.deadline_step", f"must be <= steps={steps}, got {deadline}")
        if release is not None and deadline is not None and not release < deadline:
            chk.fail(
                f"{path}.deadline_step",
                f"must be greater than release_step={release}, got {deadline}",
            )
        names: list[str] = []
        if "datacenters" in wl:
            dcs = wl["datacenters"]
            if not isinstance(dcs, list):
                chk.fail(
                    f"{path}.datacenters",
                    f"must be an array of data-centre ids, got {_describe(dcs)}",
                )
            elif not dcs:
                # A workload allowed nowhere could only ever be unserved: a mistake, not a plan.
                chk.fail(f"{path}.datacenters", "must name at least one data centre")
            else:
                for k, name in enumerate(dcs):
                    if not isinstance(name, str):
                        chk.fail(
                            f"{path}.datacenters[{k}]", f"must be a string, got {_describe(name)}"
                        )
                    elif name not in dc_ids:
                        chk.fail(f"{path}.datacenters[{k}]", f"unknown data centre {name!r}")
                    elif name in names:
                        chk.fail(f"{path}.datacenters[{k}]", f"data centre {name!r} listed twice")
                    else:
                        names.append(name)
        ident = chk.string(wl.get("id"), f"{path}.id") if "id" in wl else None
        rules = check_placement_rules(chk, wl, path, values.get("max_mw"))
        rules.update(check_backlog(chk, wl, path, values.get("energy_mwh"), deadline, clock))
        rules.update(check_history(chk, wl, path, names, release, values.get("max_mw"), rules))
        result.append(
            Workload(
                ident,  # type: ignore[arg-type]
                values.get("energy_mwh"),  # type: ignore[arg-type]
                tuple(names),
                release,  # type: ignore[arg-type]
                deadline,  # type: ignore[arg-type]
                values.get("max_mw"),  # type: ignore[arg-type]
                values.get("unserved_penalty_per_mwh"),  # type: ignore[arg-type]
                **rules,
            )
        )
    chk.unique_ids([w.id for w in result], "workloads", "workload")
    return result


def check_placement_rules(
    chk: _Checker, wl: dict, path: str, max_mw: float | None
) -> dict[str, Any]:
    """The optional keys of the placement-rules extension; only those given are returned.

    ``max_datacenters`` is checked against the number of data centres the
    workload lists, ``min_mw`` against its ``max_mw``; a broken key is left
    out, so the instance is rejected all the same.
    """
    rules: dict[str, Any] = {}
    if "min_mw" in wl:
        low = chk.number(wl["min_mw"], f"{path}.min_mw")
        chk.at_least(low, f"{path}.min_mw", 0.0)
        if low is not None and max_mw is not None and low > max_mw:
            chk.fail(f"{path}.min_mw", f"must be <= max_mw={max_mw:g}, got {low:g}")
        elif low is not None and low >= 0:
            rules["min_mw"] = low
    if "max_datacenters" in wl:
        value = wl["max_datacenters"]
        dcs = wl.get("datacenters")
        top = len(dcs) if isinstance(dcs, list) and dcs else None
        whole = _is_number(value) and math.isfinite(value) and value == int(value)
        if not whole or value < 1 or (top is not None and value > top):
            span = f"in [1, {top}] (the data centres it lists)" if top else ">= 1"
            chk.fail(
                f"{path}.max_datacenters", f"must be a whole number {span}, got {_describe(value)}"
            )
        else:
            rules["max_datacenters"] = int(value)
    for key in ("migration_cost", "restart_cost"):
        if key in wl:
            cost = chk.number(wl[key], f"{path}.{key}")
            chk.at_least(cost, f"{path}.{key}", 0.0)
            if cost is not None and cost >= 0:
                rules[key] = cost
    if "min_run_steps" in wl:
        run = chk.integer(wl["min_run_steps"], f"{path}.min_run_steps")
        chk.at_least(run, f"{path}.min_run_steps", 1)
        if run is not None and run >= 1:
            rules["min_run_steps"] = run
    if "preemptible" in wl:
        if isinstance(wl["preemptible"], bool):
            rules["preemptible"] = wl["preemptible"]
        else:
            chk.fail(
                f"{path}.preemptible", f"must be true or false, got {_describe(wl['preemptible'])}"
            )
    return rules


def check_backlog(
    chk: _Checker,
    wl: dict,
    path: str,
    energy: float | None,
    deadline_step: int | None,
    clock: tuple[datetime | None, int | None],
) -> dict[str, Any]:
    """The backlog keys of the extension "chained days"; only those given are returned.

    The day asks for ``energy_mwh``, a share of what the job still owes
    (``backlog_energy_mwh``) by a deadline that may lie past the horizon
    (``backlog_deadline``); neither can be smaller than the day's own.
    """
    out: dict[str, Any] = {}
    if "backlog_energy_mwh" in wl:
        total = chk.number(wl["backlog_energy_mwh"], f"{path}.backlog_energy_mwh")
        if total is not None and energy is not None and total < energy:
            chk.fail(
                f"{path}.backlog_energy_mwh", f"must be >= energy_mwh={energy:g}, got {total:g}"
            )
        elif total is not None:
            out["backlog_energy_mwh"] = total
    if "backlog_deadline" in wl:
        key = f"{path}.backlog_deadline"
        text = chk.string(wl["backlog_deadline"], key)
        try:
            stamp = datetime.fromisoformat(text) if text is not None else None
        except ValueError:
            chk.fail(key, f"must be an ISO 8601 time, got {text!r}")
            return out
        if stamp is not None and stamp.utcoffset() is None:
            chk.fail(key, f"must carry a UTC offset such as +08:00, got {text!r}")
            return out
        start, minutes = clock
        if None not in (stamp, start, minutes, deadline_step):
            window_end = start + timedelta(minutes=minutes * deadline_step)  # type: ignore[operator]
            if stamp < window_end:  # type: ignore[operator]
                chk.fail(key, f"must not be before the end of the window {window_end.isoformat()}")
                return out
        if stamp is not None:
            out["backlog_deadline"] = stamp
    return out


def check_history(
    chk: _Checker,
    wl: dict,
    path: str,
    names: list[str],
    release: int | None,
    max_mw: float | None,
    rules: dict[str, Any],
) -> dict[str, Any]:
    """The keys of the extension "intraday revisions"; only those given are returned.

    They describe what the job did before step 0, so they must agree with one
    another and with the job's window: a job running in the step before starts
    its window at step 0 and has started; data centres it used are ones it lists.
    """
    out: dict[str, Any] = {}
    if "mw_before" in wl:
        key = f"{path}.mw_before"
        rates = wl["mw_before"]
        if not isinstance(rates, dict):
            chk.fail(key, f"must be an object of data-centre id to MW, got {_describe(rates)}")
        else:
            good: dict[str, float] = {}
            for d, value in rates.items():
                if d not in names:
                    chk.fail(f"{key}.{d}", "must be a data centre the workload lists")
                    continue
                mw = chk.number(value, f"{key}.{d}")
                chk.at_least(mw, f"{key}.{d}", 0.0)
                if mw is not None and mw >= 0:
                    good[d] = mw
            total = sum(good.values())
            if max_mw is not None and total > max_mw * (1 + 1e-9) + 1e-9:
                chk.fail(key, f"must sum to <= max_mw={max_mw:g}, got {total:g}")
            elif release not in (None, 0):
                chk.fail(
                    key, f"needs release_step=0 (the step before is in its window), got {release}"
                )
            elif len(good) == len(rates):
                out["mw_before"] = good
    if "run_steps_before" in wl:
        key = f"{path}.run_steps_before"
        run = chk.integer(wl["run_steps_before"], key)
        chk.at_least(run, key, 0)
        running = sum(out.get("mw_before", {}).values()) > 1e-9
        if run is not None and run > 0 and not running:
            chk.fail(key, f"must be 0 unless mw_before sums to more than 0 MW, got {run}")
        elif run is not None and run == 0 and running:
            chk.fail(key, "must be >= 1: mw_before says the job runs in the step before")
        elif run is not None and run >= 0:
            out["run_steps_before"] = run
    if "started" in wl:
        if isinstance(wl["started"], bool):
            out["started"] = wl["started"]
        else:
            chk.fail(f"{path}.started", f"must be true or false, got {_describe(wl['started'])}")
    if out.get("run_steps_before", 0) > 0 and not out.get("started", False):
        chk.fail(f"{path}.started", "must be true: run_steps_before says the job runs before")
    if "datacenters_used" in wl:
        key = f"{path}.datacenters_used"
        used = wl["datacenters_used"]
        if not isinstance(used, list) or not all(isinstance(d, str) for d in used):
            chk.fail(key, f"must be an array of data-centre ids, got {_describe(used)}")
        else:
            stray = [d for d in used if d not in names]
            limit = rules.get("max_datacenters")
            if stray:
                chk.fail(key, f"must name data centres the workload lists, got {stray[0]!r}")
            elif len(set(used)) != len(used):
                chk.fail(key, "must not name a data centre twice")
            elif limit is not None and len(used) > limit:
                chk.fail(key, f"must name at most max_datacenters={limit}, got {len(used)}")
            elif used and not out.get("started", False):
                chk.fail(f"{path}.started", "must be true: datacenters_used says the job ran")
            else:
                out["datacenters_used"] = tuple(used)
    return out


def check_chain(chk: _Checker, raw: dict, steps: int | None) -> dict[str, Any]:
    """The top-level keys of the extension "chained days"; only those given are returned."""
    out: dict[str, Any] = {}
    if "committed_steps" in raw:
        value = chk.integer(raw["committed_steps"], "committed_steps")
        if value is not None and (value < 1 or (steps is not None and value > steps)):
            top = f"steps={steps}" if steps is not None else "steps"
            chk.fail("committed_steps", f"must be in [1, {top}], got {value}")
        elif value is not None:
            out["committed_steps"] = value
    if "initial_state_source" in raw:
        text = raw["initial_state_source"]
        if not isinstance(text, str) or not STATE_SOURCE.match(text):
            chk.fail(
                "initial_state_source",
                f"must be 'configured', 'plan:YYYY-MM-DD' or 'actual:YYYY-MM-DD', "
                f"got {_describe(text)}",
            )
        else:
            out["initial_state_source"] = text
    return out


def check_storage(chk: _Checker, raw: dict) -> list[Storage]:
    """Power and energy limits, the energy ordering and efficiencies of each battery."""
    items = _objects(chk, raw, "storage", allow_empty=True)
    result: list[Storage] = []
    for i, st in enumerate(items):
        path = f"storage[{i}]"
        if not chk.keys(st, path, STORAGE_FIELDS):
            continue
        v: dict[str, Any] = {}
        for key in STORAGE_FIELDS:
            if key == "id" or key not in st:
                continue
            v[key] = chk.number(st[key], f"{path}.{key}")
            if key.endswith("_efficiency"):
                if v[key] is not None and not 0.0 < v[key] <= 1.0:
                    chk.fail(f"{path}.{key}", f"must be in (0, 1], got {v[key]:g}")
            else:
                chk.at_least(v[key], f"{path}.{key}", 0.0)
        low, high = v.get("energy_min_mwh"), v.get("energy_max_mwh")
        if low is not None and high is not None:
            if low > high:
                chk.fail(
                    f"{path}.energy_max_mwh", f"must be >= energy_min_mwh={low:g}, got {high:g}"
                )
            for key in ("energy_initial_mwh", "energy_final_min_mwh"):
                level = v.get(key)
                if level is not None and not low <= level <= high:
                    chk.fail(
                        f"{path}.{key}",
                        f"must lie in [energy_min_mwh, energy_max_mwh] = [{low:g}, {high:g}],"
                        f" got {level:g}",
                    )
        ident = chk.string(st.get("id"), f"{path}.id") if "id" in st else None
        result.append(Storage(ident, **{k: v.get(k) for k in STORAGE_FIELDS if k != "id"}))  # type: ignore[arg-type]
    chk.unique_ids([s.id for s in result], "storage", "storage")
    return result


def check_grid(chk: _Checker, raw: dict, steps: int | None) -> Grid | None:
    """Limits, tariffs, emission factor and penalties of the grid connection."""
    grid = raw.get("grid")
    if "grid" not in raw or not chk.keys(grid, "grid", GRID_FIELDS):
        return None
    v: dict[str, Any] = {}
    for key, spec in GRID_FIELDS.items():
        if key not in grid:
            continue
        path = f"grid.{key}"
        if spec.kind == "series":
            v[key] = chk.series(grid[key], path, steps)
            if key != "export_price":
                chk.series_at_least(v[key], path, 0.0)
        else:
            v[key] = chk.number(grid[key], path)
            chk.at_least(v[key], path, 0.0)
    return Grid(**{k: v.get(k) for k in GRID_FIELDS})  # type: ignore[arg-type]


def validate(raw: Any, source: str | None = None) -> Instance:
    """Check ``raw`` (parsed JSON) against every rule; return the typed instance.

    Raises
    ------
    InstanceError
        With one line per broken rule, each naming its key path.
    """
    chk = _Checker()
    if not chk.keys(raw, "", TOP_FIELDS):
        raise InstanceError(chk.problems, source)
    step_minutes, start, steps = check_header(chk, raw)
    scenarios = check_scenarios(chk, raw, steps)
    datacenters = check_datacenters(chk, raw, steps)
    dc_ids = {d.id for d in datacenters if d.id is not None}
    workloads = check_workloads(chk, raw, steps, dc_ids, (start, step_minutes))
    storage = check_storage(chk, raw)
    grid = check_grid(chk, raw, steps)
    chain = check_chain(chk, raw, steps)
    if chk.problems:
        raise InstanceError(chk.problems, source)
    return Instance(
        version=1,
        name=raw.get("name", ""),
        start=start,  # type: ignore[arg-type]
        step_minutes=step_minutes,  # type: ignore[arg-type]
        steps=steps,  # type: ignore[arg-type]
        scenarios=tuple(scenarios),
        datacenters=tuple(datacenters),
        workloads=tuple(workloads),
        storage=tuple(storage),
        grid=grid,  # type: ignore[arg-type]
        **chain,
        raw=raw,
    )
