"""Wind farms with windpowerlib: hub-height wind, air density, power curve, wake and availability.

The chain for one farm:

1. wind speed at hub height from the heights the weather has
   (:func:`models.forecast.weather.hub_wind_speed`: windpowerlib's linear
   interpolation between heights, Hellman power law above the highest);
2. :class:`windpowerlib.TurbineClusterModelChain` on a
   :class:`windpowerlib.WindFarm` of ``turbine_count`` identical turbines from
   the oedb turbine library shipped with windpowerlib (offline): air density at
   hub height from the barometric formula and a linear temperature gradient,
   density-corrected power curve (IEC 61400-12), wake losses as a constant
   wind-farm efficiency;
3. times the technical availability, W → MW, clipped to [0, capacity].

windpowerlib works in W, K and Pa; the weather frame already is in K and Pa.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
from windpowerlib import TurbineClusterModelChain, WindTurbine
from windpowerlib import WindFarm as WplWindFarm

from models.forecast.errors import ForecastInputError
from models.forecast.fleet import WindFarm, turbine_types
from models.forecast.units import w_to_mw
from models.forecast.weather import hub_wind_speed


@functools.lru_cache(maxsize=64)
def turbine(turbine_type: str, hub_height_m: float) -> WindTurbine:
    """A windpowerlib turbine from the library files shipped with windpowerlib (no network)."""
    if turbine_type not in turbine_types():
        raise ForecastInputError(f"turbine_type: unknown turbine type {turbine_type!r}")
    with _QuietPandas():
        return WindTurbine(turbine_type=turbine_type, hub_height=hub_height_m, path="oedb")


class _QuietPandas(warnings.catch_warnings):
    """Silence pandas 3 deprecation warnings raised inside windpowerlib 0.2.2 (not ours)."""

    def __enter__(self):
        out = super().__enter__()
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"windpowerlib\..*")
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"windpowerlib\..*")
        return out


def wind_power_mw(farm: WindFarm, frame: pd.DataFrame) -> pd.Series:
    """Power of a wind farm for each step of a weather frame.

    Parameters
    ----------
    farm : WindFarm
        turbine type, hub height, count, wake efficiency and availability.
    frame : DataFrame
        weather frame with ``("wind_speed", h)`` [m/s] at one or more heights,
        ``("temperature", 2)`` [K] and ``("pressure", 0)`` [Pa].

    Returns
    -------
    Series
        power [MW] on the frame's index, in [0, ``capacity_mw``].

    References
    ----------
    Haas, S. et al. windpowerlib, JOSS 4(41) 1866 (2019), doi:10.21105/joss.01866.
    IEC 61400-12-1 (density correction of the power curve).
    """
    hub = float(farm.hub_height_m)
    v_hub = hub_wind_speed(frame, hub).to_numpy(dtype=float)
    weather = pd.DataFrame(
        {
            ("wind_speed", hub): v_hub,
            ("temperature", 2): frame[("temperature", 2)].to_numpy(dtype=float),
            ("pressure", 0): frame[("pressure", 0)].to_numpy(dtype=float),
            # only read if windpowerlib's farm mean hub height differs from ``hub`` by
            # round-off (it is a geometric mean); the Hellman step is then the identity
            ("roughness_length", 0): np.full(len(frame), 0.1),
        },
        index=frame.index,
    )
    weather.columns = pd.MultiIndex.from_tuples(weather.columns)
    return pd.Series(farm_power_w(farm, weather), index=frame.index, name=farm.id).pipe(
        lambda w: np.clip(w_to_mw(w) * farm.availability, 0.0, farm.capacity_mw)
    )


def farm_power_w(farm: WindFarm, weather: pd.DataFrame) -> np.ndarray:
    """Farm output [W] before availability, for a windpowerlib weather frame."""
    wt = turbine(farm.turbine_type, float(farm.hub_height_m))
    fleet = pd.DataFrame({"wind_turbine": [wt], "number_of_turbines": [farm.turbine_count]})
    wf = WplWindFarm(wind_turbine_fleet=fleet, efficiency=farm.wake_efficiency, name=farm.id)
    chain = TurbineClusterModelChain(
        wf,
        wake_losses_model="wind_farm_efficiency",
        smoothing=False,
        density_correction=True,
        density_model="barometric",
        temperature_model="linear_gradient",
        wind_speed_model="hellman",
    )
    with _QuietPandas():
        chain.run_model(weather)
    return np.nan_to_num(np.asarray(chain.power_output, dtype=float))
