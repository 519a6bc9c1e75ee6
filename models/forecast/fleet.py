"""The cluster's configuration: plants, data centres, storage, grid and tariff, from one TOML file.

The shipped default is ``data/qingyang.toml``; where each of its values comes
from is in ``docs/data-sources.md``. Every table is a pydantic model with
``extra="forbid"``, so a misspelled key is an error naming the file and key.
"""

from __future__ import annotations

import csv
import difflib
import functools
import itertools
import math
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.forecast.errors import ForecastInputError
from models.locations import shipped_data
from models.timegrid import TZ

#: the shipped configuration folder (``qingyang.toml``, ``workloads/``): the checkout's
#: ``data/`` or the installed wheel's package data (see :mod:`models.locations`)
DATA_DIR = shipped_data()
DEFAULT_CONFIG = DATA_DIR / "qingyang.toml"

PlantId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Site(_Model):
    """A point on the map."""

    id: PlantId
    name: str = ""
    latitude: float = Field(ge=-90, le=90, description="[°N]")
    longitude: float = Field(ge=-180, le=180, description="[°E]")
    altitude_m: float = Field(ge=-400, le=9000, description="[m] above sea level")


class WindFarm(Site):
    """A wind farm: identical turbines from windpowerlib's oedb turbine library."""

    kind: Literal["wind"] = "wind"
    capacity_mw: float = Field(gt=0, description="grid-connection capacity [MW]")
    turbine_type: str = Field(description="windpowerlib oedb turbine type, e.g. 'E-141/4200'")
    hub_height_m: float = Field(gt=0)
    turbine_count: int = Field(gt=0)
    wake_efficiency: float = Field(gt=0, le=1, description="wind-farm efficiency (wake losses)")
    availability: float = Field(gt=0, le=1, description="technical availability [0-1]")
    synthetic_wind_factor: float = Field(
        default=1.0, gt=0, le=3, description="site factor on the synthetic 100 m wind"
    )

    @field_validator("turbine_type")
    @classmethod
    def _known_turbine(cls, value: str) -> str:
        known = turbine_types()
        if value not in known:
            close = difflib.get_close_matches(value, sorted(known), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise ValueError(
                f"unknown turbine type {value!r}: not in windpowerlib's oedb turbine "
                f"library with a power curve{hint}"
            )
        return value


class PvPlant(Site):
    """A PV plant modelled with pvlib (PVWatts DC and inverter)."""

    kind: Literal["pv"] = "pv"
    capacity_mw: float = Field(gt=0, description="AC (inverter) capacity [MW]")
    dc_ac_ratio: float = Field(gt=0.5, le=2.0)
    mount: Literal["fixed", "single_axis"] = "fixed"
    tilt_deg: float = Field(default=32.0, ge=0, le=90)
    azimuth_deg: float = Field(default=180.0, ge=0, lt=360)
    axis_azimuth_deg: float = Field(default=180.0, ge=0, lt=360)
    max_angle_deg: float = Field(default=55.0, gt=0, le=90)
    gcr: float = Field(default=0.35, gt=0, lt=1)
    temperature_model: Literal["faiman", "pvsyst"] = "faiman"
    gamma_pdc_per_c: float = Field(default=-0.0035, ge=-0.01, le=0)
    losses_percent: float = Field(default=14.0, ge=0, lt=100)
    inverter_efficiency: float = Field(default=0.98, gt=0, le=1)
    albedo: float = Field(default=0.25, ge=0, le=1)


class DataCentreConfig(_Model):
    """A computing centre as configured: racks in blocks, a PUE model, an inflexible load profile.

    The configuration side; ``models.instance.DataCenter`` is the contract's record
    that ``models.forecast.conditions`` derives from it for one delivery day.
    """

    id: PlantId
    name: str = ""
    racks: int = Field(gt=0)
    rack_kw: float = Field(gt=0)
    block_racks: int = Field(gt=0)
    idle_fraction: float = Field(ge=0, lt=1)
    cooling: Literal["air", "liquid"] = "air"
    weather_plant: str = Field(description="plant whose weather (2 m temperature) drives the PUE")
    utilisation_frac: float = Field(gt=0, le=0.9, description="mean inflexible IT load / capacity")
    diurnal_amplitude_frac: float = Field(default=0.06, ge=0, le=0.3)
    peak_hour: float = Field(default=21.0, ge=0, lt=24)
    max_block_change: int | None = Field(default=None, gt=0)
    block_startup_cost: float = Field(default=0.0, ge=0, description="[CNY per block]")

    @model_validator(mode="after")
    def _blocks(self) -> DataCentreConfig:
        if self.racks % self.block_racks:
            raise ValueError(
                f"racks {self.racks} is not a multiple of block_racks {self.block_racks}"
            )
        peak = self.utilisation_frac * (1 + self.diurnal_amplitude_frac) * 1.05
        if peak > 0.98:
            raise ValueError(
                "utilisation_frac with diurnal_amplitude_frac may push the inflexible load "
                "above capacity (keep utilisation_frac*(1+amplitude)*1.05 <= 0.98)"
            )
        return self

    @property
    def capacity_mw(self) -> float:
        """IT capacity ``racks * rack_kw / 1000`` [MW]."""
        return self.racks * self.rack_kw / 1000.0

    @property
    def blocks(self) -> int:
        return self.racks // self.block_racks

    @property
    def block_mw(self) -> float:
        return self.block_racks * self.rack_kw / 1000.0


class PueModel(_Model):
    """``PUE(T) = min(pue_max, base + slope * max(0, T - free_cooling_below_c))``."""

    base: float = Field(ge=1)
    slope_per_c: float = Field(ge=0)
    free_cooling_below_c: float
    pue_max: float = Field(ge=1)


class Storage(_Model):
    """A battery, in the contract's terms."""

    id: PlantId
    charge_mw: float = Field(ge=0)
    discharge_mw: float = Field(ge=0)
    energy_min_mwh: float = Field(ge=0)
    energy_max_mwh: float = Field(ge=0)
    energy_initial_mwh: float = Field(ge=0)
    energy_final_min_mwh: float = Field(ge=0)
    charge_efficiency: float = Field(gt=0, le=1)
    discharge_efficiency: float = Field(gt=0, le=1)
    degradation_cost_per_mwh: float = Field(ge=0)

    @model_validator(mode="after")
    def _energies(self) -> Storage:
        lo, hi = self.energy_min_mwh, self.energy_max_mwh
        if not (lo <= self.energy_initial_mwh <= hi and lo <= self.energy_final_min_mwh <= hi):
            raise ValueError(
                "need energy_min_mwh <= energy_initial_mwh, energy_final_min_mwh <= energy_max_mwh"
            )
        return self


class Grid(_Model):
    """The 330 kV connection, carbon and penalty prices."""

    voltage_kv: float = Field(default=330.0, gt=0)
    import_limit_mw: float = Field(ge=0)
    export_limit_mw: float = Field(ge=0)
    export_price_per_mwh: float
    emission_factor_t_per_mwh: float = Field(ge=0)
    carbon_price_per_t: float = Field(ge=0)
    curtailment_cost_per_mwh: float = Field(default=0.0, ge=0)
    unserved_load_penalty_per_mwh: float = Field(ge=0)


Band = Literal["peak", "flat", "valley"]


class TariffSeason(_Model):
    """Time-of-use bands of one season: hour ranges ``[start, end)`` in local time."""

    name: str
    months: list[int] = Field(min_length=1)
    bands: dict[Band, list[tuple[float, float]]]
    prices_per_mwh: dict[Band, float] | None = None

    @field_validator("months")
    @classmethod
    def _months(cls, value: list[int]) -> list[int]:
        bad = [m for m in value if not 1 <= m <= 12]
        if bad or len(set(value)) != len(value):
            raise ValueError(f"months must be distinct numbers 1-12, got {value}")
        return value

    @field_validator("bands")
    @classmethod
    def _hours(cls, value: dict[str, list[tuple[float, float]]]) -> dict:
        spans = []
        for band, ranges in value.items():
            for start, end in ranges:
                if not (0 <= start < end <= 24) or (start * 4) % 1 or (end * 4) % 1:
                    raise ValueError(
                        f"band {band} range [{start}, {end}) must lie in 0-24 h on quarter hours"
                    )
                spans.append((start, end, band))
        spans.sort()
        for (_s0, e0, b0), (s1, _e1, b1) in itertools.pairwise(spans):
            if s1 < e0:
                raise ValueError(f"bands {b0} and {b1} overlap at hour {s1}")
        return value


class Tariff(_Model):
    """Gansu-style time-of-use import tariff, configurable by season."""

    default_band: Band = "flat"
    prices_per_mwh: dict[Band, float]
    seasons: list[TariffSeason] = Field(min_length=1)

    @model_validator(mode="after")
    def _cover(self) -> Tariff:
        months = [m for s in self.seasons for m in s.months]
        if sorted(months) != list(range(1, 13)):
            raise ValueError("seasons must cover every month 1-12 exactly once")
        for season in [None, *self.seasons]:
            prices = self.prices_per_mwh if season is None else season.prices_per_mwh
            if prices is None:
                continue
            if season is None and set(prices) != {"peak", "flat", "valley"}:
                raise ValueError("prices_per_mwh needs peak, flat and valley")
            if any(p < 0 or not math.isfinite(p) for p in prices.values()):
                raise ValueError("import prices must be finite and >= 0")
        return self


class WeatherConfig(_Model):
    """Which weather source a build uses when none is given on the command line."""

    source: Literal["synthetic", "files", "http"] = "synthetic"
    directory: str | None = None
    url: str | None = None
    timeout_seconds: float = Field(default=10.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    retry_backoff_seconds: float = Field(default=1.0, ge=0)
    max_distance_deg: float = Field(default=1.0, gt=0)
    max_gap_hours: float = Field(default=1.0, ge=0)


class ErrorModel(_Model):
    """Forecast error standard deviation ``base_frac + per_hour_frac * lead_hours``."""

    base_frac: float = Field(ge=0, le=1)
    per_hour_frac: float = Field(ge=0, le=0.1)
    correlation_length_km: float = Field(gt=0)


class ForecastConfig(_Model):
    """The forecast-error model turning point forecasts into scenarios."""

    issue_hour: float = Field(default=9.0, ge=0, lt=24, description="issue time on D-1 [h local]")
    scenarios: int = Field(default=3, ge=1, le=50)
    wind_error: ErrorModel
    pv_error: ErrorModel
    wind_pv_correlation: float = Field(default=0.0, ge=0, le=0.5)


class SyntheticConfig(_Model):
    """Climate of the offline synthetic forecast (see ``synthetic.py``)."""

    wind_100m_by_month_m_per_s: list[float] = Field(min_length=12, max_length=12)
    temperature_mean_c: float = 8.6
    temperature_amplitude_c: float = 12.8
    temperature_reference_altitude_m: float = 1421.0
    diurnal_swing_c: float = 6.0
    cloudiness_mean: float = Field(default=0.35, gt=0, lt=1)
    cloudiness_seasonal: float = Field(default=0.15, ge=0, lt=0.5)


class JobClassRules(_Model):
    """Placement rules of one class of demo jobs (contract section 9); absent = no rule.

    Restart and the minimum rate scale with the job: ``restart_work_hours`` of
    its work at ``max_mw``, priced at ``[workloads.demo] work_value_per_mwh``,
    and ``min_mw_share`` of its ``max_mw``.
    """

    max_datacenters: int | None = Field(default=None, ge=1)
    min_mw_share: float = Field(default=0.0, ge=0, le=1)
    migration_cost_per_mw: float = Field(default=0.0, ge=0)
    restart_work_hours: float = Field(default=0.0, ge=0)
    min_run_steps: int | None = Field(default=None, ge=1)
    preemptible: bool = True


class DemoQueue(_Model):
    """The deterministic demo workload queue used when no file exists for the day."""

    jobs: int = Field(default=24, ge=0, le=500)
    energy_share_of_spare: float = Field(default=0.3, ge=0, le=0.8)
    penalty_min_per_mwh: float = Field(default=1500.0, ge=0)
    penalty_max_per_mwh: float = Field(default=6000.0, ge=0)
    #: what an hour of a job's work at 1 MW is worth, for its restart cost [CNY/MWh]
    work_value_per_mwh: float = Field(default=400.0, ge=0)
    #: per job class (``train``, ``batch``, ``etl``); a class not listed has no rules
    rules: dict[Literal["train", "batch", "etl"], JobClassRules] = {}


class WorkloadConfig(_Model):
    directory: str = "workloads"
    demo: DemoQueue = DemoQueue()


class FleetConfig(_Model):
    """The whole cluster configuration (one TOML file)."""

    name: str
    timezone: str = TZ
    weather: WeatherConfig = WeatherConfig()
    forecast: ForecastConfig
    synthetic: SyntheticConfig
    wind_farms: list[WindFarm] = []
    pv_plants: list[PvPlant] = []
    pue: dict[Literal["air", "liquid"], PueModel]
    datacenters: list[DataCentreConfig] = Field(min_length=1)
    storage: list[Storage] = []
    grid: Grid
    tariff: Tariff
    workloads: WorkloadConfig = WorkloadConfig()
    #: folder of the config file (relative paths in the config are relative to it)
    base_dir: Path = Path(".")
    source: str = "<config>"

    @field_validator("timezone")
    @classmethod
    def _grid_zone(cls, value: str) -> str:
        if value != TZ:
            raise ValueError(f"Input should be {TZ!r} (the zone of the delivery-day grid)")
        return value

    @model_validator(mode="after")
    def _cross(self) -> FleetConfig:
        plants = [p.id for p in self.plants]
        if not plants:
            raise ValueError("no plants: need wind_farms or pv_plants")
        for kind, ids in (
            ("plant", plants),
            ("datacenter", [d.id for d in self.datacenters]),
            ("storage", [s.id for s in self.storage]),
        ):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"duplicate {kind} id {', '.join(dup)}")
        for dc in self.datacenters:
            if dc.weather_plant not in plants:
                raise ValueError(
                    f"datacenter {dc.id}: weather_plant {dc.weather_plant!r} is not a plant"
                )
            if dc.cooling not in self.pue:
                raise ValueError(f"datacenter {dc.id}: no [pue.{dc.cooling}] model")
        return self

    @property
    def plants(self) -> list[WindFarm | PvPlant]:
        """All plants, wind farms first, in config order."""
        return [*self.wind_farms, *self.pv_plants]

    def plant(self, plant_id: str) -> WindFarm | PvPlant:
        for p in self.plants:
            if p.id == plant_id:
                return p
        raise KeyError(plant_id)

    def resolve(self, path: str | Path) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(path)
        return p if p.is_absolute() else self.base_dir / p


@functools.cache
def turbine_types() -> frozenset[str]:
    """Turbine types with a power curve in windpowerlib's shipped oedb library (offline)."""
    import windpowerlib

    path = Path(windpowerlib.__file__).parent / "oedb" / "power_curves.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return frozenset(row["turbine_type"] for row in csv.DictReader(fh))


def _loc(raw: dict[str, Any], loc: tuple) -> str:
    """Render a pydantic error location as ``wind_farms[0](huanxian-wind-1).key``."""
    out, node = "", raw
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and "id" in node:
                out += f"({node['id']})"
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def load_fleet_config(path: str | Path | None = None) -> FleetConfig:
    """Read and validate the cluster configuration.

    Parameters
    ----------
    path : str or Path, optional
        TOML file; ``None`` uses the shipped ``qingyang.toml`` (:data:`DEFAULT_CONFIG`).

    Returns
    -------
    FleetConfig

    Raises
    ------
    ForecastInputError
        The file is missing or not TOML, or a key is unknown, missing or out of
        range; the message names the file and every offending key.
    """
    path = Path(path) if path is not None else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ForecastInputError(
            f"{path}: cannot read config file ({exc.strerror or exc})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ForecastInputError(f"{path}: not valid TOML: {exc}") from None
    for key in ("base_dir", "source"):
        if key in raw:
            raise ForecastInputError(f"{path}: {key}: key not allowed in the config file")
    try:
        return FleetConfig.model_validate({**raw, "base_dir": path.parent, "source": str(path)})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key (misspelled?)"
            lines.append(f"{path}: {_loc(raw, err['loc'])}: {msg}")
        raise ForecastInputError("\n".join(lines)) from None
