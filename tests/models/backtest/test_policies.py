"""First stages: reading a plan folder back, the mean-forecast instance, the greedy plan."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from models.backtest.policies import (
    PlanFolderError,
    blocks_for_load,
    bridge_dips,
    greedy_first_stage,
    mean_forecast_raw,
    read_plan,
)
from models.dispatch.variants import redispatch
from models.instance import validate
from tests.conftest import tiny_instance
from tests.models.backtest.conftest import OPTIONS, small_day, two_scenarios


def test_read_plan_gives_back_the_solved_first_stage(small_raw, small_plan):
    folder, sol = small_plan
    first = read_plan(validate(small_raw, "small"), folder)
    assert first.blocks_on.keys() == sol.blocks_on.keys()
    for d, n in sol.blocks_on.items():
        np.testing.assert_array_equal(first.blocks_on[d], n)
    assert first.allocation == sol.allocation  # full precision in the CSV: exact round trip


def _edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "rack_power_plan.csv").unlink(), r"rack_power_plan\.csv: missing"),
        (
            lambda f: _edit(f / "workload_allocation.csv", "mw", "power"),
            r"workload_allocation\.csv: no column\(s\) mw",
        ),
        (
            lambda f: _edit(f / "rack_power_plan.csv", "\ndc01,3,", "\ndc01,3.5,"),
            r"rack_power_plan\.csv: row 5: step is not a whole number",
        ),
        (
            lambda f: _edit(f / "rack_power_plan.csv", "\ndc01,95,", "\ndc01,94,"),
            r"rack_power_plan\.csv: data centre dc01 needs one row for each step 0\.\.95",
        ),
    ],
    ids=["missing-file", "missing-column", "fractional-step", "missing-step"],
)
def test_bad_plan_folder_names_file_and_row(tmp_path, small_raw, small_plan, damage, message):
    folder = tmp_path / "plan"
    shutil.copytree(small_plan[0], folder)
    damage(folder)
    with pytest.raises(PlanFolderError, match=message):
        read_plan(validate(small_raw, "small"), folder)


def test_mean_forecast_is_the_probability_weighted_mean():
    raw = two_scenarios(small_day())
    mean = mean_forecast_raw(raw)
    (sc,) = mean["scenarios"]
    assert sc["probability"] == 1.0
    base = small_day()["scenarios"][0]["renewable_mw"]
    for plant, values in sc["renewable_mw"].items():
        np.testing.assert_allclose(values, (0.4 * 0.6 + 0.6 * 1.3) * np.asarray(base[plant]))
    assert {k: v for k, v in mean.items() if k != "scenarios"} == {
        k: v for k, v in raw.items() if k != "scenarios"
    }


@pytest.mark.parametrize(
    ("load", "initial", "ramp", "expected"),
    [
        ([0.5, 2.5, 0.0, 0.0], None, None, [1, 3, 0, 0]),  # the ceiling of load / 1 MW
        ([0.0, 0.0, 4.0, 0.0], None, 1, [2, 3, 4, 3]),  # ramp up before, down after
        ([0.0, 0.0, 0.0, 0.0], 3, 1, [2, 1, 0, 0]),  # ramp down from the initial blocks
        ([1.0, 1.0, 1.0, 1.0], None, 1, [1, 1, 1, 1]),  # an exact multiple needs no extra block
    ],
)
def test_blocks_for_load(load, initial, ramp, expected):
    n = blocks_for_load(np.asarray(load), 1.0, 4, initial, ramp)
    assert n.tolist() == expected


def test_greedy_follows_the_renewables():
    """One workload of 2 MWh at ≤ 1 MW over 4 one-hour steps; sun in steps 1 and 3 only.

    The surplus is 0, 5, 0, 3 MW: the workload fills step 1, then step 3 (5 − 1 = 4 > 3,
    so the second quarter-piece also goes to step 1 until it is full).
    """
    raw = tiny_instance(
        steps=4,
        **{"scenarios[0].renewable_mw.pv": [0.0, 5.0, 0.0, 3.0], "workloads[0].energy_mwh": 2.0},
    )
    inst = validate(raw, "tiny")
    first = greedy_first_stage(inst, hold_steps=0)
    assert first.allocation == {("job", "dc", 1): 1.0, ("job", "dc", 3): 1.0}
    assert first.blocks_on["dc"].tolist() == [0, 1, 0, 1]
    # bridging the one-step dip keeps the block on instead of restarting it
    assert greedy_first_stage(inst, hold_steps=1).blocks_on["dc"].tolist() == [0, 1, 1, 1]


@pytest.mark.parametrize(
    ("blocks", "hold", "expected"),
    [
        ([2, 0, 0, 2, 0], 2, [2, 2, 2, 2, 0]),  # a two-step dip is bridged, the tail is not
        ([2, 0, 0, 0, 2], 2, [2, 0, 0, 0, 2]),  # a three-step dip is not
        ([0, 3, 1, 3, 0], 1, [0, 3, 3, 3, 0]),
    ],
)
def test_bridge_dips(blocks, hold, expected):
    assert bridge_dips(np.array(blocks), hold).tolist() == expected


def test_greedy_plan_is_feasible_on_a_real_day(small_raw):
    inst = validate(small_raw, "small")
    first = greedy_first_stage(inst)
    served = {w.id: 0.0 for w in inst.workloads}
    for (j, d, t), mw in first.allocation.items():
        w = next(w for w in inst.workloads if w.id == j)
        assert w.release_step <= t < w.deadline_step and d in w.datacenters and mw > 0
        served[j] += mw * inst.step_hours
    for w in inst.workloads:
        assert served[w.id] == pytest.approx(w.energy_mwh)
        per_step = {}
        for (j, _d, t), mw in first.allocation.items():
            if j == w.id:
                per_step[t] = per_step.get(t, 0.0) + mw
        assert max(per_step.values()) <= w.max_mw + 1e-9
    for dc in inst.datacenters:
        load = dc.inflexible_mw.copy()
        for (_j, d, t), mw in first.allocation.items():
            if d == dc.id:
                load[t] += mw
        n = first.blocks_on[dc.id]
        assert (load <= n * dc.block_mw + 1e-9).all()
        if dc.max_block_change is not None:
            steps = np.diff(np.concatenate([[dc.initial_blocks_on], n]))
            assert np.abs(steps).max() <= dc.max_block_change
    sol = redispatch(inst, first.blocks_on, first.allocation, OPTIONS)
    assert sum(sol.unserved_mwh.values()) == pytest.approx(0.0, abs=1e-6)
