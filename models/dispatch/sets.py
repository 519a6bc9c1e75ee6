"""Index sets and parameters of the dispatch model, derived once from a validated instance.

Sparse sets are built here so that a variable exists only where it can act
(GridPath's habit): a workload's power only inside its window and its data
centres, start-ups only where they cost something.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from models.instance.schema import Instance

# A block count is the ceiling of load / block power; this slack keeps a load that is
# an exact multiple of the block power (up to float noise) from asking for one more block.
CEIL_TOLERANCE = 1e-9


def min_blocks(load_mw: float, block_mw: float) -> int:
    """Fewest blocks whose IT capacity covers ``load_mw``."""
    return max(0, math.ceil(load_mw / block_mw - CEIL_TOLERANCE))


@dataclass(frozen=True)
class DispatchSets:
    """What the model builders need, keyed by the instance's own ids."""

    T: range
    DC: tuple[str, ...]
    J: tuple[str, ...]
    S: tuple[str, ...]
    B: tuple[str, ...]
    JDT: tuple[tuple[str, str, int], ...]
    JT_MULTI: tuple[tuple[str, int], ...]
    DC_T_RAMP: tuple[tuple[str, int], ...]
    DC_T_STARTUP: tuple[tuple[str, int], ...]
    step_hours: float
    probability: dict[str, float]
    renewable_mw: dict[str, np.ndarray]
    min_blocks_on: dict[tuple[str, int], int]
    jobs_at: dict[tuple[str, int], tuple[str, ...]]
    dcs_of_job_at: dict[tuple[str, int], tuple[str, ...]]


def build_sets(inst: Instance) -> DispatchSets:
    """Derive the sparse index sets and per-scenario totals from ``inst``."""
    T = range(inst.steps)
    jdt: list[tuple[str, str, int]] = []
    jobs_at: dict[tuple[str, int], list[str]] = {}
    dcs_at: dict[tuple[str, int], list[str]] = {}
    for wl in inst.workloads:
        if wl.max_mw <= 0 or wl.energy_mwh <= 0:
            continue
        for t in wl.steps:
            for d in wl.datacenters:
                jdt.append((wl.id, d, t))
                jobs_at.setdefault((d, t), []).append(wl.id)
                dcs_at.setdefault((wl.id, t), []).append(d)
    ramp: list[tuple[str, int]] = []
    startup: list[tuple[str, int]] = []
    min_on: dict[tuple[str, int], int] = {}
    for dc in inst.datacenters:
        first = 0 if dc.initial_blocks_on is not None else 1
        if dc.max_block_change is not None:
            ramp.extend((dc.id, t) for t in range(first, inst.steps))
        if dc.block_startup_cost > 0:
            startup.extend((dc.id, t) for t in range(first, inst.steps))
        for t in T:
            min_on[dc.id, t] = min_blocks(float(dc.inflexible_mw[t]), dc.block_mw)
    return DispatchSets(
        T=T,
        DC=tuple(d.id for d in inst.datacenters),
        J=tuple(w.id for w in inst.workloads),
        S=tuple(s.id for s in inst.scenarios),
        B=tuple(b.id for b in inst.storage),
        JDT=tuple(jdt),
        JT_MULTI=tuple(k for k, v in dcs_at.items() if len(v) > 1),
        DC_T_RAMP=tuple(ramp),
        DC_T_STARTUP=tuple(startup),
        step_hours=inst.step_hours,
        probability={s.id: s.probability for s in inst.scenarios},
        renewable_mw={
            s.id: s.total_renewable_mw if s.renewable_mw else np.zeros(inst.steps)
            for s in inst.scenarios
        },
        min_blocks_on=min_on,
        jobs_at={k: tuple(v) for k, v in jobs_at.items()},
        dcs_of_job_at={k: tuple(v) for k, v in dcs_at.items()},
    )
