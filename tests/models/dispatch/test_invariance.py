"""Properties any correct optimiser of the contract has, checked on a real example."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from models.dispatch.build import build_model
from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import validate
from tests.conftest import copy_raw, load_example

OPTIONS = SolveOptions(mip_rel_gap=1e-6)


@pytest.fixture(scope="module")
def small():
    raw, _expected = load_example("small-11")
    return raw, solve_instance(validate(raw), OPTIONS)


def test_two_identical_half_scenarios_give_the_same_optimum(small) -> None:
    raw, sol = small
    twin = copy_raw(raw)
    first = twin["scenarios"][0]
    twin["scenarios"] = [
        {**first, "id": "a", "probability": 0.5},
        {**first, "id": "b", "probability": 0.5},
    ]
    assert solve_instance(validate(twin), OPTIONS).objective == pytest.approx(
        sol.objective, rel=1e-5
    )


def split_steps(raw: dict) -> dict:
    """The same day on steps half as long: every series repeated, windows doubled."""
    out = copy_raw(raw)
    twice = lambda xs: [x for x in xs for _ in range(2)]  # noqa: E731
    out["step_minutes"] = raw["step_minutes"] // 2
    out["steps"] = raw["steps"] * 2
    for sc in out["scenarios"]:
        sc["renewable_mw"] = {p: twice(v) for p, v in sc["renewable_mw"].items()}
    for dc in out["datacenters"]:
        dc["pue"], dc["inflexible_mw"] = twice(dc["pue"]), twice(dc["inflexible_mw"])
    for wl in out["workloads"]:
        wl["release_step"] *= 2
        wl["deadline_step"] *= 2
    for key in ("import_price", "export_price"):
        out["grid"][key] = twice(out["grid"][key])
    return out


def first_steps(raw: dict, steps: int) -> dict:
    """The first ``steps`` steps of a day, workloads clipped to them (a smaller instance)."""
    out = copy_raw(raw)
    out["steps"] = steps
    for sc in out["scenarios"]:
        sc["renewable_mw"] = {p: v[:steps] for p, v in sc["renewable_mw"].items()}
    for dc in out["datacenters"]:
        dc["pue"], dc["inflexible_mw"] = dc["pue"][:steps], dc["inflexible_mw"][:steps]
    out["workloads"] = [w for w in out["workloads"] if w["release_step"] < steps]
    for wl in out["workloads"]:
        wl["deadline_step"] = min(wl["deadline_step"], steps)
    for key in ("import_price", "export_price"):
        out["grid"][key] = out["grid"][key][:steps]
    return out


def test_splitting_every_step_never_raises_the_optimum(small) -> None:
    raw, _sol = small
    coarse = first_steps(raw, 32)
    coarse["step_minutes"] = 30
    coarse_obj = solve_instance(validate(coarse), OPTIONS).objective
    fine_obj = solve_instance(validate(split_steps(coarse)), OPTIONS).objective
    assert fine_obj <= coarse_obj + 1e-6 * abs(coarse_obj)


def test_plain_model_and_tightened_model_share_the_optimum(small) -> None:
    raw, sol = small
    plain = solve_instance(validate(raw), SolveOptions(mip_rel_gap=1e-6, tightenings=()))
    assert plain.objective == pytest.approx(sol.objective, rel=1e-5)


def test_lp_relaxation_bound_is_below_the_mip_optimum(small) -> None:
    raw, sol = small
    m = build_model(validate(raw))
    pyo.TransformationFactory("core.relax_integer_vars").apply_to(m)
    res = Highs().solve(m, load_solutions=False)
    assert res.incumbent_objective <= sol.objective + 1e-6
    # Integrality matters here: the relaxation is strictly weaker than the MIP.
    assert res.incumbent_objective < sol.objective - 1e-3


def test_unknown_tightening_lists_the_valid_ones(small) -> None:
    raw, _sol = small
    with pytest.raises(ValueError, match="unknown tightening 'magic'; choose from"):
        solve_instance(validate(raw), SolveOptions(tightenings=("magic",)))
