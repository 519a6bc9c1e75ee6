"""The helper: a second process whose cheaper plans the search takes; never another optimum."""

from __future__ import annotations

import contextlib
import json
import multiprocessing as mp
import os
import queue
import time
from collections.abc import Iterator

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest

from models.dispatch import helper
from models.dispatch.build import build_model
from models.dispatch.columns import Columns
from models.dispatch.highs import SOLVER_PROCESSES, load_model
from models.dispatch.options import SolveOptions
from models.dispatch.sets import build_sets
from models.dispatch.solve import solve_instance
from models.instance import load_instance, validate
from tests.conftest import EXAMPLES, held_pair, objective_tolerance, tiny_instance

# A spawned helper imports the project and builds its model before its first plan.
FIRST_PLAN_WAIT_S = 120.0


def together_plan(cols: Columns, m) -> tuple[float, np.ndarray]:
    """Both jobs held in ``dc``: the 1,210 ¥ plan, every column's value."""
    cols.fix(
        {cols.column(data): float(d == "dc") for (_j, d), data in m.placement_assigned.items()}
    )
    values = cols.run(60.0, mip_rel_gap=0.0)
    cols.restore()
    cols.h.clearSolver()
    assert values is not None
    return cols.objective, cols.rounded(values)


def test_the_neighbourhoods_hold_the_sites_then_one_job_free_then_windows() -> None:
    raw = tiny_instance(steps=8, **{"workloads[0].max_datacenters": 1, "workloads[0].min_mw": 0.1})
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2"})
    raw["workloads"][0]["datacenters"] = ["dc", "dc2"]
    raw["workloads"].append({**raw["workloads"][0], "id": "job2"})
    inst = validate(raw)
    m = build_model(inst, build_sets(inst))
    cols = Columns(load_model(m))
    site = {key: cols.column(data) for key, data in m.placement_assigned.items()}
    block = {key: cols.column(data) for key, data in m.dc_blocks_on.items()}
    on = {key: cols.column(data) for key, data in m.placement_on.items()}
    hoods = helper.neighbourhoods(m, cols, seed=0, window_steps=3)
    first = next(hoods)
    assert set(first.held) == set(site.values())
    assert first.seconds == helper.SITES_SECONDS  # two data centres: not a large cluster
    assert set(next(hoods).held) == {site["job2", "dc"], site["job2", "dc2"]}  # job's free
    assert set(next(hoods).held) == {site["job", "dc"], site["job", "dc2"]}  # job2's free
    for _ in range(5):
        hood = next(hoods)
        free_steps = {t for (_d, t), c in block.items() if c not in hood.held}
        assert len(free_steps) == 3 and max(free_steps) - min(free_steps) == 2
        expected = {c for (_d, t), c in block.items() if t not in free_steps}
        expected |= {c for (_j, t), c in on.items() if t not in free_steps}
        expected |= set(site.values())
        assert set(hood.held) == expected


def test_a_large_cluster_gives_the_sites_held_more_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two data centres count as a large cluster once the limit is one.
    monkeypatch.setattr(helper, "LARGE_CLUSTER_DATACENTRES", 1)
    inst = validate(held_pair())
    m = build_model(inst, build_sets(inst))
    first = next(helper.neighbourhoods(m, Columns(load_model(m)), seed=0))
    assert first.kind == "the sites held"
    assert first.seconds == helper.LARGE_SITES_SECONDS > helper.SITES_SECONDS


def test_the_helper_improves_the_plan_it_is_told_and_sends_it() -> None:
    # Run in this process for 5 s: told the 1,210 ¥ plan, holding one job's sites and
    # freeing the other's finds the 365.2 ¥ optimum, and it is sent.
    inst = validate(held_pair())
    m = build_model(inst, build_sets(inst))
    cols = Columns(load_model(m))
    plans: queue.Queue = queue.Queue()
    incumbents: queue.Queue = queue.Queue()
    incumbents.put(together_plan(cols, m))
    fingerprint = helper._fingerprint(cols.h)
    helper._help(inst, SolveOptions(time_limit_s=5.0), fingerprint, plans, incumbents, os.getppid())
    sent = []
    while not plans.empty():
        kind, objective, _plan, found_by = plans.get()
        assert kind == "plan"
        assert found_by in ("the sites held", "one job's sites free")
        sent.append(objective)
    assert sent and min(sent) == pytest.approx(365.2, rel=1e-9)
    assert sent == sorted(sent, reverse=True)  # each plan cheaper than the one before


def test_a_helper_whose_model_differs_says_so_and_sends_no_plan() -> None:
    inst = validate(held_pair())
    plans: queue.Queue = queue.Queue()
    incumbents: queue.Queue = queue.Queue()
    helper._help(inst, SolveOptions(time_limit_s=5.0), (0, 0.0), plans, incumbents, os.getppid())
    assert plans.get_nowait() == ("error", "the helper's model differs from the search's")
    assert plans.empty()


def test_the_search_takes_the_helpers_cheaper_plan() -> None:
    # A real helper process, told the 1,210 ¥ plan. The search is held to its root
    # without heuristics (one node), where alone it ends dearer than the optimum; with
    # the helper's plan offered after its setup, it returns the 365.2 ¥ optimum.
    inst = validate(held_pair())
    crippled = {
        "mip_max_nodes": 1,
        "mip_heuristic_effort": 0.0,
        "mip_heuristic_run_feasibility_jump": False,
        "mip_heuristic_run_rins": False,
        "mip_heuristic_run_rens": False,
        "mip_heuristic_run_root_reduced_cost": False,
        "presolve": "off",
        "output_flag": False,
    }

    def search(h: highspy.Highs) -> float:
        for name, value in crippled.items():
            h.setOptionValue(name, value)
        h.run()
        info = h.getInfo()
        feasible = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
        return info.objective_function_value if feasible else float("inf")

    m = build_model(inst, build_sets(inst))
    opt = load_model(m)
    alone = search(opt._solver_model)
    assert alone > 365.2 + 1e-6

    with told_the_together_plan(inst) as (_m, cols, _told, assistant):
        assert search(cols.h) == pytest.approx(365.2, rel=1e-9)
        assert assistant.offered == 1
    figures = assistant.close()  # closed already: the same figures again
    assert figures["helper_plans_offered"] == 1
    assert figures["helper_best_objective"] == pytest.approx(365.2)
    assert not assistant_alive()


@contextlib.contextmanager
def told_the_together_plan(inst) -> Iterator[tuple]:
    """A real helper of ``held_pair``'s model, told the 1,210 ¥ plan, once it has 365.2 ¥.

    Yields the model, its columns, the plan told and the helper, closed on the way out.
    """
    m = build_model(inst, build_sets(inst))
    opt = load_model(m)
    cols = Columns(opt)
    told = together_plan(cols, m)
    assistant = helper.Helper(inst, SolveOptions(helper=True), opt)
    try:
        assistant.tell(*told)
        wait_for_best(assistant, 365.2)
        yield m, cols, told, assistant
    finally:
        assistant.close()


def wait_for_best(assistant: helper.Helper, objective: float) -> None:
    """Until the helper has sent a plan of ``objective`` (its process builds its model first)."""
    deadline = time.monotonic() + FIRST_PLAN_WAIT_S
    while (assistant.best is None or assistant.best[0] > objective + 1e-6) and (
        time.monotonic() < deadline
    ):
        assistant._drain()
        time.sleep(0.1)
    assert assistant.best is not None and assistant.best[0] == pytest.approx(objective)


def test_a_cheaper_plan_the_search_never_asked_for_is_returned_in_its_place() -> None:
    # The search ended on the 1,210 ¥ plan (both jobs in dc) before it asked for the
    # helper's, as when its root's cut rounds last the whole limit. The helper's
    # plan is the cheaper, and loaded into the model's variables it is the hand-derived
    # optimum: each job in a site of its own, 365.2 ¥ by Pyomo's own sum of the costs.
    with told_the_together_plan(validate(held_pair())) as (m, cols, told, assistant):
        assistant.close()  # the search has ended: the helper's last plans are collected
        assert assistant.cheaper(365.2) is None
        late = assistant.cheaper(told[0])
        assert late is not None
        cols.load(late[1], m)
    assert pyo.value(m.total_cost) == pytest.approx(365.2, rel=1e-9)
    sites = {j: d for (j, d), data in m.placement_assigned.items() if pyo.value(data) > 0.5}
    assert sorted(sites) == ["job", "job2"] and sites["job"] != sites["job2"]


def assistant_alive() -> bool:
    return any(p.is_alive() for p in mp.active_children())


def test_a_solve_with_a_helper_keeps_the_examples_optimum_and_leaves_no_process() -> None:
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    solution = solve_instance(inst, SolveOptions(helper=True))
    expected = json.loads((EXAMPLES / "small-11" / "expected.json").read_text())
    low, high = objective_tolerance(expected)
    assert low <= solution.objective <= high
    assert "helper_plans" in solution.extra
    assert not assistant_alive()


def _wanted_in_a_daemon(results: mp.Queue) -> None:
    inst = validate(held_pair())
    m = build_model(inst, build_sets(inst))
    results.put(helper.wanted(SolveOptions(helper=True), inst, load_model(m), m))


def test_when_a_solve_gets_a_helper() -> None:
    raw = held_pair()
    inst = validate(raw)
    m = build_model(inst, build_sets(inst))
    opt = load_model(m)
    assert helper.wanted(SolveOptions(helper=True), inst, opt, m)
    assert not helper.wanted(SolveOptions(helper=False), inst, opt, m)
    assert not helper.wanted(SolveOptions(helper=True, portfolio=2), inst, opt, m)
    plan = ({"dc": np.ones(2), "dc2": np.ones(2)}, {})
    assert not helper.wanted(SolveOptions(helper=True, start_plan=plan), inst, opt, m)
    # By default not for a model of a few integers, whose search ends before a helper starts.
    assert not helper.wanted(SolveOptions(), inst, opt, m)
    # By default for a model of 500 integers or more, with placement rules or without
    # (large-14 has 11 data centres × 96 steps of blocks, medium-12 6 × 96, small-22-hs
    # 3 × 96), on two cores.
    two_cores = (os.cpu_count() or 1) >= 2
    for name, expected in (
        ("large-14", two_cores),
        ("medium-12", two_cores),
        ("small-22-hs", False),
    ):
        example = load_instance(EXAMPLES / name / "instance.json")
        em = build_model(example, build_sets(example))
        assert helper.wanted(SolveOptions(), example, load_model(em), em) is expected, name
    m.dc_blocks_on["dc", 0].fix(1)  # a plan's first stage evaluated
    assert not helper.wanted(SolveOptions(helper=True), inst, opt, m)
    results = SOLVER_PROCESSES.Queue()
    daemon = SOLVER_PROCESSES.Process(target=_wanted_in_a_daemon, args=(results,), daemon=True)
    daemon.start()
    assert results.get(timeout=FIRST_PLAN_WAIT_S) is False
    daemon.join()
