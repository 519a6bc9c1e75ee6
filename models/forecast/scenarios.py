"""Point forecasts → the contract's renewable scenarios, with a documented forecast-error model.

Error model
-----------
The day-ahead forecast is issued at ``issue_hour`` on the day before the
delivery day, so step ``t`` has a lead time ``L(t)`` of 15-39 h (09:00 issue);
a horizon past midnight (``--horizon-hours 48``) continues the same line, so the
next day's steps have 39-63 h and errors a third to a half larger.
The forecast error of plant ``i`` is normal with zero mean and standard
deviation

- wind: ``σ_i(t) = capacity_i · (a_w + b_w · L(t))``
- PV:   ``σ_i(t) = clear-sky power_i(t) · (a_pv + b_pv · L(t))``

(``a``, ``b`` = ``base_frac``, ``per_hour_frac`` of ``[forecast.wind_error]`` and
``[forecast.pv_error]``), so the error grows with lead time, PV has none at
night and PV errors scale with what the sky could give. Errors of two plants
of the same kind at distance ``d`` correlate with ``ρ = exp(−d / ℓ)``
(``correlation_length_km`` ℓ, 150 km for wind: nearby farms see the same
weather system); wind and PV errors correlate with ``wind_pv_correlation·exp(−d/ℓ_pv)``
(0 by default). Within the day the error is fully persistent (one draw per
scenario), which is what matters for a day-ahead energy plan.

Scenarios
---------
Scenario ``k`` of ``N`` is the fleet-total error at the conditional mean
``z_k`` of the ``k``-th of ``N`` equal-probability bins of the standard normal
(``z = 0`` for ``N = 1``; ±1.09 and 0 for ``N = 3``). Each plant moves by its
conditional expectation given that total (Gaussian regression on the
aggregate):

``P_i,k(t) = clip(P_i(t) + z_k · (C(t)·1)_i / sqrt(1ᵀ·C(t)·1), 0, capacity_i)``

with ``C = D·R·D`` the covariance (``D = diag σ``). A farm strongly correlated
with the rest moves with the fleet; an isolated one moves less. The
probabilities are exactly ``1/N`` (the last is ``1 − Σ others`` so they sum to
1), scenarios are ordered from the lowest to the highest renewable energy and
named after their bin's middle percentile (``p17``, ``p50``, ``p83`` for ``N = 3``).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats

from models.forecast.fleet import FleetConfig
from models.timegrid import STEPS_PER_DAY, day_start, day_step_midpoints, day_step_starts

EARTH_RADIUS_KM = 6371.0


def lead_hours(config: FleetConfig, day: dt.date, steps: int = STEPS_PER_DAY) -> np.ndarray:
    """Lead time of each step's midpoint after the forecast issue on the day before [h].

    ``steps`` past the delivery day's 96 are the look-ahead, issued at the same time.
    """
    issue = day_start(day - dt.timedelta(days=1)) + pd.Timedelta(hours=config.forecast.issue_hour)
    mid = day_step_midpoints(day, steps)
    return ((mid - issue) / pd.Timedelta(hours=1)).to_numpy(dtype=float)


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle (haversine) distance [km]."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi, dlmb = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return float(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a)))


def correlation_matrix(config: FleetConfig) -> pd.DataFrame:
    """Error correlation between plants (exponential in distance, per kind)."""
    plants = config.plants
    fc = config.forecast
    n = len(plants)
    rho = np.eye(n)
    for i in range(n):
        for j in range(i + 1, n):
            a, b = plants[i], plants[j]
            d = distance_km(a.latitude, a.longitude, b.latitude, b.longitude)
            if a.kind == b.kind == "wind":
                r = np.exp(-d / fc.wind_error.correlation_length_km)
            elif a.kind == b.kind == "pv":
                r = np.exp(-d / fc.pv_error.correlation_length_km)
            else:
                r = fc.wind_pv_correlation * np.exp(-d / fc.pv_error.correlation_length_km)
            rho[i, j] = rho[j, i] = r
    ids = [p.id for p in plants]
    return pd.DataFrame(rho, index=ids, columns=ids)


def error_sigma_mw(config: FleetConfig, day: dt.date, clear_mw: pd.DataFrame) -> pd.DataFrame:
    """Standard deviation of each plant's forecast error per step [MW].

    Parameters
    ----------
    clear_mw : DataFrame
        clear-sky power of the PV plants [MW] (columns: PV plant ids), one row
        per step of the horizon from the delivery day's 00:00.
    """
    steps = len(clear_mw.index)
    lead = lead_hours(config, day, steps)
    fc = config.forecast
    out = {}
    for p in config.plants:
        if p.kind == "wind":
            out[p.id] = p.capacity_mw * (
                fc.wind_error.base_frac + fc.wind_error.per_hour_frac * lead
            )
        else:
            frac = fc.pv_error.base_frac + fc.pv_error.per_hour_frac * lead
            out[p.id] = clear_mw[p.id].to_numpy() * frac
    return pd.DataFrame(out, index=day_step_starts(day, steps))


def quantisation(n: int) -> tuple[list[float], list[float], list[str]]:
    """Nodes ``z_k``, probabilities and ids of ``n`` equal-probability bins of N(0, 1)."""
    if n < 1:
        raise ValueError("need at least one scenario")
    if n == 1:
        return [0.0], [1.0], ["p50"]
    edges = stats.norm.ppf(np.linspace(0.0, 1.0, n + 1))
    pdf = stats.norm.pdf(edges)
    nodes = list((pdf[:-1] - pdf[1:]) * n)
    probs = [float(Fraction(1, n))] * (n - 1)
    probs.append(1.0 - sum(probs))
    mids = [100.0 * (k + 0.5) / n for k in range(n)]
    ids = [f"p{m:.0f}" for m in mids]
    if len(set(ids)) < n:
        ids = [f"p{m:.1f}" for m in mids]
    if len(set(ids)) < n:
        ids = [f"s{k + 1:02d}" for k in range(n)]
    return [float(z) for z in nodes], probs, ids


def make_scenarios(
    config: FleetConfig,
    day: dt.date,
    point_mw: pd.DataFrame,
    sigma_mw: pd.DataFrame,
    count: int,
) -> list[dict]:
    """Contract scenarios from the point forecast and the error model.

    Parameters
    ----------
    point_mw : DataFrame
        point forecast [MW], 96 rows, one column per plant.
    sigma_mw : DataFrame
        error standard deviation [MW], same shape.
    count : int
        number of scenarios.

    Returns
    -------
    list of dict
        ``{"id", "probability", "renewable_mw": {plant: [96 floats]}}``, ordered
        from the lowest to the highest renewable energy.
    """
    ids = list(point_mw.columns)
    rho = correlation_matrix(config).loc[ids, ids].to_numpy()
    sig = sigma_mw[ids].to_numpy()  # T x P
    cov_row = np.einsum("tp,pq,tq->tp", sig, rho, sig)  # (C·1)_p per step
    total_var = cov_row.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(total_var[:, None] > 0, cov_row / np.sqrt(total_var)[:, None], 0.0)
    caps = np.array([config.plant(i).capacity_mw for i in ids])
    point = point_mw[ids].to_numpy()
    nodes, probs, names = quantisation(count)
    out = []
    for z, prob, name in zip(nodes, probs, names, strict=True):
        values = np.clip(point + z * shift, 0.0, caps)
        out.append(
            {
                "id": name,
                "probability": prob,
                "renewable_mw": {
                    pid: [float(v) for v in values[:, k]] for k, pid in enumerate(ids)
                },
            }
        )
    return out
