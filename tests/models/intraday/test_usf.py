"""Ultra-short-term forecast files (format and rules) and the synthetic draw's error model."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from models.forecast import ForecastInputError, load_fleet_config
from models.intraday import POINTS, UltraShortForecast, read_usf, synthetic_usf, write_usf
from models.timegrid import ZONE, day_step_starts

CONFIG = load_fleet_config()
WIND = CONFIG.wind_farms[0]
AT = dt.datetime(2026, 7, 15, 12, 0, tzinfo=ZONE)


def forecast(values: list[float], issued: dt.datetime = AT) -> UltraShortForecast:
    index = pd.date_range(AT, periods=POINTS, freq="15min")
    return UltraShortForecast(AT, pd.DataFrame({WIND.id: values}, index=index), issued, "test")


def test_files_round_trip(tmp_path: Path) -> None:
    values = [10.0 + k for k in range(POINTS)]
    write_usf(forecast(values, AT - dt.timedelta(minutes=5)), tmp_path)
    text = (tmp_path / f"{WIND.id}.csv").read_text(encoding="utf-8").splitlines()
    assert text[0] == "point,time,mw,issued"
    assert text[1] == "1,2026-07-15 12:15,10.000,2026-07-15 11:55"
    assert text[16].startswith("16,2026-07-15 16:00,25.000")
    got = read_usf(tmp_path, AT, CONFIG, (WIND.id,))
    assert got.mw[WIND.id].tolist() == values
    assert got.issued == AT - dt.timedelta(minutes=5)
    assert got.source == f"files {tmp_path}"


def _lines(tmp_path: Path) -> list[str]:
    write_usf(forecast([10.0] * POINTS), tmp_path)
    return (tmp_path / f"{WIND.id}.csv").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda ls: ls[:-1], "15 points for plant huanxian-wind-1; an ultra-short-term forecast has exactly 16"),
        (lambda ls: [ls[0], ls[2], ls[1], *ls[3:]], "row 2 (point 1, period ending 12:15): point '2', expected 1"),
        (lambda ls: [ls[0], ls[1].replace("12:15", "12:30"), *ls[2:]], "row 2 (point 1, period ending 12:15): time '2026-07-15 12:30', expected 12:15"),
        (lambda ls: [ls[0], ls[1].replace("10.000", "9999"), *ls[2:]], "mw '9999' must be a number in [0, "),
        (lambda ls: [ls[0], ls[1].replace("10.000", "ten"), *ls[2:]], "mw 'ten' must be a number in [0, "),
        (lambda ls: ["point,time,power,issued", *ls[1:]], "must name the columns point, time, mw, issued"),
        (lambda ls: [ls[0], ls[1].replace(",2026-07-15 12:00", ",2026-07-15 11:45"), *ls[2:]], "must be one YYYY-MM-DD HH:MM time on every row"),
        (lambda ls: [ln.replace(",2026-07-15 12:00", ",2026-07-15 12:10") for ln in ls], "issued 2026-07-15 12:10, after the revision time 2026-07-15 12:00"),
        (lambda ls: [ln.replace(",2026-07-15 12:00", ",2026-07-15 11:15") for ln in ls], "late: issued 2026-07-15 11:15, more than 30 minutes before the revision time 12:00"),
    ],
)  # fmt: skip
def test_bad_files_are_named(tmp_path: Path, edit, message: str) -> None:
    path = tmp_path / f"{WIND.id}.csv"
    path.write_text("\n".join(edit(_lines(tmp_path))) + "\n", encoding="utf-8")
    with pytest.raises(ForecastInputError) as err:
        read_usf(tmp_path, AT, CONFIG, (WIND.id,))
    assert str(err.value).startswith(str(path))
    assert message in str(err.value)


def test_a_missing_plant_file_is_named(tmp_path: Path) -> None:
    write_usf(forecast([10.0] * POINTS), tmp_path)
    other = CONFIG.wind_farms[1].id
    with pytest.raises(ForecastInputError, match=rf"{other}\.csv: missing \(the ultra-short-term"):
        read_usf(tmp_path, AT, CONFIG, (WIND.id, other))


def _half_capacity_truth(day: dt.date) -> pd.DataFrame:
    index = day_step_starts(day)
    return pd.DataFrame({w.id: 0.5 * w.capacity_mw for w in CONFIG.wind_farms}, index=index)


def test_synthetic_error_grows_from_1_5_to_8_percent_of_capacity() -> None:
    # Around a truth at half capacity nothing is clipped: the error divided by capacity
    # is the documented sigma times a unit-variance path, so over many revisions and farms
    # its standard deviation at point 1 is near 1.5 % and at point 16 near 8 %.
    day = AT.date()
    truth = _half_capacity_truth(day)
    errors = []
    for hour in range(1, 21):
        at = dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)
        usf = synthetic_usf(CONFIG, at, truth)
        for w in CONFIG.wind_farms:
            errors.append((usf.mw[w.id].to_numpy() - 0.5 * w.capacity_mw) / w.capacity_mw)
    sd = np.std(np.array(errors), axis=0)
    assert sd[0] == pytest.approx(0.015, rel=0.3)
    assert sd[-1] == pytest.approx(0.08, rel=0.3)
    assert np.all(np.diff(np.array([sd[:4].mean(), sd[6:10].mean(), sd[12:].mean()])) > 0)


def test_synthetic_is_the_same_for_the_same_revision_and_pv_has_no_error_at_night() -> None:
    day = AT.date()
    truth = _half_capacity_truth(day)
    one = synthetic_usf(CONFIG, AT, truth).mw
    assert one.equals(synthetic_usf(CONFIG, AT, truth).mw)
    later = synthetic_usf(CONFIG, AT + dt.timedelta(hours=1), truth).mw
    assert not np.allclose(one.to_numpy(), later.to_numpy())
    pv = CONFIG.pv_plants[0]
    night = dt.datetime.combine(day, dt.time(0, 15), tzinfo=ZONE)
    dark = pd.DataFrame({pv.id: 0.0}, index=day_step_starts(day))
    assert synthetic_usf(CONFIG, night, dark).mw[pv.id].tolist() == [0.0] * POINTS
