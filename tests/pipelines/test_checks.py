"""Each asset check, called directly, on a passing and a failing case."""

import json
from pathlib import Path

import dagster as dg
import pytest
from pipeline_support import DAY, tiny_raw

from models.dispatch.options import SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import dump_instance, validate
from models.plan.folder import write_plan_files
from models.plan.results import PlanTables, plan_tables
from pipelines.defs import checks
from pipelines.defs.assets.plan import SolvedDay
from pipelines.defs.resources import PlanLimits, Publisher

ERROR, WARN = dg.AssetCheckSeverity.ERROR, dg.AssetCheckSeverity.WARN


@pytest.fixture(scope="module")
def solved():
    raw = tiny_raw()
    instance = validate(raw, "tiny")
    tables = plan_tables(instance, solve_instance(instance, SolveOptions(mip_rel_gap=1e-4)))
    return raw, tables


@pytest.fixture
def published(tmp_path, solved):
    raw, tables = solved
    plan_dir = tmp_path / DAY / "plan"
    plan_dir.mkdir(parents=True)
    write_plan_files(tables, plan_dir)
    dump_instance(raw, tmp_path / DAY / "instance.json")
    return {"plan_dir": str(plan_dir), "files": [], "published": True}


def copy_day(solved, **summary):
    _, tables = solved
    clone = PlanTables(
        tables.rack_power_plan.copy(),
        tables.workload_allocation.copy(),
        tables.energy_schedule.copy(),
        {**tables.summary, **summary},
    )
    return SolvedDay(tables=clone, mip_rel_gap=1e-4, time_limit_s=None)


def test_instance_valid(tmp_path, solved, published):
    raw, _ = solved
    context = dg.build_op_context(partition_key=DAY)
    publisher = Publisher(runs_dir=str(tmp_path))
    ok = checks.instance_valid(context, publisher=publisher, dispatch_instance=raw)
    assert ok.passed
    bad = json.loads((tmp_path / DAY / "instance.json").read_text())
    bad["grid"]["import_price"][3] = -1
    (tmp_path / DAY / "instance.json").write_text(json.dumps(bad))
    result = checks.instance_valid(context, publisher=publisher, dispatch_instance=raw)
    assert not result.passed and result.severity == ERROR
    assert "grid.import_price[3]" in result.description


def test_plan_feasible(solved, published):
    raw, _ = solved
    assert checks.plan_feasible(rack_power_plan=published, dispatch_instance=raw).passed
    path = Path(published["plan_dir"]) / "rack_power_plan.csv"
    text = path.read_text().splitlines()
    header = text[0].split(",")
    row = text[1].split(",")
    row[header.index("blocks_on")] = "0"  # no block on, but load to carry
    text[1] = ",".join(row)
    path.write_text("\n".join(text) + "\n")
    result = checks.plan_feasible(rack_power_plan=published, dispatch_instance=raw)
    assert not result.passed and result.severity == ERROR
    assert result.metadata["violations"].value >= 1


def test_published_totals_match_summary(solved, published):
    raw, _ = solved
    day = copy_day(solved)
    assert checks.published_totals_match_summary(
        rack_power_plan=published, dispatch_instance=raw, dispatch_plan=day
    ).passed
    summary_path = Path(published["plan_dir"]) / "summary.json"
    summary = json.loads(summary_path.read_text())
    summary["import_mwh"] += 1.0
    summary_path.write_text(json.dumps(summary))
    result = checks.published_totals_match_summary(
        rack_power_plan=published, dispatch_instance=raw, dispatch_plan=day
    )
    assert not result.passed and "import_mwh" in result.description


def test_no_shed_load(solved):
    assert checks.no_shed_load(dispatch_plan=copy_day(solved)).passed
    day = copy_day(solved, shed_mwh=2.5)
    day.tables.energy_schedule.loc[5, "shed_mw"] = 10.0
    result = checks.no_shed_load(dispatch_plan=day)
    assert not result.passed and result.severity == ERROR
    assert result.metadata["largest_shed_mw"].value == 10.0


def test_gap_within_limit(solved):
    limits = PlanLimits()
    assert checks.gap_within_limit(
        plan_limits=limits, dispatch_plan=copy_day(solved, gap=0.0)
    ).passed
    result = checks.gap_within_limit(
        plan_limits=limits, dispatch_plan=copy_day(solved, gap=0.01, status="time_limit")
    )
    assert not result.passed and result.severity == WARN
    assert checks.gap_within_limit(
        plan_limits=PlanLimits(gap_limit=0.02), dispatch_plan=copy_day(solved, gap=0.01)
    ).passed


def test_unserved_flexible_energy(solved):
    raw, tables = solved
    served = tables.summary["flexible_served_mwh"]
    limits = PlanLimits(unserved_warn_mwh=1.0)
    assert checks.unserved_flexible_energy(
        plan_limits=limits, dispatch_plan=copy_day(solved), dispatch_instance=raw
    ).passed
    result = checks.unserved_flexible_energy(
        plan_limits=limits,
        dispatch_plan=copy_day(solved, flexible_served_mwh=served - 5.0),
        dispatch_instance=raw,
    )
    assert not result.passed and result.severity == WARN
    assert result.metadata["unserved_flexible_mwh"].value == pytest.approx(5.0)
