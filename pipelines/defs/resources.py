"""Resources: where forecasts come from, how hard the solver works, where plans go.

Every field has an offline default, so ``dagster dev`` on a fresh clone plans a
day with no setup. A dispatcher changes any of them for one run in the
launchpad, under ``resources:`` (for example
``resources: {solver: {config: {time_limit_s: 30}}}``); a deployment sets the
``SUANDIAN_*`` environment variables read when the code location loads.
Without them the configuration is the shipped one and runs and the inbox are
under the checkout's ``data/`` (an installed wheel: ``./data/`` of the folder
the code location loads in; see :mod:`models.locations`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from models.dispatch.options import DEFAULT_HIGHS_OPTIONS, SolveOptions
from models.forecast.fleet import DEFAULT_CONFIG
from models.locations import local_data


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


class ForecastSettings(dg.ConfigurableResource):
    """Where the day's inputs come from.

    ``source`` names the weather source of ``models.forecast.weather_forecast``:
    empty for the fleet configuration's own choice (``synthetic`` by default:
    offline and deterministic), ``synthetic``, a folder of Open-Meteo JSON files
    or an http(s) URL of an Open-Meteo-compatible API. ``workload_file`` is a
    workload queue file; empty means the offline queue of the fleet description.
    ``plant_forecast_dir`` is a folder of plant 96-point forecasts
    ``<plant id>.csv`` that replace those plants' weather-based power (the
    inbox sensor sets it).
    ``inbox_dir`` is the folder the inbox sensor watches for plant 96-point
    forecasts and workload files.
    """

    fleet_config: str = str(DEFAULT_CONFIG)
    source: str = ""
    scenarios: int = 3
    workload_file: str = ""
    plant_forecast_dir: str = ""
    inbox_dir: str = str(local_data() / "inbox")

    def fleet_config_path(self) -> Path:
        return Path(self.fleet_config)

    def inbox(self) -> Path:
        return Path(self.inbox_dir)


class SolverSettings(dg.ConfigurableResource):
    """HiGHS limits for the day's solve (``threads=0`` lets HiGHS choose).

    The defaults plan the full-size day (11 data centres, 3 scenarios) to a
    0.1 % gap in well under a minute on 2 cores; a time-out still publishes
    the best plan found. ``flat_*`` bound the flat (no-shifting) comparison plan
    the report solves: it only needs to be close, not proven optimal.
    ``evaluation_*`` bound each MIP of a past day's evaluation (the comparison
    plans and every policy's re-dispatch on the actual output).
    ``highs_options`` are extra HiGHS options for the day's solve only, by HiGHS
    name, on top of the project's defaults (which they may override), e.g.
    ``{mip_max_nodes: 500}`` or ``{mip_max_improving_sols: 1}``: limits that stop
    the search at the same point on any machine, unlike the wall-clock limit. A
    search stopped by such a limit publishes its best plan like a time-out.
    """

    time_limit_s: int = 60
    mip_rel_gap: float = 1e-3
    threads: int = 0
    flat_time_limit_s: int = 30
    flat_mip_rel_gap: float = 1e-2
    evaluation_time_limit_s: int = 45
    evaluation_mip_rel_gap: float = 1e-3
    highs_options: dict[str, Any] = Field(default_factory=dict)

    def options(self, log: bool = False):
        """These limits as ``models.dispatch.options.SolveOptions``."""

        return SolveOptions(
            time_limit_s=float(self.time_limit_s) if self.time_limit_s > 0 else None,
            mip_rel_gap=self.mip_rel_gap,
            threads=self.threads or None,
            log=log,
            highs_options=tuple({**dict(DEFAULT_HIGHS_OPTIONS), **self.highs_options}.items()),
        )

    def flat_options(self) -> SolveOptions:
        """Looser limits for the flat comparison plan."""
        limit = min(self.flat_time_limit_s, self.time_limit_s or self.flat_time_limit_s)
        return SolveOptions(
            time_limit_s=float(limit) if limit > 0 else None,
            mip_rel_gap=max(self.flat_mip_rel_gap, self.mip_rel_gap),
            threads=self.threads or None,
        )

    def evaluation_options(self) -> SolveOptions:
        """Limits of each MIP of the evaluation of a past day."""
        limit = self.evaluation_time_limit_s
        return SolveOptions(
            time_limit_s=float(limit) if limit > 0 else None,
            mip_rel_gap=self.evaluation_mip_rel_gap,
            threads=self.threads or None,
        )


class Publisher(dg.ConfigurableResource):
    """Where published days go: ``<runs_dir>/<YYYY-MM-DD>/``.

    With ``publish=False`` the run writes its files under
    ``<runs_dir>/drafts/<YYYY-MM-DD>/`` instead and leaves the published day
    untouched, so a dispatcher can try settings without replacing the plan
    the sites load.
    """

    runs_dir: str = ""
    publish: bool = True

    def root(self) -> Path:
        raw = self.runs_dir or _env("SUANDIAN_RUNS_DIR", str(local_data() / "runs"))
        return Path(raw).expanduser().resolve()

    def day_dir(self, day: str) -> Path:
        root = self.root()
        return root / day if self.publish else root / "drafts" / day


class PlanLimits(dg.ConfigurableResource):
    """Thresholds of the plan's asset checks.

    ``gap_limit``: largest relative gap accepted without a warning (``<= 0``
    means the solver's own ``mip_rel_gap``). ``unserved_warn_mwh``: flexible
    energy left unserved above which the unserved-energy check warns.
    """

    gap_limit: float = 0.0
    unserved_warn_mwh: float = 1.0


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, with ``SUANDIAN_*`` overrides."""
    return {
        "forecast": ForecastSettings(
            fleet_config=_env("SUANDIAN_FLEET_CONFIG", str(DEFAULT_CONFIG)),
            source=_env("SUANDIAN_FORECAST_SOURCE", ""),
            scenarios=int(_env("SUANDIAN_SCENARIOS", "3")),
            workload_file=_env("SUANDIAN_WORKLOAD_FILE", ""),
            inbox_dir=_env("SUANDIAN_INBOX", str(local_data() / "inbox")),
        ),
        "solver": SolverSettings(
            time_limit_s=int(_env("SUANDIAN_TIME_LIMIT_S", "60")),
            mip_rel_gap=float(_env("SUANDIAN_MIP_GAP", "1e-3")),
            threads=int(_env("SUANDIAN_THREADS", "0")),
            evaluation_time_limit_s=int(_env("SUANDIAN_EVAL_TIME_LIMIT_S", "45")),
            evaluation_mip_rel_gap=float(_env("SUANDIAN_EVAL_MIP_GAP", "1e-3")),
        ),
        "publisher": Publisher(runs_dir=_env("SUANDIAN_RUNS_DIR", "")),
        "plan_limits": PlanLimits(),
    }
