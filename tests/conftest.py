"""Shared fixtures: the contract's example instances and a builder of tiny instances."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "data" / "examples"
# A small fleet (one wind farm, one PV plant, two data centres) and its workload file,
# for runs through the real forecast that solve in seconds.
SMALL_FLEET = REPO / "tests" / "data" / "small-fleet"


def example_dirs() -> list[Path]:
    """Every example folder (``data/examples/<name>/instance.json`` + ``expected.json``)."""
    return sorted(p for p in EXAMPLES.iterdir() if (p / "instance.json").exists())


def tiny_instance(steps: int = 2, **overrides: Any) -> dict:
    """One data centre, one workload, no storage, one scenario: solvable by hand.

    Two blocks of 1 MW (400 racks × 2.5 kW), PUE 1, idle 0.2, no inflexible load;
    the grid costs 100 ¥/MWh with no carbon price; renewables are 0.
    """
    raw: dict[str, Any] = {
        "version": 1,
        "name": "tiny",
        "start": "2026-11-23T00:00:00+08:00",
        "step_minutes": 60,
        "steps": steps,
        "scenarios": [{"id": "s", "probability": 1.0, "renewable_mw": {"pv": [0.0] * steps}}],
        "datacenters": [
            {
                "id": "dc",
                "racks": 800,
                "rack_kw": 2.5,
                "block_racks": 400,
                "idle_fraction": 0.2,
                "pue": [1.0] * steps,
                "inflexible_mw": [0.0] * steps,
            }
        ],
        "workloads": [
            {
                "id": "job",
                "energy_mwh": 1.0,
                "datacenters": ["dc"],
                "release_step": 0,
                "deadline_step": steps,
                "max_mw": 1.0,
                "unserved_penalty_per_mwh": 1000.0,
            }
        ],
        "storage": [],
        "grid": {
            "import_limit_mw": 10.0,
            "export_limit_mw": 0.0,
            "import_price": [100.0] * steps,
            "export_price": [0.0] * steps,
            "emission_factor_t_per_mwh": 0.5,
            "carbon_price_per_t": 0.0,
            "curtailment_cost_per_mwh": 0.0,
            "unserved_load_penalty_per_mwh": 100000.0,
        },
    }
    for path, value in overrides.items():
        set_path(raw, path, value)
    return raw


def held_pair() -> dict:
    """Two sites of one 1 MW block (dc2 at PUE 1.2), two 1.5 MWh jobs each held to one site.

    The grid costs 100 then 110 ¥/MWh. Together in ``dc`` they leave 1 MWh unserved (1,000 ¥ +
    100·1.0 + 110·1.0 = 1,210 ¥); apart, each site runs 1 MW then 0.5 MW: dc
    100·(0.2 + 0.8) + 110·(0.2 + 0.4) = 166 ¥, dc2 at PUE 1.2: 199.2 ¥, 365.2 ¥ in
    all, the optimum.
    """
    raw = tiny_instance(**{"workloads[0].energy_mwh": 1.5, "workloads[0].max_mw": 1.5})
    raw["datacenters"][0]["racks"] = 400
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2", "pue": [1.2, 1.2]})
    raw["grid"]["import_price"] = [100.0, 110.0]
    raw["workloads"][0].update(datacenters=["dc", "dc2"], max_datacenters=1)
    raw["workloads"].append({**raw["workloads"][0], "id": "job2", "max_mw": 1.0})
    return raw


def two_site_datacentres(steps: int) -> list[dict]:
    """The two data centres of the hand-made two-site days (report tests, pipeline days).

    ``dc01``: 4 blocks of 5 MW, idle 0.4, PUE 1.2, 4 MW inflexible, one block on before
    the day, at most 2 blocks switched per step, 100 ¥ a start-up. ``dc02``: 4 blocks
    of 2.5 MW, idle 0.3, PUE 1.1, 2 MW inflexible.
    """
    return [
        {
            "id": "dc01",
            "racks": 4000,
            "rack_kw": 5.0,
            "block_racks": 1000,
            "idle_fraction": 0.4,
            "pue": [1.2] * steps,
            "inflexible_mw": [4.0] * steps,
            "initial_blocks_on": 1,
            "max_block_change": 2,
            "block_startup_cost": 100.0,
        },
        {
            "id": "dc02",
            "racks": 2000,
            "rack_kw": 5.0,
            "block_racks": 500,
            "idle_fraction": 0.3,
            "pue": [1.1] * steps,
            "inflexible_mw": [2.0] * steps,
        },
    ]


def two_site_battery() -> list[dict]:
    """The battery of the two-site days: 10 MW, 20 MWh, 10 MWh at the start, 5 at the end."""
    return [
        {
            "id": "bess-1",
            "charge_mw": 10.0,
            "discharge_mw": 10.0,
            "energy_min_mwh": 1.0,
            "energy_max_mwh": 20.0,
            "energy_initial_mwh": 10.0,
            "energy_final_min_mwh": 5.0,
            "charge_efficiency": 0.95,
            "discharge_efficiency": 0.95,
            "degradation_cost_per_mwh": 30.0,
        },
    ]


def set_path(raw: dict, path: str, value: Any) -> None:
    """Set ``a.b[0].c``-style paths; ``value`` of ``DELETE`` removes the key."""
    keys = path.replace("]", "").replace("[", ".").split(".")
    node: Any = raw
    for key in keys[:-1]:
        node = node[int(key)] if isinstance(node, list) else node[key]
    last = keys[-1]
    if value is DELETE:
        del node[last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


DELETE = object()


@pytest.fixture
def tiny() -> dict:
    return tiny_instance()


def load_example(name: str) -> tuple[dict, dict]:
    folder = EXAMPLES / name
    return (
        json.loads((folder / "instance.json").read_text()),
        json.loads((folder / "expected.json").read_text()),
    )


def objective_tolerance(expected: dict) -> tuple[float, float]:
    """The examples README's acceptance band ``[bound − tol, objective + tol]``."""
    tol = 1e-4 * max(1.0, abs(expected["objective"]))
    return expected["bound"] - tol, expected["objective"] + tol


def copy_raw(raw: dict) -> dict:
    return copy.deepcopy(raw)


def require(available: bool, reason: str) -> None:
    """Skip a test whose outside tool (Chromium, a PostgreSQL server) is missing here.

    Under ``CI=true`` the test fails instead: CI installs those tools, so a missing
    one there is a broken set-up that a skip would hide.
    """
    if available:
        return
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"{reason} (CI=true: CI must provide it, so this fails instead of skipping)")
    pytest.skip(reason)
