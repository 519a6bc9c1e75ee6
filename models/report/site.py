"""Files for the site operators: the rack plan as Parquet and one 96-point CSV per data centre."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SITE_COLUMNS = ("step", "start", "blocks_on", "racks_on", "it_cap_mw", "facility_mw")


def site_table(rack_power_plan: pd.DataFrame, datacenter: str) -> pd.DataFrame:
    """One data centre's plan, one row per step, in the columns a site operator loads."""
    rows = rack_power_plan[rack_power_plan["datacenter"] == datacenter]
    table = rows.sort_values("step").loc[:, list(SITE_COLUMNS)].reset_index(drop=True)
    if not pd.api.types.is_string_dtype(table["start"]) and len(table):
        # ISO 8601 with the offset, as in the contract's CSV files (2026-11-23T00:15:00+08:00)
        table["start"] = [pd.Timestamp(ts).isoformat() for ts in table["start"]]
    return table


def write_site_files(rack_power_plan: pd.DataFrame, plan_dir: Path) -> list[Path]:
    """Write ``rack_power_plan.parquet`` and ``sites/<datacenter>.csv`` into ``plan_dir``.

    Numbers are written at full precision, like the contract's CSV files.
    Returns the paths written.
    """
    plan_dir = Path(plan_dir)
    written = [plan_dir / "rack_power_plan.parquet"]
    rack_power_plan.to_parquet(written[0], index=False)
    sites = plan_dir / "sites"
    sites.mkdir(parents=True, exist_ok=True)
    for datacenter in pd.unique(rack_power_plan["datacenter"]):
        path = sites / f"{datacenter}.csv"
        site_table(rack_power_plan, datacenter).to_csv(path, index=False)
        written.append(path)
    return written
