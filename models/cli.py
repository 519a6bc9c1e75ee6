"""The ``suandian`` command: ``solve`` and ``validate`` an instance (``instance`` builds one).

Exit codes follow the contract: 0 a plan was written (also the best plan of a
solve stopped by its time limit or by Ctrl-C/SIGTERM, status ``interrupted``),
2 the input was invalid (message on standard error, nothing written), 3 no
feasible plan was found (also when the solve was stopped before it found one).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from models.dispatch.diagnose import NoFeasiblePlanError
from models.dispatch.options import AUTO_ON_OFF, DEFAULT_MIP_REL_GAP, SolveOptions
from models.dispatch.solve import solve_instance
from models.instance import InstanceError, load_instance
from models.plan import plan_tables, write_plan

EXIT_OK, EXIT_INVALID, EXIT_INFEASIBLE = 0, 2, 3


def _error(message: str) -> None:
    print(f"suandian: {message}", file=sys.stderr)


def _check_out_dir(out: Path) -> str | None:
    """Why ``out`` cannot receive a plan, or ``None``: checked before a long solve."""
    parent = out.resolve().parent
    existing = parent
    while not existing.exists():
        existing = existing.parent
    if out.exists() and not out.is_dir():
        return f"--out {out}: exists and is not a folder"
    if not existing.is_dir():
        return f"--out {out}: {existing} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        return f"--out {out}: cannot write in {existing} ({exc.strerror or exc})"
    return None


def positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def cmd_solve(args: argparse.Namespace) -> int:
    try:
        inst = load_instance(args.instance)
    except InstanceError as exc:
        _error(str(exc))
        return EXIT_INVALID
    problem = _check_out_dir(Path(args.out))
    if problem:
        _error(problem)
        return EXIT_INVALID
    options = SolveOptions(
        time_limit_s=args.time_limit,
        mip_rel_gap=args.gap,
        threads=args.threads,
        log=not args.quiet,
        portfolio=args.portfolio,
        helper=AUTO_ON_OFF[args.helper],
    )
    try:
        solution = solve_instance(inst, options)
    except NoFeasiblePlanError as exc:
        _error(f"{args.instance}: no feasible plan: {exc.cause}")
        return EXIT_INFEASIBLE
    tables = plan_tables(inst, solution)
    try:
        write_plan(tables, args.out)
    except OSError as exc:
        _error(f"--out {args.out}: cannot write the plan ({exc})")
        return EXIT_INVALID
    s = tables.summary
    print(
        f"{s['status']}: objective {s['objective']:.2f} CNY, gap {s['gap']:.2e},"
        f" green share {s['green_share']:.1%}, solved in {s['solve_seconds']:.1f} s -> {args.out}"
    )
    if s["status"] == "interrupted":
        _error(f"solve interrupted: best plan found has gap {s['gap']:.3%}")
    elif s["status"] != "optimal":  # "time_limit" or "iteration_limit"
        limit = s["status"].replace("_", " ")
        _error(f"{limit} reached: best plan found has gap {s['gap']:.3%}")
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    try:
        inst = load_instance(args.instance)
    except InstanceError as exc:
        _error(str(exc))
        return EXIT_INVALID
    print(
        f"{args.instance}: valid ({len(inst.datacenters)} data centres, {inst.steps} steps,"
        f" {len(inst.scenarios)} scenarios, {len(inst.workloads)} workloads,"
        f" {len(inst.storage)} storage)"
    )
    return EXIT_OK


def gap_fraction(text: str) -> float:
    """A relative MIP gap: a finite number >= 0 (0 asks for a proven optimum)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value < math.inf:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def count_at_least_one(text: str) -> int:
    """A number of threads or searches: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="suandian", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    solve = sub.add_parser("solve", help="solve an instance and write the plan")
    solve.add_argument("instance", help="instance JSON file (contract v1)")
    solve.add_argument("--out", required=True, help="plan folder (replaced whole)")
    default = SolveOptions()
    solve.add_argument(
        "--time-limit",
        type=positive_float,
        default=default.time_limit_s,
        help="solver time limit [s] (default: none)",
    )
    solve.add_argument(
        "--gap",
        type=gap_fraction,
        default=DEFAULT_MIP_REL_GAP,
        help=f"relative MIP gap >= 0 (default {DEFAULT_MIP_REL_GAP:g})",
    )
    solve.add_argument(
        "--threads",
        type=count_at_least_one,
        default=default.threads,
        help="HiGHS threads (default: HiGHS chooses)",
    )
    solve.add_argument(
        "--portfolio",
        type=count_at_least_one,
        default=default.portfolio,
        help="parallel HiGHS searches with different seeds; the first proof wins (default 1)",
    )
    solve.add_argument(
        "--helper",
        choices=tuple(AUTO_ON_OFF),
        default="auto",
        help="a second process that hands the search cheaper plans (default auto: on two"
        " cores or more, for a model of 500 integers or more)",
    )
    solve.add_argument("--quiet", action="store_true", help="do not show the solver log")
    solve.set_defaults(func=cmd_solve)
    validate = sub.add_parser("validate", help="check an instance against the contract")
    validate.add_argument("instance")
    validate.set_defaults(func=cmd_validate)
    from models.forecast.command import register as register_instance
    from models.plan import previous_state

    register_instance(sub, previous_state)
    from models.backtest.command import register as register_backtest
    from models.intraday.backtest import intraday_policy

    register_backtest(sub, {"hourly": intraday_policy})
    from models.plan.command import register as register_show

    register_show(sub)
    from models.intraday.command import register as register_replan

    register_replan(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
