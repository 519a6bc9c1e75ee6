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
