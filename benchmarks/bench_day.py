"""Time one delivery day end to end: materialise every asset and check of one partition.

    .venv/bin/python benchmarks/bench_day.py [--day 2026-11-23] [--time-limit 300] [--gap 1e-4]
                                             [--keep DIR]

Runs with the default (offline) inputs and solver settings, in process, in a temporary
DAGSTER_HOME and runs folder, then prints the total wall time, the time of each
asset, and the share spent in the solver (the day's MIP solve plus the flat
comparison plan solved for the report).
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def step_seconds(instance, run_id: str) -> dict[str, float]:
    """Wall time of each step of the run, from the event log."""
    starts, seconds = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None:
            continue
        key = event.step_key
        if event.event_type_value == "STEP_START":
            starts[key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and key in starts:
            seconds[key] = entry.timestamp - starts[key]
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", default="2026-11-23")
    parser.add_argument("--time-limit", type=int, default=None, help="solver limit [s]")
    parser.add_argument("--gap", type=float, default=None, help="solver relative gap")
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="runs folder to keep the outputs in (default: a temporary one)",
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="suandian-bench-") as tmp:
        home = Path(tmp) / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text("telemetry: {enabled: false}\n")
        os.environ["DAGSTER_HOME"] = str(home)
        runs = args.keep or Path(tmp) / "runs"
        started = time.perf_counter()

        import dagster as dg

        from pipelines.definitions import ASSETS, CHECKS
        from pipelines.defs.resources import Publisher, SolverSettings
        from pipelines.defs.settings import current_resources

        imported = time.perf_counter()
        resources = current_resources()
        solver = resources["solver"]
        resources["solver"] = SolverSettings(
            time_limit_s=args.time_limit if args.time_limit is not None else solver.time_limit_s,
            mip_rel_gap=args.gap if args.gap is not None else solver.mip_rel_gap,
            threads=solver.threads,
        )
        resources["publisher"] = Publisher(runs_dir=str(runs))
        with dg.DagsterInstance.get() as instance:
            t0 = time.perf_counter()
            result = dg.materialize(
                [*ASSETS, *CHECKS],
                partition_key=args.day,
                resources=resources,
                instance=instance,
                raise_on_error=False,
            )
            total = time.perf_counter() - t0
            steps = step_seconds(instance, result.run_id)
        plan = result.asset_materializations_for_node("dispatch_plan")
        meta = plan[0].metadata if plan else {}
        solve = float(meta["solve_seconds"].value) if "solve_seconds" in meta else float("nan")
        build = float(meta["build_seconds"].value) if "build_seconds" in meta else float("nan")
        report = steps.get("plan_report", 0.0)
        print(f"day {args.day}: {'success' if result.success else 'FAILED'}")
        print(f"import of the code location: {imported - started:.1f} s")
        for key, value in sorted(steps.items(), key=lambda kv: -kv[1]):
            print(f"  {key:32s} {value:7.1f} s")
        print(f"total (materialise all assets and checks): {total:.1f} s")
        print(
            f"solver: {solve:.1f} s in the day's solve (+{build:.1f} s model build); "
            f"plan_report incl. flat comparison solve {report:.1f} s"
        )
        solver_share = (solve + build) / total if total else float("nan")
        print(f"share in the day's solve (build + HiGHS): {solver_share:.0%}")
        print(
            f"share in solving incl. flat plan: {(solve + build + report) / total:.0%}"
            " (upper bound: plan_report also renders charts)"
        )
        if "status" in meta:
            print(
                f"status {meta['status'].value}, gap {float(meta['gap'].value):.2e}, "
                f"objective {float(meta['objective'].value):,.0f}"
            )
        return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())
