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


RENDER_ROWS = [("render", "dc01", t, 20.0) for t in (10, 11, 12, 13)]


def hand_plan(raw: dict, rows: list[tuple[str, str, int, float]] = RENDER_ROWS) -> PlanTables:
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
    alloc = pd.DataFrame(rows, columns=["workload", "datacenter", "step", "mw"])
    alloc.insert(3, "start", "x")
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


# Two jobs spanning D−1 and D (window 2026-03-01 00:00 to 03-03 00:00, both days): a
# training job held to one site, priced per restart, that ran steps 20-23 and 92-95 of
# D−1 in dc02 (10 MW, running at midnight, 4 steps); and an ETL job without rules that
# ran steps 30-31 in dc01 and dc02 (5 MW each) and stopped.
SPANNING = [
    {"id": "train", "energy_mwh": 100, "datacenters": "dc01;dc02", "max_mw": 10,
     "earliest_start": "2026-03-01T00:00", "deadline": "2026-03-03T00:00",
     "unserved_penalty_per_mwh": 3000, "max_datacenters": 1, "restart_cost": 4000},
    {"id": "etl", "energy_mwh": 50, "datacenters": "dc01;dc02", "max_mw": 10,
     "earliest_start": "2026-03-01T00:00", "deadline": "2026-03-03T00:00",
     "unserved_penalty_per_mwh": 3000},
]  # fmt: skip
SPANNING_ROWS = [
    *(("train", "dc02", t, 10.0) for t in (20, 21, 22, 23, 92, 93, 94, 95)),
    *(("etl", d, t, 5.0) for d in ("dc01", "dc02") for t in (30, 31)),
]


def _spanning_day(tmp_path, config, rows=SPANNING_ROWS, history: dict | None = None) -> dict:
    """D's instance after D−1 ran ``rows``; ``history``: the train job's before D−1."""
    queue = tmp_path / "spanning.json"
    queue.write_text(json.dumps(SPANNING))
    raw = build_instance(PREV, config=config, workloads=queue)
    if history:
        (train,) = [w for w in raw["workloads"] if w["id"] == "train"]
        train.update(history)
    folder = DayFolder(tmp_path / "runs" / PREV.isoformat())
    folder.write_instance(raw)
    folder.write_plan(hand_plan(raw, rows))
    state = previous_state(folder.path, DAY, config)
    return build_instance(DAY, config=config, workloads=queue, state=state)


def test_a_carried_job_keeps_its_site_its_start_and_the_stretch_running_at_midnight(
    tmp_path, config
):
    raw = _spanning_day(tmp_path, config)
    jobs = {w.id: w for w in validate(raw).workloads}
    train, etl = jobs["train"], jobs["etl"]
    # 100 − 8 steps · 10 MW · ¼ h = 80 MWh left, all due by D's end.
    assert train.energy_mwh == pytest.approx(80.0)
    assert (train.max_datacenters, train.restart_cost) == (1, 4000)
    assert train.mw_before == {"dc02": 10.0}
    assert train.run_steps_before == 4
    assert train.started
    assert train.datacenters_used == ("dc02",)
    # 50 − 4 rows · 5 MW · ¼ h = 45 MWh; stopped before midnight, no site rule to carry.
    assert etl.energy_mwh == pytest.approx(45.0)
    assert etl.mw_before == {}
    assert etl.run_steps_before == 0
    assert etl.started
    assert etl.datacenters_used == ()


def test_a_carried_job_adds_what_it_did_before_the_day_before(tmp_path, config):
    # Before D−1 the job had run 6 steps in dc02 and was running at D−1's start; it ran
    # D−1's steps 0-95 on: at D's start its stretch is 6 + 96 = 102 steps long.
    history = {"mw_before": {"dc02": 10.0}, "run_steps_before": 6, "started": True,
               "datacenters_used": ["dc02"]}  # fmt: skip
    rows = [("train", "dc02", t, 1.0) for t in range(96)]
    raw = _spanning_day(tmp_path, config, rows, history)
    train = next(w for w in validate(raw).workloads if w.id == "train")
    assert train.run_steps_before == 102
    assert train.mw_before == {"dc02": 1.0}
    assert train.datacenters_used == ("dc02",)
