"""``python -m pipelines.backfill --from A --to B``: plan a range of days in order.

With chained days (``forecast.chain_days``, the default) day D starts where
D−1's published plan ends, so D must wait for D−1. ``dagster job backfill``
launches every day at once and ignores that; Dagster's own asset backfill
orders only the partitions of one self-dependent asset (``dispatch_instance``),
not the plan that follows it in the same day. This command runs ``plan_day``
for each day, one after another, each as an ordinary Dagster run (``dg
launch``, shown in the UI's run list, one line per step as with ``make
plan``). The first day that fails stops the range: the days after it would
start from a broken chain, and the message names the day and the days not
planned. ``DAGSTER_HOME`` must be set, as for ``dg`` itself.

Independent days (``SUANDIAN_CHAIN_DAYS=false``) do not need the order: run
them in parallel with ``dagster job backfill`` (docs/operations.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from pipelines.launch import default_log_path, launch

JOB = "plan_day"


def day_range(first: str, last: str) -> list[str]:
    """Every day from ``first`` to ``last``, both included (``YYYY-MM-DD``)."""
    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    if end < start:
        raise ValueError(f"--to {last} is before --from {first}")
    return [(start + dt.timedelta(days=k)).isoformat() for k in range((end - start).days + 1)]


def plan_in_order(
    days: Sequence[str], plan_day: Callable[[str], int], out: IO[str] = sys.stdout
) -> int:
    """Plan ``days`` one after another with ``plan_day`` (exit code per day); stop at a failure.

    Returns 0 when every day was planned, else the failed day's exit code.
    """
    for k, day in enumerate(days):
        code = plan_day(day)
        if code != 0:
            rest = days[k + 1 :]
            left = f"; not planned: {rest[0]} … {rest[-1]} ({len(rest)} days)" if rest else ""
            print(
                f"backfill stopped: {day} failed (day {k + 1} of {len(days)}){left}. "
                f"The later days start from {day}'s plan: fix it and run again "
                f"with --from {day}.",
                file=out,
                flush=True,
            )
            return code
    print(f"backfill done: {len(days)} days planned in order, {days[0]} … {days[-1]}", file=out)
    return 0


def launch_day(day: str, verbose: bool = False) -> int:
    """One ``dg launch`` run of ``plan_day`` for ``day``, followed as ``make plan`` does."""
    dg_bin = shutil.which("dg", path=str(Path(sys.executable).parent)) or "dg"
    command = [dg_bin, "launch", "--job", JOB, "--partition", day]
    return launch(day, command, default_log_path(day, JOB), job=JOB, verbose=verbose)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.backfill", description=__doc__)
    parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
    parser.add_argument("--verbose", action="store_true", help="also show the full Dagster log")
    args = parser.parse_args(argv)
    try:
        days = day_range(args.first, args.last)
    except ValueError as exc:
        print(f"backfill: {exc}", file=sys.stderr)
        return 2
    return plan_in_order(days, lambda day: launch_day(day, args.verbose))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
