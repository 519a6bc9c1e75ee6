"""The deployment's settings: every ``SUANDIAN_*`` variable of the code location is read here.

Two kinds, in one table each (docs/operations.md, *Settings*, lists both):

- **Run settings** are fields of the resources (:mod:`pipelines.defs.resources`),
  whose defaults are written once, as the fields' defaults.
  :func:`deployment_resources` binds each variable that is set to its field as
  ``dg.EnvVar`` (``dg.EnvVar.int`` for a whole number), so Dagster reads the
  value when a run starts and the launchpad shows ``{env: NAME}`` where the
  value comes from; a variable that is not set leaves the field's default. A
  float field (a gap) or a yes/no field (``chain_days``) cannot hold an
  ``EnvVar`` (Dagster's environment source carries only strings and whole
  numbers), so its variable is parsed when the definitions are built, and the
  launchpad shows the value.
- **Location settings** shape the definitions themselves (the first partition,
  the nightly cron, the executor); :func:`location_settings` reads them when the
  code location loads, and a change needs a reload.

Nothing here runs at import: :mod:`pipelines.definitions` builds the resources
when Dagster loads the code location.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

from pipelines.defs.resources import ForecastSettings, PlanLimits, Publisher, SolverSettings

# The code location's resources by key; each is built from its fields' defaults.
RESOURCES: dict[str, type[dg.ConfigurableResource]] = {
    "forecast": ForecastSettings,
    "solver": SolverSettings,
    "publisher": Publisher,
    "plan_limits": PlanLimits,
}

# Run settings: environment variable -> (resource key, field).
RUN_VARIABLES: dict[str, tuple[str, str]] = {
    "SUANDIAN_FLEET_CONFIG": ("forecast", "fleet_config"),
    "SUANDIAN_FORECAST_SOURCE": ("forecast", "source"),
    "SUANDIAN_SCENARIOS": ("forecast", "scenarios"),
    "SUANDIAN_WORKLOAD_FILE": ("forecast", "workload_file"),
    "SUANDIAN_INBOX": ("forecast", "inbox_dir"),
    "SUANDIAN_CHAIN_DAYS": ("forecast", "chain_days"),
    "SUANDIAN_HORIZON_HOURS": ("forecast", "horizon_hours"),
    "SUANDIAN_TIME_LIMIT_S": ("solver", "time_limit_s"),
    "SUANDIAN_MIP_GAP": ("solver", "mip_rel_gap"),
    "SUANDIAN_THREADS": ("solver", "threads"),
    "SUANDIAN_HELPER": ("solver", "helper"),
    "SUANDIAN_EVAL_TIME_LIMIT_S": ("solver", "evaluation_time_limit_s"),
    "SUANDIAN_EVAL_MIP_GAP": ("solver", "evaluation_mip_rel_gap"),
    "SUANDIAN_RUNS_DIR": ("publisher", "runs_dir"),
}

EXECUTORS = ("multiprocess", "in_process")


@dataclass(frozen=True)
class LocationSettings:
    """Settings of the definitions themselves, with their defaults.

    Parameters
    ----------
    first_day
        First delivery-day partition (``YYYY-MM-DD``); a backfill reaches no further back.
    nightly_cron
        When the nightly schedule plans tomorrow (Asia/Shanghai).
    executor
        ``multiprocess`` (a run may still pick in-process in the launchpad) or
        ``in_process`` only, which starts faster on a small machine.
    """

    first_day: str = "2026-01-01"
    nightly_cron: str = "0 21 * * *"
    executor: str = "multiprocess"


# Location settings: environment variable -> LocationSettings field.
LOCATION_VARIABLES: dict[str, str] = {
    "SUANDIAN_FIRST_DAY": "first_day",
    "SUANDIAN_NIGHTLY_CRON": "nightly_cron",
    "SUANDIAN_EXECUTOR": "executor",
}


def _environ(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _set(environ: Mapping[str, str], name: str) -> str | None:
    """The variable's text, ``None`` when unset or empty (empty has always meant the default)."""
    return environ.get(name) or None


def _field_type(resource: str, field: str) -> type:
    return RESOURCES[resource].model_fields[field].annotation


def _number(name: str, text: str, kind: type) -> float | int:
    try:
        return kind(text)
    except ValueError:
        expected = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name}={text!r}: expected {expected}") from None


#: Texts a yes/no variable accepts (any case).
FLAGS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _flag(name: str, text: str) -> bool:
    try:
        return FLAGS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"{name}={text!r}: expected true or false") from None


def _resources(values: dict[str, dict[str, object]]) -> dict[str, dg.ConfigurableResource]:
    return {key: cls(**values.get(key, {})) for key, cls in RESOURCES.items()}


def _field_values(environ: Mapping[str, str], bind: bool) -> dict[str, dict[str, object]]:
    """Each set run variable's value per resource field: bound to ``dg.EnvVar`` or read now."""
    values: dict[str, dict[str, object]] = {}
    for name, (resource, field) in RUN_VARIABLES.items():
        text = _set(environ, name)
        if text is None:
            continue
        kind = _field_type(resource, field)
        value: object
        if bind and kind is str:
            value = dg.EnvVar(name)
        elif bind and kind is int:
            value = dg.EnvVar.int(name)
        elif kind is bool:
            value = _flag(name, text)
        else:
            value = text if kind is str else _number(name, text, kind)
        values.setdefault(resource, {})[field] = value
    return values


def deployment_resources(
    environ: Mapping[str, str] | None = None,
) -> dict[str, dg.ConfigurableResource]:
    """The resources of the code location, each set variable bound to its field.

    A string or whole-number field gets ``dg.EnvVar(NAME)`` / ``dg.EnvVar.int(NAME)``,
    read by Dagster when a run starts; a float or yes/no field gets its value now.
    Raises ``ValueError`` naming the variable when a float variable is not a
    number or a yes/no variable is not one of :data:`FLAGS`.
    """
    return _resources(_field_values(_environ(environ), bind=True))


def current_resources(
    environ: Mapping[str, str] | None = None,
) -> dict[str, dg.ConfigurableResource]:
    """The same resources with every variable's value read now.

    For code outside a run that needs the deployment's values (the launcher's
    runs folder, the day benchmark): an ``EnvVar`` field is only resolved
    inside a run.
    """
    return _resources(_field_values(_environ(environ), bind=False))


def location_settings(environ: Mapping[str, str] | None = None) -> LocationSettings:
    """The location settings: each set variable, else the default of :class:`LocationSettings`.

    Raises ``ValueError`` naming the variable for a first day that is not a
    date or an unknown executor.
    """
    environ = _environ(environ)
    given = {field: _set(environ, name) for name, field in LOCATION_VARIABLES.items()}
    settings = LocationSettings(**{k: v for k, v in given.items() if v is not None})
    try:
        dt.date.fromisoformat(settings.first_day)
    except ValueError:
        raise ValueError(
            f"SUANDIAN_FIRST_DAY={settings.first_day!r}: expected a date YYYY-MM-DD"
        ) from None
    if settings.executor not in EXECUTORS:
        raise ValueError(
            f"SUANDIAN_EXECUTOR={settings.executor!r}: expected 'multiprocess' or 'in_process'"
        )
    return settings
