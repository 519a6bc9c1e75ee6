"""Chained backtest: a range of days simulated as it would have run, one policy per chain.

Each day of a chain is planned from the state the previous day really ended in,
executed on the day's actual output, and hands its realised end state on:

1. day D's instance is built from D−1's folder of the same chain
   (:func:`models.plan.handover.previous_state`: blocks at D−1's last delivery
   step, the batteries at D−1's *realised* state of charge, its work left);
2. the policy's plan is solved (``chained-perfect``: on the actual output);
3. the plan's first stage (blocks, allocation) is kept and the second stage is
   re-dispatched on the actual output (:func:`models.backtest.evaluate.evaluate_day`).
   A 48 h plan is re-dispatched over its whole horizon: the delivery day on the
   actual, the look-ahead on the plan's mean forecast, so the battery's end
   floor stays where the plan put it (at the horizon's end) instead of at midnight;
4. ``evaluation.json`` records the re-dispatch's state of charge at the last
   delivery step (``realised_end_state``), which day D+1 starts from.

Policies (:data:`CHAIN_POLICIES`): ``island`` (every day from the configured
state, 24 h: today's independent days), ``chained-24h``, ``chained-48h``
(48 h horizon, 96 steps committed) and ``chained-perfect`` (24 h, the actual
output as the only scenario).

**Realised cost** of a day is the contract's objective over the delivery day
only (:func:`delivery_day_cost`): energy bought less energy sold, curtailment,
shed, battery wear, start-ups and placement costs of steps 0-95, and the
unserved penalty of work whose real deadline falls within the day. Nothing is
counted for the future: a 48 h day that ends with an emptier battery pays for
it on the next day, and the state at the range's end (state of charge, work
left) is reported beside the costs so a reader can judge. Work due later is
carried with its deadline and counted as ``work_left_mwh``.

Layout: ``<out>/<policy>/<YYYY-MM-DD>/`` day folders (``models.plan.DayFolder``),
then ``<out>/backtest.csv`` (one row per day and policy) and ``<out>/backtest.html``.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from models.atomic import replace_directory
from models.backtest.actual import ActualOutput, actual_instance, mean_forecast_mw
from models.backtest.evaluate import evaluate_day, write_evaluation
from models.backtest.policies import FirstStage
from models.backtest.run import BacktestOptions, day_actual, day_range, write_tables
from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.highs import SOLVER_PROCESSES
from models.dispatch.options import SolveOptions
from models.dispatch.solution import Solution
from models.dispatch.solve import solve_instance
from models.forecast import FleetConfig, ForecastInputError, build_instance, load_fleet_config
from models.forecast.backlog import InitialState
from models.instance import Instance, InstanceError, validate
from models.plan.figures import delivery_part, plan_cost, served_mwh
from models.plan.folder import CURRENT_DIR, REVISIONS_DIR, DayFolder, PlanFolderError
from models.plan.handover import carried_jobs, previous_state
from models.plan.results import PlanTables, plan_tables
from models.timegrid import STEPS_PER_DAY, ZONE

#: A plan that found no feasible solution within the time limit is tried again with this many
#: times the limit (the days after it depend on it).
RETRY_FACTOR = 3


#: Re-plans a day folder during the day on its actual output and returns the first stage
#: executed (the day's current plan at its end): ``revise(day_dir, actual, options, config)``.
Revise = Callable[[Path, ActualOutput, SolveOptions, FleetConfig], FirstStage]


@dataclass(frozen=True)
class ChainPolicy:
    """How one chain plans its days.

    ``revise`` (a module-level function, so that worker processes can take it)
    re-plans the day-ahead plan during the day; the plan executed is then the
    day's current plan at its end (``models.intraday`` makes the hourly one).
    """

    name: str
    chained: bool
    horizon_hours: int
    perfect: bool = False
    revise: Revise | None = None


CHAIN_POLICIES: dict[str, ChainPolicy] = {
    p.name: p
    for p in (
        ChainPolicy("island", chained=False, horizon_hours=24),
        ChainPolicy("chained-24h", chained=True, horizon_hours=24),
        ChainPolicy("chained-48h", chained=True, horizon_hours=48),
        ChainPolicy("chained-perfect", chained=True, horizon_hours=24, perfect=True),
    )
}

#: Columns of the chained ``backtest.csv``, in order.
CHAIN_COLUMNS = (
    "day",
    "policy",
    "realised_cost",
    "import_mwh",
    "green_share",
    "work_served_mwh",
    "work_left_mwh",
    "work_missed_mwh",
    "shed_mwh",
    "curtailed_mwh",
    "exported_mwh",
    "initial_soc_mwh",
    "end_soc_mwh",
    "end_blocks_on",
    "initial_state_source",
    "redispatch_objective",
    "plan_objective",
    "plan_gap",
    "plan_status",
    "seconds",
)


@dataclass
class ChainDay:
    """One day of one chain (picklable); ``figures`` holds the csv row's values."""

    day: str
    policy: str
    ok: bool
    figures: dict | None = None
    error: str | None = None
    kind: str | None = None  # "input", "infeasible", "crash" or "skipped" when not ok


def horizon_actual(raw: dict, actual: ActualOutput) -> dict:
    """``raw`` with one scenario: the actual day, then the mean forecast past midnight.

    What a plan that looks past midnight is executed on: the delivery day is
    over and known, the look-ahead still the forecast the plan had.
    """
    if raw["steps"] == len(actual.mw):
        return actual_instance(raw, actual)
    mean = mean_forecast_mw(validate(raw, "instance"))
    ahead = mean.iloc[len(actual.mw) :]
    mw = pd.concat([actual.mw[list(mean.columns)].set_axis(mean.index[: len(actual.mw)]), ahead])
    return actual_instance(raw, ActualOutput(actual.day, mw, f"{actual.source} + mean forecast"))


def delivery_day_raw(actual_raw: dict, served: dict[str, float]) -> dict:
    """The delivery day of ``actual_raw`` as an instance of its own, for its realised cost.

    Series are cut to the committed steps. A workload whose real deadline lies
    after the day (a pro-rata share of a backlog job, or a window past
    midnight) owes only what the day served: its rest is carried, not missed.
    """
    steps = int(actual_raw.get("committed_steps", actual_raw["steps"]))
    out = copy.deepcopy({k: v for k, v in actual_raw.items() if k != "committed_steps"})
    out["steps"] = steps
    for sc in out["scenarios"]:
        sc["renewable_mw"] = {p: v[:steps] for p, v in sc["renewable_mw"].items()}
    for dc in out["datacenters"]:
        dc["pue"], dc["inflexible_mw"] = dc["pue"][:steps], dc["inflexible_mw"][:steps]
    for key in ("import_price", "export_price"):
        out["grid"][key] = out["grid"][key][:steps]
    workloads = []
    for w in out["workloads"]:
        if w["release_step"] >= steps:
            continue
        due_later = "backlog_deadline" in w or w["deadline_step"] > steps
        w.pop("backlog_deadline", None)
        w.pop("backlog_energy_mwh", None)
        if due_later:
            w["energy_mwh"] = min(w["energy_mwh"], served.get(w["id"], 0.0))
        w["deadline_step"] = min(w["deadline_step"], steps)
        workloads.append(w)
    out["workloads"] = workloads
    return out


def delivery_day_cost(actual_inst: Instance, tables: PlanTables) -> float:
    """The contract's objective of the re-dispatched plan over the delivery day [CNY]."""
    alloc = delivery_part(actual_inst, tables.workload_allocation)
    day = validate(
        delivery_day_raw(actual_inst.raw, served_mwh(actual_inst, alloc)), "delivery day"
    )
    return plan_cost(
        day,
        delivery_part(actual_inst, tables.rack_power_plan),
        alloc[alloc["workload"].isin({w.id for w in day.workloads})],
        delivery_part(actual_inst, tables.energy_schedule),
    )


def execute_day(
    day: dt.date,
    policy: ChainPolicy,
    state: InitialState | None,
    actual: ActualOutput,
    options: BacktestOptions,
    target: str | Path,
) -> dict:
    """Plan ``day`` from ``state``, execute it on ``actual``, write ``target``; the csv row.

    ``target`` is replaced whole (``models.atomic.replace_directory``).

    Raises
    ------
    ForecastInputError, InstanceError, PlanFolderError, NoFeasiblePlanError
    """
    solve = options.solve_options()
    config = load_fleet_config(options.config)
    started = time.perf_counter()
    raw = build_instance(
        day,
        config=config,
        weather=options.weather,
        workloads=options.workloads,
        scenarios=options.scenarios,
        horizon_hours=policy.horizon_hours,
        state=state,
    )
    if policy.perfect:
        raw = actual_instance(raw, actual)
    inst = validate(raw, f"instance for {day}")
    try:
        sol = solve_instance(inst, solve)
    except NoFeasiblePlanError:
        if solve.time_limit_s is None:
            raise
        # A chain cannot skip a day: give a day whose first plan ran out of time one more try.
        sol = solve_instance(inst, replace(solve, time_limit_s=RETRY_FACTOR * solve.time_limit_s))
    actual_raw = horizon_actual(raw, actual)
    executed: FirstStage | Solution = sol
    work = None
    if policy.revise is not None:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{day}.revise.", dir=Path(target).parent))
        DayFolder(work).write_instance(raw)
        DayFolder(work).write_plan(plan_tables(inst, sol))
        executed = policy.revise(work, actual, solve, config)
    evaluation = evaluate_day(
        raw, executed, actual_raw, solve, actual_source=actual.source, policies=("stochastic",)
    )
    result = evaluation.policies["stochastic"]
    actual_inst = validate(actual_raw, "actual.json")
    tables = result.tables
    delivered = delivery_part(actual_inst, tables.workload_allocation)
    served = served_mwh(actual_inst, delivered)
    next_start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=ZONE)
    left = carried_jobs(inst, delivered, next_start)
    missed = sum(max(0.0, w.energy_mwh - served[w.id]) for w in due_within_day(actual_inst))
    end = evaluation.realised_end_state() or {"step": STEPS_PER_DAY - 1, "storage_mwh": {}}
    last = delivery_part(actual_inst, tables.rack_power_plan)
    last = last[last["step"] == end["step"]]
    summary = tables.summary
    figures = {
        "day": day.isoformat(),
        "policy": policy.name,
        "realised_cost": delivery_day_cost(actual_inst, tables),
        "import_mwh": float(summary["import_mwh"]),
        "green_share": float(summary["green_share"]),
        "work_served_mwh": float(sum(served.values())),
        "work_left_mwh": float(sum(j.energy_mwh for j in left)),
        "work_missed_mwh": float(missed),
        "shed_mwh": float(summary["shed_mwh"]),
        "curtailed_mwh": float(summary["curtailed_mwh"]),
        "exported_mwh": float(summary["exported_mwh"]),
        "initial_soc_mwh": float(sum(st.energy_initial_mwh for st in inst.storage)),
        "end_soc_mwh": float(sum(end["storage_mwh"].values())),
        "end_blocks_on": int(last["blocks_on"].sum()),
        "initial_state_source": raw.get("initial_state_source", "configured"),
        "redispatch_objective": result.realised_cost,
        "plan_objective": float(sol.objective),
        "plan_gap": float(sol.gap),
        "plan_status": sol.status,
    }

    def fill(folder: Path) -> None:
        out = DayFolder(folder)
        out.write_instance(raw)
        out.write_plan(plan_tables(inst, sol))
        out.write_actual(actual_raw)
        if work is not None:
            for name in (REVISIONS_DIR, CURRENT_DIR):
                if (work / name).is_dir():
                    shutil.move(work / name, folder / name)
        figures["seconds"] = time.perf_counter() - started
        write_evaluation(evaluation, out, {"chain": figures})

    try:
        replace_directory(Path(target), fill)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return figures


def due_within_day(actual_inst: Instance) -> list:
    """The workloads whose real deadline falls within the delivery day (their rest is missed)."""
    steps = actual_inst.delivery_steps
    return [
        w for w in actual_inst.workloads if w.backlog_deadline is None and w.deadline_step <= steps
    ]


def run_chain(
    policy: str | ChainPolicy,
    days: list[dt.date],
    out_dir: str | Path,
    options: BacktestOptions,
    actuals: dict[str, ActualOutput],
    progress: Callable[[ChainDay], None] | None = None,
) -> list[ChainDay]:
    """The days of one policy's chain, in order; a failed day stops the days after it."""
    spec = policy if isinstance(policy, ChainPolicy) else CHAIN_POLICIES[policy]
    policy = spec.name
    folder = Path(out_dir) / policy
    config = load_fleet_config(options.config)
    results: list[ChainDay] = []
    failed: str | None = None
    for day in days:
        name = day.isoformat()
        if failed is not None:
            results.append(
                ChainDay(name, policy, False, error=f"not run: {failed} failed", kind="skipped")
            )
            continue
        try:
            state = None
            if spec.chained and day != days[0]:
                state = previous_state(
                    folder / (day - dt.timedelta(days=1)).isoformat(), day, config
                )
            figures = execute_day(day, spec, state, actuals[name], options, folder / name)
            result = ChainDay(name, policy, True, figures)
        except (ForecastInputError, InstanceError, PlanFolderError) as exc:
            result = ChainDay(name, policy, False, error=str(exc), kind="input")
        except NoFeasiblePlanError as exc:
            result = ChainDay(
                name, policy, False, error=f"no feasible plan: {exc.cause}", kind="infeasible"
            )
        except Exception as exc:  # a worker must report, not vanish
            detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            result = ChainDay(name, policy, False, error=detail, kind="crash")
        if not result.ok:
            failed = name
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def day_actuals(days: list[dt.date], options: BacktestOptions) -> dict[str, ActualOutput]:
    """Every day's actual output, once for all chains (the same truth for each policy).

    Drawn around the day's configured 24 h instance, as the independent
    backtest does, so ``island`` is today's backtest day for day.

    Raises
    ------
    ForecastInputError, InstanceError
        a day whose instance or actual output cannot be read (the message names it).
    """
    config = load_fleet_config(options.config)
    out = {}
    for day in days:
        raw = build_instance(
            day,
            config=config,
            weather=options.weather,
            workloads=options.workloads,
            scenarios=options.scenarios,
        )
        out[day.isoformat()] = day_actual(
            day, validate(raw, f"instance for {day}"), config, options
        )
    return out


def run_chained_backtest(
    first: dt.date,
    last: dt.date,
    out_dir: str | Path,
    options: BacktestOptions | None = None,
    workers: int = 1,
    progress: Callable[[ChainDay], None] | None = None,
    policies: tuple[str | ChainPolicy, ...] = tuple(CHAIN_POLICIES),
) -> list[ChainDay]:
    """Every policy's chain from ``first`` to ``last`` into ``out_dir``.

    Parameters
    ----------
    workers : int
        chains run in this many processes; the days of a chain run in order.
    progress : callable, optional
        called with each :class:`ChainDay` as it finishes (in the worker
        process; it must be picklable, a module-level function).
    policies : tuple
        names of :data:`CHAIN_POLICIES`, or policies of the caller's own (an
        intraday one).

    Raises
    ------
    ValueError
        ``last`` before ``first``, or an unknown policy.
    ForecastInputError, InstanceError
        a day whose actual output cannot be made (before any plan is solved).
    """
    options = options or BacktestOptions()
    unknown = [p for p in policies if not isinstance(p, ChainPolicy) and p not in CHAIN_POLICIES]
    if unknown:
        raise ValueError(f"unknown policies {unknown}; choose from {', '.join(CHAIN_POLICIES)}")
    specs = [p if isinstance(p, ChainPolicy) else CHAIN_POLICIES[p] for p in policies]
    days = day_range(first, last)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    actuals = day_actuals(days, options)
    results: list[ChainDay] = []
    if workers <= 1 or len(specs) == 1:
        for spec in specs:
            results += run_chain(spec, days, out, options, actuals, progress)
    else:
        with ProcessPoolExecutor(min(workers, len(specs)), mp_context=SOLVER_PROCESSES) as pool:
            futures = [
                pool.submit(run_chain, p, days, out, options, actuals, progress) for p in specs
            ]
            for future in as_completed(futures):
                results += future.result()
    order = {p.name: k for k, p in enumerate(specs)}
    results.sort(key=lambda r: (r.day, order[r.policy]))
    write_chain_summary(out, results, time.perf_counter() - started)
    return results


def chain_rows(results: list[ChainDay]) -> pd.DataFrame:
    """One row per day and policy that ran (the columns of :data:`CHAIN_COLUMNS`)."""
    rows = [r.figures for r in results if r.ok and r.figures]
    return pd.DataFrame(rows, columns=list(CHAIN_COLUMNS))


def write_chain_summary(
    out_dir: str | Path, results: list[ChainDay], wall_seconds: float | None = None
) -> pd.DataFrame:
    """Write the chained ``backtest.csv`` and ``backtest.html``; return the table."""
    from models.backtest.chain_report import chain_html

    table = chain_rows(results)
    write_tables(out_dir, table, chain_html(table, results, wall_seconds))
    return table


__all__ = [
    "CHAIN_COLUMNS",
    "CHAIN_POLICIES",
    "ChainDay",
    "ChainPolicy",
    "day_actuals",
    "delivery_day_cost",
    "delivery_day_raw",
    "execute_day",
    "horizon_actual",
    "run_chain",
    "run_chained_backtest",
    "write_chain_summary",
]
