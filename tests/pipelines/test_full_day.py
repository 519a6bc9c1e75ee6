"""The default offline data, unchanged, through the whole day's graph.

Kept apart from ``test_pipeline_day.py``: that module's day fixture patches the
instance assembler for as long as the module runs. The assertions hold at any
machine speed: the solve may stop at its limit (status ``time_limit``) with any
gap, so only what every published plan satisfies is checked, not how close to
optimal a given machine gets in the time allowed.
"""

import json

import dagster as dg
import pytest
from pipeline_support import (
    DAY,
    MIP_GAP,
    OTHER_DAY,
    assert_days_differ,
    materialize_day,
    resources,
)

from tests.report_parse import key_figures

# Checks whose outcome does not depend on how far the search got: the archived instance,
# the independent re-check of every constraint on the published files, and the
# published totals against the summary.
SPEED_INDEPENDENT_CHECKS = {"instance_valid", "plan_feasible", "published_totals_match_summary"}


@pytest.mark.slow
def test_full_size_default_day(tmp_path, dagster_home, runs_dir):
    """The default offline data, unchanged: 11 data centres, 3 scenarios, two days."""
    with dg.DagsterInstance.get() as instance:
        for day in (DAY, OTHER_DAY):
            result = materialize_day(day, resources(runs_dir), instance)
            assert result.success
            evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
            failed = {
                name: evaluations[name].description
                for name in SPEED_INDEPENDENT_CHECKS
                if not evaluations[name].passed
            }
            assert failed == {}
            summary = json.loads((runs_dir / day / "plan" / "summary.json").read_text())
            assert summary["status"] in {"optimal", "time_limit"}
            # the contract's gap, from the published objective and bound
            gap = (summary["objective"] - summary["bound"]) / max(1.0, abs(summary["objective"]))
            assert summary["gap"] == pytest.approx(max(0.0, gap), abs=1e-9)
            if summary["status"] == "optimal":
                assert summary["gap"] <= MIP_GAP * (1 + 1e-9)
            meta = result.asset_materializations_for_node("dispatch_plan")[0].metadata
            assert meta["status"].value == summary["status"]
    instance_json = json.loads((runs_dir / DAY / "instance.json").read_text())
    assert len(instance_json["datacenters"]) == 11
    summary = json.loads((runs_dir / DAY / "plan" / "summary.json").read_text())
    figures = key_figures((runs_dir / DAY / "report.html").read_text())
    assert float(figures["objective"]) == summary["objective"]
    assert figures["status"] == summary["status"]
    assert sorted(p.stem for p in (runs_dir / DAY / "plan" / "sites").iterdir()) == sorted(
        dc["id"] for dc in instance_json["datacenters"]
    )
    assert_days_differ(runs_dir, DAY, OTHER_DAY)
