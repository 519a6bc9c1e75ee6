"""First stages of the plans compared in a backtest, and reading a plan folder back.

A *first stage* is what a plan fixes before the day: blocks on per data
centre and step, and the IT power given to each workload in each data centre
and step (start-ups and unserved energy follow from them). Every policy is
evaluated by keeping its first stage and re-dispatching the second stage on
the actual output (:func:`models.dispatch.variants.redispatch`).

- ``stochastic``: the plan as solved on the day's scenarios (read from its folder);
- ``perfect_foresight``: the day solved on ``actual.json``;
- ``deterministic``: the day solved on one scenario, the probability-weighted
  mean forecast (:func:`mean_forecast_raw`);
- ``flat``: :func:`models.dispatch.variants.flat_plan` on the day's scenarios;
- ``greedy``: follow the renewables (:func:`greedy_first_stage`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.dispatch.sets import min_blocks
from models.dispatch.solution import Solution
from models.instance import Instance, validate
from models.plan.folder import TABLE_FILES, PlanFolderError, read_table

POLICIES = ("stochastic", "perfect_foresight", "deterministic", "flat", "greedy")


@dataclass(frozen=True)
class FirstStage:
    """The decisions a plan fixes before the day.

    Attributes
    ----------
    blocks_on : dict
        data-centre id → blocks on per step (int array).
    allocation : dict
        ``(workload, datacenter, step)`` → IT power [MW], only entries > 0.
    """

    blocks_on: dict[str, np.ndarray]
    allocation: dict[tuple[str, str, int], float]

    @classmethod
    def of(cls, sol: Solution) -> FirstStage:
        return cls(dict(sol.blocks_on), dict(sol.allocation))


def read_plan(inst: Instance, plan_dir: str | Path) -> FirstStage:
    """The first stage of a plan folder as ``suandian solve --out`` writes it.

    Reads ``rack_power_plan.csv`` (``datacenter``, ``step``, ``blocks_on``) and
    ``workload_allocation.csv`` (``workload``, ``datacenter``, ``step``, ``mw``).

    Raises
    ------
    PlanFolderError
        a missing file or column, an unknown id, a step outside the day, a
        missing (data centre, step) row, or a non-integer block count.
    """
    folder = Path(plan_dir)
    rack = _read_table(folder, "rack_power_plan", ("datacenter", "step", "blocks_on"))
    alloc = _read_table(folder, "workload_allocation", ("workload", "datacenter", "step", "mw"))
    path = folder / TABLE_FILES["rack_power_plan"]
    blocks: dict[str, np.ndarray] = {}
    for dc in inst.datacenters:
        rows = rack[rack["datacenter"] == dc.id]
        steps = _int_column(rows, "step", path)
        values = pd.to_numeric(rows["blocks_on"], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (np.abs(values - np.rint(values)) > 1e-6)
        if bad.any():
            row = int(rows.index[np.flatnonzero(bad)[0]]) + 2
            raise PlanFolderError(f"{path}: row {row}: blocks_on is not a whole number")
        if sorted(steps) != list(range(inst.steps)):
            raise PlanFolderError(
                f"{path}: data centre {dc.id} needs one row for each step 0..{inst.steps - 1}"
            )
        n = np.zeros(inst.steps, dtype=int)
        n[steps] = np.rint(values).astype(int)
        blocks[dc.id] = n
    unknown = set(rack["datacenter"]) - {d.id for d in inst.datacenters}
    if unknown:
        raise PlanFolderError(f"{path}: unknown data centre(s) {sorted(unknown)}")
    path = folder / TABLE_FILES["workload_allocation"]
    jobs = {w.id for w in inst.workloads}
    dcs = {d.id for d in inst.datacenters}
    allocation: dict[tuple[str, str, int], float] = {}
    steps = _int_column(alloc, "step", path) if len(alloc) else np.array([], dtype=int)
    mws = pd.to_numeric(alloc["mw"], errors="coerce").to_numpy(dtype=float)
    for k, (j, d) in enumerate(zip(alloc["workload"], alloc["datacenter"], strict=True)):
        row = k + 2
        if j not in jobs or d not in dcs:
            raise PlanFolderError(f"{path}: row {row}: unknown workload {j!r} or data centre {d!r}")
        if not np.isfinite(mws[k]) or mws[k] < 0:
            raise PlanFolderError(f"{path}: row {row}: mw is not a number ≥ 0")
        t = int(steps[k])
        if not 0 <= t < inst.steps:
            raise PlanFolderError(f"{path}: row {row}: step {t} outside 0..{inst.steps - 1}")
        allocation[j, d, t] = allocation.get((j, d, t), 0.0) + float(mws[k])
    return FirstStage(blocks, allocation)


def _read_table(folder: Path, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    frame = read_table(folder, table)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PlanFolderError(f"{folder / TABLE_FILES[table]}: no column(s) {', '.join(missing)}")
    return frame.reset_index(drop=True)


def _int_column(frame: pd.DataFrame, name: str, path: Path) -> np.ndarray:
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values != np.rint(values))
    if bad.any():
        row = int(frame.index[np.flatnonzero(bad)[0]]) + 2
        raise PlanFolderError(f"{path}: row {row}: {name} is not a whole number")
    return values.astype(int)


def mean_forecast_raw(raw: dict) -> dict:
    """``raw`` with one scenario ``mean``: the probability-weighted mean of its scenarios."""
    scenarios = raw["scenarios"]
    plants = list(scenarios[0]["renewable_mw"])
    mean = {
        p: [
            float(v)
            for v in np.sum(
                [sc["probability"] * np.asarray(sc["renewable_mw"][p]) for sc in scenarios], axis=0
            )
        ]
        for p in plants
    }
    out = {k: (copy.deepcopy(v) if k != "scenarios" else None) for k, v in raw.items()}
    out["scenarios"] = [{"id": "mean", "probability": 1.0, "renewable_mw": mean}]
    validate(out, "mean-forecast instance")
    return out


def blocks_for_load(
    load_mw: np.ndarray,
    block_mw: float,
    blocks: int,
    initial_blocks_on: int | None,
    max_block_change: int | None,
) -> np.ndarray:
    """Fewest blocks per step that carry ``load_mw`` and keep the ramp limit.

    Notes
    -----
    With need ``m[s] = ceil(load[s] / cap)`` and ramp ``R``, the pointwise
    least ramp-feasible sequence is ``n[t] = max_s (m[s] − R·|t − s|)``,
    together with ``initial_blocks_on − R·(t + 1)`` when the day starts from
    given blocks; it never exceeds the largest need, and it meets
    ``initial_blocks_on + R·(t + 1)`` whenever every need does.
    """
    need = np.array([min_blocks(float(x), block_mw) for x in load_mw], dtype=int)
    need = np.minimum(need, blocks)
    if max_block_change is None:
        return need
    r = max_block_change
    steps = np.arange(len(need))
    envelope = np.max(need[None, :] - r * np.abs(steps[:, None] - steps[None, :]), axis=1)
    if initial_blocks_on is not None:
        envelope = np.maximum(envelope, initial_blocks_on - r * (steps + 1))
    return np.clip(envelope, 0, blocks).astype(int)


def reachable_blocks(inst: Instance) -> dict[str, np.ndarray]:
    """Most blocks each data centre can have on in each step (size and ramp from the start)."""
    out = {}
    for dc in inst.datacenters:
        top = np.full(inst.steps, dc.blocks)
        if dc.initial_blocks_on is not None and dc.max_block_change is not None:
            ramp = dc.initial_blocks_on + dc.max_block_change * (np.arange(inst.steps) + 1)
            top = np.minimum(top, ramp)
        out[dc.id] = top
    return out


def bridge_dips(blocks_on: np.ndarray, hold_steps: int) -> np.ndarray:
    """Keep blocks on through dips of at most ``hold_steps`` steps (a morphological closing).

    ``n'[t] = min over windows W of h + 1 steps that contain t of max_W n``,
    with ``n = 0`` outside the day: a dip of at most ``h`` steps between two
    higher steps is filled, the start and the end of the day are not. Moving
    maxima and minima keep the ramp limit of ``n``; ``n'[t]`` never exceeds
    ``max n[t−h..t]``, so it stays within the blocks reachable by step ``t``.
    """
    n = np.asarray(blocks_on, dtype=int)
    if hold_steps <= 0 or len(n) == 0:
        return n.copy()
    k = hold_steps  # windows of k + 1 steps: no window fits inside a dip of k steps
    T = len(n)
    padded = np.concatenate([np.zeros(k, dtype=int), n, np.zeros(k, dtype=int)])
    dilated = np.array([padded[s : s + k + 1].max() for s in range(T + k)])
    closed = np.array([dilated[t : t + k + 1].min() for t in range(T)])
    return np.maximum(n, closed)


def greedy_first_stage(inst: Instance, chunks_per_step: int = 4, hold_steps: int = 4) -> FirstStage:
    """Follow the renewables: fill each workload into the steps of most forecast surplus.

    Parameters
    ----------
    inst : Instance
        the day's instance; its probability-weighted mean renewable output is
        the forecast followed.
    chunks_per_step : int
        a workload is placed in pieces of ``max_mw / chunks_per_step`` [MW], so
        that it spreads over the best steps instead of filling them in order.
    hold_steps : int
        blocks stay on through dips of at most this many steps
        (:func:`bridge_dips`; 0 = the fewest blocks in every step).

    Returns
    -------
    FirstStage
        the allocation and the fewest blocks that carry it (:func:`blocks_for_load`).

    Notes
    -----
    Surplus ``S[t] = R̄[t] − Σ_d pue[d,t] · inflexible[d,t]`` [MW], the mean
    forecast less the cluster's fixed facility draw. Workloads are taken by
    earliest deadline (then as listed). Each piece goes to the step of the
    workload's window with the largest current surplus among those with room
    left (its ``max_mw`` and a listed data centre's reachable capacity), into
    the listed data centre with the most room (lowest PUE on ties); the
    surplus of that step falls by ``pue · piece``. Energy that finds no room
    is left unserved. The plan is myopic on purpose (no prices, no storage);
    its only concession to start-up costs is to bridge short dips, because
    the fewest blocks in every step restart blocks all day long (on a windy
    day those start-ups cost far more than the energy).
    """
    T = inst.steps
    delta = inst.step_hours
    renewable = (
        np.sum(
            [sc.probability * sc.total_renewable_mw for sc in inst.scenarios if sc.renewable_mw],
            axis=0,
        )
        if inst.plants
        else np.zeros(T)
    )
    dcs = {dc.id: dc for dc in inst.datacenters}
    surplus = np.asarray(renewable, dtype=float) - np.sum(
        [dc.pue * dc.inflexible_mw for dc in inst.datacenters], axis=0
    )
    reach = reachable_blocks(inst)
    room = {d: np.maximum(0.0, reach[d] * dc.block_mw - dc.inflexible_mw) for d, dc in dcs.items()}
    loads = {d: dc.inflexible_mw.astype(float).copy() for d, dc in dcs.items()}
    allocation: dict[tuple[str, str, int], float] = {}
    order = sorted(enumerate(inst.workloads), key=lambda iw: (iw[1].deadline_step, iw[0]))
    for _, wl in order:
        if wl.max_mw <= 0 or wl.energy_mwh <= 0:
            continue
        window = np.arange(wl.release_step, wl.deadline_step)
        rate_left = np.full(T, wl.max_mw, dtype=float)
        piece = wl.max_mw / chunks_per_step
        energy_left = wl.energy_mwh
        while energy_left > 1e-9:
            dc_room = np.max([room[d] for d in wl.datacenters], axis=0)
            open_ = (rate_left[window] > 1e-9) & (dc_room[window] > 1e-9)
            if not open_.any():
                break
            candidates = window[open_]
            t = int(candidates[np.argmax(surplus[candidates])])
            d = max(wl.datacenters, key=lambda k: (room[k][t], -dcs[k].pue[t]))
            mw = min(piece, rate_left[t], room[d][t], energy_left / delta)
            allocation[wl.id, d, t] = allocation.get((wl.id, d, t), 0.0) + mw
            rate_left[t] -= mw
            room[d][t] -= mw
            loads[d][t] += mw
            surplus[t] -= dcs[d].pue[t] * mw
            energy_left -= mw * delta
    blocks = {
        d: bridge_dips(
            blocks_for_load(
                loads[d], dc.block_mw, dc.blocks, dc.initial_blocks_on, dc.max_block_change
            ),
            hold_steps,
        )
        for d, dc in dcs.items()
    }
    return FirstStage(blocks, allocation)
