"""Tightenings cut off fractional points only: the relaxation rises, the optimum stays."""

from __future__ import annotations

import json

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.build import build_model
from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import load_instance, validate
from tests.conftest import EXAMPLES, tiny_instance


def lp_bound(inst, tightenings: tuple[str, ...]) -> float:
    m = build_model(inst, tightenings=tightenings)
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    return Highs().solve(m, load_solutions=False).incumbent_objective


def test_top_block_cut_raises_the_relaxation_and_stays_below_the_optimum() -> None:
    inst = load_instance(EXAMPLES / "medium-12" / "instance.json")
    best = json.loads((EXAMPLES / "medium-12" / "expected.json").read_text())["objective"]
    plain = lp_bound(inst, ("bess_power_share",))
    cut = lp_bound(inst, ("bess_power_share", "dc_top_block"))
    assert cut > plain + 1.0
    assert cut <= best + 1e-6 * abs(best)


def test_top_block_cut_on_a_hand_case() -> None:
    # Blocks of 1 MW, inflexible 0.5 MW, one 2.4 MWh workload at up to 1.2 MW: at most 1.7 MW, so
    # k1 = 2 blocks and f1 = 0.5 MW; the cut reads 0.7 · (n − 1) >= flex − 0.5, i.e. running
    # the workload at 1.2 MW needs both blocks, as integrality says.
    raw = tiny_instance(
        **{
            "datacenters[0].inflexible_mw": [0.5, 0.5],
            "workloads[0].max_mw": 1.2,
            "workloads[0].energy_mwh": 2.4,
        }
    )
    inst = validate(raw)
    m = build_model(inst, tightenings=("dc_top_block",))
    assert list(m.DC_T_TOP) == [("dc", 0), ("dc", 1)]
    cut = m.dc_top_block["dc", 0]
    m.workload_mw["job", "dc", 0].set_value(1.2)
    m.dc_blocks_on["dc", 0].set_value(1.7)  # the relaxation's point: capacity exactly met
    assert not satisfied(cut)
    m.dc_blocks_on["dc", 0].set_value(2)
    assert satisfied(cut)


def satisfied(con) -> bool:
    body = pyo.value(con.body)
    low = -float("inf") if con.lower is None else pyo.value(con.lower)
    high = float("inf") if con.upper is None else pyo.value(con.upper)
    return low - 1e-9 <= body <= high + 1e-9


@pytest.mark.parametrize("tightenings", [(), ("dc_top_block",), ("bess_power_share",)])
def test_each_tightening_keeps_the_optimum(tightenings) -> None:
    inst = load_instance(EXAMPLES / "small-11" / "instance.json")
    full = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7))
    other = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7, tightenings=tightenings))
    assert other.objective == pytest.approx(full.objective, rel=1e-6)


def two_site_job() -> dict:
    """2 steps of 1 h, sites ``dc`` and ``dc2``; the job needs 1 MWh at up to 1 MW, one site."""
    raw = tiny_instance(**{"datacenters[0].pue": [1.0, 2.0]})
    raw["datacenters"].append({**raw["datacenters"][0], "id": "dc2", "pue": [2.0, 1.0]})
    raw["workloads"][0].update(datacenters=["dc", "dc2"], max_datacenters=1)
    return raw


def test_energy_gate_on_a_hand_case() -> None:
    # Half an assignment per site lets the per-step gates x <= 1 · a carry 0.5 MW in each
    # step at dc (1 MWh there) with a = 0.5; the energy gate 1 h · Σ_t x <= 1 MWh · a
    # then reads 1 <= 0.5, cut off; with the job assigned to dc (a = 1) it holds.
    inst = validate(two_site_job())
    m = build_model(inst, tightenings=("placement_energy_gate",))
    assert list(m.PL_JD_ENERGY) == [("job", "dc"), ("job", "dc2")]
    for t in (0, 1):
        m.workload_mw["job", "dc", t].set_value(0.5)
        m.workload_mw["job", "dc2", t].set_value(0.0)
    m.placement_assigned["job", "dc"].set_value(0.5)
    m.placement_assigned["job", "dc2"].set_value(0.5)
    assert all(satisfied(con) for con in m.placement_gate.values())
    assert not satisfied(m.placement_energy_gate["job", "dc"])
    m.placement_assigned["job", "dc"].set_value(1.0)
    assert satisfied(m.placement_energy_gate["job", "dc"])


def test_energy_gate_keeps_the_optimum() -> None:
    # The job runs 1 MW for 1 h at PUE 1 (dc in step 0, or dc2 in step 1: the same cost),
    # one full block: 1 MWh at 100 ¥/MWh = 100 ¥, with the gate as without it.
    inst = validate(two_site_job())
    plain = solve_instance(inst, SolveOptions(mip_rel_gap=1e-7, tightenings=()))
    gated = solve_instance(
        inst, SolveOptions(mip_rel_gap=1e-7, tightenings=("placement_energy_gate",))
    )
    assert plain.objective == pytest.approx(100.0)
    assert gated.objective == pytest.approx(100.0)
