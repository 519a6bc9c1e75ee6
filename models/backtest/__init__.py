"""Backtest: how good were the plans? Ex-post evaluation against the actual output.

Public API (plain functions, so a pipeline can make an asset of each step):

``read_actual(source, inst, config=None) -> ActualOutput``
    the day's actual output per plant [MW]: ``"synthetic"`` (offline default,
    :func:`synthetic_actual`), a folder of metered 96-point ``<plant>.csv``
    files (:func:`metered_actual`), a folder of Open-Meteo ``<plant>.json``
    weather files (:func:`weather_actual`) or an ``actual.json``.
``actual_instance(raw, actual) -> dict``
    the day's instance with one probability-1 scenario, the actual output
    (written by ``models.plan.DayFolder.write_actual``).
``read_plan(inst, plan_dir) -> FirstStage``
    the first stage (blocks on, allocation) of a plan folder.
``evaluate_day(raw, first_stage, actual_raw, options) -> Evaluation``
    every policy (stochastic, perfect_foresight, deterministic, flat, greedy)
    re-dispatched on the actual day; ``.to_json()`` is ``evaluation.json``;
    :func:`write_evaluation` writes it with the per-step CSVs into a day folder
    (``models.plan.DayFolder``, which owns every file's name and place).
``run_day(day, out_dir, options) -> DayResult`` / ``run_backtest(first, last, out_dir, ...)``
    the whole chain per day, and a range in parallel processes with
    ``backtest.csv`` and ``backtest.html``; ``load_results(out_dir)`` +
    ``write_summary(out_dir, results)`` rebuild both from days evaluated one by one.

``run_chained_backtest(first, last, out_dir, ...)`` (:mod:`models.backtest.chain`)
    the range as it would have run, one chain per policy (``island``,
    ``chained-24h``, ``chained-48h``, ``chained-perfect``): each day planned from
    the previous day's realised end state and executed on its actual output.

Whether a day is over, so that its actual can exist, is
:func:`models.timegrid.day_has_ended`.

Errors in actual files raise :class:`models.forecast.ForecastInputError`
naming the file, row and time; a plan folder that cannot be read raises
:class:`PlanFolderError`. The commands ``suandian evaluate`` and ``suandian
backtest`` are in :mod:`models.backtest.command`.
"""

from models.backtest.actual import (
    ActualOutput,
    actual_instance,
    metered_actual,
    read_actual,
    synthetic_actual,
    weather_actual,
)
from models.backtest.chain import CHAIN_POLICIES, run_chained_backtest
from models.backtest.evaluate import Evaluation, ReadyPlan, evaluate_day, write_evaluation
from models.backtest.policies import (
    POLICIES,
    FirstStage,
    PlanFolderError,
    greedy_first_stage,
    mean_forecast_raw,
    read_plan,
)
from models.backtest.run import (
    CSV_FILE,
    HTML_FILE,
    BacktestOptions,
    DayResult,
    load_results,
    run_backtest,
    run_day,
    write_summary,
)

__all__ = [
    "CHAIN_POLICIES",
    "CSV_FILE",
    "HTML_FILE",
    "POLICIES",
    "ActualOutput",
    "BacktestOptions",
    "DayResult",
    "Evaluation",
    "FirstStage",
    "PlanFolderError",
    "ReadyPlan",
    "actual_instance",
    "evaluate_day",
    "greedy_first_stage",
    "load_results",
    "mean_forecast_raw",
    "metered_actual",
    "read_actual",
    "read_plan",
    "run_backtest",
    "run_chained_backtest",
    "run_day",
    "synthetic_actual",
    "weather_actual",
    "write_evaluation",
    "write_summary",
]
