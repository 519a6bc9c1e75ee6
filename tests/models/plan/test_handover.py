"""Day D starts where D−1 ends (``models.plan.handover``), read from D−1's day folder.

D−1's plan is made by hand (no solve): every data centre ends with 7 blocks on,
the battery ends at 100, 200 and 400 MWh in the three scenarios of probability
1/3 (expected 233.3 MWh), and a 100 MWh job due at the end of D+1 (72 h window
from D−1's 00:00, so D−1 owed 100·24/72) was served 20 MWh (four steps at
20 MW): D's queue carries 80 MWh with 48 h left, of which D owes 80·24/48 = 40.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from models.forecast import build_instance, load_fleet_config
from models.instance import instance_digest, validate
from models.plan import DayFolder, PlanFolderError, PlanTables, previous_state
from tests.models.forecast.conftest import run_cli

PREV = dt.date(2026, 3, 1)
DAY = PREV + dt.timedelta(days=1)
JOB = {
    "id": "render",
    "energy_mwh": 100,
    "datacenters": "dc01",
    "max_mw": 20,
    "earliest_start": "2026-03-01T00:00",
    "deadline": "2026-03-04T00:00",
    "unserved_penalty_per_mwh": 3000,
}


@pytest.fixture(scope="module")
def config():
    return load_fleet_config()


def hand_plan(raw: dict) -> PlanTables:
    inst = validate(raw)
    steps = np.arange(inst.steps)
    rack = pd.concat(
        pd.DataFrame(
            {
                "datacenter": dc.id,
                "step": steps,
                "start": "x",
                "blocks_on": 7,
                "racks_on": 0,
                "it_cap_mw": 0.0,
                "it_mw": 0.0,
                "facility_mw": 0.0,
                "inflexible_mw": 0.0,
                "flexible_mw": 0.0,
            }
        )
        for dc in inst.datacenters
    )
    alloc = pd.DataFrame(
        {
            "workload": "render",
            "datacenter": "dc01",
            "step": [10, 11, 12, 13],
            "start": "x",
            "mw": 20.0,
        }
    )
    frames = []
    for sc, end in zip(inst.scenarios, (100.0, 200.0, 400.0), strict=True):
        soc = np.full(inst.steps, 300.0)
        soc[-1] = end
        frames.append(
            pd.DataFrame(
                {
                    "scenario": sc.id,
                    "step": steps,
                    "start": "x",
                    "renewable_mw": 0.0,
                    "curtailed_mw": 0.0,
                    "import_mw": 0.0,
                    "export_mw": 0.0,
                    "shed_mw": 0.0,
                    "charge_mw__bess-1": 0.0,
                    "discharge_mw__bess-1": 0.0,
                    "soc_mwh__bess-1": soc,
                }
            )
        )
    summary = {"instance_sha256": instance_digest(raw), "objective": 0.0}
    return PlanTables(rack, alloc, pd.concat(frames), summary)


@pytest.fixture
def previous(tmp_path, config):
    queue = tmp_path / "queue.json"
    queue.write_text(json.dumps([JOB]))
    raw = build_instance(PREV, config=config, workloads=queue)
    folder = DayFolder(tmp_path / "runs" / PREV.isoformat())
    folder.write_instance(raw)
    folder.write_plan(hand_plan(raw))
    return folder, queue


def test_the_next_day_starts_from_the_plans_end(previous, config):
    folder, queue = previous
    prev = folder.read_instance()
    assert prev.workloads[0].energy_mwh == pytest.approx(100 * 24 / 72)
    for where in (folder.path, folder.plan_dir):
        state = previous_state(where, DAY, config)
        assert state.source == "plan:2026-03-01"
        assert state.blocks_on == {dc.id: 7 for dc in config.datacenters}
        assert state.energy_mwh["bess-1"] == pytest.approx(700.0 / 3)
        (job,) = state.jobs
        assert job.energy_mwh == pytest.approx(80.0)
        assert job.deadline.isoformat() == "2026-03-04T00:00:00+08:00"
    raw = build_instance(DAY, config=config, workloads=queue, state=state)
    inst = validate(raw)
    assert raw["initial_state_source"] == "plan:2026-03-01"
    assert {d.initial_blocks_on for d in inst.datacenters} == {7}
    assert inst.storage[0].energy_initial_mwh == pytest.approx(700.0 / 3)
    (render,) = [w for w in inst.workloads if w.id == "render"]
    assert render.energy_mwh == pytest.approx(40.0)
    assert render.backlog_energy_mwh == pytest.approx(80.0)


def test_the_measured_end_state_wins(previous, config):
    folder, _ = previous
    folder.write_evaluation(
        {"realised_end_state": {"step": 95, "storage_mwh": {"bess-1": 150.0}}},
        pd.DataFrame({"step": [0]}),
        pd.DataFrame({"step": [0]}),
    )
    state = previous_state(folder.path, DAY, config)
    assert state.source == "actual:2026-03-01"
    assert state.energy_mwh == {"bess-1": 150.0}


def test_bad_previous_plans_name_the_file(previous, config, tmp_path):
    folder, _ = previous
    with pytest.raises(PlanFolderError, match=r"2026-03-01/instance.json: plans 2026-03-01, not"):
        previous_state(folder.path, DAY + dt.timedelta(days=1), config)
    with pytest.raises(PlanFolderError, match=r"nowhere: missing"):
        previous_state(tmp_path / "nowhere", DAY, config)
    (tmp_path / "empty").mkdir()
    with pytest.raises(PlanFolderError, match=r"empty/instance.json: missing"):
        previous_state(tmp_path / "empty", DAY, config)
    other = folder.read_instance().raw
    other["datacenters"][1]["id"] = "dc99"
    folder.write_instance(other)
    with pytest.raises(PlanFolderError, match=r"instance.json: another fleet: its data centres"):
        previous_state(folder.path, DAY, config)
    raw = build_instance(PREV, config=config)
    folder.write_instance(raw)
    with pytest.raises(
        PlanFolderError, match=r"plan/summary.json: the plan was solved from another"
    ):
        previous_state(folder.path, DAY, config)


def test_the_command_carries_the_state_or_fails_with_exit_2(previous, capsys, tmp_path):
    folder, queue = previous
    out = tmp_path / "day.json"
    code = run_cli(
        "--date",
        DAY.isoformat(),
        "--out",
        str(out),
        "--workloads",
        str(queue),
        "--previous-plan",
        str(folder.plan_dir),
    )
    assert code == 0
    assert "initial state plan:2026-03-01" in capsys.readouterr().out
    assert json.loads(out.read_text())["initial_state_source"] == "plan:2026-03-01"
    bad = tmp_path / "bad.json"
    code = run_cli("--date", "2026-03-05", "--out", str(bad), "--previous-plan", str(folder.path))
    err = capsys.readouterr().err
    assert code == 2
    assert "instance.json: plans 2026-03-01, not the day before 2026-03-05" in err
    assert not bad.exists()
    code = run_cli(
        "--date",
        DAY.isoformat(),
        "--out",
        str(bad),
        "--horizon-hours",
        "48",
        "--previous-plan",
        str(tmp_path / "missing"),
    )
    assert code == 2
    assert "missing: missing" in capsys.readouterr().err
    assert not bad.exists()
