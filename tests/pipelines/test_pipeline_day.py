"""One delivery day materialised in-process into a temporary runs folder and DAGSTER_HOME.

The fast tests run the real forecast assets on the default offline data and
swap the assembled instance for a small one of the same day (2 data centres),
so the whole graph, every check and every file is exercised in seconds. The
``slow`` test runs the full-size default day end to end. Short solver limits
(see conftest) keep both quick.
"""

import json

import dagster as dg
import pandas as pd
import pytest
from pipeline_support import (
    ALL_ASSETS,
    ALL_CHECKS,
    DAY,
    OTHER_DAY,
    assert_days_differ,
    materialize_day,
    resources,
    tiny_assembler,
)

from pipelines.definitions import ASSETS, CHECKS
from tests.report_parse import key_figures


@pytest.fixture(scope="module")
def day_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("day")
    home, runs = base / "dagster_home", base / "runs"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))
        tiny_assembler(mp)
        with dg.DagsterInstance.get() as instance:
            result = materialize_day(DAY, resources(runs), instance)
            yield {"result": result, "runs": runs, "home": home, "instance": instance}


def test_day_materialises_and_every_check_passes(day_run):
    result = day_run["result"]
    assert result.success
    materialised = {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.partition
        for e in result.get_asset_materialization_events()
    }
    assert materialised == dict.fromkeys(ALL_ASSETS, DAY)
    evaluations = result.get_asset_check_evaluations()
    assert {e.check_name for e in evaluations} == ALL_CHECKS
    failed = {e.check_name: e.description for e in evaluations if not e.passed}
    assert failed == {}
    assert all(e.partition == DAY for e in evaluations)
    assert str(day_run["home"]) in str(day_run["instance"].root_directory)


def test_published_files_match_the_summary(day_run):
    day = day_run["runs"] / DAY
    plan = day / "plan"
    assert sorted(p.name for p in day.iterdir()) == [
        "flat_plan",
        "instance.json",
        "plan",
        "report.html",
    ]
    assert {p.name for p in plan.iterdir()} == {
        "summary.json",
        "rack_power_plan.csv",
        "workload_allocation.csv",
        "energy_schedule.csv",
        "rack_power_plan.parquet",
        "sites",
    }
    summary = json.loads((plan / "summary.json").read_text())
    instance = json.loads((day / "instance.json").read_text())
    dcs = [dc["id"] for dc in instance["datacenters"]]
    assert sorted(p.stem for p in (plan / "sites").iterdir()) == sorted(dcs)
    site = pd.read_csv(plan / "sites" / f"{dcs[0]}.csv")
    assert list(site.columns) == [
        "step",
        "start",
        "blocks_on",
        "racks_on",
        "it_cap_mw",
        "facility_mw",
    ]
    assert len(site) == 96
    assert site["start"].iloc[1] == f"{DAY}T00:15:00+08:00"
    rack_csv = pd.read_csv(plan / "rack_power_plan.csv")
    rack_parquet = pd.read_parquet(plan / "rack_power_plan.parquet")
    assert len(rack_parquet) == len(rack_csv) == 96 * len(dcs)
    pd.testing.assert_series_equal(rack_parquet["facility_mw"], rack_csv["facility_mw"])

    meta = day_run["result"].asset_materializations_for_node("dispatch_plan")[0].metadata
    assert meta["objective"].value == summary["objective"]
    assert meta["gap"].value == summary["gap"]

    figures = key_figures((day / "report.html").read_text())
    for key in (
        "objective",
        "gap",
        "green_share",
        "renewable_utilisation",
        "curtailed_mwh",
        "import_mwh",
        "exported_mwh",
        "emissions_t",
        "facility_mwh",
        "shed_mwh",
    ):
        assert float(figures[key]) == summary[key], key
    assert figures["status"] == summary["status"]


def test_metadata_is_typed(day_run):
    result = day_run["result"]
    plan = result.asset_materializations_for_node("dispatch_plan")[0].metadata
    for key in (
        "objective",
        "gap",
        "solve_seconds",
        "green_share",
        "renewable_utilisation",
        "curtailed_mwh",
        "import_mwh",
        "exported_mwh",
        "emissions_t",
        "unserved_flexible_mwh",
    ):
        assert isinstance(plan[key], dg.FloatMetadataValue), key
    assert isinstance(plan["key_figures"], dg.MarkdownMetadataValue)
    published = result.asset_materializations_for_node("rack_power_plan")[0].metadata
    assert isinstance(published["plan_dir"], dg.PathMetadataValue)
    report = result.asset_materializations_for_node("plan_report")[0].metadata
    assert isinstance(report["report"], dg.PathMetadataValue)
    assert isinstance(report["shifting_saving"], dg.FloatMetadataValue)


def test_rematerialising_replaces_each_file_of_the_day_whole(day_run):
    runs = day_run["runs"]
    day = runs / DAY
    before = (day / "instance.json").read_text()
    (day / "stale.txt").write_text("left from an earlier run")
    (day / "plan" / "sites" / "dc99.csv").write_text("stale")
    result = dg.materialize(
        [*ASSETS, *CHECKS],
        partition_key=DAY,
        resources=resources(runs),
        instance=day_run["instance"],
        selection=dg.AssetSelection.assets("dispatch_instance").downstream(),
    )
    assert result.success
    # The day folder is no longer swapped whole (its plan must outlive a failed re-plan):
    # each of its files and the plan folder are, and a file it does not own stays.
    assert (day / "stale.txt").exists()
    assert not (day / "plan" / "sites" / "dc99.csv").exists()
    assert (day / "instance.json").read_text() == before  # same inputs, same instance
    for folder in (runs, day):
        assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no staging left


def test_two_days_give_different_plans(day_run):
    runs = day_run["runs"]
    with pytest.MonkeyPatch.context() as mp:
        tiny_assembler(mp)
        result = materialize_day(OTHER_DAY, resources(runs), day_run["instance"])
    assert result.success
    assert_days_differ(runs, DAY, OTHER_DAY)


def test_unpublished_run_writes_a_draft(tmp_path, monkeypatch, dagster_home):
    from pipelines.defs.resources import Publisher

    tiny_assembler(monkeypatch)
    res = resources(tmp_path) | {"publisher": Publisher(runs_dir=str(tmp_path), publish=False)}
    with dg.DagsterInstance.get() as instance:
        result = materialize_day(DAY, res, instance)
    assert result.success
    assert not (tmp_path / DAY).exists()
    assert (tmp_path / "drafts" / DAY / "plan" / "summary.json").is_file()
    assert (tmp_path / "drafts" / DAY / "report.html").is_file()
