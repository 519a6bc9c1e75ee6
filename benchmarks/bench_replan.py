"""Time an intraday revision of a full-size day: the rest of the day from --at, per seed.

    .venv/bin/python benchmarks/bench_replan.py [--day 2026-07-15] [--at 12:00]
        [--seeds 0 1 2] [--gap 1e-4] [--time-limit 120] [--plan-gap 1e-3]

Builds the day's instance (the default data), solves its day-ahead plan once
(--plan-gap, --plan-time-limit), then re-plans it at --at on the synthetic
ultra-short-term forecast once per HiGHS seed, each in a fresh copy of the day
folder, from the plan in force as HiGHS's start (as ``suandian replan`` does).
Prints, per seed: solver seconds, status, gap, objective, and the peak RSS of the
process. Target (issue 14): gap 1e-4 in <= 30 s at 12:00.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", type=dt.date.fromisoformat, default=dt.date(2026, 7, 15))
    parser.add_argument("--at", type=dt.time.fromisoformat, default=dt.time(12))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--gap", type=float, default=1e-4)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--plan-gap", type=float, default=1e-3)
    parser.add_argument("--plan-time-limit", type=float, default=120.0)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    from models.dispatch.options import DEFAULT_HIGHS_OPTIONS, SolveOptions
    from models.dispatch.solve import solve_instance
    from models.forecast import build_instance
    from models.intraday import replan_day
    from models.plan import DayFolder, plan_tables

    with tempfile.TemporaryDirectory(prefix="suandian-replan-") as tmp:
        base = DayFolder(Path(tmp) / args.day.isoformat())
        base.path.mkdir()
        base.write_instance(build_instance(args.day))
        inst = base.read_instance()
        plan = SolveOptions(
            time_limit_s=args.plan_time_limit, mip_rel_gap=args.plan_gap, threads=args.threads
        )
        started = time.perf_counter()
        sol = solve_instance(inst, plan)
        print(
            f"day-ahead {args.day}: {sol.status}, gap {sol.gap:.2e}, objective"
            f" {sol.objective:,.0f} in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        base.write_plan(plan_tables(inst, sol))
        print("seed  seconds  status       gap       objective", flush=True)
        for seed in args.seeds:
            folder = Path(tmp) / f"seed-{seed}" / args.day.isoformat()
            shutil.copytree(base.path, folder)
            options = SolveOptions(
                time_limit_s=args.time_limit,
                mip_rel_gap=args.gap,
                threads=args.threads,
                highs_options=(*DEFAULT_HIGHS_OPTIONS, ("random_seed", seed)),
            )
            rev = replan_day(folder, args.at, options=options).record["plan"]
            print(
                f"{seed:4d}  {rev['solve_seconds']:7.1f}  {rev['status']:11s}"
                f"  {rev['gap']:.2e}  {rev['objective']:,.0f}",
                flush=True,
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
