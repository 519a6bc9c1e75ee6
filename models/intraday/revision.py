"""A re-plan at τ: the rest of the horizon as an instance, and the day's plan it makes current.

Everything before τ (step ``k``) is executed: blocks, what each job was served
and where, taken from the day's *current* plan (the day-ahead plan, or the last
revision merged onto it). The rest is an ordinary instance of steps ``k…T−1``
(:func:`revision_instance`), with:

- **renewables**: every scenario keeps its id, probability and day-ahead values,
  except the first 16 steps, which all take the ultra-short-term forecast
  (:mod:`models.intraday.usf`): for 4 hours the scenarios agree, as the forecast
  leaves little doubt, and the day-ahead spread returns after. Past the 4 hours
  each scenario carries the error the forecast revealed (:func:`carry_bias`):
  day-ahead errors persist for hours (the error model of
  :mod:`models.backtest.actual`), and a plan that saw the day-ahead level
  return at τ + 4 h would keep deferring work to a recovery that moves an
  hour further at every revision;
- **blocks**: ``initial_blocks_on`` = the current plan's blocks at ``k − 1``,
  so ramps and start-ups count from what is running;
- **batteries**: ``energy_initial_mwh`` = the measured state of charge at τ
  when given, else the current plan's probability-weighted state at ``k − 1``
  (the expectation, as the hand-over between days uses, ``models.plan.handover``);
- **jobs**: a job whose window has passed leaves; the others owe what the
  executed past left of their energy (and of their backlog), on their window
  shifted by ``k``, with their history before τ (contract extension "intraday
  revisions": rates at ``k − 1``, the stretch in progress, whether they have
  started, the data centres used), so that moves, restarts and the placement
  rules count across τ as in the whole day.
- ``committed_steps`` is the rest of the delivery day; ``initial_state_source``
  says ``plan:<day>T<HH:MM>`` or ``actual:<day>T<HH:MM>``.

:func:`merge_current` makes the day's current plan: the current plan's rows
before ``k`` and the revision's rows from ``k`` on, in the day's step numbers.
It is the plan operations follow, not a plan of the day's instance: its past
keeps the per-scenario values the earlier plans expected, and its rest is the
revision's (on the ultra-short-term forecast).
"""

from __future__ import annotations

import copy
import datetime as dt

import numpy as np
import pandas as pd

from models.backtest.actual import PERSISTENT_SHARE, WITHIN_DAY_PHI
from models.forecast import FleetConfig
from models.forecast.backlog import DONE_MWH
from models.instance import Instance
from models.plan.figures import history_before, placement_figures, plan_cost, scenario_figures
from models.plan.figures import weighted as weighted_figures
from models.plan.results import PlanTables
from models.timegrid import ZONE

#: Columns of the step tables that hold a time, rebuilt from the day's grid after a merge.
_START = "start"


def state_at(
    inst: Instance, current: PlanTables, k: int
) -> tuple[dict[str, int], dict[str, float]]:
    """Blocks on and the probability-weighted state of charge at the end of step ``k − 1``."""
    rack = current.rack_power_plan[current.rack_power_plan["step"] == k - 1]
    blocks = {str(d): int(n) for d, n in zip(rack["datacenter"], rack["blocks_on"], strict=True)}
    rows = current.energy_schedule[current.energy_schedule["step"] == k - 1]
    weights = rows["scenario"].map({s.id: s.probability for s in inst.scenarios})
    soc = {st.id: float((rows[f"soc_mwh__{st.id}"] * weights).sum()) for st in inst.storage}
    return blocks, soc


def persistence(lead_steps: np.ndarray) -> np.ndarray:
    """Share of a forecast error still present ``lead_steps`` later (the documented model).

    ``w + (1 − w) · φ^h``: the day-long part ``w`` stays, the within-day part
    decays as its AR(1) (``PERSISTENT_SHARE``, ``WITHIN_DAY_PHI``).
    """
    return PERSISTENT_SHARE + (1 - PERSISTENT_SHARE) * WITHIN_DAY_PHI**lead_steps


def carry_bias(
    rest: dict[str, np.ndarray],
    seen: int,
    observed: float,
    mean: float,
    capacity_mw: float,
    pv: bool,
) -> None:
    """Shift every scenario's steps after the forecast by the error it revealed (in place).

    ``rest`` holds each scenario's values from τ, the first ``seen`` already the
    forecast's; ``observed`` is the forecast's last value and ``mean`` the
    day-ahead scenarios' probability-weighted value at that step. Wind takes the
    error ``observed − mean`` additively, fading as :func:`persistence`; PV as a
    ratio to the mean (its error scales with the sun, so none appears at night),
    and none where the mean is under 1 % of capacity.
    """
    factor = persistence(np.arange(1, len(next(iter(rest.values()))) - seen + 1))
    for values in rest.values():
        tail = values[seen:]
        if pv:
            ratio = observed / mean if mean > 0.01 * capacity_mw else 1.0
            tail *= 1.0 + (ratio - 1.0) * factor
        else:
            tail += (observed - mean) * factor
        np.clip(tail, 0.0, capacity_mw, out=tail)


def _take_forecast(
    rest: dict[str, np.ndarray],
    inst: Instance,
    usf: np.ndarray,
    plant: str,
    config: FleetConfig | None,
) -> None:
    """Put the forecast's finite leading values into every scenario; carry its error on."""
    usf = usf[: len(next(iter(rest.values())))]
    finite = np.isfinite(usf)
    seen = len(usf) if finite.all() else int(np.argmin(finite))
    if seen == 0:
        return
    weights = {sc.id: sc.probability for sc in inst.scenarios}
    mean = sum(weights[s] * values[seen - 1] for s, values in rest.items())
    for values in rest.values():
        values[:seen] = usf[:seen]
    known = {p.id: p for p in config.plants} if config is not None else {}
    if plant in known:
        pv = any(p.id == plant for p in config.pv_plants)  # type: ignore[union-attr]
        carry_bias(rest, seen, float(usf[seen - 1]), mean, known[plant].capacity_mw, pv)


def _cut(values: list, k: int) -> list:
    return list(values[k:])


def revision_instance(
    inst: Instance,
    current: PlanTables,
    k: int,
    forecast_mw: pd.DataFrame,
    measured_soc: dict[str, float] | None = None,
    config: FleetConfig | None = None,
) -> dict:
    """The rest of ``inst``'s horizon from step ``k``, as a raw instance (see the module doc).

    Parameters
    ----------
    inst : Instance
        the day's instance (24 h, or 48 h with ``committed_steps``).
    current : PlanTables
        the day's current plan (steps of ``inst``).
    k : int
        the revision's first step, ``1 <= k < inst.delivery_steps``.
    forecast_mw : DataFrame
        the ultra-short-term forecast, steps from τ × plants [MW]; NaN values
        (and plants it lacks) keep the day-ahead scenarios.
    measured_soc : dict, optional
        storage id → measured state of charge at τ [MWh].
    config : FleetConfig, optional
        the fleet (plant kinds and capacities): with it, the steps after the
        forecast carry the error it revealed (:func:`carry_bias`).
    """
    if not 1 <= k < inst.delivery_steps:
        raise ValueError(f"a revision starts at a step in [1, {inst.delivery_steps - 1}], got {k}")
    raw = copy.deepcopy(inst.raw)
    out = {
        key: v for key, v in raw.items() if key not in ("committed_steps", "initial_state_source")
    }
    at = inst.start + dt.timedelta(minutes=inst.step_minutes * k)
    local = at.astimezone(ZONE)
    out["name"] = f"{raw.get('name', 'day')} revision {local:%H:%M}"
    out["start"] = at.isoformat()
    out["steps"] = inst.steps - k
    if inst.committed_steps is not None:
        out["committed_steps"] = inst.committed_steps - k
    for plant in inst.plants:
        rest = {
            sc["id"]: np.array(sc["renewable_mw"][plant][k:], dtype=float)
            for sc in out["scenarios"]
        }
        if plant in forecast_mw:
            _take_forecast(rest, inst, forecast_mw[plant].to_numpy(dtype=float), plant, config)
        for sc in out["scenarios"]:
            sc["renewable_mw"][plant] = [float(v) for v in rest[sc["id"]]]
    blocks, soc = state_at(inst, current, k)
    for dc in out["datacenters"]:
        dc["pue"], dc["inflexible_mw"] = _cut(dc["pue"], k), _cut(dc["inflexible_mw"], k)
        dc["initial_blocks_on"] = blocks[dc["id"]]
    measured = measured_soc is not None
    for st in out["storage"]:
        value = (measured_soc or soc)[st["id"]]
        st["energy_initial_mwh"] = float(np.clip(value, st["energy_min_mwh"], st["energy_max_mwh"]))
    for key in ("import_price", "export_price"):
        out["grid"][key] = _cut(out["grid"][key], k)
    alloc = current.workload_allocation
    served = (alloc[alloc["step"] < k].groupby("workload")["mw"].sum() * inst.step_hours).to_dict()
    workloads = []
    for w, wraw in zip(inst.workloads, out["workloads"], strict=True):
        left = w.energy_mwh - served.get(w.id, 0.0)
        if w.deadline_step <= k or left <= DONE_MWH:
            continue
        wraw["energy_mwh"] = float(left)
        if "backlog_energy_mwh" in wraw:
            wraw["backlog_energy_mwh"] = float(
                max(left, w.backlog_energy_mwh - served.get(w.id, 0.0))
            )
        wraw["release_step"] = max(0, w.release_step - k)
        wraw["deadline_step"] = w.deadline_step - k
        wraw.update(history_before(w, alloc, k))
        workloads.append(wraw)
    out["workloads"] = workloads
    out["initial_state_source"] = f"{'actual' if measured else 'plan'}:{local:%Y-%m-%dT%H:%M}"
    return out


def _shift(table: pd.DataFrame, k: int) -> pd.DataFrame:
    out = table.copy()
    out["step"] = out["step"] + k
    return out


def merge_current(inst: Instance, current: PlanTables, revision: PlanTables, k: int) -> PlanTables:
    """The executed past of ``current`` (steps before ``k``) and ``revision`` from ``k`` on."""
    tables = {}
    for name in ("rack_power_plan", "workload_allocation", "energy_schedule"):
        past = getattr(current, name)
        past = past[past["step"] < k]
        rest = _shift(getattr(revision, name), k)
        merged = pd.concat([past, rest[past.columns]], ignore_index=True)
        starts = pd.DatetimeIndex(inst.step_starts())
        merged[_START] = starts[merged["step"].to_numpy()]
        tables[name] = merged
    per_scenario = scenario_figures(
        inst, tables["rack_power_plan"], tables["workload_allocation"], tables["energy_schedule"]
    )
    rs = revision.summary
    summary = {
        "name": inst.name,
        "start": inst.start.isoformat(),
        **({} if inst.committed_steps is None else {"committed_steps": inst.committed_steps}),
        "revision": rs["name"].rsplit(" ", 1)[-1],
        "revised_from_step": k,
        "revision_status": rs["status"],
        "revision_gap": rs["gap"],
        "expected_cost": plan_cost(
            inst,
            tables["rack_power_plan"],
            tables["workload_allocation"],
            tables["energy_schedule"],
        ),
        **weighted_figures(inst, per_scenario),
        **placement_figures(inst, tables["workload_allocation"]),
        "scenarios": {
            sc.id: {"probability": sc.probability, **per_scenario[sc.id]} for sc in inst.scenarios
        },
    }
    return PlanTables(
        tables["rack_power_plan"], tables["workload_allocation"], tables["energy_schedule"], summary
    )
