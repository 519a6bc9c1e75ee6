"""A tiny hand-made day: an instance of 8 steps and a plan whose tables obey the contract."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest

from models.instance import Instance, validate
from tests.conftest import two_site_battery, two_site_datacentres

STEPS = 8
DT = 0.25


def tiny_raw() -> dict[str, Any]:
    wind = [30.0, 32.0, 28.0, 25.0, 20.0, 18.0, 22.0, 26.0]
    pv = [0.0, 0.0, 5.0, 15.0, 25.0, 20.0, 6.0, 0.0]
    return {
        "version": 1,
        "name": "tiny-hand-made",
        "start": "2026-11-23T00:00:00+08:00",
        "step_minutes": 15,
        "steps": STEPS,
        "scenarios": [
            {
                "id": "low",
                "probability": 0.4,
                "renewable_mw": {"w-wind-1": [0.8 * x for x in wind], "p-pv-1": pv},
            },
            {"id": "high", "probability": 0.6, "renewable_mw": {"w-wind-1": wind, "p-pv-1": pv}},
        ],
        "datacenters": two_site_datacentres(STEPS),
        "workloads": [
            {
                "id": "train-a",
                "energy_mwh": 10.0,
                "datacenters": ["dc01", "dc02"],
                "release_step": 2,
                "deadline_step": 8,
                "max_mw": 10.0,
                "unserved_penalty_per_mwh": 3000.0,
            },
            {
                "id": "batch-b",
                "energy_mwh": 3.0,
                "datacenters": ["dc02"],
                "release_step": 0,
                "deadline_step": 4,
                "max_mw": 5.0,
                "unserved_penalty_per_mwh": 2000.0,
            },
        ],
        "storage": two_site_battery(),
        "grid": {
            "import_limit_mw": 50.0,
            "export_limit_mw": 10.0,
            "import_price": [400.0] * STEPS,
            "export_price": [100.0] * STEPS,
            "emission_factor_t_per_mwh": 0.55,
            "carbon_price_per_t": 60.0,
            "curtailment_cost_per_mwh": 0.0,
            "unserved_load_penalty_per_mwh": 100000.0,
        },
    }


@dataclass
class HandTables:
    rack_power_plan: pd.DataFrame
    workload_allocation: pd.DataFrame
    energy_schedule: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)


def hand_plan(instance: Instance, shift: bool = True) -> HandTables:
    """A plan built by hand; ``shift=False`` spreads each workload evenly (a flat plan)."""
    starts = [t.isoformat() for t in instance.step_starts()]
    alloc = []
    for w in instance.workloads:
        window = list(w.steps)
        if shift:
            # run in the sunniest half of the window, in the first listed DC
            window = window[len(window) // 2 :] if w.id == "train-a" else window
        per_step = w.energy_mwh / (len(window) * DT)
        for dc in w.datacenters[:1] if shift else w.datacenters:
            share = per_step / (1 if shift else len(w.datacenters))
            alloc += [{"workload": w.id, "datacenter": dc, "step": t, "mw": share} for t in window]
    workload_allocation = pd.DataFrame(alloc)
    rows = []
    for dc in instance.datacenters:
        for t in range(instance.steps):
            flexible = float(
                workload_allocation.query("datacenter == @dc.id and step == @t")["mw"].sum()
            )
            load = dc.inflexible_mw[t] + flexible
            blocks = int(np.ceil(load / dc.block_mw - 1e-9))
            it = dc.idle_fraction * dc.block_mw * blocks + (1 - dc.idle_fraction) * load
            rows.append(
                {
                    "datacenter": dc.id,
                    "step": t,
                    "start": starts[t],
                    "blocks_on": blocks,
                    "racks_on": blocks * dc.block_racks,
                    "it_cap_mw": blocks * dc.block_mw,
                    "it_mw": it,
                    "facility_mw": dc.pue[t] * it,
                    "inflexible_mw": float(dc.inflexible_mw[t]),
                    "flexible_mw": flexible,
                }
            )
    rack_power_plan = pd.DataFrame(rows)
    facility = rack_power_plan.groupby("step")["facility_mw"].sum().to_numpy()
    energy = []
    for s in instance.scenarios:
        renewable = s.total_renewable_mw
        for t in range(instance.steps):
            surplus = renewable[t] - facility[t]
            export = min(max(surplus, 0.0), instance.grid.export_limit_mw)
            energy.append(
                {
                    "scenario": s.id,
                    "step": t,
                    "start": starts[t],
                    "renewable_mw": float(renewable[t]),
                    "curtailed_mw": max(surplus - export, 0.0),
                    "import_mw": max(-surplus, 0.0),
                    "export_mw": export,
                    "shed_mw": 0.0,
                    "charge_mw__bess-1": 0.0,
                    "discharge_mw__bess-1": 0.0,
                    "soc_mwh__bess-1": 10.0,
                }
            )
    energy_schedule = pd.DataFrame(energy)
    tables = HandTables(rack_power_plan, workload_allocation, energy_schedule)
    from models.report.totals import totals_from_tables

    totals = totals_from_tables(instance, rack_power_plan, workload_allocation, energy_schedule)
    import_cost = float(instance.grid.import_cost_per_mwh[0])
    tables.summary = {
        "objective": totals["import_mwh"] * import_cost - totals["exported_mwh"] * 100.0,
        "bound": totals["import_mwh"] * import_cost - totals["exported_mwh"] * 100.0 - 1.0,
        "gap": 1.0 / max(1.0, totals["import_mwh"] * import_cost),
        "status": "optimal",
        "solve_seconds": 0.123,
        **totals,
        "green_share": 1 - totals["import_mwh"] / totals["facility_mwh"],
        "renewable_utilisation": (
            totals["renewable_mwh"] - totals["curtailed_mwh"] - totals["exported_mwh"]
        )
        / totals["renewable_mwh"],
        "emissions_t": 0.55 * totals["import_mwh"],
        "unserved_flexible_mwh": max(
            0.0, sum(w.energy_mwh for w in instance.workloads) - totals["flexible_served_mwh"]
        ),
        "scenarios": {
            s.id: {"import_mwh": 1.0 + i, "curtailed_mwh": 2.0 + i}
            for i, s in enumerate(instance.scenarios)
        },
    }
    return tables


@pytest.fixture
def tiny_instance() -> Instance:
    return validate(tiny_raw(), "tiny")


@pytest.fixture
def tiny_plan(tiny_instance: Instance) -> HandTables:
    return hand_plan(tiny_instance, shift=True)


@pytest.fixture
def tiny_flat(tiny_instance: Instance) -> HandTables:
    return hand_plan(tiny_instance, shift=False)
