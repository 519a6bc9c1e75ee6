"""Jobs that span days: the pro-rata share, the carried backlog, and the look-ahead horizon.

Expected values are hand derivations: a job of 100 MWh from day 1's 00:00 to
day 4's 24:00 (96 h) owes 100·24/96 = 25 MWh by the end of a 24 h horizon;
served 25, the next day owes 75·24/72 = 25, and so on; the lead time of the
look-ahead's steps is the delivery day's plus 24 h.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from models.forecast import build_instance, workload_queue
from models.forecast.backlog import InitialState, Job, horizon_workload, owed_share
from models.forecast.scenarios import error_sigma_mw, lead_hours
from models.forecast.tariff import grid_tariff
from models.instance import validate
from models.timegrid import ZONE

DAY = dt.date(2026, 3, 2)
MIDNIGHT = dt.datetime.combine(DAY, dt.time(), tzinfo=ZONE)


def job(energy: float = 100.0, days: int = 4, **kw) -> Job:
    values = dict(
        id="render",
        energy_mwh=energy,
        datacenters=("dc01",),
        earliest_start=MIDNIGHT,
        deadline=MIDNIGHT + dt.timedelta(days=days),
        max_mw=10.0,
        unserved_penalty_per_mwh=3000.0,
    )
    values.update(kw)
    return Job(**values)


def test_a_far_deadline_owes_its_pro_rata_share():
    record = horizon_workload(job(), MIDNIGHT, 96)
    assert record["energy_mwh"] == pytest.approx(25.0)
    assert (record["release_step"], record["deadline_step"]) == (0, 96)
    assert record["backlog_energy_mwh"] == 100.0
    assert record["backlog_deadline"] == "2026-03-06T00:00:00+08:00"
    # A 48 h horizon owes twice as much; a deadline inside it owes all, as v1.
    assert horizon_workload(job(), MIDNIGHT, 192)["energy_mwh"] == pytest.approx(50.0)
    near = horizon_workload(job(days=1), MIDNIGHT, 192)
    assert (near["energy_mwh"], near["deadline_step"]) == (100.0, 96)
    assert "backlog_energy_mwh" not in near
    # Released at 12:00: 12 h of the remaining 84 h lie in the horizon.
    late = job(earliest_start=MIDNIGHT + dt.timedelta(hours=12))
    assert horizon_workload(late, MIDNIGHT, 96)["energy_mwh"] == pytest.approx(100 * 12 / 84)
    assert owed_share(60.0, MIDNIGHT, MIDNIGHT + dt.timedelta(days=5), MIDNIGHT) == 60.0


def test_a_job_outside_the_horizon_is_not_queued():
    assert (
        horizon_workload(job(earliest_start=MIDNIGHT + dt.timedelta(days=1)), MIDNIGHT, 96) is None
    )
    assert horizon_workload(job(days=0), MIDNIGHT + dt.timedelta(days=1), 96) is None


@pytest.mark.parametrize("served", [lambda owed: owed, lambda owed: 0.0 if owed < 40 else owed])
def test_the_trap_a_far_deadline_is_met_over_a_chain_of_days(served):
    """Even a planner serving only what each day owes (or nothing, while it can) finishes.

    The second planner skips day 1 (25 owed); day 2 then owes 100·24/72 = 33.3,
    which it skips too; day 3 owes 100/2 = 50 and day 4 the other 50.
    """
    left, served_per_day = 100.0, []
    for k in range(4):
        start = MIDNIGHT + dt.timedelta(days=k)
        rest = job(energy=left, earliest_start=start)
        owed = horizon_workload(rest, start, 96)["energy_mwh"]
        served_per_day.append(served(owed))
        left -= served_per_day[-1]
    assert left == pytest.approx(0.0, abs=1e-9)
    assert served_per_day[-1] <= job().max_mw * 24
    assert sum(served_per_day) == pytest.approx(100.0)


def test_queue_file_with_iso_days_and_carried_state(config, tmp_path):
    path = tmp_path / "queue.json"
    rows = [
        {
            "id": "render",
            "energy_mwh": 100,
            "datacenters": "dc01",
            "max_mw": 10,
            "earliest_start": "2026-03-01T00:00",
            "deadline": "2026-03-05T00:00",
            "unserved_penalty_per_mwh": 3000,
        },
        {
            "id": "etl",
            "energy_mwh": 2,
            "datacenters": "dc02",
            "max_mw": 1,
            "earliest_start": "10:00",
            "deadline": "14:00",
            "unserved_penalty_per_mwh": 100,
        },
        {
            "id": "done",
            "energy_mwh": 5,
            "datacenters": "dc02",
            "max_mw": 1,
            "earliest_start": "2026-03-01T00:00",
            "deadline": "2026-03-04T00:00",
            "unserved_penalty_per_mwh": 100,
        },
    ]
    path.write_text(json.dumps(rows))
    # Without a predecessor the file's rows are fresh: render owes 100·24/72 of 2026-03-02's.
    fresh = {w["id"]: w for w in workload_queue(config, DAY, path)}
    assert fresh["render"]["energy_mwh"] == pytest.approx(100 * 24 / 72)
    assert (fresh["etl"]["release_step"], fresh["etl"]["deadline_step"]) == (40, 56)
    # Carried: render with 70 MWh left; "done" was planned the day before and finished.
    carried = job(energy=70.0, days=3, earliest_start=MIDNIGHT - dt.timedelta(days=1))
    state = InitialState("plan:2026-03-01", jobs=(carried,), known=frozenset({"render", "done"}))
    queue = {w["id"]: w for w in workload_queue(config, DAY, path, state=state)}
    assert set(queue) == {"render", "etl"}
    assert queue["render"]["energy_mwh"] == pytest.approx(70 * 24 / 72)
    assert queue["render"]["backlog_energy_mwh"] == 70.0


def test_lead_time_and_error_grow_past_midnight(config):
    lead = lead_hours(config, DAY, 192)
    assert lead[0] == pytest.approx(15.125)  # 09:00 the day before to 00:07:30
    assert np.allclose(lead[96:] - lead[:96], 24.0)
    clear = np.zeros((192, len(config.pv_plants)))
    sigma = error_sigma_mw(
        config, DAY, pd.DataFrame(clear, columns=[p.id for p in config.pv_plants])
    )
    wind = next(p for p in config.plants if p.kind == "wind")
    growth = wind.capacity_mw * config.forecast.wind_error.per_hour_frac * 24.0
    assert np.allclose(sigma[wind.id].to_numpy()[96:] - sigma[wind.id].to_numpy()[:96], growth)


def test_a_48_hour_instance_commits_to_the_delivery_day(config):
    raw = build_instance(DAY, config=config, horizon_hours=48)
    inst = validate(raw)
    assert (inst.steps, inst.committed_steps) == (192, 96)
    assert "initial_state_source" not in raw
    tomorrow = grid_tariff(config, DAY + dt.timedelta(days=1))["import_price"]
    assert raw["grid"]["import_price"][96:] == tomorrow
    assert raw["grid"]["import_price"][:96] == grid_tariff(config, DAY)["import_price"]
    one_day = build_instance(DAY, config=config)
    assert "committed_steps" not in one_day
    assert raw["datacenters"][0]["inflexible_mw"][:96] == one_day["datacenters"][0]["inflexible_mw"]
    assert raw["storage"] == one_day["storage"]
    assert raw["workloads"] == one_day["workloads"]
