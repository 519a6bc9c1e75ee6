"""The folders Suandian writes, in one place: a plan folder and a delivery day's folder.

Every writer (``suandian solve --out``, ``suandian evaluate``, the backtest and
the Dagster assets) and every reader (the asset checks, the report's totals,
the evaluation) goes through this module, so the layout is written down once.

A *plan folder* holds the contract's files (``summary.json``,
``rack_power_plan.csv``, ``workload_allocation.csv``, ``energy_schedule.csv``)
and, for the site operators, ``rack_power_plan.parquet`` and one 96-point
``sites/<datacenter>.csv`` per data centre. It is replaced whole.

A *day folder* ``<runs>/<YYYY-MM-DD>/`` holds::

    instance.json        the day's instance (validated on write and on read)
    plan/                the published plan, a plan folder; its summary's
                         ``instance_sha256`` names the instance it was solved from
    report.html          the dispatcher's report of that plan
    flat_plan/           the flat (no-shifting) comparison plan, a plan folder: solved
                         once for the report and reused by the day's evaluation
    actual.json          the instance with one probability-1 scenario, the actual output
    evaluation.json      every policy's realised cost and key figures
    policy_steps.csv     per policy and step on the actual day
    actual_output.csv    per plant and step: forecast, actual, error
    revisions/<HHMM>/    an intraday re-plan at HH:MM (``models.intraday``): its
                         instance.json (the rest of the horizon), plan/ and revision.json
    current/             a plan folder: the executed past and the latest revision, the
                         plan operations follow during the day (absent: plan/ is current)

Each file is written whole (``models.atomic``). A new ``instance.json`` leaves
``plan/`` and ``report.html`` in place: the day keeps its last good plan until
a successor is written whole, and the plan's summary says which instance it
belongs to (:meth:`DayFolder.plan_is_current`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from models.atomic import atomic_write_text, replace_directory
from models.instance import Instance, dump_instance, instance_digest, load_instance
from models.plan.results import PlanTables

SUMMARY_FILE = "summary.json"
TABLE_FILES = {
    "rack_power_plan": "rack_power_plan.csv",
    "workload_allocation": "workload_allocation.csv",
    "energy_schedule": "energy_schedule.csv",
}
PARQUET_FILE = "rack_power_plan.parquet"
SITES_DIR = "sites"
SITE_COLUMNS = ("step", "start", "blocks_on", "racks_on", "it_cap_mw", "facility_mw")
# Ids are text even when they look like numbers ("001").
ID_COLUMNS = {"datacenter": str, "workload": str, "scenario": str}

INSTANCE_FILE = "instance.json"
PLAN_DIR = "plan"
REPORT_FILE = "report.html"
FLAT_PLAN_DIR = "flat_plan"
ACTUAL_FILE = "actual.json"
EVALUATION_FILE = "evaluation.json"
STEPS_FILE = "policy_steps.csv"
ACTUAL_OUTPUT_FILE = "actual_output.csv"
REVISIONS_DIR = "revisions"
CURRENT_DIR = "current"


class PlanFolderError(ValueError):
    """A plan folder (or a day folder's file) cannot be read back; the message names the file."""


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    """``start`` as ISO 8601 text with its offset (``2026-11-23T00:15:00+08:00``)."""
    out = frame.copy()
    if "start" in out and len(out) and not pd.api.types.is_string_dtype(out["start"]):
        out["start"] = [pd.Timestamp(ts).isoformat() for ts in out["start"]]
    return out


def _json_text(content: Any) -> str:
    """JSON as the contract writes it: ``NaN`` and ``Infinity`` refused, not written."""
    try:
        return json.dumps(content, indent=1, allow_nan=False) + "\n"
    except ValueError as exc:
        raise ValueError(f"not written: {exc} (NaN and Infinity are not JSON)") from None


def site_table(rack_power_plan: pd.DataFrame, datacenter: str) -> pd.DataFrame:
    """One data centre's plan, one row per step, in the columns a site operator loads."""
    rows = rack_power_plan[rack_power_plan["datacenter"] == datacenter]
    return _iso(rows.sort_values("step").loc[:, list(SITE_COLUMNS)].reset_index(drop=True))


def write_plan_files(tables: PlanTables, folder: Path) -> None:
    """Write the whole plan layout into an existing, empty ``folder`` (full precision)."""
    folder = Path(folder)
    text = _json_text(tables.summary)
    for attr, name in TABLE_FILES.items():
        _iso(getattr(tables, attr)).to_csv(folder / name, index=False)
    tables.rack_power_plan.to_parquet(folder / PARQUET_FILE, index=False)
    sites = folder / SITES_DIR
    sites.mkdir()
    for datacenter in pd.unique(tables.rack_power_plan["datacenter"]):
        site_table(tables.rack_power_plan, datacenter).to_csv(
            sites / f"{datacenter}.csv", index=False
        )
    (folder / SUMMARY_FILE).write_text(text, encoding="utf-8")


def write_plan(tables: PlanTables, out_dir: str | Path) -> Path:
    """Replace ``out_dir`` with the plan; a failure leaves the previous folder untouched."""
    out_dir = Path(out_dir)
    replace_directory(out_dir, lambda tmp: write_plan_files(tables, tmp))
    return out_dir


def read_summary(plan_dir: str | Path) -> dict[str, Any]:
    """A plan folder's ``summary.json`` as a dict."""
    path = Path(plan_dir) / SUMMARY_FILE
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFolderError(
            f"{path}: missing (a plan folder as `suandian solve` writes)"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PlanFolderError(f"{path}: cannot read the plan summary ({exc})") from None
    if not isinstance(summary, dict):
        raise PlanFolderError(f"{path}: expected a JSON object")
    return summary


def read_table(plan_dir: str | Path, table: str) -> pd.DataFrame:
    """One of the contract's tables (``rack_power_plan`` …) of a plan folder, as written."""
    path = Path(plan_dir) / TABLE_FILES[table]
    try:
        return pd.read_csv(path, dtype=ID_COLUMNS)
    except FileNotFoundError:
        raise PlanFolderError(
            f"{path}: missing (a plan folder as `suandian solve` writes)"
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise PlanFolderError(f"{path}: cannot read ({exc})") from None


def read_plan(plan_dir: str | Path) -> PlanTables:
    """The three tables and the summary of a plan folder (``start`` stays ISO text)."""
    return PlanTables(
        **{t: read_table(plan_dir, t) for t in TABLE_FILES}, summary=read_summary(plan_dir)
    )


def solved_from(summary: dict[str, Any], instance: Instance) -> bool:
    """Whether a plan's summary names ``instance`` as the one it was solved from."""
    return summary.get("instance_sha256") == instance_digest(instance.raw)


@dataclass(frozen=True)
class DayFolder:
    """One delivery day's folder ``path`` (``<runs>/<YYYY-MM-DD>/``); see the module doc."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", Path(self.path))

    @property
    def instance_path(self) -> Path:
        return self.path / INSTANCE_FILE

    @property
    def plan_dir(self) -> Path:
        return self.path / PLAN_DIR

    @property
    def report_path(self) -> Path:
        return self.path / REPORT_FILE

    @property
    def flat_plan_dir(self) -> Path:
        return self.path / FLAT_PLAN_DIR

    @property
    def revisions_dir(self) -> Path:
        return self.path / REVISIONS_DIR

    def revision_dir(self, hhmm: str) -> Path:
        """The folder of the revision at ``hhmm`` (``"1200"``)."""
        return self.revisions_dir / hhmm

    @property
    def current_dir(self) -> Path:
        return self.path / CURRENT_DIR

    @property
    def actual_path(self) -> Path:
        return self.path / ACTUAL_FILE

    @property
    def evaluation_path(self) -> Path:
        return self.path / EVALUATION_FILE

    def write_instance(self, raw: dict[str, Any]) -> Path:
        """Validate and write ``instance.json``; the published plan and report stay."""
        dump_instance(raw, self.instance_path)
        return self.instance_path

    def read_instance(self) -> Instance:
        return load_instance(self.instance_path)

    def write_plan(self, tables: PlanTables) -> Path:
        """Replace ``plan/`` whole; until then the previous plan stays published."""
        return write_plan(tables, self.plan_dir)

    def read_plan(self) -> PlanTables:
        return read_plan(self.plan_dir)

    def read_summary(self) -> dict[str, Any]:
        return read_summary(self.plan_dir)

    def plan_is_current(self) -> bool:
        """Whether ``plan/`` was solved from the ``instance.json`` beside it."""
        try:
            return solved_from(self.read_summary(), self.read_instance())
        except (PlanFolderError, ValueError):
            return False

    def write_flat_plan(self, tables: PlanTables) -> Path:
        return write_plan(tables, self.flat_plan_dir)

    def read_flat_plan(self) -> PlanTables:
        return read_plan(self.flat_plan_dir)

    def write_report(self, page: str) -> Path:
        atomic_write_text(self.report_path, page)
        return self.report_path

    def write_actual(self, raw_actual: dict[str, Any]) -> Path:
        """Validate and write ``actual.json`` (an instance with one scenario)."""
        dump_instance(raw_actual, self.actual_path)
        return self.actual_path

    def read_actual(self) -> Instance:
        return load_instance(self.actual_path)

    def write_evaluation(
        self, content: dict[str, Any], policy_steps: pd.DataFrame, actual_output: pd.DataFrame
    ) -> Path:
        """Write ``evaluation.json`` and its two step tables.

        ``evaluation.json`` goes last and is removed first, so whenever it
        exists the tables beside it are its own; nothing is touched when the
        content is not valid JSON.
        """
        text = _json_text(content)
        self.evaluation_path.unlink(missing_ok=True)
        atomic_write_text(self.path / STEPS_FILE, _iso(policy_steps).to_csv(index=False))
        atomic_write_text(self.path / ACTUAL_OUTPUT_FILE, _iso(actual_output).to_csv(index=False))
        atomic_write_text(self.evaluation_path, text)
        return self.evaluation_path

    def read_evaluation(self) -> dict[str, Any]:
        path = self.evaluation_path
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise PlanFolderError(f"{path}: cannot read the evaluation ({exc})") from None

    def has_evaluation(self) -> bool:
        return self.evaluation_path.is_file()
