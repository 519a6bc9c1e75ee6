"""A re-plan's history (contract section 9, "intraday revisions"): hand-solved tiny cases.

Same data as ``test_placement.py``: 1-hour steps, blocks of 1 MW, idle 0.2 (a block
running x MW in a step at price p costs p · (0.2 + 0.8 x)), import at 100 ¥/MWh unless
the test says otherwise, one job at up to 1 MW, unserved work 1000 ¥/MWh. A job with an
on/off state draws at least 0.001 MW in a step it runs.
"""

from __future__ import annotations

import pytest

from models.instance import InstanceError, validate
from models.plan.figures import placement_figures
from models.plan.results import plan_tables
from tests.conftest import tiny_instance
from tests.models.dispatch.test_placement import one_site, solve

#: Prices of a dear middle step: running there costs 500 · (0.2 + 0.8 x).
DEAR_MIDDLE = [100.0, 500.0, 100.0]
#: Step 0 at 1 MW, step 1 at the run floor, step 2 at the rest of 2 MWh:
#: 100 + 500 · (0.2 + 0.8 · 0.001) + 100 · (0.2 + 0.8 · 0.999).
BRIDGED = 100.0 + 100.4 + 99.92
RUNNING_AT_DC = {"mw_before": {"dc": 1.0}, "run_steps_before": 1, "started": True}


def test_started_makes_the_first_start_a_paid_restart() -> None:
    # 2 MWh, restart 30 ¥: steps 0 and 2 with a pause (200) beat bridging the dear step
    # (200 + 100.4 more). Fresh, the second start alone is paid: 230. Having run before,
    # both starts are: 260.
    assert solve(one_site(DEAR_MIDDLE, 2.0), restart_cost=30.0).objective == pytest.approx(230.0)
    sol = solve(one_site(DEAR_MIDDLE, 2.0), restart_cost=30.0, started=True)
    assert sol.objective == pytest.approx(260.0)


def test_a_stretch_going_on_at_step_0_is_no_start() -> None:
    # Running in the step before: step 0 goes on without a start, step 2 is the one
    # restart: 200 + 30.
    raw = one_site(DEAR_MIDDLE, 2.0)
    sol = solve(raw, restart_cost=30.0, **RUNNING_AT_DC)
    assert sol.objective == pytest.approx(230.0)
    inst = validate(raw)
    figures = placement_figures(inst, plan_tables(inst, sol).workload_allocation)
    assert figures["restarts"] == 1


def test_min_run_counts_the_steps_run_before() -> None:
    # min_run_steps 2, one step run before: step 0 completes the stretch, the job may
    # pause in the dear step and come back (200). Fresh, a stretch of step 0 alone is too
    # short, so it bridges the dear step: 300.32. With min_run_steps 3 the stretch in
    # progress needs steps 0 and 1 as well: 300.32.
    assert solve(one_site(DEAR_MIDDLE, 2.0), min_run_steps=2).objective == pytest.approx(BRIDGED)
    sol = solve(one_site(DEAR_MIDDLE, 2.0), min_run_steps=2, **RUNNING_AT_DC)
    assert sol.objective == pytest.approx(200.0)
    sol = solve(one_site(DEAR_MIDDLE, 2.0), min_run_steps=3, **RUNNING_AT_DC)
    assert sol.objective == pytest.approx(BRIDGED)


def test_a_job_that_may_not_pause_and_has_stopped_cannot_run_again() -> None:
    # 1 MWh in two cheap steps: 100 fresh; having run and stopped, the job is done for:
    # the whole 1 MWh is unserved, 1000.
    assert solve(one_site([100.0, 100.0], 1.0), preemptible=False).objective == pytest.approx(100)
    sol = solve(one_site([100.0, 100.0], 1.0), preemptible=False, started=True)
    assert sol.objective == pytest.approx(1000.0)
    assert sol.allocation == {}
    # Still running, it goes on: 100.
    sol = solve(one_site([100.0, 100.0], 1.0), preemptible=False, **RUNNING_AT_DC)
    assert sol.objective == pytest.approx(100.0)


def two_sites_cheap_at_dc() -> dict:
    """2 steps, ``dc`` at PUE 1 and ``dc2`` at PUE 2 throughout; the job needs 2 MWh."""
    raw = tiny_instance(**{"workloads[0].energy_mwh": 2.0, "datacenters[0].pue": [1.0, 1.0]})
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2", "pue": [2.0, 2.0]})
    raw["workloads"][0]["datacenters"] = ["dc", "dc2"]
    return raw


def test_datacenters_used_count_against_max_datacenters() -> None:
    # One site allowed: dc for both steps, 200. Having used dc2 already, dc2 it is: 400.
    assert solve(two_sites_cheap_at_dc(), max_datacenters=1).objective == pytest.approx(200.0)
    sol = solve(two_sites_cheap_at_dc(), max_datacenters=1, datacenters_used=["dc2"], started=True)
    assert sol.objective == pytest.approx(400.0)
    assert {d for _j, d, _t in sol.allocation} == {"dc2"}


def test_mw_before_makes_the_first_step_a_move() -> None:
    # Running 1 MW at dc2 in the step before: moving to dc costs mv = 1 MW at step 0.
    # At 150 ¥/MW moving (200 + 150) beats staying at dc2 (400); at 250 ¥/MW staying
    # wins. Fresh, the job starts at dc for free: 200.
    raw = two_sites_cheap_at_dc()
    assert solve(raw, migration_cost=150.0).objective == pytest.approx(200.0)
    before = {"mw_before": {"dc2": 1.0}, "run_steps_before": 1, "started": True}
    sol = solve(two_sites_cheap_at_dc(), migration_cost=150.0, **before)
    assert sol.objective == pytest.approx(350.0)
    sol = solve(two_sites_cheap_at_dc(), migration_cost=250.0, **before)
    assert sol.objective == pytest.approx(400.0)
    assert {d for _j, d, _t in sol.allocation} == {"dc2"}


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"mw_before": {"dc9": 1.0}}, "workloads[0].mw_before.dc9: must be a data centre"),
        ({"mw_before": {"dc": 2.0}}, "workloads[0].mw_before: must sum to <= max_mw=1, got 2"),
        ({"mw_before": [1.0]}, "workloads[0].mw_before: must be an object of data-centre id"),
        (
            {"mw_before": {"dc": 1.0}, "run_steps_before": 0},
            "workloads[0].run_steps_before: must be >= 1: mw_before says the job runs",
        ),
        ({"run_steps_before": 2}, "workloads[0].run_steps_before: must be 0 unless mw_before"),
        (
            {"mw_before": {"dc": 1.0}, "run_steps_before": 1},
            "workloads[0].started: must be true: run_steps_before says the job runs before",
        ),
        ({"started": "yes"}, "workloads[0].started: must be true or false, got 'yes'"),
        ({"datacenters_used": ["dc9"]}, "workloads[0].datacenters_used: must name data centres"),
        (
            {"datacenters_used": ["dc"]},
            "workloads[0].started: must be true: datacenters_used says the job ran",
        ),
    ],
)
def test_history_keys_are_validated(keys: dict, message: str) -> None:
    raw = one_site([100.0, 100.0], 1.0)
    raw["workloads"][0].update(keys)
    with pytest.raises(InstanceError) as err:
        validate(raw)
    assert any(p.startswith(message) for p in err.value.problems), err.value.problems


def test_mw_before_needs_the_window_to_start_at_step_0() -> None:
    raw = one_site([100.0, 100.0], 1.0)
    raw["workloads"][0].update(release_step=1, mw_before={"dc": 1.0})
    with pytest.raises(InstanceError, match=r"mw_before: needs release_step=0"):
        validate(raw)
