"""A plan past midnight (``committed_steps``): its figures are the delivery day's, its optimum v1's.

Hand derivation on the tiny instance (one 1 MW job of 1 MWh, 1 h steps, no
inflexible load, idle 0.2, PUE 1): with import at 200 ¥/MWh in steps 0-1 and
100 in steps 2-3 the job runs in step 2 or 3 on one block at full load
(``it = 0.2·1 + 0.8·1 = 1 MW``), so the optimum is 100 ¥ and the first two
steps, the delivery day, draw nothing.
"""

from __future__ import annotations

import pandas as pd
import pytest

from models.dispatch.solve import solve_instance
from models.instance import validate
from models.plan import plan_tables, read_plan, write_plan
from models.report.totals import compare_totals, totals_from_published
from tests.conftest import tiny_instance

PRICES = {"grid.import_price": [200.0, 200.0, 100.0, 100.0]}


@pytest.fixture(scope="module")
def plans():
    plain = validate(tiny_instance(steps=4, **PRICES))
    committed = validate(tiny_instance(steps=4, committed_steps=2, **PRICES))
    return (
        (plain, plan_tables(plain, solve_instance(plain))),
        (committed, plan_tables(committed, solve_instance(committed))),
    )


def test_committed_steps_keep_the_v1_optimum(plans):
    (_, plain), (_, committed) = plans
    assert plain.summary["objective"] == pytest.approx(100.0, abs=1e-6)
    assert committed.summary["objective"] == pytest.approx(100.0, abs=1e-6)
    assert "committed_steps" not in plain.summary
    assert committed.summary["committed_steps"] == 2


def test_key_figures_are_the_delivery_days(plans, tmp_path):
    (_, plain), (inst, committed) = plans
    assert plain.summary["facility_mwh"] == pytest.approx(1.0, abs=1e-6)
    assert plain.summary["flexible_served_mwh"] == pytest.approx(1.0, abs=1e-6)
    s = committed.summary
    assert s["facility_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["import_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["flexible_served_mwh"] == pytest.approx(0.0, abs=1e-9)
    assert s["green_share"] == 1.0
    write_plan(committed, tmp_path / "plan")
    # The look-ahead stays in the folder, whole.
    rack = pd.read_csv(tmp_path / "plan" / "rack_power_plan.csv")
    assert sorted(rack["step"]) == [0, 1, 2, 3]
    assert rack["facility_mw"].sum() == pytest.approx(1.0, abs=1e-6)
    assert compare_totals(totals_from_published(inst, tmp_path / "plan"), s) == []
    assert read_plan(tmp_path / "plan").summary["committed_steps"] == 2
