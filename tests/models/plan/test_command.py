"""``suandian show``: the key figures printed are summary.json's own, and bad folders exit 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from models.cli import main
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def day_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A day folder laid out as the pipeline publishes it: ``plan/`` from ``suandian solve``."""
    day = tmp_path_factory.mktemp("day")
    out = day / "plan"
    assert main(["solve", str(EXAMPLES / "small-11" / "instance.json"), "--out", str(out),
                 "--quiet"]) == 0  # fmt: skip
    return day


def shown(capsys: pytest.CaptureFixture[str], folder: Path) -> str:
    capsys.readouterr()
    assert main(["show", str(folder)]) == 0
    return capsys.readouterr().out


def test_show_prints_the_summary_figures(day_dir: Path, capsys) -> None:
    s = json.loads((day_dir / "plan" / "summary.json").read_text())
    out = shown(capsys, day_dir / "plan")
    lines = {line.split("  ")[1].strip(): line.rsplit("  ", 1)[1] for line in out.splitlines()[1:]}
    # Formatted here by hand from the file, not with the command's helpers.
    assert lines["status"] == f"{s['status']}, gap {100 * s['gap']:.4f}%"
    assert s["status"] == "optimal"
    cost = round(s["objective"])
    assert lines["expected daily cost"] == ("-" if cost < 0 else "") + "¥" + f"{abs(cost):,}"
    assert lines["green share"] == f"{100 * s['green_share']:.1f}%"
    assert lines["imported from the grid"] == f"{s['import_mwh']:,.1f} MWh"
    assert lines["flexible energy left unserved"] == f"{s['unserved_flexible_mwh']:,.1f} MWh"
    assert "report" not in lines  # `suandian solve` writes no report
    assert out.splitlines()[0].startswith(s["name"])


def test_a_day_folder_shows_its_plan_and_report(day_dir: Path, capsys, tmp_path: Path) -> None:
    day = tmp_path / "2026-12-12"
    shutil.copytree(day_dir, day)
    (day / "report.html").write_text("<html></html>")
    out = shown(capsys, day)
    assert out == shown(capsys, day / "plan")
    assert out.splitlines()[-1].split() == ["report", str(day / "report.html")]


def test_missing_or_broken_summary_exits_2_with_a_message(day_dir: Path, capsys, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["show", str(empty)]) == 2
    assert "no summary.json" in capsys.readouterr().err
    assert main(["show", str(tmp_path / "absent")]) == 2
    assert "no such folder" in capsys.readouterr().err
    broken = tmp_path / "broken"
    shutil.copytree(day_dir / "plan", broken)
    summary = json.loads((broken / "summary.json").read_text())
    del summary["green_share"]
    (broken / "summary.json").write_text(json.dumps(summary))
    assert main(["show", str(broken)]) == 2
    captured = capsys.readouterr()
    assert "missing green_share" in captured.err and captured.out == ""
    (broken / "summary.json").write_text("{not json")
    assert main(["show", str(broken)]) == 2
    assert "cannot read the plan summary" in capsys.readouterr().err
