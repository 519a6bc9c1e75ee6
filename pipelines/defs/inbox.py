"""The inbox: files dropped for a delivery day, and the run config that uses them.

Layout (one folder per delivery day)::

    <inbox>/2026-11-24/plants/<plant id>.csv    plant 96-point forecasts (MW)
    <inbox>/2026-11-24/workloads.json           the day's workload queue (any name
                                                 with "workload" in it)
    <inbox>/2026-11-24/metered/<plant id>.csv   metered 96-point output of a past day
                                                 (MW), read by ``actual_output``

Plant files override the weather-based power of those plants
(``models.forecast.plant_files``); the newest workload file replaces the
day's queue. Runs of the sensor and of the nightly schedule use whatever the
inbox holds for their day.
"""

import re
from dataclasses import dataclass
from pathlib import Path

DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WORKLOAD_SUFFIXES = {".csv", ".json", ".toml"}


@dataclass(frozen=True)
class InboxFile:
    path: Path
    day: str
    kind: str  # "plants", "workloads" or "metered"
    mtime_ns: int

    @property
    def key(self) -> str:
        """Identifies this version of the file: path below the inbox and modification time."""
        folder = self.path.parent.name + "/" if self.kind in ("plants", "metered") else ""
        return f"{self.day}/{folder}{self.path.name}@{self.mtime_ns}"


def scan(inbox: Path) -> list[InboxFile]:
    """Every file in the inbox's day folders, oldest first (hidden files are ignored)."""
    if not inbox.is_dir():
        return []
    files = []
    for day_dir in inbox.iterdir():
        if not day_dir.is_dir() or not DAY.match(day_dir.name):
            continue
        day = day_dir.name
        plants = day_dir / "plants"
        if plants.is_dir():
            files += [
                InboxFile(p, day, "plants", p.stat().st_mtime_ns)
                for p in plants.glob("*.csv")
                if p.is_file() and not p.name.startswith(".")
            ]
        files += [
            InboxFile(p, day, "workloads", p.stat().st_mtime_ns)
            for p in day_dir.iterdir()
            if p.is_file()
            and "workload" in p.name.lower()
            and p.suffix.lower() in WORKLOAD_SUFFIXES
            and not p.name.startswith(".")
        ]
    return sorted(files, key=lambda f: (f.mtime_ns, str(f.path)))


def day_files(files: list[InboxFile], day: str) -> dict[str, list[InboxFile]]:
    """The day's plant files and workload files (each list oldest first)."""
    out: dict[str, list[InboxFile]] = {}
    for f in files:
        if f.day == day:
            out.setdefault(f.kind, []).append(f)
    return out


def run_config_for(found: dict[str, list[InboxFile]]) -> dict:
    """Run config pointing the day's forecast resource at its inbox files."""
    config = {}
    if found.get("plants"):
        config["plant_forecast_dir"] = str(found["plants"][0].path.parent)
    if found.get("workloads"):
        config["workload_file"] = str(found["workloads"][-1].path)
    return {"resources": {"forecast": {"config": config}}} if config else {}


def run_key_for(day: str, found: dict[str, list[InboxFile]]) -> str:
    """A run key naming the day and every file version the run uses."""
    used = sorted(f.key for files in found.values() for f in files)
    return f"inbox-{day}-" + "+".join(used)


def metered_dir(inbox: Path, day: str) -> Path:
    """Where the metered output of ``day`` is dropped: ``<inbox>/<day>/metered/``."""
    return inbox / day / "metered"


def scan_metered(inbox: Path) -> list[InboxFile]:
    """Every metered plant file ``<inbox>/<day>/metered/*.csv``, oldest first."""
    if not inbox.is_dir():
        return []
    files = [
        InboxFile(p, day_dir.name, "metered", p.stat().st_mtime_ns)
        for day_dir in inbox.iterdir()
        if day_dir.is_dir() and DAY.match(day_dir.name)
        for p in metered_dir(inbox, day_dir.name).glob("*.csv")
        if p.is_file() and not p.name.startswith(".")
    ]
    return sorted(files, key=lambda f: (f.mtime_ns, str(f.path)))
