"""The default offline data, unchanged, through the whole day's graph.

Kept apart from ``test_pipeline_day.py``: that module's day fixture patches the
instance assembler for as long as the module runs.
"""

import json

import dagster as dg
import pytest
from pipeline_support import DAY, OTHER_DAY, assert_days_differ, materialize_day, resources

from tests.report_parse import key_figures


@pytest.mark.slow
def test_full_size_default_day(tmp_path, dagster_home, runs_dir):
    """The default offline data, unchanged: 11 data centres, 3 scenarios, two days."""
    with dg.DagsterInstance.get() as instance:
        for day in (DAY, OTHER_DAY):
            result = materialize_day(day, resources(runs_dir), instance)
            assert result.success
            failed = {
                e.check_name: e.description
                for e in result.get_asset_check_evaluations()
                if not e.passed
            }
            assert failed == {}
    instance_json = json.loads((runs_dir / DAY / "instance.json").read_text())
    assert len(instance_json["datacenters"]) == 11
    summary = json.loads((runs_dir / DAY / "plan" / "summary.json").read_text())
    figures = key_figures((runs_dir / DAY / "report.html").read_text())
    assert float(figures["objective"]) == summary["objective"]
    assert len(list((runs_dir / DAY / "plan" / "sites").iterdir())) == 11
    assert_days_differ(runs_dir, DAY, OTHER_DAY)
