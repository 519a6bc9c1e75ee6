"""Writing a plan folder exactly as ``suandian solve --out`` defines it, whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from models.atomic import replace_directory
from models.plan.results import PlanTables

TABLE_FILES = {
    "rack_power_plan": "rack_power_plan.csv",
    "workload_allocation": "workload_allocation.csv",
    "energy_schedule": "energy_schedule.csv",
}


def _iso(frame: pd.DataFrame) -> pd.DataFrame:
    """``start`` as ISO 8601 text with its offset (``2026-11-23T00:15:00+08:00``)."""
    out = frame.copy()
    if "start" in out:
        out["start"] = [ts.isoformat() for ts in out["start"]]
    return out


def write_plan_files(tables: PlanTables, folder: Path) -> None:
    """Write summary.json and the three CSVs into an existing ``folder`` (full precision)."""
    for attr, name in TABLE_FILES.items():
        _iso(getattr(tables, attr)).to_csv(folder / name, index=False)
    (folder / "summary.json").write_text(
        json.dumps(tables.summary, indent=1, allow_nan=False) + "\n", encoding="utf-8"
    )


def write_plan(tables: PlanTables, out_dir: str | Path) -> Path:
    """Replace ``out_dir`` with the plan; a failure leaves the previous folder untouched."""
    out_dir = Path(out_dir)
    replace_directory(out_dir, lambda tmp: write_plan_files(tables, tmp))
    return out_dir
