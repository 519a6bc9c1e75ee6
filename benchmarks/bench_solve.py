"""Speed and memory of the dispatch model on the medium and full-size examples.

Each case runs in a fresh process so that its peak RSS is its own. Prints, per
case: model build seconds (Pyomo model plus hand-over to HiGHS), solver
seconds, final gap, status, objective against the reference, and peak RSS.

    .venv/bin/python benchmarks/bench_solve.py [--cases medium-12 large-14] [--portfolio 2]
    .venv/bin/python benchmarks/bench_solve.py --tightenings          # the plain contract model
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "data" / "examples"


def run_case(path: Path, threads: int | None, portfolio: int, tightenings: tuple[str, ...]) -> dict:
    """Build and solve one instance in this process; the figures of one run."""
    import time

    from models.dispatch.options import SolveOptions
    from models.dispatch.solve import solve_instance
    from models.instance import load_instance

    t0 = time.perf_counter()
    inst = load_instance(path)
    load_seconds = time.perf_counter() - t0
    sol = solve_instance(
        inst, SolveOptions(threads=threads, portfolio=portfolio, tightenings=tightenings)
    )
    # A portfolio's searches run in child processes: the peak is the larger of the two.
    peak_kib = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    return {
        "load_seconds": load_seconds,
        "build_seconds": sol.build_seconds,
        "solve_seconds": sol.solve_seconds,
        "gap": sol.gap,
        "status": sol.status,
        "objective": sol.objective,
        "rounds": sol.rounds,
        "peak_rss_mib": peak_kib / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["medium-12", "large-14"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--portfolio", type=int, default=1, help="parallel seeded searches")
    parser.add_argument(
        "--tightenings",
        nargs="*",
        default=None,
        help="tightenings to use (default: all; none given: the plain contract model)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from models.dispatch.tightening import DEFAULT_TIGHTENINGS

        names = DEFAULT_TIGHTENINGS if args.tightenings is None else tuple(args.tightenings)
        print(json.dumps(run_case(Path(args.child), args.threads, args.portfolio, names)))
        return
    print(f"{'case':<12} {'build s':>8} {'solve s':>8} {'gap':>9} {'status':>10} "
          f"{'Δ ref':>9} {'peak MiB':>9}")  # fmt: skip
    for case in args.cases:
        path = EXAMPLES / case / "instance.json"
        ref = json.loads((EXAMPLES / case / "expected.json").read_text())["objective"]
        for _ in range(args.repeat):
            cmd = [
                sys.executable,
                __file__,
                "--child",
                str(path),
                "--portfolio",
                str(args.portfolio),
            ]
            if args.threads:
                cmd += ["--threads", str(args.threads)]
            if args.tightenings is not None:
                cmd += ["--tightenings", *args.tightenings]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            rel = (r["objective"] - ref) / max(1.0, abs(ref))
            print(
                f"{case:<12} {r['build_seconds']:>8.2f} {r['solve_seconds']:>8.2f} {r['gap']:>9.2e}"
                f" {r['status']:>10} {rel:>9.1e} {r['peak_rss_mib']:>9.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
