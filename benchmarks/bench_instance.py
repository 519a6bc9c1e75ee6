"""Time building one delivery day's instance for the whole fleet (forecasts → instance JSON).

    .venv/bin/python benchmarks/bench_instance.py [--day 2026-11-23] [--repeat 5]
                                                  [--weather DIR|URL] [--scenarios 3]

Builds the instance of ``--day`` with ``models.forecast.build_instance`` (8 plants,
11 data centres, offline synthetic weather unless ``--weather`` is given) in this
fresh process, then ``--repeat`` more days after it (so caches keyed by date do
not help), and prints the wall time of the first (cold) build, the median and
worst of the others, the time to import the packages, and the process's peak
resident memory. Target: a cold build under 5 s on the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    """Peak resident set size of this process [MB] (Linux reports KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--day", default="2026-11-23", type=dt.date.fromisoformat)
    parser.add_argument("--repeat", type=int, default=5, help="further days to build")
    parser.add_argument("--weather", default=None, help="Open-Meteo folder or URL")
    parser.add_argument("--scenarios", type=int, default=3)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from models.forecast import build_instance

    import_s = time.perf_counter() - t0

    def build(day: dt.date) -> tuple[float, dict]:
        start = time.perf_counter()
        raw = build_instance(day, weather=args.weather, scenarios=args.scenarios)
        return time.perf_counter() - start, raw

    cold_s, raw = build(args.day)
    warm = [build(args.day + dt.timedelta(days=k))[0] for k in range(1, args.repeat + 1)]
    plants = len(raw["scenarios"][0]["renewable_mw"])
    print(
        f"instance {raw['name']}: {plants} plants, {len(raw['datacenters'])} data centres, "
        f"{len(raw['workloads'])} workloads, {len(raw['scenarios'])} scenarios"
    )
    print(f"import       {import_s:7.3f} s")
    print(f"cold build   {cold_s:7.3f} s   (target < 5 s)")
    if warm:
        print(
            f"next builds  {statistics.median(warm):7.3f} s median, {max(warm):.3f} s worst "
            f"({len(warm)} other days)"
        )
    print(f"peak RSS     {peak_rss_mb():7.1f} MB")
    return 0 if cold_s < 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
