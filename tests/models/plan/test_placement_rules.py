"""The placement rules on the published tables: key figures, their cost, and the verifier.

The figures are counted by hand on small allocations; the verifier gets plans solved
under every rule, then each rule broken in the tables.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import validate
from models.instance.schema import Instance
from models.plan.figures import placement_figures
from models.plan.results import PlanTables, plan_tables
from models.plan.verify import verify_plan
from tests.conftest import tiny_instance

OPTIONS = SolveOptions(log=False)


def three_sites(steps: int = 6, **rules) -> Instance:
    """The tiny instance with ``steps`` steps, three data centres and one job using ``rules``."""
    raw = tiny_instance(steps=steps, **{"workloads[0].energy_mwh": 3.0})
    raw["datacenters"] += [{**raw["datacenters"][0], "id": i} for i in ("dc2", "dc3")]
    raw["workloads"][0].update(datacenters=["dc", "dc2", "dc3"], **rules)
    return validate(raw)


def allocation(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"workload": "job", "datacenter": d, "step": t, "mw": mw} for d, t, mw in rows]
    )


def test_figures_counted_by_hand() -> None:
    # Steps 0-1 in dc at 1 MW; step 2 in dc2 (a migration; moved ½ (|0 − 1| + |1 − 0|) = 1);
    # step 3 paused (moved ½ · 1 = 0.5; no migration, it does not run); step 4 in dc2 and dc3
    # at 0.5 each (a restart, no migration after a pause; moved ½ (0.5 + 0.5) = 0.5); step 5
    # in dc3 at 1 MW (a migration, dc2 leaves; moved ½ (0.5 + 0.5) = 0.5). Moved 2.5 MW at
    # 10 ¥/MW, one restart at 7 ¥.
    inst = three_sites(migration_cost=10.0, restart_cost=7.0)
    alloc = allocation(
        [("dc", 0, 1.0), ("dc", 1, 1.0), ("dc2", 2, 1.0), ("dc2", 4, 0.5), ("dc3", 4, 0.5),
         ("dc3", 5, 1.0)]
    )  # fmt: skip
    assert placement_figures(inst, alloc) == pytest.approx(
        {
            "migrations": 2,
            "migrated_mw": 2.5,
            "migration_cost": 25.0,
            "restarts": 1,
            "restart_cost": 7.0,
        }
    )


def test_a_v1_job_shows_its_moves_and_restarts_at_no_cost() -> None:
    # dc at step 0, dc2 at steps 1 and 3: a migration at step 1 (moved ½ (1 + 1)), then
    # dc2 off, on, off (½ each) and one restart, none of them costing anything.
    inst = three_sites()
    alloc = allocation([("dc", 0, 1.0), ("dc2", 1, 1.0), ("dc2", 3, 1.0)])
    figures = placement_figures(inst, alloc)
    assert figures == pytest.approx(
        {
            "migrations": 1,
            "migrated_mw": 0.5 * (2.0 + 1.0 + 1.0 + 1.0),
            "migration_cost": 0.0,
            "restarts": 1,
            "restart_cost": 0.0,
        }
    )


def solved(inst: Instance) -> PlanTables:
    tables = plan_tables(inst, solve_instance(inst, OPTIONS))
    assert verify_plan(inst, tables) == []
    return tables


def with_rows(tables: PlanTables, rows: list[tuple[str, int, float]]) -> PlanTables:
    """A copy of ``tables`` whose allocation is ``rows`` and whose rack plan carries them."""
    copied = copy.deepcopy(tables)
    copied.workload_allocation = allocation(rows)
    return copied


def problems_of(inst: Instance, tables: PlanTables, rows) -> list[str]:
    """The verifier's placement complaints about ``rows`` (the rack plan is not adapted)."""
    edited = with_rows(tables, rows)
    return [p for p in verify_plan(inst, edited) if p.startswith("workload job")]


def test_verifier_max_datacenters() -> None:
    inst = three_sites(steps=3, max_datacenters=2)
    tables = solved(inst)
    assert problems_of(inst, tables, [("dc", 0, 1.0), ("dc2", 1, 1.0), ("dc3", 2, 1.0)]) == [
        "workload job: runs in 3 data centres (dc, dc2, dc3) > max_datacenters 2"
    ]
    assert problems_of(inst, tables, [("dc", 0, 1.0), ("dc2", 1, 1.0), ("dc2", 2, 1.0)]) == []


def test_verifier_min_mw() -> None:
    inst = three_sites(steps=3, min_mw=0.5)
    tables = solved(inst)
    assert problems_of(inst, tables, [("dc", 0, 1.0), ("dc", 1, 0.2), ("dc2", 1, 0.2)]) == [
        "workload job: runs 0.4 MW < min_mw 0.5 at step 1 (1 step(s))"
    ]
    assert problems_of(inst, tables, [("dc", 0, 1.0), ("dc", 1, 0.3), ("dc2", 1, 0.2)]) == []


def test_verifier_min_run_steps() -> None:
    inst = three_sites(steps=6, min_run_steps=3)
    tables = solved(inst)
    short = [("dc", 0, 1.0), ("dc", 1, 1.0), ("dc", 4, 1.0)]
    assert problems_of(inst, tables, short) == [
        "workload job: runs 2 step(s) from step 0 < min_run_steps 3 before its window ends",
        "workload job: runs 1 step(s) from step 4 < min_run_steps 3 before its window ends",
    ]
    # A stretch that reaches the window's end may be shorter.
    assert problems_of(inst, tables, [("dc", 0, 0.5), ("dc", 1, 0.5), ("dc", 2, 1.0),
                                      ("dc", 5, 1.0)]) == []  # fmt: skip


def test_verifier_not_preemptible() -> None:
    inst = three_sites(steps=4, preemptible=False)
    tables = solved(inst)
    assert problems_of(inst, tables, [("dc", 0, 1.0), ("dc", 2, 1.0), ("dc", 3, 1.0)]) == [
        "workload job: runs in 2 stretches; not preemptible, it runs in one"
    ]


def test_verifier_charges_moves_and_restarts_to_the_objective() -> None:
    # A plan whose objective leaves out a restart the tables show is caught by the cost check.
    inst = three_sites(steps=4, restart_cost=500.0, min_mw=0.5)
    tables = solved(inst)
    assert tables.summary["restarts"] == 0
    restart = with_rows(tables, [("dc", 0, 1.0), ("dc", 2, 1.0), ("dc", 3, 1.0)])
    problems = verify_plan(inst, restart)
    assert any("below the cost of the tables" in p for p in problems), problems
