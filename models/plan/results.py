"""The plan as tables with the contract's column names, and its summary.

``it_mw`` and ``facility_mw`` are computed from the plan's blocks and loads by
the contract's formulas (items 4 and 5) instead of being read back from the
solver, so that the tables satisfy those equations exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.dispatch.solution import Solution
from models.instance import instance_digest
from models.instance.schema import Instance
from models.plan.figures import placement_figures, scenario_figures, weighted


@dataclass
class PlanTables:
    """The published plan: three tables and a summary dict (JSON-ready)."""

    rack_power_plan: pd.DataFrame
    workload_allocation: pd.DataFrame
    energy_schedule: pd.DataFrame
    summary: dict


def step_starts(inst: Instance) -> pd.DatetimeIndex:
    """Start of each step, tz-aware in the instance's own offset (+08:00 at Qingyang)."""
    return pd.DatetimeIndex(inst.step_starts())


def rack_power_plan(inst: Instance, sol: Solution) -> pd.DataFrame:
    """One row per data centre and step (contract: ``rack_power_plan``)."""
    starts = step_starts(inst)
    flexible: dict[str, np.ndarray] = {d.id: np.zeros(inst.steps) for d in inst.datacenters}
    for (_j, d, t), mw in sol.allocation.items():
        flexible[d][t] += mw
    frames = []
    for dc in inst.datacenters:
        n = sol.blocks_on[dc.id]
        load = dc.inflexible_mw + flexible[dc.id]
        it = dc.idle_fraction * dc.block_mw * n + (1 - dc.idle_fraction) * load
        frames.append(
            pd.DataFrame(
                {
                    "datacenter": dc.id,
                    "step": np.arange(inst.steps),
                    "start": starts,
                    "blocks_on": n.astype(int),
                    "racks_on": (n * dc.block_racks).astype(int),
                    "it_cap_mw": dc.block_mw * n,
                    "it_mw": it,
                    "facility_mw": dc.pue * it,
                    "inflexible_mw": dc.inflexible_mw,
                    "flexible_mw": flexible[dc.id],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def workload_allocation(inst: Instance, sol: Solution) -> pd.DataFrame:
    """One row per workload, data centre and step with ``mw > 0``."""
    starts = step_starts(inst)
    order = {w.id: i for i, w in enumerate(inst.workloads)}
    rows = sorted(sol.allocation.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2]))
    return pd.DataFrame(
        {
            "workload": [j for (j, _d, _t), _ in rows],
            "datacenter": [d for (_j, d, _t), _ in rows],
            "step": np.array([t for (_j, _d, t), _ in rows], dtype=int),
            "start": pd.DatetimeIndex([starts[t] for (_j, _d, t), _ in rows], tz=starts.tz),
            "mw": np.array([mw for _, mw in rows], dtype=float),
        }
    )


def energy_schedule(inst: Instance, sol: Solution, facility_mw: np.ndarray) -> pd.DataFrame:
    """One row per scenario and step: supply, grid, storage and the cluster's facility draw."""
    starts = step_starts(inst)
    frames = []
    for sc in inst.scenarios:
        s = sc.id
        frame = pd.DataFrame(
            {
                "scenario": s,
                "step": np.arange(inst.steps),
                "start": starts,
                "renewable_mw": sc.total_renewable_mw if sc.renewable_mw else np.zeros(inst.steps),
                "curtailed_mw": sol.curtailed_mw[s],
                "import_mw": sol.import_mw[s],
                "export_mw": sol.export_mw[s],
                "shed_mw": sol.shed_mw[s],
                "facility_mw": facility_mw,
            }
        )
        for st in inst.storage:
            frame[f"charge_mw__{st.id}"] = sol.charge_mw[st.id, s]
            frame[f"discharge_mw__{st.id}"] = sol.discharge_mw[st.id, s]
            frame[f"soc_mwh__{st.id}"] = sol.soc_mwh[st.id, s]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def plan_tables(inst: Instance, sol: Solution) -> PlanTables:
    """Tables and summary of ``sol``; the summary's figures are weighted by probability."""
    rack = rack_power_plan(inst, sol)
    alloc = workload_allocation(inst, sol)
    facility = rack.groupby("step", sort=True)["facility_mw"].sum().to_numpy()
    schedule = energy_schedule(inst, sol, facility)
    per_scenario = scenario_figures(inst, rack, alloc, schedule)
    summary = {
        "name": inst.name,
        "start": inst.start.isoformat(),
        "instance_sha256": instance_digest(inst.raw),
        **({} if inst.committed_steps is None else {"committed_steps": inst.committed_steps}),
        "objective": sol.objective,
        "bound": sol.bound,
        "gap": sol.gap,
        "status": sol.status,
        "solve_seconds": sol.solve_seconds,
        "build_seconds": sol.build_seconds,
        **weighted(inst, per_scenario),
        "unserved_flexible_mwh": float(sum(sol.unserved_mwh.values())),
        **placement_figures(inst, alloc),
        "solver_rounds": sol.rounds,
        "storage_exclusion_steps": sol.exclusion_steps,
        "scenarios": {
            sc.id: {"probability": sc.probability, **per_scenario[sc.id]} for sc in inst.scenarios
        },
    }
    return PlanTables(rack, alloc, schedule, summary)
