"""Time a backtest of the full-size default fleet: instance, plan, actual and evaluation per day.

    .venv/bin/python benchmarks/bench_backtest.py [--from 2026-03-09] [--days 7] [--workers 2]
                                                 [--time-limit 45] [--gap 1e-4] [--keep DIR]

Runs ``models.backtest.run_backtest`` (what ``suandian backtest`` runs) over
``--days`` days from ``--from`` with ``--workers`` processes and one HiGHS
thread per process, on the shipped fleet (8 plants, 11 data centres, 3
scenarios, offline synthetic weather and actual). Prints each day's stage
times, the mean and worst of each stage, the solver's share, the wall time
per day (total wall time / days), and the realised costs. Target: at most
120 s of wall time per day on the 2-core CI machine with ``--workers 2``.
The evaluation stage solves three more MIPs (perfect foresight, deterministic,
flat) and five re-dispatch LPs; each MIP is capped by ``--time-limit``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.dispatch.options import EVALUATION  # noqa: E402  (after the path)

TARGET_S_PER_DAY = 120.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="first", default="2026-03-09", type=dt.date.fromisoformat)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--time-limit", type=float, default=EVALUATION.time_limit_s, help="per MIP solve [s]"
    )
    parser.add_argument("--gap", type=float, default=EVALUATION.mip_rel_gap)
    parser.add_argument("--keep", type=Path, default=None, help="output folder to keep")
    args = parser.parse_args(argv)

    from models.backtest.run import STAGES, BacktestOptions, run_backtest

    options = BacktestOptions(
        time_limit_s=args.time_limit,
        mip_rel_gap=args.gap,
        threads=1 if args.workers > 1 else None,
    )
    last = args.first + dt.timedelta(days=args.days - 1)

    def show(result) -> None:
        stages = "  ".join(f"{s} {result.seconds.get(s, float('nan')):6.1f}" for s in STAGES)
        status = "ok" if result.ok else f"FAILED ({result.kind}: {result.error})"
        print(f"  {result.day}  {stages}  {status}", flush=True)

    with tempfile.TemporaryDirectory(prefix="suandian-bench-backtest-") as tmp:
        out = args.keep or Path(tmp) / "backtest"
        print(
            f"backtest {args.first} .. {last} ({args.days} days), {args.workers} workers,"
            f" time limit {args.time_limit:g} s per MIP, gap {args.gap:g}"
        )
        print("  day         stage times [s]")
        started = time.perf_counter()
        results = run_backtest(args.first, last, out, options, args.workers, show)
        wall = time.perf_counter() - started
        ok = [r for r in results if r.ok]
        print("stage         mean [s]   worst [s]   (per day, inside one worker)")
        for stage in STAGES:
            values = [r.seconds[stage] for r in ok if stage in r.seconds]
            if values:
                print(f"  {stage:11s} {statistics.mean(values):8.1f}   {max(values):8.1f}")
        solve = []
        for r in ok:
            pol = r.evaluation["policies"]
            solve.append(
                r.seconds["plan"]
                + sum(p["plan_seconds"] + p["redispatch_seconds"] for p in pol.values())
            )
        busy = sum(sum(r.seconds.values()) for r in ok)
        if busy:
            print(f"share of the days' time in plan and solver stages: {sum(solve) / busy:.0%}")
        per_day = wall / max(1, len(results))
        print(
            f"wall time {wall:.1f} s for {len(results)} days: {per_day:.1f} s per day"
            f" (target <= {TARGET_S_PER_DAY:.0f} s)"
        )
        print(
            "realised cost [CNY]   stochastic  perfect_fore  deterministic        flat"
            "      greedy   value_captured"
        )
        for r in ok:
            pol = r.evaluation["policies"]
            vc = r.evaluation["value_captured"]
            costs = "".join(
                f"{pol[p]['realised_cost']:13,.0f}"
                for p in ("stochastic", "perfect_foresight", "deterministic", "flat", "greedy")
            )
            print(f"  {r.day} {costs}   {'n/a' if vc is None else f'{vc:.0%}'}")
        if args.keep:
            print(f"outputs kept in {out}")
        return 0 if len(ok) == len(results) and per_day <= TARGET_S_PER_DAY else 1


if __name__ == "__main__":
    sys.exit(main())
