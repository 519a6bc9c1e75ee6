"""Resources: where forecasts come from, how hard the solver works, where plans go.

Every field has an offline default, written once as the field's default here
(the solver's from the profiles of ``models.dispatch.options``), so
``dagster dev`` on a fresh clone plans a day with no setup. The launchpad shows
every field with its value under ``resources:``, and a dispatcher changes any
of them for one run there (for example
``resources: {solver: {config: {time_limit_s: 30}}}``). A deployment sets the
``SUANDIAN_*`` environment variables of :mod:`pipelines.defs.settings`, which
binds them to these fields. Without them runs and the inbox are under the
checkout's ``data/`` (an installed wheel: ``./data/`` of the folder the code
location loads in; see :mod:`models.locations`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
from pydantic import Field

from models.dispatch import (
    AUTO_ON_OFF,
    DAILY_PLAN,
    DEFAULT_HIGHS_OPTIONS,
    EVALUATION,
    SolveOptions,
)
from models.forecast import DEFAULT_CONFIG
from models.locations import local_data


def _seconds(limit: float | None) -> int:
    """A profile's time limit as a launchpad field: whole seconds, 0 for none."""
    return round(limit or 0)


def _limit(seconds: int) -> float | None:
    """A launchpad time limit as ``SolveOptions.time_limit_s`` (``<= 0`` means none)."""
    return float(seconds) if seconds > 0 else None


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
    ``chain_days``: day D starts where D−1's published plan ends (blocks, state
    of charge, work left; the configured values when D−1 has no folder), so
    days must be planned in order; ``False`` plans every day from the
    configured state, independent of the others (days may run in parallel).
    ``horizon_hours``: 24 plans the delivery day; 48 (or 72) also looks past
    midnight and commits to the delivery day's 96 steps. 24 until the 48 h
    full-fleet solve is measured within the day's time limit.
    """

    fleet_config: str = str(DEFAULT_CONFIG)
    source: str = ""
    scenarios: int = 3
    workload_file: str = ""
    plant_forecast_dir: str = ""
    inbox_dir: str = str(local_data() / "inbox")
    chain_days: bool = True
    horizon_hours: int = 24

    def fleet_config_path(self) -> Path:
        return Path(self.fleet_config)

    def inbox(self) -> Path:
        return Path(self.inbox_dir)


class SolverSettings(dg.ConfigurableResource):
    """HiGHS limits of the pipeline's solves (``threads=0`` lets HiGHS choose).

    The defaults are the profiles of ``models.dispatch.options``: the day's
    solve ``DAILY_PLAN`` and the evaluation ``EVALUATION`` (which also bounds the
    report's flat comparison plan, solved once and reused by the evaluation); a
    time limit is in whole seconds (so that ``dg.EnvVar.int`` can set it), 0 for
    none. A time-out still publishes the best plan found.
    ``evaluation_*`` bound each MIP of a past day's evaluation (the comparison
    plans and every policy's re-dispatch on the actual output).
    ``highs_options`` are extra HiGHS options for the day's solve only, by HiGHS
    name, on top of the project's defaults (which they may override), e.g.
    ``{mip_max_nodes: 500}`` or ``{mip_max_improving_sols: 1}``: limits that stop
    the search at the same point on any machine, unlike the wall-clock limit. A
    search stopped by such a limit publishes its best plan like a time-out.
    ``helper`` (``auto``, ``on``, ``off``) is ``SolveOptions.helper`` for the day's
    solve; in ``auto`` a backfill's runs get none, since they share the machine's
    cores between them (two solver slots in ``dagster_home/dagster.yaml``), while a
    day's own run (nightly, or a dispatcher's) has the machine to itself.
    """

    time_limit_s: int = _seconds(DAILY_PLAN.time_limit_s)
    mip_rel_gap: float = DAILY_PLAN.mip_rel_gap
    threads: int = 0
    evaluation_time_limit_s: int = _seconds(EVALUATION.time_limit_s)
    evaluation_mip_rel_gap: float = EVALUATION.mip_rel_gap
    highs_options: dict[str, Any] = Field(default_factory=dict)
    helper: str = "auto"

    def options(self, log: bool = False, backfill: bool = False) -> SolveOptions:
        """The day's solve: these limits as ``models.dispatch.options.SolveOptions``.

        ``backfill``: the run is one of a backfill's.
        """
        if self.helper not in AUTO_ON_OFF:
            raise ValueError(
                f"resources.solver.helper={self.helper!r}: expected one of {', '.join(AUTO_ON_OFF)}"
            )
        helper = AUTO_ON_OFF[self.helper]
        return SolveOptions(
            time_limit_s=_limit(self.time_limit_s),
            mip_rel_gap=self.mip_rel_gap,
            threads=self.threads or None,
            log=log,
            highs_options=tuple({**dict(DEFAULT_HIGHS_OPTIONS), **self.highs_options}.items()),
            helper=False if helper is None and backfill else helper,
        )

    def evaluation_options(self) -> SolveOptions:
        """Limits of each MIP of the evaluation of a past day."""
        return SolveOptions(
            time_limit_s=_limit(self.evaluation_time_limit_s),
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

    runs_dir: str = str(local_data() / "runs")
    publish: bool = True

    def root(self) -> Path:
        return Path(self.runs_dir).expanduser().resolve()

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
