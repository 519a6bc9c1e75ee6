"""``suandian instance``: write the contract-v1 instance of a delivery day.

Exit codes: 0 written; 2 bad input (message on standard error naming the file,
plant, key or row and time; nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import warnings
from pathlib import Path

from models.forecast.assemble import build_instance
from models.forecast.errors import ForecastInputError, ForecastInputWarning
from models.instance import InstanceError, dump_instance


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``instance`` subcommand to the ``suandian`` parser."""
    p = subparsers.add_parser(
        "instance",
        help="build a day's problem instance from forecasts, fleet, workloads and tariff",
        description="Build the contract-v1 instance of one delivery day (Asia/Shanghai) "
        "and write it as JSON (validated before writing). Offline by default.",
    )
    p.add_argument("--date", required=True, help="delivery day, YYYY-MM-DD")
    p.add_argument("--out", required=True, type=Path, help="instance JSON to write")
    p.add_argument(
        "--config",
        type=Path,
        default=None,
        help="cluster configuration TOML (default: the shipped qingyang.toml)",
    )
    p.add_argument(
        "--weather",
        default=None,
        help="folder of Open-Meteo JSON files <plant id>.json, or an http(s) URL "
        "of an Open-Meteo-compatible API (default: the config's source, "
        "offline synthetic)",
    )
    p.add_argument(
        "--workloads",
        type=Path,
        default=None,
        help="workload queue file (CSV/JSON) or folder of <YYYY-MM-DD>.csv files",
    )
    p.add_argument(
        "--plant-forecasts",
        type=Path,
        default=None,
        dest="plant_forecasts",
        help="folder of 96-point plant power CSVs <plant id>.csv (override)",
    )
    p.add_argument(
        "--scenarios",
        type=int,
        default=None,
        help="number of renewable scenarios (default: the config's, 3)",
    )
    p.set_defaults(func=handler)


def handler(args: argparse.Namespace) -> int:
    """Run ``suandian instance``; return the exit code."""
    try:
        day = dt.date.fromisoformat(args.date)
    except ValueError:
        print(f"suandian: --date {args.date!r} is not a date YYYY-MM-DD", file=sys.stderr)
        return 2
    with warnings.catch_warnings():
        warnings.simplefilter("always", ForecastInputWarning)
        warnings.showwarning = _show
        try:
            raw = build_instance(
                day,
                config=args.config,
                weather=args.weather,
                workloads=args.workloads,
                scenarios=args.scenarios,
                plant_forecasts=args.plant_forecasts,
            )
            dump_instance(raw, args.out)
        except (ForecastInputError, InstanceError) as exc:
            print(f"suandian: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(
                f"suandian: {args.out}: cannot write instance ({exc.strerror or exc})",
                file=sys.stderr,
            )
            return 2
    n_sc, n_wl = len(raw["scenarios"]), len(raw["workloads"])
    print(
        f"wrote {args.out} ({day.isoformat()}: {n_sc} scenarios, "
        f"{len(raw['datacenters'])} data centres, {n_wl} workloads)"
    )
    return 0


def _show(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"suandian: warning: {message}", file=sys.stderr)
