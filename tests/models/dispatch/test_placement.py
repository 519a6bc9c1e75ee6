"""Placement rules (contract section 9): hand-solved tiny cases, each solved with and without its key.

Common data (``tests.conftest.tiny_instance``): 1-hour steps, blocks of 1 MW, idle 0.2
(a block on draws 0.2 MW idle plus 0.8 · its load), PUE 1, no inflexible load, no
renewables, import at 100 ¥/MWh unless the test says otherwise, one workload at up to
1 MW, unserved work 1000 ¥/MWh. A block running x MW in a step at price p costs
p · (0.2 + 0.8 x).

The two-site cases add ``dc2``, a copy of ``dc``, with PUE [1, 2] at ``dc`` and [2, 1]
at ``dc2``: a step at PUE 2 costs twice as much.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from models.dispatch.build import COMPONENTS, build_model
from models.dispatch.options import SolveOptions
from models.dispatch.placement import RUN_FLOOR_MW
from models.dispatch.rounds import solve_model
from models.dispatch.solve import solve_instance
from models.instance import load_instance, validate
from models.plan.results import plan_tables
from models.plan.verify import verify_plan
from tests.conftest import EXAMPLES, tiny_instance


def solve(raw: dict, **rules):
    """Solve ``raw`` with ``rules`` added to its workload; the plan must pass the verifier."""
    raw["workloads"][0].update(rules)
    inst = validate(raw)
    sol = solve_instance(inst)
    assert verify_plan(inst, plan_tables(inst, sol)) == []
    return sol


def one_site(prices: list[float], energy: float) -> dict:
    return tiny_instance(
        steps=len(prices), **{"grid.import_price": prices, "workloads[0].energy_mwh": energy}
    )


def two_sites() -> dict:
    """2 steps, ``dc`` cheap in step 0 and ``dc2`` in step 1; the job needs 2 MWh."""
    raw = tiny_instance(**{"workloads[0].energy_mwh": 2.0, "datacenters[0].pue": [1.0, 2.0]})
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2", "pue": [2.0, 1.0]})
    raw["workloads"][0]["datacenters"] = ["dc", "dc2"]
    return raw


def test_min_mw_forbids_a_small_second_step() -> None:
    # 1.2 MWh, prices 100/110/500. Free: 1 MW in step 0 (100) and 0.2 MW in step 1
    # (110 · (0.2 + 0.16) = 39.6): 139.6. With min_mw 0.8 two steps need >= 1.6 MWh, more
    # than the job has, so it runs one step at 1 MW (100) and leaves 0.2 MWh (200): 300.
    prices = [100.0, 110.0, 500.0]
    assert solve(one_site(prices, 1.2)).objective == pytest.approx(139.6)
    sol = solve(one_site(prices, 1.2), min_mw=0.8)
    assert sol.objective == pytest.approx(300.0)
    assert sol.allocation == pytest.approx({("job", "dc", 0): 1.0})
    assert sol.unserved_mwh["job"] == pytest.approx(0.2)


def test_max_datacenters_keeps_the_job_in_one_place() -> None:
    # Free: 1 MW in dc at step 0 and in dc2 at step 1, both at PUE 1: 100 + 100 = 200.
    # max_datacenters 1: both steps in one site, one of them at PUE 2: 100 + 200 = 300
    # (dropping a step instead costs 1000).
    sol = solve(two_sites())
    assert sol.objective == pytest.approx(200.0)
    assert sol.allocation == pytest.approx({("job", "dc", 0): 1.0, ("job", "dc2", 1): 1.0})
    sol = solve(two_sites(), max_datacenters=1)
    assert sol.objective == pytest.approx(300.0)
    assert len({d for _j, d, _t in sol.allocation}) == 1
    # max_datacenters equal to the sites listed is no rule at all.
    assert solve(two_sites(), max_datacenters=2).objective == pytest.approx(200.0)


def test_migration_cost_per_mw_moved() -> None:
    # Moving 1 MW from dc to dc2 between steps 0 and 1 is mv = ½ (|0 − 1| + |1 − 0|) = 1 MW.
    # At 50 ¥/MW the move (200 + 50 = 250) beats staying (300); at 150 ¥/MW staying wins.
    # Splitting step 1 (a MW stay, 1 − a move) costs 290 + 30a at 50 and 390 − 70a at 150,
    # both worse (a second block idles).
    sol = solve(two_sites(), migration_cost=50.0)
    assert sol.objective == pytest.approx(250.0)
    assert sol.allocation == pytest.approx({("job", "dc", 0): 1.0, ("job", "dc2", 1): 1.0})
    sol = solve(two_sites(), migration_cost=150.0)
    assert sol.objective == pytest.approx(300.0)
    assert len({d for _j, d, _t in sol.allocation}) == 1


def test_migration_cost_counts_half_a_rate_change_in_one_place() -> None:
    # One site, prices 100/100, 1.5 MWh: any split x0 + x1 = 1.5 costs 2 · 20 + 80 · 1.5 = 160
    # without the key. With 100 ¥/MW a rate change r costs r/2 · 100 = 50 r (the job's two
    # sites are dc and an unused, dear dc2): [0.75, 0.75] costs 160 and no change.
    raw = tiny_instance(**{"workloads[0].energy_mwh": 1.5})
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2", "pue": [5.0, 5.0]})
    raw["workloads"][0]["datacenters"] = ["dc", "dc2"]
    sol = solve(raw, migration_cost=100.0)
    assert sol.objective == pytest.approx(160.0)
    assert sol.allocation == pytest.approx({("job", "dc", 0): 0.75, ("job", "dc", 1): 0.75})


def test_restart_cost_against_bridging_the_dear_step() -> None:
    # Prices 100/500/100, 2 MWh, min_mw 0.5. Free: 1 MW in steps 0 and 2, 200 (one restart).
    # Bridging runs [1, 0.5, 0.5]: 100 + 500 · 0.6 + 100 · 0.6 = 460. At restart cost 100
    # the restart (300) is cheaper, at 500 (700) bridging is.
    prices = [100.0, 500.0, 100.0]
    assert solve(one_site(prices, 2.0), min_mw=0.5).objective == pytest.approx(200.0)
    sol = solve(one_site(prices, 2.0), min_mw=0.5, restart_cost=100.0)
    assert sol.objective == pytest.approx(300.0)
    assert set(sol.allocation) == {("job", "dc", 0), ("job", "dc", 2)}
    sol = solve(one_site(prices, 2.0), min_mw=0.5, restart_cost=500.0)
    assert sol.objective == pytest.approx(460.0)
    assert sol.allocation[("job", "dc", 1)] == pytest.approx(0.5)


def test_restart_cost_without_min_mw_bridges_at_the_run_floor() -> None:
    # As above without min_mw: a running job draws at least RUN_FLOOR_MW = 0.001 MW, so the
    # bridge is [1, 0.001, 0.999]: 100 + 500 · (0.2 + 0.0008) + 100 · (0.2 + 0.7992) = 300.32,
    # against 700 for a restart. A step that draws nothing is a pause.
    assert RUN_FLOOR_MW == 0.001
    sol = solve(one_site([100.0, 500.0, 100.0], 2.0), restart_cost=500.0)
    assert sol.objective == pytest.approx(300.32)
    assert sol.allocation[("job", "dc", 1)] == pytest.approx(0.001)


def test_the_first_start_is_free() -> None:
    # One run in step 0 (100) pays no restart cost however high it is.
    sol = solve(one_site([100.0, 300.0], 1.0), restart_cost=1e6)
    assert sol.objective == pytest.approx(100.0)


def test_min_run_steps() -> None:
    # Prices 100/500/500/500, 1 MWh, min_mw 0.25. Free: 1 MW in step 0, 100. With
    # min_run_steps 2 it runs two steps: [0.75, 0.25] costs 80 + 20 + 500 · 0.4 = 280.
    prices = [100.0, 500.0, 500.0, 500.0]
    assert solve(one_site(prices, 1.0), min_mw=0.25).objective == pytest.approx(100.0)
    sol = solve(one_site(prices, 1.0), min_mw=0.25, min_run_steps=2)
    assert sol.objective == pytest.approx(280.0)
    assert sol.allocation == pytest.approx({("job", "dc", 0): 0.75, ("job", "dc", 1): 0.25})


def test_min_run_steps_ends_with_the_window() -> None:
    # Prices 500/500/500/100: one step at the window's last step (100) is allowed, since the
    # job runs until its window ends.
    sol = solve(one_site([500.0, 500.0, 500.0, 100.0], 1.0), min_mw=0.25, min_run_steps=2)
    assert sol.objective == pytest.approx(100.0)
    assert sol.allocation == pytest.approx({("job", "dc", 3): 1.0})


def test_not_preemptible_runs_in_one_stretch() -> None:
    # Prices 100/500/100, 2 MWh, min_mw 0.5: the pause of the free plan (200) is not allowed;
    # the one stretch [1, 0.5, 0.5] costs 460 (step 0 and 1 only: 600; one step: 1100).
    prices = [100.0, 500.0, 100.0]
    sol = solve(one_site(prices, 2.0), min_mw=0.5, preemptible=False)
    assert sol.objective == pytest.approx(460.0)
    assert solve(one_site(prices, 2.0), min_mw=0.5, preemptible=True).objective == (
        pytest.approx(200.0)
    )


def _size(m: pyo.ConcreteModel) -> tuple[int, int, int]:
    variables = list(m.component_data_objects(pyo.Var))
    binaries = sum(1 for v in variables if v.is_binary() or v.is_integer())
    constraints = sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True))
    return len(variables), binaries, constraints


def test_a_v1_instance_builds_the_v1_model() -> None:
    # Without the placement component the model is the v1 model; a v1 instance builds the
    # same number of variables, integers and constraints with it, and the same optimum.
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    without = tuple(c for c in COMPONENTS if c.name != "placement")
    assert len(without) == len(COMPONENTS) - 1
    assert _size(build_model(inst)) == _size(build_model(inst, components=without))
    raw = one_site([100.0, 500.0, 100.0], 2.0)
    tiny = validate(raw)
    m_with, m_without = build_model(tiny), build_model(tiny, components=without)
    assert _size(m_with) == _size(m_without)
    with_rules = solve_model(tiny, m_with, SolveOptions(), 0.0).objective
    assert with_rules == pytest.approx(solve_model(tiny, m_without, SolveOptions(), 0.0).objective)
    assert with_rules == pytest.approx(200.0)  # 1 MW in steps 0 and 2
