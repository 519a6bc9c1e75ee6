"""``suandian evaluate`` (one day's plan on its actual output) and ``suandian backtest`` (a range).

Exit codes as for ``solve``: 0 written; 2 bad input (message on standard
error naming the file, row or key; nothing written); 3 a plan could not be
made or re-dispatched (for ``backtest``: at least one day failed, the others
are written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import warnings
from pathlib import Path

EXIT_OK, EXIT_INVALID, EXIT_INFEASIBLE = 0, 2, 3


def _error(message: str) -> None:
    print(f"suandian: {message}", file=sys.stderr)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def solver_arguments(p: argparse.ArgumentParser) -> None:
    """The limits of every MIP of an evaluation: ``models.dispatch.options.EVALUATION``."""
    from models.dispatch.options import EVALUATION

    p.add_argument(
        "--time-limit",
        type=_positive_float,
        default=EVALUATION.time_limit_s,
        help=f"limit of each MIP solve [s] (default {EVALUATION.time_limit_s:g})",
    )
    p.add_argument(
        "--gap",
        type=float,
        default=EVALUATION.mip_rel_gap,
        help=f"relative MIP gap (default {EVALUATION.mip_rel_gap:g})",
    )
    p.add_argument(
        "--threads", type=int, default=EVALUATION.threads, help="HiGHS threads per solve"
    )
    p.add_argument(
        "--config",
        default=None,
        help="fleet configuration TOML (default: the shipped qingyang.toml)",
    )


def register(subparsers: argparse._SubParsersAction, intraday: dict | None = None) -> None:
    """Add the ``evaluate`` and ``backtest`` subcommands to the ``suandian`` parser.

    ``intraday`` maps a ``--intraday`` choice to a function of the revision time
    limit that makes the chain's intraday policy (``models.intraday`` owns it; the
    top-level command hands it in, as the packages import one way).
    """
    ev = subparsers.add_parser(
        "evaluate",
        help="evaluate a day's plan and the comparison policies on the actual output",
        description="Keep the plan's first stage, re-dispatch the second stage on the actual "
        "output, compare with perfect foresight, deterministic, flat and greedy plans. Writes "
        "actual.json, evaluation.json, policy_steps.csv and actual_output.csv into --out "
        "(replaced whole).",
    )
    ev.add_argument("instance", help="the day's instance JSON (contract v1)")
    ev.add_argument("plan", help="plan folder as `suandian solve --out` writes it")
    ev.add_argument(
        "--actual",
        default="synthetic",
        help="folder of metered <plant>.csv (96-point) or Open-Meteo weather <plant>.json "
        "files, an actual.json, or 'synthetic' (default: the offline synthetic actual)",
    )
    ev.add_argument("--out", required=True, type=Path, help="output folder (replaced whole)")
    solver_arguments(ev)
    ev.set_defaults(func=cmd_evaluate)

    bt = subparsers.add_parser(
        "backtest",
        help="instance, plan, actual and evaluation for each day of a range",
        description="For each day from --from to --to (both included): build the instance, "
        "solve the plan, make the actual output and evaluate every policy, into "
        "DIR/<YYYY-MM-DD>/; then DIR/backtest.csv and DIR/backtest.html.",
    )
    bt.add_argument("--from", dest="first", required=True, type=_date, help="first day")
    bt.add_argument("--to", dest="last", required=True, type=_date, help="last day (included)")
    bt.add_argument("--out", required=True, type=Path, help="output folder")
    bt.add_argument(
        "--workers", type=_positive_int, default=1, help="days solved in parallel processes"
    )
    bt.add_argument(
        "--actual",
        default=None,
        help="folder of day folders <YYYY-MM-DD>/ with metered <plant>.csv or weather "
        "<plant>.json files (days without one use the synthetic actual)",
    )
    bt.add_argument("--weather", default=None, help="weather of the forecasts (folder or URL)")
    bt.add_argument(
        "--workloads",
        default=None,
        help="workload queue file (CSV/JSON) or folder of <YYYY-MM-DD>.csv files of each day",
    )
    bt.add_argument(
        "--chain",
        action="store_true",
        help="simulate the range as it would have run: policies island, chained-24h, "
        "chained-48h and chained-perfect, each day starting from the previous day's "
        "realised end state (DIR/<policy>/<YYYY-MM-DD>/; --workers runs the policies in "
        "parallel, the days of a chain in order)",
    )
    bt.add_argument(
        "--policies",
        default=None,
        help="with --chain: comma-separated policies to run (default: all of them)",
    )
    choices = sorted(intraday or {})
    bt.add_argument(
        "--intraday",
        choices=choices,
        default=None,
        help="with --chain: add the policy 'day-ahead plan re-planned every hour' "
        "(intraday-hourly), each revision on the synthetic ultra-short-term forecast",
    )
    bt.add_argument(
        "--revision-time-limit",
        type=_positive_float,
        default=10.0,
        help="limit of each intraday revision's solve [s] (default 10)",
    )
    bt.add_argument("--scenarios", type=int, default=None, help="renewable scenarios per day")
    solver_arguments(bt)
    bt.set_defaults(func=cmd_backtest, intraday_policies=intraday or {})


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Run ``suandian evaluate``; return the exit code."""
    from models.atomic import replace_directory
    from models.backtest.actual import actual_instance, read_actual
    from models.backtest.evaluate import evaluate_day, write_evaluation
    from models.backtest.policies import read_plan
    from models.dispatch.diagnose import NoFeasiblePlanError
    from models.dispatch.options import SolveOptions
    from models.forecast import ForecastInputError, ForecastInputWarning, load_fleet_config
    from models.instance import InstanceError, load_instance
    from models.plan import DayFolder, PlanFolderError

    with warnings.catch_warnings():
        warnings.simplefilter("always", ForecastInputWarning)
        warnings.showwarning = _show
        try:
            inst = load_instance(args.instance)
            first = read_plan(inst, args.plan)
            config = load_fleet_config(args.config)
            actual = read_actual(args.actual, inst, config)
            actual_raw = actual_instance(inst.raw, actual)
        except (ForecastInputError, InstanceError, PlanFolderError) as exc:
            _error(str(exc))
            return EXIT_INVALID
    if args.out.exists() and not args.out.is_dir():
        _error(f"--out {args.out}: exists and is not a folder")
        return EXIT_INVALID
    options = SolveOptions(time_limit_s=args.time_limit, mip_rel_gap=args.gap, threads=args.threads)
    try:
        evaluation = evaluate_day(
            inst.raw,
            first,
            actual_raw,
            options,
            actual_source=actual.source,
            progress=lambda name: print(f"evaluating {name} ...", file=sys.stderr),
        )
    except NoFeasiblePlanError as exc:
        _error(f"no feasible plan on the actual day: {exc.cause}")
        return EXIT_INFEASIBLE
    except ValueError as exc:
        _error(f"{args.plan}: {exc}")
        return EXIT_INVALID

    def fill(folder: Path) -> None:
        day = DayFolder(folder)
        day.write_actual(actual_raw)
        write_evaluation(evaluation, day)

    try:
        replace_directory(args.out, fill)
    except OSError as exc:
        _error(f"--out {args.out}: cannot write ({exc})")
        return EXIT_INVALID
    _print_evaluation(evaluation.to_json(), args.out)
    return EXIT_OK


def _print_evaluation(ev: dict, out: Path) -> None:
    for name, fig in ev["policies"].items():
        print(
            f"{name:18s} realised cost {fig['realised_cost']:14,.2f} CNY,"
            f" green share {fig['green_share']:6.1%}, shed {fig['shed_mwh']:8.2f} MWh"
        )
    vc = ev["value_captured"]
    vc_text = "n/a" if vc is None else f"{vc:.1%}"
    vss = "n/a" if ev["vss"] is None else f"{ev['vss']:,.2f}"
    evpi = "n/a" if ev["evpi"] is None else f"{ev['evpi']:,.2f}"
    print(f"value captured {vc_text}, vss {vss} CNY, evpi {evpi} CNY -> {out}")


def cmd_backtest(args: argparse.Namespace) -> int:
    """Run ``suandian backtest``; return the exit code."""
    from models.backtest.run import BacktestOptions, day_range, run_backtest

    try:
        days = day_range(args.first, args.last)
    except ValueError as exc:
        _error(str(exc))
        return EXIT_INVALID
    if args.out.exists() and not args.out.is_dir():
        _error(f"--out {args.out}: exists and is not a folder")
        return EXIT_INVALID
    if args.actual is not None and not Path(args.actual).is_dir():
        _error(f"--actual {args.actual}: folder not found")
        return EXIT_INVALID
    threads = args.threads
    if threads is None and args.workers > 1:
        threads = 1  # one HiGHS thread per process: the workers share the cores
    options = BacktestOptions(
        time_limit_s=args.time_limit,
        mip_rel_gap=args.gap,
        threads=threads,
        helper=False if args.workers > 1 else None,  # nor a helper process each
        config=args.config,
        weather=args.weather,
        scenarios=args.scenarios,
        actual=args.actual,
        workloads=args.workloads,
    )
    if args.chain:
        return _chain(args, options, len(days))

    def report(result) -> None:
        if result.ok:
            ev = result.evaluation
            vc = ev["value_captured"]
            cost = ev["policies"]["stochastic"]["realised_cost"]
            stages = " ".join(f"{k} {v:.0f}s" for k, v in result.seconds.items())
            vc_text = "n/a" if vc is None else f"{vc:.0%}"
            print(
                f"{result.day}: plan {cost:,.0f} CNY, value captured {vc_text} ({stages})",
                flush=True,
            )
        else:
            _error(f"{result.day}: {result.error}")

    print(f"backtest of {len(days)} day(s) with {args.workers} worker(s) -> {args.out}", flush=True)
    results = run_backtest(args.first, args.last, args.out, options, args.workers, report)
    failed = [r for r in results if not r.ok]
    print(
        f"{len(results) - len(failed)} of {len(results)} days evaluated;"
        f" wrote {args.out / 'backtest.csv'} and {args.out / 'backtest.html'}"
    )
    if not failed:
        return EXIT_OK
    return EXIT_INVALID if all(r.kind == "input" for r in failed) else EXIT_INFEASIBLE


def print_chain_day(result) -> None:
    """Progress of a chained backtest (module level: called in the worker processes)."""
    if result.ok:
        fig = result.figures
        print(
            f"{result.policy:16s} {result.day}: realised {fig['realised_cost']:,.0f} CNY,"
            f" bought {fig['import_mwh']:,.1f} MWh, battery at the end"
            f" {fig['end_soc_mwh']:,.1f} MWh ({fig['seconds']:.0f} s)",
            flush=True,
        )
    elif result.kind != "skipped":
        _error(f"{result.policy} {result.day}: {result.error}")


def _chain(args: argparse.Namespace, options, n_days: int) -> int:
    from models.backtest.chain import CHAIN_POLICIES, run_chained_backtest
    from models.forecast import ForecastInputError
    from models.instance import InstanceError

    policies: list = list(CHAIN_POLICIES)
    if args.policies:
        policies = [p.strip() for p in args.policies.split(",") if p.strip()]
    if args.intraday:
        made = args.intraday_policies[args.intraday](args.revision_time_limit)
        policies = [p for p in policies if p != made.name] + [made]
    elif "intraday-hourly" in policies:
        _error("--policies intraday-hourly: give --intraday hourly")
        return EXIT_INVALID
    print(
        f"chained backtest of {n_days} day(s) x {len(policies)} policies with"
        f" {args.workers} worker(s) -> {args.out}",
        flush=True,
    )
    try:
        results = run_chained_backtest(
            args.first,
            args.last,
            args.out,
            options,
            args.workers,
            print_chain_day,
            policies=tuple(policies),
        )
    except ValueError as exc:
        _error(str(exc))
        return EXIT_INVALID
    except (ForecastInputError, InstanceError) as exc:
        _error(str(exc))
        return EXIT_INVALID
    failed = [r for r in results if not r.ok]
    print(
        f"{len(results) - len(failed)} of {len(results)} policy-days run;"
        f" wrote {args.out / 'backtest.csv'} and {args.out / 'backtest.html'}"
    )
    if not failed:
        return EXIT_OK
    causes = [r for r in failed if r.kind != "skipped"]
    return EXIT_INVALID if all(r.kind == "input" for r in causes) else EXIT_INFEASIBLE


def _show(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"suandian: warning: {message}", file=sys.stderr)
