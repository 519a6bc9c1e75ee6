"""``suandian instance``: write the contract-v1 instance of a delivery day.

Exit codes: 0 written; 2 bad input (message on standard error naming the file,
plant, key or row and time; nothing written).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from models.forecast.assemble import HORIZON_HOURS, build_instance
from models.forecast.backlog import InitialState
from models.forecast.errors import ForecastInputError, ForecastInputWarning
from models.forecast.fleet import FleetConfig, load_fleet_config
from models.instance import InstanceError, dump_instance

#: Reads the previous day's folder: ``(folder, day, config) -> InitialState``.
PreviousReader = Callable[[Path, dt.date, FleetConfig], InitialState]


def register(subparsers: argparse._SubParsersAction, read_previous: PreviousReader) -> None:
    """Add the ``instance`` subcommand to the ``suandian`` parser.

    ``read_previous`` reads ``--previous-plan`` (``models.plan.previous_state``,
    passed in by ``models.cli``: the plan folder's layout is a layer above).
    """
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
    p.add_argument(
        "--horizon-hours",
        type=int,
        choices=HORIZON_HOURS,
        default=24,
        dest="horizon_hours",
        help="planning horizon from the day's 00:00 [h] (default 24: the day; 48 also "
        "plans the next day as advisory look-ahead, committing to the first 96 steps)",
    )
    p.add_argument(
        "--previous-plan",
        type=Path,
        default=None,
        dest="previous_plan",
        help="the previous day's published day folder (or its plan/): start from its end "
        "state and carry its unfinished work (default: the configured initial state)",
    )
    p.set_defaults(func=handler, read_previous=read_previous)


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
            config = load_fleet_config(args.config)
            state = None
            if args.previous_plan is not None:
                state = args.read_previous(args.previous_plan, day, config)
            raw = build_instance(
                day,
                config=config,
                weather=args.weather,
                workloads=args.workloads,
                scenarios=args.scenarios,
                plant_forecasts=args.plant_forecasts,
                horizon_hours=args.horizon_hours,
                state=state,
            )
            dump_instance(raw, args.out)
        except (ForecastInputError, InstanceError, ValueError) as exc:
            print(f"suandian: {exc}", file=sys.stderr)
            return 2
        except OSError as exc:
            print(
                f"suandian: {args.out}: cannot write instance ({exc.strerror or exc})",
                file=sys.stderr,
            )
            return 2
    n_sc, n_wl = len(raw["scenarios"]), len(raw["workloads"])
    source = raw.get("initial_state_source", "configured")
    print(
        f"wrote {args.out} ({day.isoformat()}: {raw['steps']} steps, {n_sc} scenarios, "
        f"{len(raw['datacenters'])} data centres, {n_wl} workloads, initial state {source})"
    )
    return 0


def _show(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"suandian: warning: {message}", file=sys.stderr)
