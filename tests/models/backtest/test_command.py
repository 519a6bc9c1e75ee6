"""``suandian evaluate`` errors and ``suandian backtest`` over days (small days in place of the fleet)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from models.backtest import run
from models.backtest.policies import POLICIES
from models.cli import main
from tests.conftest import SMALL_FLEET
from tests.models.backtest.conftest import small_day
from tests.models.backtest.test_actual import write_metered


@pytest.fixture
def instance_file(tmp_path):
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(small_day()))
    return path


def _bad_metered(folder):
    folder = write_metered(folder, ["huanxian-wind-1", "huanxian-pv-1", "qingcheng-pv-1"])
    text = (
        (folder / "huanxian-pv-1.csv").read_text().replace("\n40,10:00,13.9\n", "\n40,10:00,n/a\n")
    )
    (folder / "huanxian-pv-1.csv").write_text(text)
    return folder


def test_evaluate_bad_actual_file_exits_2_and_writes_nothing(
    tmp_path, capsys, instance_file, small_plan
):
    folder = _bad_metered(tmp_path / "metered")
    out = tmp_path / "out"
    code = main(
        [
            "evaluate",
            str(instance_file),
            str(small_plan[0]),
            "--actual",
            str(folder),
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert err.startswith("suandian: ") and "Traceback" not in err
    assert (
        "huanxian-pv-1.csv: row 41 (point 40, period ending 10:00): mw 'n/a' is not a number" in err
    )


def test_evaluate_bad_actual_keeps_an_existing_output(tmp_path, capsys, instance_file, small_plan):
    out = tmp_path / "out"
    out.mkdir()
    (out / "evaluation.json").write_text("{}")
    code = main(
        [
            "evaluate",
            str(instance_file),
            str(small_plan[0]),
            "--actual",
            str(_bad_metered(tmp_path / "metered")),
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert (out / "evaluation.json").read_text() == "{}"


def test_evaluate_unreadable_plan_folder_exits_2(tmp_path, capsys, instance_file):
    code = main(
        ["evaluate", str(instance_file), str(tmp_path / "no-plan"), "--out", str(tmp_path / "out")]
    )
    assert code == 2
    assert "rack_power_plan.csv: missing" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_evaluate_invalid_instance_exits_2(tmp_path, capsys, small_plan):
    path = tmp_path / "instance.json"
    path.write_text('{"version": 2}')
    code = main(["evaluate", str(path), str(small_plan[0]), "--out", str(tmp_path / "out")])
    assert code == 2
    assert str(path) in capsys.readouterr().err


def test_backtest_to_before_from_exits_2(tmp_path, capsys):
    code = main(
        ["backtest", "--from", "2026-03-02", "--to", "2026-03-01", "--out", str(tmp_path / "bt")]
    )
    assert code == 2
    assert "before" in capsys.readouterr().err


def test_backtest_days_in_parallel_processes(tmp_path, capsys):
    """Two days of the small fleet in two worker processes; the second day's queue is bad."""
    queues = tmp_path / "queues"
    queues.mkdir()
    good_queue = (SMALL_FLEET / "workloads.csv").read_text()
    (queues / "2026-03-09.csv").write_text(good_queue)
    (queues / "2026-03-10.csv").write_text(good_queue.replace("batch-b,12,", "batch-b,x,"))
    out = tmp_path / "bt"
    code = main(
        [
            "backtest",
            "--from",
            "2026-03-09",
            "--to",
            "2026-03-10",
            "--config",
            str(SMALL_FLEET / "fleet.toml"),
            "--workloads",
            str(queues),
            "--out",
            str(out),
            "--workers",
            "2",
            "--gap",
            "1e-2",
            "--time-limit",
            "30",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2, captured.err  # the one failed day had a bad input
    assert "2026-03-10: " in captured.err
    assert "2026-03-10.csv: row 3: energy_mwh: 'x' is not a number" in captured.err
    good = out / "2026-03-09"
    assert sorted(p.name for p in good.iterdir()) == [
        "actual.json",
        "actual_output.csv",
        "evaluation.json",
        "instance.json",
        "plan",
        "policy_steps.csv",
    ]
    assert (good / "plan" / "summary.json").exists()
    assert not (out / "2026-03-10").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folders left
    table = pd.read_csv(out / "backtest.csv")
    assert table["day"].tolist() == ["2026-03-09"] * len(POLICIES)
    assert table["policy"].tolist() == list(POLICIES)
    evaluation = json.loads((good / "evaluation.json").read_text())
    assert evaluation["stage_seconds"].keys() == {"instance", "plan", "actual", "evaluation"}
    assert table["realised_cost"].tolist() == [
        evaluation["policies"][p]["realised_cost"] for p in POLICIES
    ]
    page = (out / "backtest.html").read_text()
    assert page.count("<svg") == 4
    assert "2026-03-10" in page and "Days not evaluated" in page
    for external in ("<script", "<link", "src=", "url(http"):
        assert external not in page
    # a report rebuilt from the day folders (as a pipeline would) gives the same table
    (out / "backtest.csv").unlink()
    results = run.load_results(out, [dt.date(2026, 3, 9), dt.date(2026, 3, 10)])
    assert [r.ok for r in results] == [True, False]
    run.write_summary(out, results)
    pd.testing.assert_frame_equal(pd.read_csv(out / "backtest.csv"), table)
