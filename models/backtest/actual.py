"""What the fleet really produced on a past day, and the day's ``actual.json``.

Three sources give the actual renewable output of each plant on the
15-minute grid [MW]:

- **synthetic** (the offline default): a realisation drawn from the forecast
  package's documented error model (:mod:`models.forecast.scenarios`) around
  the day's forecast, deterministic per date and plant;
- **metered** plant files: ``<plant id>.csv`` in the 96-point form of plant
  forecasts, read with :func:`models.forecast.plant_files.read_plant_forecast`
  (same rules, same error messages);
- **weather** files: Open-Meteo responses ``<plant id>.json`` (for example
  its historical or reanalysis API), turned into power with the same
  pvlib / windpowerlib chain as forecasts (:func:`models.forecast.plant_power`).

Synthetic realisation
---------------------
The error of plant ``i`` at step ``t`` is ``e_i(t) = σ_i(t) · ε_i(t)`` with
``σ_i(t)`` the forecast package's standard deviation (growing with lead time;
PV scaled by clear-sky power, so no error at night) and ``ε`` standard normal
with the package's cross-plant correlation ``R`` at every step. Where the
scenario model keeps one draw for the whole day, the truth also moves within
the day::

    ε(t) = L · ( sqrt(w) · z + sqrt(1 − w) · a(t) )

with ``L`` the Cholesky factor of ``R``, ``z`` one standard-normal draw per
plant for the day, ``a(t)`` unit-variance AR(1) paths (``φ`` per step) and
``w = PERSISTENT_SHARE`` the variance share of the day-long part. Each step's
marginal law is exactly the documented ``N(0, σ_i(t)²)`` with correlation
``R``. The actual is ``clip(forecast + e, 0, capacity)``, where the forecast
is the probability-weighted mean of the instance's scenarios (so ``suandian
evaluate`` and ``suandian backtest`` draw the same actual from the same
instance; with the default symmetric scenarios it is the point forecast, up to
their clipping at 0 and capacity). Every random stream
is seeded from ``(date, "actual", plant id)``, so the same date gives the same
actual; a scenario is a deterministic shift along the fleet-total direction
without within-day noise, so the actual is none of them.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from models.forecast import (
    FleetConfig,
    ForecastInputError,
    load_fleet_config,
    plant_power,
    weather_forecast,
)
from models.forecast.plant_files import read_plant_forecast
from models.forecast.scenarios import correlation_matrix, error_sigma_mw
from models.forecast.seeds import ar1, stable_rng
from models.forecast.solar import clearsky_power_mw
from models.instance import Instance, load_instance, validate
from models.timegrid import STEPS_PER_DAY, day_step_starts

#: variance share of the error that persists over the whole day
PERSISTENT_SHARE = 0.8
#: AR(1) coefficient of the within-day part of the error, per 15-minute step
WITHIN_DAY_PHI = 0.95
#: id of the single scenario of ``actual.json``
ACTUAL_SCENARIO = "actual"


@dataclass(frozen=True)
class ActualOutput:
    """The actual renewable output of one day.

    Attributes
    ----------
    day : date
        the delivery day (Asia/Shanghai).
    mw : DataFrame
        actual power [MW], 96 step starts × plant ids.
    source : str
        ``"synthetic"``, ``"metered <folder>"``, ``"weather <folder>"`` or
        ``"instance <file>"``: where the numbers came from.
    """

    day: dt.date
    mw: pd.DataFrame
    source: str


def instance_day(inst: Instance) -> dt.date:
    """The delivery day of an instance (the local date of its start)."""
    return inst.start.date()


def mean_forecast_mw(inst: Instance) -> pd.DataFrame:
    """Probability-weighted mean of the instance's scenarios per plant [MW]."""
    plants = list(inst.plants)
    mean = {
        p: np.sum([sc.probability * sc.renewable_mw[p] for sc in inst.scenarios], axis=0)
        for p in plants
    }
    index = pd.DatetimeIndex(pd.to_datetime(inst.step_starts()))
    return pd.DataFrame(mean, index=index, columns=plants)


def draw_errors(
    day: dt.date, sigma_mw: pd.DataFrame, rho: pd.DataFrame, *, salt: str = "actual"
) -> pd.DataFrame:
    """One realisation of the forecast error [MW] (see the module docstring).

    Parameters
    ----------
    day : date
        seeds the random streams (with ``salt`` and each plant id).
    sigma_mw : DataFrame
        error standard deviation per step and plant [MW].
    rho : DataFrame
        error correlation between the plants (indexed by plant id).
    """
    ids = list(sigma_mw.columns)
    n = len(sigma_mw)
    corr = rho.loc[ids, ids].to_numpy(dtype=float)
    # A tiny ridge keeps the factorisation stable when two plants sit on one site (ρ = 1).
    chol = np.linalg.cholesky(corr + 1e-9 * np.eye(len(ids)))
    z = np.empty(len(ids))
    paths = np.empty((n, len(ids)))
    for k, pid in enumerate(ids):
        rng = stable_rng(day, salt, pid)
        z[k] = rng.standard_normal()
        paths[:, k] = ar1(rng, n, WITHIN_DAY_PHI)
    independent = np.sqrt(PERSISTENT_SHARE) * z[None, :] + np.sqrt(1 - PERSISTENT_SHARE) * paths
    eps = independent @ chol.T
    return pd.DataFrame(
        eps * sigma_mw[ids].to_numpy(dtype=float), index=sigma_mw.index, columns=ids
    )


def point_forecast_mw(
    config: FleetConfig, day: dt.date, weather: str | Path | None = None
) -> pd.DataFrame:
    """The fleet's point forecast for ``day`` [MW] (as ``build_instance`` computes it)."""
    frames = weather_forecast(config, day, weather)
    point, _ = plant_power(config, frames, day)
    return point


def synthetic_actual(
    config: FleetConfig,
    day: dt.date,
    point_mw: pd.DataFrame | None = None,
) -> ActualOutput:
    """The offline synthetic actual output of ``day``.

    Parameters
    ----------
    config : FleetConfig
        fleet, error model and correlations.
    day : date
        the delivery day.
    point_mw : DataFrame, optional
        the day's point forecast [MW] (96 × plants); ``None`` computes it
        from the config's weather source with :func:`point_forecast_mw`.

    Returns
    -------
    ActualOutput
        ``clip(point + e, 0, capacity)`` with ``e`` from :func:`draw_errors`.
    """
    if point_mw is None:
        point_mw = point_forecast_mw(config, day)
    ids = list(point_mw.columns)
    _require_known(config, ids, "synthetic actual")
    if len(point_mw) != STEPS_PER_DAY:
        raise ForecastInputError(
            f"synthetic actual: the forecast has {len(point_mw)} steps; the error model is"
            f" defined on the {STEPS_PER_DAY} quarter-hours of a day"
        )
    clear = pd.DataFrame(
        {p.id: clearsky_power_mw(p, day).to_numpy() for p in config.pv_plants},
        index=day_step_starts(day),
    )
    sigma = error_sigma_mw(config, day, clear)[ids]
    errors = draw_errors(day, sigma, correlation_matrix(config))
    caps = np.array([config.plant(p).capacity_mw for p in ids])
    values = np.clip(point_mw[ids].to_numpy(dtype=float) + errors.to_numpy(), 0.0, caps)
    frame = pd.DataFrame(values, index=day_step_starts(day), columns=ids)
    return ActualOutput(day, frame, "synthetic")


def metered_actual(
    directory: str | Path,
    day: dt.date,
    plants: list[str],
    config: FleetConfig | None = None,
) -> ActualOutput:
    """Metered output from ``<directory>/<plant id>.csv`` files (96-point form).

    Every plant in ``plants`` needs a file, and every file must name one of
    them. Values are checked against the plant's capacity when ``config``
    knows the plant (otherwise only for being finite and ≥ 0).

    Raises
    ------
    ForecastInputError
        a missing or unknown file, or a bad row (the message names file, row and time).
    """
    folder = Path(directory)
    if not folder.is_dir():
        raise ForecastInputError(f"{folder}: metered-output folder not found")
    files = {p.stem: p for p in sorted(folder.glob("*.csv"))}
    for stem, path in files.items():
        if stem not in plants:
            raise ForecastInputError(
                f"{path}: plant {stem!r} is not in the instance (plants: {', '.join(plants)})"
            )
    known = {p.id: p.capacity_mw for p in config.plants} if config else {}
    out = {}
    for pid in plants:
        path = files.get(pid)
        if path is None:
            raise ForecastInputError(f"{folder}: no metered output {pid}.csv for plant {pid}")
        out[pid] = read_plant_forecast(path, day, known.get(pid, np.inf), pid)
    return ActualOutput(day, pd.DataFrame(out, index=day_step_starts(day)), f"metered {folder}")


def weather_actual(
    directory: str | Path, day: dt.date, config: FleetConfig, plants: list[str] | None = None
) -> ActualOutput:
    """Output computed from observed weather: ``<directory>/<plant id>.json`` (Open-Meteo).

    The files are read and converted exactly as forecasts are
    (:func:`models.forecast.weather_forecast` then :func:`models.forecast.plant_power`),
    so a file gets the same checks and messages.
    """
    ids = plants or [p.id for p in config.plants]
    _require_known(config, ids, "actual output from weather files")
    frames = weather_forecast(config, day, Path(directory))
    power, _ = plant_power(config, frames, day)
    return ActualOutput(day, power[ids], f"weather {Path(directory)}")


def read_actual(
    source: str | Path | None,
    inst: Instance,
    config: FleetConfig | None = None,
) -> ActualOutput:
    """The actual output of ``inst``'s day from any source.

    Parameters
    ----------
    source : str, Path or None
        ``None`` or ``"synthetic"``: the synthetic realisation around the
        instance's forecast (its probability-weighted mean scenario); a
        folder of ``<plant id>.csv`` (metered) or ``<plant id>.json``
        (Open-Meteo weather) files; or an ``actual.json`` instance of the same
        day (its single scenario is taken).
    inst : Instance
        the day's instance (gives the day and the plants).
    config : FleetConfig, optional
        the fleet (default: the shipped configuration).
    """
    day = instance_day(inst)
    plants = list(inst.plants)
    if source is None or str(source) == "synthetic":
        return synthetic_actual(config or load_fleet_config(), day, mean_forecast_mw(inst))
    path = Path(source)
    if path.is_file():
        return _from_instance_file(path, inst)
    if not path.is_dir():
        raise ForecastInputError(f"{path}: actual output not found (a folder or actual.json)")
    csvs, jsons = sorted(path.glob("*.csv")), sorted(path.glob("*.json"))
    if csvs and jsons:
        raise ForecastInputError(
            f"{path}: holds both .csv (metered) and .json (weather) files; keep one kind"
        )
    if csvs:
        return metered_actual(path, day, plants, config or load_fleet_config())
    if jsons:
        return weather_actual(path, day, config or load_fleet_config(), plants)
    raise ForecastInputError(
        f"{path}: no <plant id>.csv (metered) or <plant id>.json (weather) files"
    )


def actual_instance(raw: dict, actual: ActualOutput) -> dict:
    """``raw`` with its scenarios replaced by one probability-1 scenario: the actual output.

    The result is checked with :func:`models.instance.validate`; anyone can
    solve it with ``suandian solve`` to get the day's perfect-foresight plan.
    """
    plants = list(raw["scenarios"][0]["renewable_mw"])
    missing = [p for p in plants if p not in actual.mw.columns]
    if missing:
        raise ForecastInputError(
            f"actual output ({actual.source}) has no values for plant(s) {', '.join(missing)}"
        )
    if len(actual.mw) != raw["steps"]:
        raise ForecastInputError(
            f"actual output ({actual.source}) has {len(actual.mw)} steps, instance has"
            f" {raw['steps']}"
        )
    out = copy.deepcopy({k: v for k, v in raw.items() if k != "scenarios"})
    out["scenarios"] = [
        {
            "id": ACTUAL_SCENARIO,
            "probability": 1.0,
            "renewable_mw": {p: [float(v) for v in actual.mw[p].to_numpy()] for p in plants},
        }
    ]
    ordered = {k: out[k] for k in raw}
    validate(ordered, "actual.json")
    return ordered


def _from_instance_file(path: Path, inst: Instance) -> ActualOutput:
    actual = load_instance(path)
    if len(actual.scenarios) != 1:
        raise ForecastInputError(
            f"{path}: an actual.json has one scenario, this file has {len(actual.scenarios)}"
        )
    if actual.steps != inst.steps or actual.start != inst.start:
        raise ForecastInputError(
            f"{path}: starts {actual.start.isoformat()} with {actual.steps} steps; the instance"
            f" starts {inst.start.isoformat()} with {inst.steps} steps"
        )
    sc = actual.scenarios[0]
    missing = [p for p in inst.plants if p not in sc.renewable_mw]
    if missing:
        raise ForecastInputError(f"{path}: no output for plant(s) {', '.join(missing)}")
    index = pd.DatetimeIndex(pd.to_datetime(inst.step_starts()))
    frame = pd.DataFrame({p: sc.renewable_mw[p] for p in inst.plants}, index=index)
    return ActualOutput(instance_day(inst), frame, f"instance {path}")


def _require_known(config: FleetConfig, plants: list[str], what: str) -> None:
    known = {p.id for p in config.plants}
    unknown = [p for p in plants if p not in known]
    if unknown:
        raise ForecastInputError(
            f"{what}: plant(s) {', '.join(unknown)} of the instance are not in the fleet"
            f" config {config.source}; give metered files or an actual.json instead"
        )


__all__ = [
    "ACTUAL_SCENARIO",
    "ActualOutput",
    "actual_instance",
    "draw_errors",
    "mean_forecast_mw",
    "metered_actual",
    "point_forecast_mw",
    "read_actual",
    "synthetic_actual",
    "weather_actual",
]
