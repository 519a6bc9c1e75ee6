"""The rule that a battery does not charge and discharge in the same step, on a hand case.

The rule is added lazily (``models.dispatch.storage.add_exclusion``): the first
round solves its convex hull per step (``tightening.bess_power_share``), and
only a (storage, scenario) whose plan both charges and discharges gets binary
modes, at every step, for the next round.

Hand case (``tests.conftest.tiny_instance`` with 1-hour steps, Δ = 1): no
workload and idle fraction 0, so the data centre draws nothing; renewables
1 MW in step 0 and none in step 1; no export; curtailment costs 100 ¥/MWh.
A battery of 1 MW each way and 0–1 MWh starts full, may end empty, charges
losslessly (ηc = 1), discharges at ηd = 0.5 and costs 1 ¥ per MWh discharged.

Step 0: balance ``1 − curt + dis = ch`` (import only adds cost), so
``curt = 1 − ch + dis``; the battery is full, so ``soc = 1 + ch − 2·dis ≤ 1``,
i.e. ``ch ≤ 2·dis``. Step 1 has nothing to curtail and no use for the battery.

- With the rule, charging needs ``dis = 0`` and then ``ch = 0``: all 1 MWh is
  curtailed, cost **100**.
- With the hull ``ch + dis ≤ 1`` instead (round 1): minimise
  ``100·(1 − ch + dis) + dis`` over ``ch ≤ 2·dis, ch + dis ≤ 1``; at the vertex
  ``ch = 2/3, dis = 1/3`` the battery burns 1/3 MWh in its losses:
  ``100·2/3 + 1/3`` = **67**.
- With no rule at all (``ch, dis ≤ 1``): ``ch = 1, dis = 0.5`` burns 0.5 MWh:
  ``100·0.5 + 0.5`` = **50.5**.
"""

from __future__ import annotations

import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.build import build_model
from models.dispatch.solve import solve_instance
from models.instance import validate
from tests.conftest import tiny_instance


def burning_instance(degradation: float = 1.0):
    raw = tiny_instance(
        **{
            "scenarios[0].renewable_mw.pv": [1.0, 0.0],
            "datacenters[0].idle_fraction": 0.0,
            "grid.curtailment_cost_per_mwh": 100.0,
        }
    )
    raw["workloads"] = []
    raw["storage"] = [
        {"id": "b", "charge_mw": 1.0, "discharge_mw": 1.0, "energy_min_mwh": 0.0,
         "energy_max_mwh": 1.0, "energy_initial_mwh": 1.0, "energy_final_min_mwh": 0.0,
         "charge_efficiency": 1.0, "discharge_efficiency": 0.5,
         "degradation_cost_per_mwh": degradation}
    ]  # fmt: skip
    return validate(raw)


def optimum_without_exclusion(tightenings: tuple[str, ...]) -> float:
    """The model as built, before ``solve`` adds any binary mode: the rule is off."""
    m = build_model(burning_instance(), tightenings=tightenings)
    res = Highs().solve(m, load_solutions=False)
    return res.incumbent_objective


def test_relaxing_the_exclusion_lowers_the_optimum() -> None:
    assert optimum_without_exclusion(("bess_power_share",)) == pytest.approx(67.0)
    assert optimum_without_exclusion(()) == pytest.approx(50.5)


def test_exclusion_binaries_restore_the_optimum_of_the_rule() -> None:
    sol = solve_instance(burning_instance())
    assert sol.objective == pytest.approx(100.0)
    assert sol.status == "optimal"
    # Round 1 (hull) charges 2/3 and discharges 1/3 in step 0; round 2 has a binary mode at
    # both steps of (b, s) and no clash.
    assert sol.rounds == 2
    assert sol.exclusion_keys == (("b", "s", 0), ("b", "s", 1))
    # The bound is round 2's proof, not round 1's relaxation (67).
    assert sol.highs_bound == pytest.approx(100.0)
    assert list(sol.curtailed_mw["s"]) == pytest.approx([1.0, 0.0])
    assert list(sol.charge_mw["b", "s"]) == [0.0, 0.0]
    assert list(sol.discharge_mw["b", "s"]) == [0.0, 0.0]
    assert list(sol.soc_mwh["b", "s"]) == pytest.approx([1.0, 1.0])


def test_no_binaries_where_burning_does_not_pay() -> None:
    # At degradation c the hull's best burning direction ch = 2·dis costs
    # 100·(1 − dis) + c·dis = 100 + (c − 100)·dis: at c = 150 the battery stays idle in round 1
    # already, nothing clashes and the cost is the 100 of curtailment.
    sol = solve_instance(burning_instance(degradation=150.0))
    assert sol.objective == pytest.approx(100.0)
    assert sol.rounds == 1
    assert sol.exclusion_keys == ()
