"""Backtest over a range of days: instance → plan → actual → evaluation, days in parallel.

Each day is written whole or not at all into the day folder ``<out>/<YYYY-MM-DD>/``
(``models.plan.DayFolder``, the layout the pipeline writes too)::

    instance.json        the day's instance (as `suandian instance` builds it)
    plan/                the stochastic plan (as `suandian solve --out` writes it)
    actual.json          the instance with one probability-1 scenario: the actual output
    evaluation.json      every policy's realised cost and key figures, value_captured, vss, evpi
    policy_steps.csv     per policy and step on the actual day
    actual_output.csv    per plant and step: forecast, actual, error

then ``<out>/backtest.csv`` (one row per day and policy) and the
self-contained ``<out>/backtest.html``.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from models.atomic import atomic_write_text, replace_directory
from models.backtest.actual import actual_instance, read_actual
from models.backtest.evaluate import evaluate_day, write_evaluation
from models.backtest.policies import POLICIES, read_plan
from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.highs import SOLVER_PROCESSES
from models.dispatch.options import EVALUATION, SolveOptions
from models.dispatch.solve import solve_instance
from models.forecast import ForecastInputError, build_instance, load_fleet_config
from models.instance import InstanceError, validate
from models.plan.figures import KEY_FIGURES
from models.plan.folder import DayFolder, PlanFolderError
from models.plan.results import plan_tables

CSV_FILE = "backtest.csv"
HTML_FILE = "backtest.html"
STAGES = ("instance", "plan", "actual", "evaluation")


@dataclass(frozen=True)
class BacktestOptions:
    """Settings of a backtest run (picklable: sent to worker processes).

    Parameters
    ----------
    time_limit_s
        limit of each MIP solve (the plan and the comparison plans) [s];
        ``models.dispatch.options.EVALUATION`` by default, as every solve below.
    mip_rel_gap
        relative MIP gap of every solve.
    threads
        HiGHS threads per solve; ``None`` lets HiGHS choose.
    helper
        a helper process per solve (``SolveOptions.helper``); ``None``: by its rule.
    config
        fleet configuration TOML (``None``: the shipped one).
    weather
        weather of the forecasts (``None``: the config's source).
    scenarios
        renewable scenarios per day (``None``: the config's).
    actual
        folder with one sub-folder per day ``<YYYY-MM-DD>/`` of metered
        ``<plant>.csv`` or weather ``<plant>.json`` files; days without one
        (or ``None``) use the synthetic actual.
    workloads
        workload queue file or folder of each day (``None``: the config's, else the demo queue).
    """

    time_limit_s: float | None = EVALUATION.time_limit_s
    mip_rel_gap: float = EVALUATION.mip_rel_gap
    threads: int | None = EVALUATION.threads
    helper: bool | None = EVALUATION.helper
    config: str | None = None
    weather: str | None = None
    scenarios: int | None = None
    actual: str | None = None
    workloads: str | None = None

    def solve_options(self) -> SolveOptions:
        return SolveOptions(
            time_limit_s=self.time_limit_s,
            mip_rel_gap=self.mip_rel_gap,
            threads=self.threads,
            helper=self.helper,
        )


@dataclass
class DayResult:
    """What happened to one day (picklable)."""

    day: str
    ok: bool
    seconds: dict[str, float]
    evaluation: dict | None = None
    error: str | None = None
    kind: str | None = None  # "input", "infeasible" or "crash" when not ok


def day_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every day from ``first`` to ``last``, both included."""
    if last < first:
        raise ValueError(f"--to {last} is before --from {first}")
    return [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]


def run_day(day: dt.date, out_dir: str | Path, options: BacktestOptions) -> DayResult:
    """Instance, plan, actual and evaluation of ``day`` into ``out_dir/<day>/`` (whole or not).

    Never raises for a bad input or an infeasible day: the returned
    :class:`DayResult` says what failed (``kind``) and why (``error``), and
    nothing is written for that day.
    """
    seconds: dict[str, float] = {}
    target = Path(out_dir) / day.isoformat()
    solve = options.solve_options()
    try:
        config = load_fleet_config(options.config)

        def fill(folder: Path) -> dict:
            day_folder = DayFolder(folder)
            t0 = time.perf_counter()
            raw = build_instance(
                day,
                config=config,
                weather=options.weather,
                workloads=options.workloads,
                scenarios=options.scenarios,
            )
            inst = validate(raw, f"instance for {day}")
            day_folder.write_instance(raw)
            seconds["instance"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            sol = solve_instance(inst, solve)
            day_folder.write_plan(plan_tables(inst, sol))
            seconds["plan"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            actual = day_actual(day, inst, config, options)
            actual_raw = actual_instance(raw, actual)
            day_folder.write_actual(actual_raw)
            seconds["actual"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            first = read_plan(inst, day_folder.plan_dir)  # the plan as published
            evaluation = evaluate_day(raw, first, actual_raw, solve, actual_source=actual.source)
            seconds["evaluation"] = time.perf_counter() - t0
            write_evaluation(
                evaluation, day_folder, {"stage_seconds": dict(seconds), "plan_status": sol.status}
            )
            return evaluation.to_json()

        holder: dict = {}
        replace_directory(target, lambda folder: holder.update(result=fill(folder)))
        evaluation = holder["result"]
        evaluation["stage_seconds"] = dict(seconds)
        return DayResult(day.isoformat(), True, seconds, evaluation)
    except (ForecastInputError, InstanceError) as exc:
        return DayResult(day.isoformat(), False, seconds, error=str(exc), kind="input")
    except NoFeasiblePlanError as exc:
        return DayResult(
            day.isoformat(),
            False,
            seconds,
            error=f"no feasible plan: {exc.cause}",
            kind="infeasible",
        )
    except Exception as exc:  # a worker must report, not vanish: the range goes on
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return DayResult(day.isoformat(), False, seconds, error=detail, kind="crash")


def day_actual(day: dt.date, inst, config, options: BacktestOptions):
    """The day's metered or weather actual from ``options.actual``, else the synthetic one."""
    if options.actual:
        folder = Path(options.actual) / day.isoformat()
        if folder.is_dir():
            return read_actual(folder, inst, config)
    return read_actual(None, inst, config)


def backtest_rows(results: list[DayResult]) -> pd.DataFrame:
    """One row per day and policy: realised cost, key figures and the day's derived figures."""
    rows = []
    for r in results:
        if not r.ok or r.evaluation is None:
            continue
        ev = r.evaluation
        fc = ev.get("forecast", {})
        for policy in POLICIES:
            fig = ev["policies"].get(policy)
            if fig is None:
                continue
            rows.append(
                {
                    "day": r.day,
                    "policy": policy,
                    "realised_cost": fig["realised_cost"],
                    **{k: fig[k] for k in KEY_FIGURES},
                    "unserved_flexible_mwh": fig["unserved_flexible_mwh"],
                    "value_captured": ev["value_captured"],
                    "vss": ev["vss"],
                    "evpi": ev["evpi"],
                    "forecast_mwh": fc.get("forecast_mwh"),
                    "actual_mwh": fc.get("actual_mwh"),
                    "abs_error_mwh": fc.get("abs_error_mwh"),
                    **{f"{s}_seconds": r.seconds.get(s) for s in STAGES},
                }
            )
    return pd.DataFrame(rows)


def run_backtest(
    first: dt.date,
    last: dt.date,
    out_dir: str | Path,
    options: BacktestOptions | None = None,
    workers: int = 1,
    progress: Callable[[DayResult], None] | None = None,
) -> list[DayResult]:
    """Backtest every day from ``first`` to ``last`` into ``out_dir``.

    Parameters
    ----------
    workers : int
        days run in this many processes (``concurrent.futures.ProcessPoolExecutor``);
        1 runs them here, one after the other.
    progress : callable, optional
        called with each :class:`DayResult` as it finishes.

    Returns
    -------
    list of DayResult
        in date order. ``backtest.csv`` and ``backtest.html`` cover the days that
        succeeded (the page lists the failed ones).
    """
    options = options or BacktestOptions()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    days = day_range(first, last)
    results: list[DayResult] = []
    started = time.perf_counter()
    if workers <= 1 or len(days) == 1:
        for day in days:
            result = run_day(day, out, options)
            results.append(result)
            if progress:
                progress(result)
    else:
        with ProcessPoolExecutor(min(workers, len(days)), mp_context=SOLVER_PROCESSES) as pool:
            futures = {pool.submit(run_day, day, out, options): day for day in days}
            for future in as_completed(futures):
                result = future.result()
                results.append(result)
                if progress:
                    progress(result)
    results.sort(key=lambda r: r.day)
    write_summary(out, results, wall_seconds=time.perf_counter() - started)
    return results


def write_summary(
    out_dir: str | Path, results: list[DayResult], wall_seconds: float | None = None
) -> pd.DataFrame:
    """Write ``backtest.csv`` and ``backtest.html`` for ``results``; return the table."""
    from models.backtest.report import backtest_html

    table = backtest_rows(results)
    write_tables(out_dir, table, backtest_html(table, results, wall_seconds=wall_seconds))
    return table


def write_tables(out_dir: str | Path, table: pd.DataFrame, html: str) -> None:
    """``backtest.csv`` and ``backtest.html`` of a range, each written whole."""
    out = Path(out_dir)
    atomic_write_text(out / CSV_FILE, table.to_csv(index=False))
    atomic_write_text(out / HTML_FILE, html)


def load_results(out_dir: str | Path, days: list[dt.date] | None = None) -> list[DayResult]:
    """Day results read back from ``<out_dir>/<YYYY-MM-DD>/evaluation.json`` (date order).

    For a report over days evaluated one by one (for example by a pipeline):
    ``write_summary(out_dir, load_results(out_dir))``. Days without an
    evaluation are skipped, or reported as failed when listed in ``days``.
    """
    out = Path(out_dir)
    names = (
        [d.isoformat() for d in days]
        if days is not None
        else sorted(p.name for p in out.iterdir() if DayFolder(p).has_evaluation())
    )
    results = []
    for name in names:
        folder = DayFolder(out / name)
        if not folder.has_evaluation():
            error = f"{folder.evaluation_path}: missing"
            results.append(DayResult(name, False, {}, error=error, kind="input"))
            continue
        try:
            evaluation = folder.read_evaluation()
        except PlanFolderError as exc:
            results.append(DayResult(name, False, {}, error=str(exc), kind="input"))
            continue
        seconds = evaluation.get("stage_seconds", {})
        results.append(DayResult(name, True, seconds, evaluation))
    return results


__all__ = [
    "CSV_FILE",
    "HTML_FILE",
    "BacktestOptions",
    "DayResult",
    "backtest_rows",
    "day_actual",
    "day_range",
    "load_results",
    "run_backtest",
    "run_day",
    "write_summary",
    "write_tables",
]
