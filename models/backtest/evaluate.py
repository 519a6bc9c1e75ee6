"""Ex-post evaluation of one day: what each plan really cost on the actual output.

Every policy's first stage (blocks on, workload allocation, hence start-ups
and unserved workload energy) is kept, and the second stage (storage, grid,
curtailment, shed) is re-dispatched optimally on the actual output with the
same model (:func:`models.dispatch.variants.redispatch`). Its objective is the
policy's *realised cost*; the key figures are those of the contract, read from
the re-dispatched plan's tables.

Derived figures (costs in CNY):

- ``value_captured = (flat − stochastic) / (flat − perfect_foresight)``: the share
  of the value of flexibility the plan captured (``null`` when flat already is
  perfect);
- ``vss = deterministic − stochastic``: the value of the stochastic solution;
- ``evpi = stochastic − perfect_foresight``: the expected value of perfect
  information, as realised on this day.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.backtest.actual import ACTUAL_SCENARIO, instance_day, mean_forecast_mw
from models.backtest.policies import (
    POLICIES,
    FirstStage,
    greedy_first_stage,
    mean_forecast_raw,
    read_plan,
)
from models.dispatch.options import SolveOptions
from models.dispatch.solution import Solution
from models.dispatch.solve import solve_instance
from models.dispatch.variants import flat_plan, redispatch
from models.instance import Instance, validate
from models.plan.figures import KEY_FIGURES
from models.plan.folder import DayFolder, read_summary
from models.plan.handover import REALISED_END_STATE
from models.plan.results import PlanTables, plan_tables, step_starts


@dataclass(frozen=True)
class Planned:
    """How a policy's plan came out when it was made: its solve's figures."""

    objective: float
    bound: float
    gap: float
    status: str
    seconds: float

    @classmethod
    def of(cls, sol: Solution) -> Planned:
        return cls(sol.objective, sol.bound, sol.gap, sol.status, 0.0)

    @classmethod
    def from_summary(cls, summary: Mapping[str, Any]) -> Planned:
        seconds = float(summary.get("solve_seconds", 0.0)) + float(
            summary.get("build_seconds", 0.0)
        )
        return cls(
            float(summary["objective"]),
            float(summary["bound"]),
            float(summary["gap"]),
            str(summary["status"]),
            seconds,
        )


@dataclass(frozen=True)
class ReadyPlan:
    """A comparison plan made before the evaluation, read back from its plan folder.

    The day's flat plan is solved once, for the day report, and kept in the
    day folder's ``flat_plan/``; the evaluation reuses it instead of solving it again.
    """

    first_stage: FirstStage
    planned: Planned

    @classmethod
    def read(cls, inst: Instance, plan_dir: str | Path) -> ReadyPlan:
        """The plan folder's first stage and summary figures (``PlanFolderError`` if unreadable)."""
        return cls(read_plan(inst, plan_dir), Planned.from_summary(read_summary(plan_dir)))


@dataclass
class PolicyResult:
    """One policy on the actual day.

    Attributes
    ----------
    first_stage : FirstStage
        what the policy fixed before the day.
    realised : Solution
        the re-dispatch on the actual output (``objective`` = realised cost).
    tables : PlanTables
        tables of the re-dispatched plan on ``actual.json``.
    planned : Planned or None
        the figures of the solve that made the plan (``None`` for the plan
        evaluated when read from its folder, and for greedy).
    plan_seconds : float
        time to make the plan [s] (0 for the plan evaluated when read from its folder).
    """

    first_stage: FirstStage
    realised: Solution
    tables: PlanTables
    planned: Planned | None = None
    plan_seconds: float = 0.0

    @property
    def realised_cost(self) -> float:
        return float(self.realised.objective)

    def figures(self) -> dict:
        """``realised_cost``, the key figures and how the plan was made (JSON-ready)."""
        s = self.tables.summary
        out: dict = {"realised_cost": self.realised_cost}
        out.update({k: float(s[k]) for k in KEY_FIGURES})
        out["unserved_flexible_mwh"] = float(s["unserved_flexible_mwh"])
        out["realised_gap"] = float(self.realised.gap)
        if self.planned is not None:
            out["planned_objective"] = float(self.planned.objective)
            out["planned_bound"] = float(self.planned.bound)
            out["planned_gap"] = float(self.planned.gap)
            out["planned_status"] = self.planned.status
        out["plan_seconds"] = float(self.plan_seconds)
        out["redispatch_seconds"] = float(self.realised.solve_seconds + self.realised.build_seconds)
        return out


@dataclass
class Evaluation:
    """Every policy of one day evaluated on the same actual output."""

    name: str
    day: str
    actual_source: str
    policies: dict[str, PolicyResult]
    forecast: dict[str, float]
    actual_raw: dict = field(repr=False)
    per_plant: pd.DataFrame = field(repr=False)

    def cost(self, policy: str) -> float | None:
        result = self.policies.get(policy)
        return result.realised_cost if result is not None else None

    @property
    def value_captured(self) -> float | None:
        flat, plan, perfect = (
            self.cost("flat"),
            self.cost("stochastic"),
            self.cost("perfect_foresight"),
        )
        if flat is None or plan is None or perfect is None:
            return None
        room = flat - perfect
        if abs(room) <= 1e-6 * max(1.0, abs(flat)):
            return None
        return (flat - plan) / room

    @property
    def vss(self) -> float | None:
        det, plan = self.cost("deterministic"), self.cost("stochastic")
        return None if det is None or plan is None else det - plan

    @property
    def evpi(self) -> float | None:
        plan, perfect = self.cost("stochastic"), self.cost("perfect_foresight")
        return None if plan is None or perfect is None else plan - perfect

    def to_json(self) -> dict:
        """The content of ``evaluation.json``."""
        pf = self.policies.get("perfect_foresight")
        return {
            "name": self.name,
            "day": self.day,
            "actual_source": self.actual_source,
            "policies": {name: r.figures() for name, r in self.policies.items()},
            "value_captured": self.value_captured,
            "vss": self.vss,
            "evpi": self.evpi,
            "perfect_foresight_bound": float(pf.planned.bound) if pf and pf.planned else None,
            "forecast": self.forecast,
            REALISED_END_STATE: self.realised_end_state(),
        }

    def realised_end_state(self) -> dict | None:
        """The stochastic plan's state of charge at the delivery day's end, as realised.

        The next day starts from it (``models.plan.handover``); blocks and
        served work are first stage, the plan's own, and not repeated here.
        """
        result = self.policies.get("stochastic")
        if result is None:
            return None
        last = int(self.actual_raw.get("committed_steps", self.actual_raw["steps"])) - 1
        rows = result.tables.energy_schedule
        rows = rows[(rows["step"] == last) & (rows["scenario"] == ACTUAL_SCENARIO)]
        storage = [st["id"] for st in self.actual_raw["storage"]]
        return {
            "step": last,
            "storage_mwh": {b: float(rows[f"soc_mwh__{b}"].iloc[0]) for b in storage},
        }


def forecast_error(inst: Instance, actual_inst: Instance) -> tuple[dict, pd.DataFrame]:
    """How the actual output differed from the forecast (fleet totals and per plant).

    Returns
    -------
    dict
        ``forecast_mwh`` (probability-weighted mean), ``actual_mwh``,
        ``error_mwh`` (actual − forecast), ``abs_error_mwh`` (Δ·Σ_t|error|),
        ``max_abs_error_mw`` and ``outside_scenarios_frac`` (share of steps where the
        fleet total lies outside the scenarios' range).
    DataFrame
        long table ``plant, step, start, forecast_mw, actual_mw, error_mw``.
    """
    delta = inst.step_hours
    mean = mean_forecast_mw(inst)
    actual = actual_inst.scenarios[0].renewable_mw
    starts = step_starts(inst)
    frames = []
    for p in inst.plants:
        frames.append(
            pd.DataFrame(
                {
                    "plant": p,
                    "step": np.arange(inst.steps),
                    "start": starts,
                    "forecast_mw": mean[p].to_numpy(),
                    "actual_mw": actual[p],
                    "error_mw": actual[p] - mean[p].to_numpy(),
                }
            )
        )
    per_plant = pd.concat(frames, ignore_index=True)
    total_f = mean.sum(axis=1).to_numpy()
    total_a = actual_inst.scenarios[0].total_renewable_mw
    err = total_a - total_f
    totals = np.array([sc.total_renewable_mw for sc in inst.scenarios])
    outside = (total_a < totals.min(axis=0) - 1e-6) | (total_a > totals.max(axis=0) + 1e-6)
    return (
        {
            "forecast_mwh": float(delta * total_f.sum()),
            "actual_mwh": float(delta * total_a.sum()),
            "error_mwh": float(delta * err.sum()),
            "abs_error_mwh": float(delta * np.abs(err).sum()),
            "max_abs_error_mw": float(np.abs(err).max()) if len(err) else 0.0,
            "outside_scenarios_frac": float(outside.mean()) if len(err) else 0.0,
        },
        per_plant,
    )


def evaluate_day(
    raw: dict,
    stochastic: FirstStage | Solution,
    actual_raw: dict,
    options: SolveOptions | None = None,
    *,
    actual_source: str = "",
    policies: Iterable[str] = POLICIES,
    progress: Callable[[str], None] | None = None,
    flat: ReadyPlan | None = None,
) -> Evaluation:
    """Evaluate the plan and the comparison policies on the actual day.

    Parameters
    ----------
    raw : dict
        the day's instance (contract v1, as archived: the plan's scenarios).
    stochastic : FirstStage or Solution
        the plan evaluated (a solution of ``raw``, or read from its folder with
        :func:`models.backtest.policies.read_plan`).
    actual_raw : dict
        ``actual.json`` (:func:`models.backtest.actual.actual_instance`).
    options : SolveOptions
        for every solve (plans and re-dispatches).
    policies : iterable of str
        subset of :data:`models.backtest.policies.POLICIES` to evaluate.
    progress : callable, optional
        called with the name of each policy as it starts.
    flat : ReadyPlan, optional
        the flat plan already solved on ``raw`` (the day report's); solved
        here with ``options`` when not given.

    Raises
    ------
    models.dispatch.diagnose.NoFeasiblePlanError
        when a policy's plan cannot be made or re-dispatched.
    """
    options = options or SolveOptions()
    inst = validate(raw, "instance")
    actual_inst = validate(actual_raw, "actual.json")
    wanted = list(policies)
    unknown = [p for p in wanted if p not in POLICIES]
    if unknown:
        raise ValueError(f"unknown policies {unknown}; choose from {', '.join(POLICIES)}")
    results: dict[str, PolicyResult] = {}

    def run(name: str, make: Callable[[], tuple[FirstStage, Planned | None]]) -> None:
        if progress is not None:
            progress(name)
        started = time.perf_counter()
        first, planned = make()
        seconds = time.perf_counter() - started
        if planned is not None and planned.seconds:
            seconds = planned.seconds  # made earlier: the time its solve took then
        realised = redispatch(actual_inst, first.blocks_on, first.allocation, options)
        results[name] = PolicyResult(
            first, realised, plan_tables(actual_inst, realised), planned, seconds
        )

    def solved(solution: Solution) -> tuple[FirstStage, Planned]:
        return FirstStage.of(solution), Planned.of(solution)

    if "stochastic" in wanted:
        if isinstance(stochastic, Solution):
            run("stochastic", lambda: solved(stochastic))
        else:
            run("stochastic", lambda: (stochastic, None))
    if "perfect_foresight" in wanted:
        run("perfect_foresight", lambda: solved(solve_instance(actual_inst, options)))
    if "deterministic" in wanted:
        mean_inst = validate(mean_forecast_raw(raw), "mean-forecast instance")
        run("deterministic", lambda: solved(solve_instance(mean_inst, options)))
    if "flat" in wanted and flat is not None:
        run("flat", lambda: (flat.first_stage, flat.planned))
    elif "flat" in wanted:
        run("flat", lambda: solved(flat_plan(inst, options)))
    if "greedy" in wanted:
        run("greedy", lambda: (greedy_first_stage(inst), None))
    forecast, per_plant = forecast_error(inst, actual_inst)
    return Evaluation(
        name=inst.name,
        day=instance_day(inst).isoformat(),
        actual_source=actual_source,
        policies=results,
        forecast=forecast,
        actual_raw=actual_raw,
        per_plant=per_plant,
    )


def policy_steps(evaluation: Evaluation) -> pd.DataFrame:
    """One row per policy and step on the actual day (sums over data centres and storage)."""
    frames = []
    for name, result in evaluation.policies.items():
        rack = result.tables.rack_power_plan
        by_step = rack.groupby("step", sort=True)
        sched = result.tables.energy_schedule
        sched = sched[sched["scenario"] == ACTUAL_SCENARIO].sort_values("step")
        frame = pd.DataFrame(
            {
                "policy": name,
                "step": sched["step"].to_numpy(),
                "start": sched["start"].to_numpy(),
                "renewable_mw": sched["renewable_mw"].to_numpy(),
                "facility_mw": by_step["facility_mw"].sum().to_numpy(),
                "it_mw": by_step["it_mw"].sum().to_numpy(),
                "flexible_mw": by_step["flexible_mw"].sum().to_numpy(),
                "blocks_on": by_step["blocks_on"].sum().to_numpy(),
                "import_mw": sched["import_mw"].to_numpy(),
                "export_mw": sched["export_mw"].to_numpy(),
                "curtailed_mw": sched["curtailed_mw"].to_numpy(),
                "shed_mw": sched["shed_mw"].to_numpy(),
            }
        )
        for kind in ("charge_mw", "discharge_mw", "soc_mwh"):
            cols = [c for c in sched.columns if c.startswith(f"{kind}__")]
            frame[f"storage_{kind}"] = sched[cols].sum(axis=1).to_numpy() if cols else 0.0
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_evaluation(evaluation: Evaluation, day: DayFolder, extra: dict | None = None) -> Path:
    """Write ``evaluation.json`` and the per-step tables into the day folder ``day``.

    ``actual.json`` is written separately (``DayFolder.write_actual``).
    ``extra`` keys are added to ``evaluation.json`` (for example stage times).
    """
    content = evaluation.to_json()
    if extra:
        content.update(extra)
    return day.write_evaluation(content, policy_steps(evaluation), evaluation.per_plant)
