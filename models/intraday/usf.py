"""Ultra-short-term power forecasts: 16 points, the next 4 hours, sent every 15 minutes.

China's dispatch rules have every wind and solar plant send, every 15 minutes,
its power for the next 4 hours at 15-minute resolution. A re-plan at τ reads one
file per plant, ``<dir>/<plant id>.csv``, in the form of the 96-point day-ahead
file (:mod:`models.forecast.plant_files`) with the issue time added::

    point,time,mw,issued
    1,12:15,123.4,2026-07-15 11:55
    2,12:30,120.9,2026-07-15 11:55
    ...
    16,16:00,98.0,2026-07-15 11:55

- ``mw``: the plant's power [MW] in [0, capacity];
- ``point`` 1-16 in order, and ``time`` the period-end stamp of the point,
  ``HH:MM`` (``24:00`` for midnight) or ``YYYY-MM-DD HH:MM``: point ``k`` covers
  the 15 minutes ending at ``τ + 15 k`` minutes, so point 1 ends at ``τ + 15 min``;
- ``issued`` (Asia/Shanghai, ``YYYY-MM-DD HH:MM``, the same on every row): when
  the plant sent it. A forecast issued after τ is from the future and one issued
  more than :data:`STALE_AFTER` before τ is late (the plant has sent newer ones
  since, or its link is down): both are errors, as is a missing file.

Points past the end of the horizon are read and ignored.

Offline, :func:`synthetic_usf` draws one around the day's synthetic actual
(:mod:`models.backtest.actual`), so a re-plan sees what the truth will be, up to
an error small at 15 minutes and growing over the 4 hours: at lead ``k`` steps
(1-16) the error of plant ``i`` has the standard deviation

    σ_i(k) = capacity_i · (σ₁ + (σ₁₆ − σ₁) · (k − 1) / 15) · s_i

with ``σ₁ = 1.5 %`` and ``σ₁₆ = 8 %`` of capacity, ``s_i = 1`` for wind and
the clear-sky share of capacity for PV (no error at night), drawn as an AR(1)
path (``φ = 0.9`` per step) seeded from (date, ``"usf"``, revision time, plant):
the same day and revision give the same forecast.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.forecast import FleetConfig, ForecastInputError
from models.forecast.seeds import ar1, stable_rng
from models.forecast.solar import clearsky_power_mw
from models.timegrid import STEP_MINUTES, ZONE

#: Points of an ultra-short-term forecast (4 hours of 15 minutes).
POINTS = 16
#: A forecast issued longer than this before the revision time is late.
STALE_AFTER = dt.timedelta(minutes=30)
#: Error standard deviation at the first and the last point, share of capacity.
SIGMA_FIRST, SIGMA_LAST = 0.015, 0.08
#: AR(1) coefficient of the synthetic error, per 15-minute step.
USF_PHI = 0.9
COLUMNS = ("point", "time", "mw", "issued")


@dataclass(frozen=True)
class UltraShortForecast:
    """The 16-point forecast of every plant for one revision time.

    Attributes
    ----------
    at : datetime
        the revision time τ (Asia/Shanghai): point 1 covers the 15 minutes after it.
    mw : DataFrame
        16 rows (the step starts τ, τ + 15 min, …) × plant ids [MW].
    issued : datetime
        the oldest issue time among the plants' files (the synthetic one: τ).
    source : str
        ``"synthetic"`` or ``"files <dir>"``.
    """

    at: dt.datetime
    mw: pd.DataFrame
    issued: dt.datetime
    source: str


def _stamp(text: str, day: dt.date) -> dt.datetime | None:
    """A period-end stamp ``HH:MM`` (``24:00`` allowed) or ``YYYY-MM-DD HH:MM``, local time."""
    text = text.strip()
    try:
        if len(text) == 5:
            hours, minutes = int(text[:2]), int(text[3:])
            base = dt.datetime.combine(day, dt.time(), tzinfo=ZONE)
            return base + dt.timedelta(hours=hours, minutes=minutes)
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ZONE)
    except ValueError:
        return None


def read_usf_file(path: Path, at: dt.datetime, capacity_mw: float, plant_id: str) -> tuple:
    """Read one plant's file; return (16 values [MW], issue time).

    Raises
    ------
    ForecastInputError
        a missing or unreadable file, a wrong header or number of rows, a
        point, time or value out of place, an issue time after ``at`` or
        more than :data:`STALE_AFTER` before it; the message names the file
        and row.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    except FileNotFoundError:
        raise ForecastInputError(
            f"{path}: missing (the ultra-short-term forecast of {plant_id} for {at:%H:%M})"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ForecastInputError(f"{path}: cannot read ({exc})") from None
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if sorted(header) != sorted(COLUMNS):
        raise ForecastInputError(
            f"{path}: header {rows[0] if rows else []} must name the columns {', '.join(COLUMNS)}"
        )
    col = {name: header.index(name) for name in COLUMNS}
    data = rows[1:]
    if len(data) != POINTS:
        raise ForecastInputError(
            f"{path}: {len(data)} points for plant {plant_id}; an ultra-short-term forecast"
            f" has exactly {POINTS}"
        )
    values = np.empty(POINTS)
    issued: dt.datetime | None = None
    for k, row in enumerate(data):
        end = at + dt.timedelta(minutes=STEP_MINUTES * (k + 1))
        where = f"{path}: row {k + 2} (point {k + 1}, period ending {end:%H:%M})"
        if len(row) != len(header):
            raise ForecastInputError(f"{where}: {len(row)} fields, the header has {len(header)}")
        if row[col["point"]].strip() != str(k + 1):
            raise ForecastInputError(
                f"{where}: point {row[col['point']].strip()!r}, expected {k + 1}"
            )
        if _stamp(row[col["time"]], at.date()) != end:
            raise ForecastInputError(
                f"{where}: time {row[col['time']].strip()!r}, expected {end:%H:%M}"
                f" (point 1 ends 15 minutes after the revision time {at:%H:%M})"
            )
        stamp = _stamp(row[col["issued"]], at.date())
        if stamp is None or (issued is not None and stamp != issued):
            raise ForecastInputError(
                f"{where}: issued {row[col['issued']].strip()!r} must be one YYYY-MM-DD HH:MM"
                " time on every row"
            )
        issued = stamp
        try:
            value = float(row[col["mw"]])
        except ValueError:
            value = float("nan")
        if not 0.0 <= value <= capacity_mw * (1 + 1e-9):
            raise ForecastInputError(
                f"{where}: mw {row[col['mw']].strip()!r} must be a number in"
                f" [0, {capacity_mw:g}] (the capacity of {plant_id})"
            )
        values[k] = value
    assert issued is not None
    if issued > at:
        raise ForecastInputError(
            f"{path}: issued {issued:%Y-%m-%d %H:%M}, after the revision time {at:%Y-%m-%d %H:%M}"
        )
    if at - issued > STALE_AFTER:
        raise ForecastInputError(
            f"{path}: late: issued {issued:%Y-%m-%d %H:%M}, more than"
            f" {STALE_AFTER.seconds // 60} minutes before the revision time {at:%H:%M}"
        )
    return values, issued


def read_usf(
    directory: str | Path, at: dt.datetime, config: FleetConfig, plants: tuple[str, ...]
) -> UltraShortForecast:
    """The files of ``plants`` (the instance's) from ``directory`` (the module doc's rules)."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ForecastInputError(f"{folder}: missing (a folder of <plant id>.csv files)")
    columns, issued = {}, []
    for pid in plants:
        try:
            capacity = config.plant(pid).capacity_mw
        except KeyError:
            raise ForecastInputError(f"plant {pid}: not in the fleet configuration") from None
        values, stamp = read_usf_file(folder / f"{pid}.csv", at, capacity, pid)
        columns[pid] = values
        issued.append(stamp)
    index = pd.date_range(at, periods=POINTS, freq=f"{STEP_MINUTES}min")
    return UltraShortForecast(
        at, pd.DataFrame(columns, index=index), min(issued), f"files {folder}"
    )


def synthetic_usf(
    config: FleetConfig, at: dt.datetime, truth_mw: pd.DataFrame
) -> UltraShortForecast:
    """A forecast drawn around ``truth_mw`` (the actual, step starts × plants; see module doc)."""
    day = at.date()
    index = pd.date_range(at, periods=POINTS, freq=f"{STEP_MINUTES}min")
    ahead = truth_mw.reindex(index)
    lead = np.arange(POINTS)
    share = SIGMA_FIRST + (SIGMA_LAST - SIGMA_FIRST) * lead / (POINTS - 1)
    out = {}
    for plant in config.plants:
        if plant.id not in ahead.columns:
            continue
        scale = np.ones(POINTS)
        if plant in config.pv_plants:
            clear = clearsky_power_mw(plant, day).reindex(index).fillna(0.0).to_numpy()
            scale = np.clip(clear / plant.capacity_mw, 0.0, 1.0)
        rng = stable_rng(day, "usf", f"{at:%H%M}", plant.id)
        error = plant.capacity_mw * share * scale * ar1(rng, POINTS, USF_PHI)
        truth = ahead[plant.id].to_numpy(dtype=float)
        out[plant.id] = np.clip(truth + error, 0.0, plant.capacity_mw)
    frame = pd.DataFrame(out, index=index)
    # Past the day the actual has no values: no forecast there (the horizon ignores it).
    return UltraShortForecast(at, frame, at, "synthetic")


def write_usf(forecast: UltraShortForecast, directory: str | Path) -> Path:
    """Write the plants' files in the format :func:`read_usf` reads (what a plant sends)."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    issued = forecast.issued.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")
    for plant in forecast.mw.columns:
        lines = [",".join(COLUMNS)]
        for k, value in enumerate(forecast.mw[plant].to_numpy()):
            if not np.isfinite(value):
                raise ValueError(f"{plant}: no forecast for point {k + 1} (past the actual's day)")
            end = forecast.at + dt.timedelta(minutes=STEP_MINUTES * (k + 1))
            lines.append(f"{k + 1},{end:%Y-%m-%d %H:%M},{value:.3f},{issued}")
        (folder / f"{plant}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
