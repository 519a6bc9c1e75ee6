"""``suandian replan <day folder> --at HH:MM``: one intraday revision of a published day.

Exit codes as for ``solve``: 0 the revision and the day's ``current/`` were
written; 2 bad input (a missing, bad or late forecast file, a state file of
another time, a time off the grid or before the latest revision: the message
names it, nothing is written and the plan in force stays); 3 no feasible plan
for the rest of the day (the cause named; nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

EXIT_OK, EXIT_INVALID, EXIT_INFEASIBLE = 0, 2, 3


def _time(text: str) -> dt.time:
    try:
        value = dt.time.fromisoformat(text)
    except ValueError:
        value = None
    if value is None or len(text) != 5:
        raise argparse.ArgumentTypeError(f"{text!r} is not a time HH:MM")
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``replan`` to the ``suandian`` command."""
    from models.backtest.command import solver_arguments

    p = subparsers.add_parser(
        "replan",
        help="re-plan the rest of a published day on the ultra-short-term forecast",
        description=(
            "Fix everything before --at as executed, re-solve the rest of the day's horizon "
            "(the first 4 h on the ultra-short-term forecast) and write "
            "DAY/revisions/<HHMM>/ and DAY/current/ (the executed past and the revision)."
        ),
    )
    p.add_argument("day", help="the day folder (instance.json and plan/)")
    p.add_argument(
        "--at", required=True, type=_time, help="revision time HH:MM, on the 15-minute grid"
    )
    p.add_argument(
        "--forecast",
        default=None,
        help="folder of ultra-short-term <plant>.csv files (default: the synthetic forecast)",
    )
    p.add_argument(
        "--actual-until",
        default=None,
        help='measured state at --at: JSON {"time": ISO time, "storage_mwh": {id: MWh}}',
    )
    solver_arguments(p)
    p.set_defaults(func=cmd_replan)


def cmd_replan(args: argparse.Namespace) -> int:
    from models.dispatch.options import SolveOptions
    from models.forecast import load_fleet_config
    from models.intraday.replan import NoFeasibleRevisionError, RevisionError, replan_day

    options = SolveOptions(
        time_limit_s=args.time_limit, mip_rel_gap=args.gap, threads=args.threads, log=False
    )
    try:
        revision = replan_day(
            args.day,
            args.at,
            forecast=args.forecast,
            actual_until=args.actual_until,
            options=options,
            config=load_fleet_config(args.config),
        )
    except NoFeasibleRevisionError as exc:
        print(f"suandian: {exc}", file=sys.stderr)
        return EXIT_INFEASIBLE
    except RevisionError as exc:
        print(f"suandian: {exc}", file=sys.stderr)
        return EXIT_INVALID
    r = revision.record
    after = r["rest_of_day_after"]
    print(
        f"revision {r['at']} (from {r['based_on']}): {r['plan']['status']}, gap"
        f" {r['plan']['gap']:.2e}; rest of the day: import {after['import_mwh']:.1f} MWh"
        f" (was {r['rest_of_day_before']['import_mwh']:.1f}), green share"
        f" {after['green_share']:.1%} -> {revision.folder}"
    )
    return EXIT_OK
