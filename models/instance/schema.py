"""Typed records of the problem-instance contract (version 1).

The attribute tables (``*_FIELDS``) list every key of the JSON format with its
kind, unit and description, in the spirit of PyPSA's component attribute
tables; validation (``validate.py``) and the docs read them, so the contract's
keys are spelled out in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np


class Field(NamedTuple):
    """One key of an instance object."""

    kind: str  # "int", "num", "bool", "str", "series" (T numbers), "str_list", "plant_series",
    # "dc_numbers" (data-centre id to number)
    required: bool
    unit: str
    description: str


TOP_FIELDS: dict[str, Field] = {
    "version": Field("int", True, "", "format version, must be 1"),
    "name": Field("str", False, "", "free-text name of the instance"),
    "start": Field("str", True, "", "ISO time of step 0, with UTC offset"),
    "step_minutes": Field("int", True, "min", "length of one step"),
    "steps": Field("int", True, "", "number of steps T"),
    "scenarios": Field("objects", True, "", "renewable scenarios"),
    "datacenters": Field("objects", True, "", "data centres"),
    "workloads": Field("objects", True, "", "flexible workloads"),
    "storage": Field("objects", True, "", "batteries (may be empty)"),
    "grid": Field("object", True, "", "grid connection and prices"),
    # Extension "chained days" (docs/contract.md, section 9): absent = the v1 meaning.
    "committed_steps": Field("int", False, "", "steps of the delivery day; the rest is advisory"),
    "initial_state_source": Field("str", False, "", "configured, plan:<day> or actual:<day>"),
}

SCENARIO_FIELDS: dict[str, Field] = {
    "id": Field("str", True, "", "scenario id"),
    "probability": Field("num", True, "", "probability, > 0, all sum to 1"),
    "renewable_mw": Field("plant_series", True, "MW", "available power per plant and step"),
}

DATACENTER_FIELDS: dict[str, Field] = {
    "id": Field("str", True, "", "data-centre id"),
    "racks": Field("int", True, "", "installed racks, a multiple of block_racks"),
    "rack_kw": Field("num", True, "kW", "IT power of one rack at full load"),
    "block_racks": Field("int", True, "", "racks switched together as one block"),
    "idle_fraction": Field("num", True, "", "share of a powered block's power drawn when idle"),
    "pue": Field("series", True, "", "power usage effectiveness per step, >= 1"),
    "inflexible_mw": Field("series", True, "MW", "IT load that cannot move"),
    "initial_blocks_on": Field("int", False, "", "blocks on before step 0"),
    "max_block_change": Field("int", False, "", "ramp limit in blocks per step"),
    "block_startup_cost": Field("num", False, "CNY", "cost of starting one block"),
}

WORKLOAD_FIELDS: dict[str, Field] = {
    "id": Field("str", True, "", "workload id"),
    "energy_mwh": Field("num", True, "MWh", "IT energy the workload needs"),
    "datacenters": Field("str_list", True, "", "data centres it may run in, at least one"),
    "release_step": Field("int", True, "", "first step it may run"),
    "deadline_step": Field("int", True, "", "step before which it must finish"),
    "max_mw": Field("num", True, "MW", "largest total IT power per step"),
    "unserved_penalty_per_mwh": Field("num", True, "CNY/MWh", "penalty on energy left unserved"),
    # Extension "placement rules" (docs/contract.md, section 9): absent = the v1 meaning.
    "min_mw": Field("num", False, "MW", "least total IT power in a step where it runs"),
    "max_datacenters": Field("int", False, "", "most distinct data centres over the horizon"),
    "migration_cost": Field("num", False, "CNY/MW", "cost per MW of placement change"),
    "restart_cost": Field("num", False, "CNY", "cost of each start after the first"),
    "min_run_steps": Field("int", False, "", "fewest steps it runs once started"),
    "preemptible": Field("bool", False, "", "false: it runs in one stretch"),
    # Extension "chained days": the job's whole backlog; the model reads neither key.
    "backlog_energy_mwh": Field("num", False, "MWh", "energy the job still owes in all"),
    "backlog_deadline": Field("str", False, "", "ISO time of the job's real deadline"),
    # Extension "intraday revisions": what the job did before step 0 (a re-plan's history).
    "mw_before": Field("dc_numbers", False, "MW", "its rate per data centre in the step before"),
    "run_steps_before": Field("int", False, "", "steps of the stretch running before step 0"),
    "started": Field("bool", False, "", "true: it has run before step 0 (no free first start)"),
    "datacenters_used": Field("str_list", False, "", "data centres it used before step 0"),
}

STORAGE_FIELDS: dict[str, Field] = {
    "id": Field("str", True, "", "storage id"),
    "charge_mw": Field("num", True, "MW", "charging power limit"),
    "discharge_mw": Field("num", True, "MW", "discharging power limit"),
    "energy_min_mwh": Field("num", True, "MWh", "lowest state of charge"),
    "energy_max_mwh": Field("num", True, "MWh", "highest state of charge"),
    "energy_initial_mwh": Field("num", True, "MWh", "state of charge before step 0"),
    "energy_final_min_mwh": Field("num", True, "MWh", "lowest state of charge after the last step"),
    "charge_efficiency": Field("num", True, "", "share of charged power stored, in (0, 1]"),
    "discharge_efficiency": Field("num", True, "", "share of stored energy delivered, in (0, 1]"),
    "degradation_cost_per_mwh": Field("num", True, "CNY/MWh", "cost per MWh discharged"),
}

GRID_FIELDS: dict[str, Field] = {
    "import_limit_mw": Field("num", True, "MW", "largest import"),
    "export_limit_mw": Field("num", True, "MW", "largest export"),
    "import_price": Field("series", True, "CNY/MWh", "import tariff per step"),
    "export_price": Field("series", True, "CNY/MWh", "export price per step, any sign"),
    "emission_factor_t_per_mwh": Field("num", True, "t/MWh", "CO2 per MWh imported"),
    "carbon_price_per_t": Field("num", True, "CNY/t", "shadow price of CO2"),
    "curtailment_cost_per_mwh": Field("num", True, "CNY/MWh", "cost of curtailed renewable energy"),
    "unserved_load_penalty_per_mwh": Field("num", True, "CNY/MWh", "penalty on shed load"),
}


@dataclass(frozen=True)
class Scenario:
    id: str
    probability: float
    renewable_mw: dict[str, np.ndarray]

    @property
    def total_renewable_mw(self) -> np.ndarray:
        """Sum over plants [MW], one value per step."""
        arrays = list(self.renewable_mw.values())
        if not arrays:
            return np.zeros(0)
        return np.sum(arrays, axis=0)


@dataclass(frozen=True)
class DataCenter:
    id: str
    racks: int
    rack_kw: float
    block_racks: int
    idle_fraction: float
    pue: np.ndarray
    inflexible_mw: np.ndarray
    initial_blocks_on: int | None = None
    max_block_change: int | None = None
    block_startup_cost: float = 0.0

    @property
    def blocks(self) -> int:
        """Number of rack blocks that can be powered."""
        return self.racks // self.block_racks

    @property
    def block_mw(self) -> float:
        """IT capacity of one block, ``cap_d`` of the contract [MW]."""
        return self.block_racks * self.rack_kw / 1000.0

    @property
    def capacity_mw(self) -> float:
        """IT capacity with every block on [MW]."""
        return self.racks * self.rack_kw / 1000.0


@dataclass(frozen=True)
class Workload:
    id: str
    energy_mwh: float
    datacenters: tuple[str, ...]
    release_step: int
    deadline_step: int
    max_mw: float
    unserved_penalty_per_mwh: float
    min_mw: float = 0.0
    max_datacenters: int | None = None
    migration_cost: float = 0.0
    restart_cost: float = 0.0
    min_run_steps: int | None = None
    preemptible: bool = True
    backlog_energy_mwh: float | None = None
    backlog_deadline: datetime | None = None
    mw_before: dict[str, float] | None = None
    run_steps_before: int = 0
    started: bool = False
    datacenters_used: tuple[str, ...] = ()

    @property
    def continues(self) -> bool:
        """Whether a stretch in progress before step 0 goes on into the horizon's first step."""
        return self.run_steps_before > 0

    @property
    def steps(self) -> range:
        return range(self.release_step, self.deadline_step)

    @property
    def has_on_off(self) -> bool:
        """Whether a placement rule needs the job's on/off state (contract, section 9)."""
        return (
            self.min_mw > 0
            or self.restart_cost > 0
            or self.min_run_steps is not None
            or not self.preemptible
        )


@dataclass(frozen=True)
class Storage:
    id: str
    charge_mw: float
    discharge_mw: float
    energy_min_mwh: float
    energy_max_mwh: float
    energy_initial_mwh: float
    energy_final_min_mwh: float
    charge_efficiency: float
    discharge_efficiency: float
    degradation_cost_per_mwh: float


@dataclass(frozen=True)
class Grid:
    import_limit_mw: float
    export_limit_mw: float
    import_price: np.ndarray
    export_price: np.ndarray
    emission_factor_t_per_mwh: float
    carbon_price_per_t: float
    curtailment_cost_per_mwh: float
    unserved_load_penalty_per_mwh: float

    @property
    def import_cost_per_mwh(self) -> np.ndarray:
        """Tariff plus the shadow carbon cost of one imported MWh [CNY/MWh]."""
        return self.import_price + self.carbon_price_per_t * self.emission_factor_t_per_mwh


@dataclass(frozen=True)
class Instance:
    """A validated instance; build it with ``models.instance.io``, not by hand."""

    version: int
    name: str
    start: datetime
    step_minutes: int
    steps: int
    scenarios: tuple[Scenario, ...]
    datacenters: tuple[DataCenter, ...]
    workloads: tuple[Workload, ...]
    storage: tuple[Storage, ...]
    grid: Grid
    committed_steps: int | None = None
    initial_state_source: str | None = None
    raw: dict = field(repr=False, compare=False, default_factory=dict)

    @property
    def step_hours(self) -> float:
        """Δ of the contract [h]."""
        return self.step_minutes / 60.0

    @property
    def delivery_steps(self) -> int:
        """Steps of the delivery day: ``committed_steps``, or the whole horizon when absent."""
        return self.steps if self.committed_steps is None else self.committed_steps

    @property
    def plants(self) -> tuple[str, ...]:
        return tuple(self.scenarios[0].renewable_mw) if self.scenarios else ()

    def step_starts(self) -> list[datetime]:
        """Start time of every step, in the instance's own UTC offset."""
        from datetime import timedelta

        return [self.start + timedelta(minutes=self.step_minutes * t) for t in range(self.steps)]
