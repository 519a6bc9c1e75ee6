"""Workload queue (models/forecast/workloads.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models.forecast import ForecastInputError, demo_queue, workload_queue
from models.forecast.fleet import DATA_DIR, JobClassRules

from .conftest import SUMMER, cli_error

SAMPLE_DAY = dt.date(2026, 11, 23)
HEADER = "id,energy_mwh,datacenters,earliest_start,deadline,max_mw,unserved_penalty_per_mwh\n"


def test_shipped_sample_is_read_for_its_day(config):
    queue = workload_queue(config, SAMPLE_DAY)
    assert (DATA_DIR / "workloads" / "2026-11-23.csv").is_file()
    assert [w["id"] for w in queue][:2] == ["train-llm-a", "train-llm-b"]
    cfd = next(w for w in queue if w["id"] == "simulation-cfd")
    assert (cfd["release_step"], cfd["deadline_step"]) == (42, 66)  # 10:30-16:30
    assert cfd["datacenters"] == ["dc03", "dc04"]


def test_times_round_to_whole_steps(config, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        HEADER + "a,10,dc01 dc02,09:10,2026-06-21T17:50+08:00,5,100\nb,5,dc03,22:00,24:00,2,0\n"
    )
    a, b = workload_queue(config, SUMMER, path)
    assert (a["release_step"], a["deadline_step"]) == (37, 71)
    assert a["datacenters"] == ["dc01", "dc02"]
    assert (b["release_step"], b["deadline_step"]) == (88, 96)


def test_json_format(config, tmp_path):
    path = tmp_path / "q.json"
    path.write_text(
        json.dumps(
            {
                "workloads": [
                    {
                        "id": "x",
                        "energy_mwh": 3,
                        "datacenters": ["dc11"],
                        "earliest_start": "00:00",
                        "deadline": "06:00",
                        "max_mw": 1.5,
                        "unserved_penalty_per_mwh": 2000,
                    }
                ]
            }
        )
    )
    (x,) = workload_queue(config, SUMMER, path)
    assert x == {
        "id": "x",
        "energy_mwh": 3.0,
        "datacenters": ["dc11"],
        "release_step": 0,
        "deadline_step": 24,
        "max_mw": 1.5,
        "unserved_penalty_per_mwh": 2000.0,
    }


def test_folder_without_day_file_gives_demo_queue(config, tmp_path):
    assert workload_queue(config, SUMMER, tmp_path) == demo_queue(config, SUMMER)


def test_demo_queue_deterministic_and_feasible(config):
    a, b = demo_queue(config, SUMMER), demo_queue(config, SUMMER)
    assert a == b and len(a) >= 20
    assert a != demo_queue(config, SUMMER + dt.timedelta(days=1))
    caps = {d.id: d.capacity_mw for d in config.datacenters}
    for w in a:
        hours = (w["deadline_step"] - w["release_step"]) / 4
        assert w["energy_mwh"] <= w["max_mw"] * hours  # can be served in full
        assert w["max_mw"] <= 0.5 * sum(caps[d] for d in w["datacenters"])
    total = sum(w["energy_mwh"] for w in a)
    assert 300 < total < 2000  # MWh: a sizeable but not dominant flexible share


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ("a,10,dc99,00:00,24:00,5,100", "unknown data centre 'dc99'"),
        ("a,ten,dc01,00:00,24:00,5,100", "energy_mwh: 'ten' is not a number"),
        ("a,10,dc01,25:00,24:00,5,100", "earliest_start"),
        ("a,10,dc01,10:05,10:14,5,100", "no whole 15-minute step"),
        ("a,10,dc01,00:00,24:00,-5,100", "max_mw"),
        ("a,10,dc01,00:00,24:00,5,100\na,1,dc02,00:00,24:00,5,100", "id 'a' is duplicated"),
    ],
)
def test_bad_workload_rows(config, tmp_path, capsys, row, needle):
    path = tmp_path / "q.csv"
    path.write_text(HEADER + row + "\n")
    with pytest.raises(ForecastInputError, match=r"row [23]") as err:
        workload_queue(config, SUMMER, path)
    assert needle in str(err.value) and str(path) in str(err.value)
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--workloads", str(path))
    assert needle in msg


def test_missing_workload_file(config, tmp_path, capsys):
    msg = cli_error(
        capsys, tmp_path, "--date", "2026-06-21", "--workloads", str(tmp_path / "none.csv")
    )
    assert "none.csv: workload file not found" in msg


def test_old_files_without_placement_columns_give_no_rules(config):
    queue = workload_queue(config, SAMPLE_DAY)
    assert all(set(w) == set(queue[0]) for w in queue)
    assert "max_datacenters" not in queue[0] and "restart_cost" not in queue[0]


def test_placement_columns_csv_and_json(config, tmp_path):
    path = tmp_path / "q.csv"
    path.write_text(
        HEADER.rstrip("\n")
        + ",min_mw,max_datacenters,migration_cost,restart_cost,min_run_steps,preemptible\n"
        + "a,10,dc01 dc02,00:00,24:00,5,100,1.5,1,,2000,8,FALSE\n"
        + "b,5,dc03,22:00,24:00,2,0,,,,,,\n"
    )
    a, b = workload_queue(config, SUMMER, path)
    assert {k: a[k] for k in a if k not in b} == {
        "min_mw": 1.5,
        "max_datacenters": 1,
        "restart_cost": 2000.0,
        "min_run_steps": 8,
        "preemptible": False,
    }
    path = tmp_path / "q.json"
    record = {
        "id": "x", "energy_mwh": 3, "datacenters": ["dc10", "dc11"], "earliest_start": "00:00",
        "deadline": "06:00", "max_mw": 1.5, "unserved_penalty_per_mwh": 2000,
        "migration_cost": 50, "preemptible": True,
    }  # fmt: skip
    path.write_text(json.dumps([record]))
    (x,) = workload_queue(config, SUMMER, path)
    assert (x["migration_cost"], x["preemptible"]) == (50.0, True)


@pytest.mark.parametrize(
    ("cells", "needle"),
    [
        ("|||||yes", "preemptible: 'yes' must be true or false"),
        ("|1.5||||", "max_datacenters: '1.5' must be a whole number >= 1"),
        ("|0||||", "max_datacenters: '0' must be a finite number > 0"),
        ("|||-3||", "restart_cost: '-3' must be a finite number >= 0"),
        ("x|||||", "min_mw: 'x' is not a number"),
    ],
)
def test_bad_placement_cells(config, tmp_path, cells, needle):
    path = tmp_path / "q.csv"
    path.write_text(
        HEADER.rstrip("\n")
        + ",min_mw,max_datacenters,migration_cost,restart_cost,min_run_steps,preemptible\n"
        + "a,10,dc01 dc02,00:00,24:00,5,100,"
        + cells.replace("|", ",")
        + "\n"
    )
    with pytest.raises(ForecastInputError, match="row 2") as err:
        workload_queue(config, SUMMER, path)
    assert needle in str(err.value)


def with_rules(config, rules: dict):
    """``config`` with the demo queue's placement rules replaced by ``rules``."""
    demo = config.workloads.demo.model_copy(
        update={"rules": {k: JobClassRules(**v) for k, v in rules.items()}}
    )
    workloads = config.workloads.model_copy(update={"demo": demo})
    return config.model_copy(update={"workloads": workloads})


def test_default_demo_queue_holds_training_to_one_site_and_prices_its_restarts(config):
    # data/qingyang.toml: training max_datacenters = 1, an hour of its work per restart
    # (work_value_per_mwh = 400 CNY/MWh, so 400 CNY per MW of max_mw) and a floor of 30 %
    # of max_mw while it runs; nothing else.
    trained = 0
    for w in demo_queue(config, SUMMER):
        rules = {
            k
            for k in w
            if k
            in {
                "min_mw",
                "max_datacenters",
                "migration_cost",
                "restart_cost",
                "min_run_steps",
                "preemptible",
            }
        }
        if not w["id"].endswith("-train"):
            assert rules == set(), w["id"]
            continue
        trained += 1
        assert rules == {"max_datacenters", "restart_cost", "min_mw"}, w["id"]
        assert w["max_datacenters"] == 1
        assert w["restart_cost"] == pytest.approx(400.0 * w["max_mw"], abs=0.01)
        assert w["min_mw"] == pytest.approx(0.3 * w["max_mw"], abs=1e-3)
    assert trained > 0


def test_demo_queue_rules_by_job_class(config):
    # The values of docs/data-sources.md B10: training 1 site, 30 % floor, 1 h of work at
    # 400 CNY/MWh per restart, 8 steps; batch and ETL 2 sites (when they list more),
    # 50 CNY/MW, 1/4 h.
    full = with_rules(config, {
        "train": {"max_datacenters": 1, "min_mw_share": 0.3, "restart_work_hours": 1.0,
                  "min_run_steps": 8},
        "batch": {"max_datacenters": 2, "migration_cost_per_mw": 50.0, "restart_work_hours": 0.25},
        "etl": {"max_datacenters": 2, "migration_cost_per_mw": 50.0, "restart_work_hours": 0.25},
    })  # fmt: skip
    queue = demo_queue(full, SUMMER)
    kinds = {w["id"].rsplit("-", 1)[1] for w in queue}
    assert kinds == {"train", "batch", "etl"}
    for w in queue:
        kind, sites = w["id"].rsplit("-", 1)[1], len(w["datacenters"])
        if kind == "train":
            assert w["max_datacenters"] == 1
            assert w["min_mw"] == pytest.approx(0.3 * w["max_mw"], abs=1e-3)
            assert w["restart_cost"] == pytest.approx(400.0 * w["max_mw"], abs=0.01)
            assert w["min_run_steps"] == 8
            assert "migration_cost" not in w
        else:
            assert w.get("max_datacenters") == (2 if sites > 2 else None)
            assert w.get("migration_cost") == (50.0 if sites >= 2 else None)
            assert w["restart_cost"] == pytest.approx(100.0 * w["max_mw"], abs=0.01)
            assert "min_mw" not in w and "min_run_steps" not in w
        assert "preemptible" not in w
