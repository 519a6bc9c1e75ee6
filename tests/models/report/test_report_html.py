"""The day report: charts and figures present, numbers equal to the summary, self-contained."""

from __future__ import annotations

import re
import shutil
import subprocess

import pandas as pd
import pytest

from models.plan import DayFolder, write_plan
from models.plan.figures import KEY_FIGURES
from models.report import render_day_report
from models.report.totals import (
    compare_totals,
    totals_from_published,
    totals_from_tables,
    unserved_flexible_mwh,
)
from tests.conftest import require
from tests.report_parse import key_figures, parse_report


def test_key_figures_equal_summary_exactly(tiny_instance, tiny_plan, tiny_flat):
    page = render_day_report(tiny_instance, tiny_plan, tiny_flat, day="2026-11-23")
    figures = key_figures(page)
    summary = tiny_plan.summary
    for key in ("objective", "bound", "gap", "solve_seconds", *KEY_FIGURES):
        assert float(figures[key]) == summary[key], key
    assert figures["status"] == "optimal"
    assert float(figures["unserved_flexible_mwh"]) == summary["unserved_flexible_mwh"]
    assert summary["unserved_flexible_mwh"] == unserved_flexible_mwh(tiny_instance, summary)


def test_charts_and_comparison_present(tiny_instance, tiny_plan, tiny_flat):
    page = render_day_report(tiny_instance, tiny_plan, tiny_flat)
    parsed = parse_report(page)
    assert parsed["charts"] == {
        "chart-supply": 1,
        "chart-racks": 1,
        "chart-workloads": 1,
        "chart-flat": 1,
    }
    comparison = parsed["tables"]["flat-comparison"]
    optimised, flat, diff = (float(x) for x in comparison["objective"])
    assert optimised == tiny_plan.summary["objective"]
    assert flat == tiny_flat.summary["objective"]
    assert diff == pytest.approx(optimised - flat)
    assert float(parsed["values"]["shifting-value"]) == pytest.approx(flat - optimised)
    assert set(parsed["tables"]["scenario-figures"]) == {"low", "high"}
    assert "<title>Suandian day plan 2026-11-23</title>" in page


def test_page_is_self_contained(tiny_instance, tiny_plan, tiny_flat):
    page = render_day_report(tiny_instance, tiny_plan, tiny_flat)
    assert not re.search(r"<(script|link|img|iframe)\b", page)
    # the only URLs are XML namespace names inside the SVG, never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_without_flat_plan_and_with_time_limit(tiny_instance, tiny_plan):
    tiny_plan.summary["status"] = "time_limit"
    page = render_day_report(tiny_instance, tiny_plan, None, notes=["gap above 0.01%"])
    parsed = parse_report(page)
    assert "chart-flat" not in parsed["charts"]
    assert 'id="not-optimal"' in page and "gap above 0.01%" in page


def test_site_files_and_published_totals(tmp_path, tiny_instance, tiny_plan):
    write_plan(tiny_plan, tmp_path)
    written = {str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {
        "summary.json",
        "rack_power_plan.csv",
        "workload_allocation.csv",
        "energy_schedule.csv",
        "rack_power_plan.parquet",
        "sites/dc01.csv",
        "sites/dc02.csv",
    }
    site = pd.read_csv(tmp_path / "sites" / "dc01.csv")
    assert list(site.columns) == [
        "step",
        "start",
        "blocks_on",
        "racks_on",
        "it_cap_mw",
        "facility_mw",
    ]
    assert len(site) == tiny_instance.steps and site["start"].iloc[0].endswith("+08:00")
    parquet = pd.read_parquet(tmp_path / "rack_power_plan.parquet")
    pd.testing.assert_frame_equal(parquet, tiny_plan.rack_power_plan)
    totals = totals_from_published(tiny_instance, tmp_path)
    assert compare_totals(totals, tiny_plan.summary) == []
    broken = dict(tiny_plan.summary, import_mwh=tiny_plan.summary["import_mwh"] + 0.5)
    assert compare_totals(totals, broken) == [
        f"import_mwh: files give {totals['import_mwh']!r}, summary says {broken['import_mwh']!r}"
    ]


def test_totals_reject_unknown_scenario(tiny_instance, tiny_plan):
    energy = tiny_plan.energy_schedule.assign(scenario="nope")
    with pytest.raises(ValueError, match="unknown scenarios"):
        totals_from_tables(
            tiny_instance, tiny_plan.rack_power_plan, tiny_plan.workload_allocation, energy
        )


CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)),
    None,
)


def test_screenshot_with_headless_chromium(tmp_path, tiny_instance, tiny_plan, tiny_flat):
    require(
        CHROMIUM is not None,
        "no Chromium on this machine (apt-get install chromium to run the screenshot test)",
    )
    page = DayFolder(tmp_path).write_report(render_day_report(tiny_instance, tiny_plan, tiny_flat))
    shot = tmp_path / "report.png"
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,2400",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page compresses to a few kB


def test_report_names_the_instance_the_plan_was_solved_from(tiny_instance, tiny_plan):
    import hashlib
    import json

    text = json.dumps(tiny_instance.raw, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(text.encode()).hexdigest()
    tiny_plan.summary["instance_sha256"] = digest
    page = render_day_report(tiny_instance, tiny_plan, None)
    assert f'id="solved-from" data-value="{digest}"' in page
    assert digest[:16] in page
    tiny_plan.summary["status"] = "interrupted"
    assert "The solve was interrupted" in render_day_report(tiny_instance, tiny_plan, None)
