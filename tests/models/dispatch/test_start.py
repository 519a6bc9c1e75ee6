"""The start: one feasible plan handed to HiGHS; it must never change the optimum."""

from __future__ import annotations

import io
import math

import pytest

from models.dispatch.build import build_model
from models.dispatch.columns import Columns
from models.dispatch.highs import load_model
from models.dispatch.options import SolveOptions
from models.dispatch.sets import build_sets
from models.dispatch.solve import solve_instance
from models.dispatch.start import (
    START_MARK,
    _placement_fixes,
    flat_allocation,
    guided_allocation,
    hand_start,
    wanted,
)
from models.instance import load_instance, validate
from tests.conftest import EXAMPLES, held_pair, tiny_instance


def two_sites(racks2: int) -> dict:
    """3 steps of 1 h; the job (1.5 MWh, up to 1 MW) may run in ``dc`` (2 MW) or ``dc2``."""
    raw = tiny_instance(steps=3, **{"workloads[0].energy_mwh": 1.5})
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2", "racks": racks2})
    raw["workloads"][0]["datacenters"] = ["dc", "dc2"]
    return raw


def assert_the_start_is_the_optimum(raw: dict, optimum: float) -> None:
    """The start's own plan costs ``optimum`` (worked out by hand), which the search confirms."""
    inst = validate(raw)
    m = build_model(inst, build_sets(inst))
    objective, _plan = hand_start(load_model(m), m, inst, SolveOptions(), io.StringIO())
    assert objective == pytest.approx(optimum, rel=1e-9)
    assert solve_instance(inst, SolveOptions(mip_rel_gap=1e-9)).objective == pytest.approx(optimum)


def test_flat_in_the_site_with_most_room() -> None:
    # 1.5 MWh over 3 h is 0.5 MW in each step; dc2 with 1 200 racks (3 MW) has more room
    # than dc (2 MW); with 400 racks (1 MW) dc has.
    inst = validate(two_sites(1200))
    assert flat_allocation(inst, build_sets(inst)) == pytest.approx(
        {("job", "dc2", t): 0.5 for t in range(3)}
    )
    inst = validate(two_sites(400))
    assert set(flat_allocation(inst, build_sets(inst))) == {("job", "dc", t) for t in range(3)}


def test_flat_below_the_floor_runs_whole_steps_at_it() -> None:
    # min_mw 0.8: the flat 0.5 MW is too little, so the job runs int(1.5 / 0.8) = 1 step
    # from its release at 1.5 MWh / 1 h, capped at max_mw 1 MW (the rest is unserved).
    raw = two_sites(400)
    raw["workloads"][0]["min_mw"] = 0.8
    inst = validate(raw)
    assert flat_allocation(inst, build_sets(inst)) == pytest.approx({("job", "dc", 0): 1.0})
    # With min_run_steps 2 that one step is too short a run: the job is left out.
    raw["workloads"][0]["min_run_steps"] = 2
    inst = validate(raw)
    assert flat_allocation(inst, build_sets(inst)) == {}


def test_guided_keeps_the_sites_and_span_of_the_relaxation() -> None:
    # 6 steps; the relaxation runs the job 0.3 MWh in dc at step 1 and 0.7 MWh in dc2 at
    # steps 2 and 3 (0.35 each): held to one site it keeps dc2, and runs from step 1 to
    # step 3, lengthened to min_run_steps 4 (steps 1-4); free, it keeps both sites.
    raw = tiny_instance(steps=6)
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2"})
    raw["workloads"][0].update(datacenters=["dc", "dc2"], min_run_steps=4, min_mw=0.1)
    relaxed = {("job", "dc", 1): 0.3, ("job", "dc2", 2): 0.35, ("job", "dc2", 3): 0.35}
    sites, spans = guided_allocation(validate(raw), relaxed)
    assert sites == {"job": ("dc2", "dc")}
    assert spans == {"job": range(1, 5)}
    raw["workloads"][0]["max_datacenters"] = 1
    sites, spans = guided_allocation(validate(raw), relaxed)
    assert sites == {"job": ("dc2",)}


def test_the_start_dives_for_the_sites_of_held_jobs() -> None:
    # Two sites of one 1 MW block (idle 0.2), dc2 at PUE 1.2; two 1.5 MWh jobs, each held
    # to one site; 100 then 110 ¥/MWh. Together in one site they leave 1 MWh unserved
    # (1,000 ¥ + 100·1.0 + 110·1.0 = 1,210 ¥), which is where each keeping its own
    # largest share of the relaxation put them. Apart, each site runs 1 MW then 0.5 MW:
    # dc 100·(0.2 + 0.8) + 110·(0.2 + 0.4) = 166 ¥, dc2 1.2 · 166 = 199.2 ¥, 365.2 ¥ in
    # all, the optimum; the dive fixes one job's site and solves again, so the other moves.
    assert_the_start_is_the_optimum(held_pair(), 365.2)


@pytest.mark.parametrize("on_off", [False, True])
def test_a_span_holds_only_a_job_with_an_on_off_state(on_off) -> None:
    # Held to dc and to step 1 of 3: every rate in dc2 is fixed at 0; the rates in dc at
    # steps 0 and 2 only when the job has an on/off state (min_mw), since a job without
    # one has no restart to avoid and may run wherever its blocks have room.
    raw = two_sites(1200)
    raw["workloads"][0]["max_datacenters"] = 1
    if on_off:
        raw["workloads"][0]["min_mw"] = 0.1
    inst = validate(raw)
    m = build_model(inst, build_sets(inst))
    cols = Columns(load_model(m))
    fixes = _placement_fixes(cols, m, {"job": ("dc",)}, {"job": range(1, 2)})
    rates = {key for key, data in m.workload_mw.items() if cols.column(data) in fixes}
    expected = {("job", "dc2", t) for t in range(3)}
    if on_off:
        expected |= {("job", "dc", 0), ("job", "dc", 2)}
    assert rates == expected
    assert fixes[cols.column(m.placement_assigned["job", "dc"])] == 1.0
    assert fixes[cols.column(m.placement_assigned["job", "dc2"])] == 0.0


@pytest.mark.parametrize("rules", [{}, {"max_datacenters": 1, "restart_cost": 50.0}])
def test_the_start_keeps_the_optimum(rules) -> None:
    # Prices 100/500/100 make the free optimum leave the flat plan (1 MW in steps 0 and 2
    # in one site): the search must still reach it from the flat start.
    raw = two_sites(1200)
    raw["grid"]["import_price"] = [100.0, 500.0, 100.0]
    raw["workloads"][0].update(rules)
    inst = validate(raw)
    plain = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7))
    started = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7, start=True))
    assert started.objective == pytest.approx(plain.objective, rel=1e-9)


def test_the_start_keeps_an_example_optimum() -> None:
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    plain = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7))
    started = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7, start=True))
    assert started.objective == pytest.approx(plain.objective, rel=1e-6)


@pytest.mark.parametrize(
    "rules", [{"restart_cost": 10.0}, {"max_datacenters": 1}, {"migration_cost": 5.0}]
)
def test_a_start_by_default_only_with_placement_rules(rules) -> None:
    v1 = validate(tiny_instance())
    raw = tiny_instance()
    raw["workloads"][0].update(rules)
    switched = validate(raw)
    assert not wanted(SolveOptions(), v1)
    assert wanted(SolveOptions(), switched)
    assert wanted(SolveOptions(start=True), v1)
    assert not wanted(SolveOptions(start=False), switched)


def test_a_plan_to_start_from_is_handed_over_and_keeps_the_optimum() -> None:
    # A rough plan of small-11 (gap 5 %) as the start: HiGHS gets it (the log's mark gives
    # its objective, no better than the optimum) and still proves the optimum.
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    plain = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7))
    rough = solve_instance(inst, SolveOptions(mip_rel_gap=5e-2))
    options = SolveOptions(mip_rel_gap=1e-7, start_plan=(rough.blocks_on, rough.allocation))
    started = solve_instance(inst, options)
    assert started.objective == pytest.approx(plain.objective, rel=1e-6)
    marks = [line for line in started.log.splitlines() if line.startswith(START_MARK)]
    assert len(marks) == 1
    assert float(marks[0].split()[-1]) >= plain.objective - 1e-6 * abs(plain.objective)


def test_the_start_rechooses_the_rounded_blocks() -> None:
    # Two 1 MW blocks, idle 0.2; the 2 MWh job runs at most 1.5 MW, 0.5 MW inflexible in
    # step 1; 100 then 110 ¥/MWh. The relaxation (top-block cuts on) runs the job 1 + 1 MW
    # with n = (1, 1.5): 100·1.0 + 110·(0.3 + 1.2) = 265 ¥. Its blocks rounded up, (1, 2),
    # hold step 0 to 1 MW: 100·1.0 + 110·(0.4 + 1.2) = 276 ¥. The optimum fills step 0
    # instead, 1.5 + 0.5 MW on (2, 1) blocks: 100·(0.4 + 1.2) + 110·(0.2 + 0.8) = 270 ¥,
    # and the start must find it itself.
    raw = tiny_instance(
        **{
            "datacenters[0].inflexible_mw": [0.0, 0.5],
            "workloads[0].energy_mwh": 2.0,
            "workloads[0].max_mw": 1.5,
            "workloads[0].max_datacenters": 1,
        }
    )
    raw["grid"]["import_price"] = [100.0, 110.0]
    assert_the_start_is_the_optimum(raw, 270.0)


@pytest.mark.parametrize("plan", [False, True])
def test_the_start_leaves_the_search_without_its_time_limit(plan) -> None:
    # Pyomo sets HiGHS's time_limit only for a search that has one, so a limit left by the
    # start's own runs (START_SECONDS at most) would stop a search meant to run to its gap.
    raw = two_sites(1200)
    raw["workloads"][0]["max_datacenters"] = 1
    inst = validate(raw)
    sets = build_sets(inst)
    m = build_model(inst, sets)
    opt = load_model(m)
    h = opt._solver_model
    names = ("time_limit", "output_flag", "mip_rel_gap")
    before = {name: h.getOptionValue(name)[1] for name in names}
    start_plan = None
    if plan:
        rough = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7))
        start_plan = (rough.blocks_on, rough.allocation)
    options = SolveOptions(start=True, start_plan=start_plan)
    assert hand_start(opt, m, inst, options, io.StringIO()) is not None
    assert h.getOptionValue("time_limit")[1] == math.inf == before["time_limit"]
    assert h.getOptionValue("output_flag")[1] == before["output_flag"]
    assert h.getOptionValue("mip_rel_gap")[1] == before["mip_rel_gap"]
