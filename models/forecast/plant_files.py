"""Plants' own short-term power forecasts in the Chinese 96-point form (CSV).

A plant may send its day-ahead power forecast: one value per 15 minutes of the
delivery day, in MW. ``--plant-forecasts DIR`` holds ``<plant id>.csv`` files;
each overrides the weather-based power of that plant (the error model and the
scenarios still apply). Format (UTF-8, comma-separated, header required)::

    point,time,mw
    1,00:15,123.4
    2,00:30,120.9
    ...
    96,24:00,98.0

- ``mw`` (required): the plant's power [MW], a number in [0, capacity].
- ``point`` (optional): 1-96 in order.
- ``time`` (optional): the period-end stamp of the point, ``HH:MM`` (``00:15``
  … ``24:00``, as in the NEA submission rules) or ``YYYY-MM-DD HH:MM`` on the
  delivery day; point ``k`` covers the step ``k−1`` of the instance.

Exactly 96 data rows; blank lines are ignored.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from models.forecast.errors import ForecastInputError
from models.forecast.fleet import FleetConfig
from models.timegrid import STEP_MINUTES, STEPS_PER_DAY


def _period_end(k: int, day: dt.date) -> tuple[str, str]:
    minutes = STEP_MINUTES * (k + 1)
    hhmm = f"{minutes // 60:02d}:{minutes % 60:02d}"
    stamp = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minutes)
    return hhmm, stamp.strftime("%Y-%m-%d %H:%M")


def read_plant_forecast(path: Path, day: dt.date, capacity_mw: float, plant_id: str) -> np.ndarray:
    """Read one 96-point file; return 96 values [MW].

    Raises
    ------
    ForecastInputError
        wrong number of rows, a non-number, a value outside [0, capacity], or
        points/times out of order; the message names the file, row and time.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except (OSError, UnicodeDecodeError) as exc:
        raise ForecastInputError(
            f"{path}: cannot read plant forecast of {plant_id} ({exc})"
        ) from None
    if not rows:
        raise ForecastInputError(f"{path}: empty file (need a header and {STEPS_PER_DAY} rows)")
    header = [c.strip().lower() for c in rows[0]]
    if "mw" not in header:
        raise ForecastInputError(f"{path}: header {rows[0]} has no 'mw' column")
    col = {name: header.index(name) for name in ("point", "time", "mw") if name in header}
    data = rows[1:]
    if len(data) != STEPS_PER_DAY:
        raise ForecastInputError(
            f"{path}: {len(data)} values for plant {plant_id}; "
            f"a 96-point forecast needs exactly {STEPS_PER_DAY}"
        )
    out = np.empty(STEPS_PER_DAY)
    for k, row in enumerate(data):
        line = k + 2
        hhmm, full = _period_end(k, day)
        where = f"{path}: row {line} (point {k + 1}, period ending {hhmm})"
        if len(row) != len(header):
            raise ForecastInputError(f"{where}: {len(row)} fields, header has {len(header)}")
        if "point" in col and row[col["point"]].strip() != str(k + 1):
            raise ForecastInputError(
                f"{where}: point {row[col['point']].strip()!r}, expected {k + 1}"
            )
        if "time" in col:
            t = row[col["time"]].strip()
            t_norm = t.replace("T", " ")[:16]
            if (
                t not in (hhmm, f"{hhmm}:00")
                and t_norm != full
                and not (hhmm == "24:00" and t_norm == _period_end(k, day)[1])
            ):
                raise ForecastInputError(f"{where}: time {t!r}, expected {hhmm} (or {full})")
        text = row[col["mw"]].strip()
        try:
            value = float(text)
        except ValueError:
            raise ForecastInputError(f"{where}: mw {text!r} is not a number") from None
        if not np.isfinite(value):
            raise ForecastInputError(f"{where}: mw {text!r} is not a finite number")
        if value < 0 or value > capacity_mw * (1 + 1e-9):
            raise ForecastInputError(
                f"{where}: mw {value:g} outside [0, {capacity_mw:g}] (capacity of {plant_id})"
            )
        out[k] = value
    return out


def plant_forecasts(
    config: FleetConfig, day: dt.date, directory: str | Path
) -> dict[str, np.ndarray]:
    """All 96-point files of ``directory``: plant id → 96 values [MW].

    A file whose name is not a configured plant is an error.
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ForecastInputError(f"{folder}: plant-forecast directory not found")
    known = {p.id: p for p in config.plants}
    out = {}
    for path in sorted(folder.glob("*.csv")):
        plant = known.get(path.stem)
        if plant is None:
            raise ForecastInputError(
                f"{path}: plant {path.stem!r} is missing from the config {config.source}"
            )
        out[plant.id] = read_plant_forecast(path, day, plant.capacity_mw, plant.id)
    return out
