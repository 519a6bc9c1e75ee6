"""Assembly of the day's instance (models/forecast/assemble.py): it validates, and it solves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from models.dispatch import SolveOptions, solve_instance
from models.forecast import (
    assemble_instance,
    build_instance,
    datacenter_conditions,
    grid_tariff,
    renewable_forecast,
    weather_forecast,
)
from models.instance import InstanceError, validate

from .conftest import SUMMER, WINTER


@pytest.mark.parametrize("day", [SUMMER, WINTER])
def test_summer_and_winter_instances_validate(config, day):
    raw = build_instance(day)
    inst = validate(raw)
    assert inst.steps == 96 and inst.step_minutes == 15
    assert raw["name"] == f"qingyang-{day.isoformat()}"
    caps = {d["id"]: d["racks"] * d["rack_kw"] / 1000 for d in raw["datacenters"]}
    assert sum(caps.values()) == pytest.approx(250.0)  # 100 000 racks x 2.5 kW
    # the grid can carry the whole cluster with no wind and no sun: never forced to shed
    facility_peak = sum(max(np.asarray(d["pue"]) * caps[d["id"]]) for d in raw["datacenters"])
    assert raw["grid"]["import_limit_mw"] >= facility_peak
    total_mw = sum(p.capacity_mw for p in config.plants)
    assert total_mw == 1000.0
    assert sum(p.capacity_mw for p in config.wind_farms) == 600.0


def test_parts_that_break_the_contract_are_rejected(config):
    weather = weather_forecast(config, SUMMER)
    renewable = renewable_forecast(config, weather, SUMMER, 1)
    dcs = datacenter_conditions(config, weather, SUMMER)
    bad = [
        {
            "id": "w",
            "energy_mwh": 1.0,
            "datacenters": ["dc99"],
            "release_step": 0,
            "deadline_step": 96,
            "max_mw": 1.0,
            "unserved_penalty_per_mwh": 0.0,
        }
    ]
    with pytest.raises(InstanceError) as err:
        assemble_instance(config, SUMMER, renewable, dcs, bad, grid_tariff(config, SUMMER))
    assert any("workloads[0].datacenters" in p for p in err.value.problems)


@pytest.mark.slow
@pytest.mark.parametrize("day", [SUMMER, WINTER])
def test_built_instance_solves(day):
    inst = validate(build_instance(day, scenarios=1))
    sol = solve_instance(inst, SolveOptions(time_limit_s=90, mip_rel_gap=1e-2))
    assert math.isfinite(sol.objective)
    assert all(float(np.max(v)) < 1e-6 for v in sol.shed_mw.values())
