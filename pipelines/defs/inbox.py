"""The inbox: files dropped for a delivery day, and the run config that uses them.

A file belongs to the day whose ``YYYY-MM-DD`` appears in its name. Files with
``workload`` in the name are workload queues; every other ``.csv``/``.json``
file is a plant 96-point forecast. The newest file of each kind for a day is
used by that day's runs (the sensor's and the nightly schedule's).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")
SUFFIXES = {".csv", ".json", ".toml"}


@dataclass(frozen=True)
class InboxFile:
    path: Path
    day: str
    kind: str  # "plants" or "workloads"
    mtime_ns: int

    @property
    def key(self) -> str:
        """Identifies this version of the file: name and modification time."""
        return f"{self.path.name}@{self.mtime_ns}"


def scan(inbox: Path) -> list[InboxFile]:
    """Every dated file in the inbox (not recursive), oldest first."""
    if not inbox.is_dir():
        return []
    files = []
    for path in inbox.iterdir():
        match = DAY.search(path.name)
        if (
            not path.is_file()
            or path.suffix.lower() not in SUFFIXES
            or not match
            or path.name.startswith(".")
        ):
            continue
        kind = "workloads" if "workload" in path.name.lower() else "plants"
        files.append(InboxFile(path, match.group(1), kind, path.stat().st_mtime_ns))
    return sorted(files, key=lambda f: (f.mtime_ns, f.path.name))


def newest_for_day(files: list[InboxFile], day: str) -> dict[str, InboxFile]:
    """The newest file of each kind for ``day``."""
    newest: dict[str, InboxFile] = {}
    for f in files:
        if f.day == day:
            newest[f.kind] = f  # files are sorted oldest first
    return newest


def run_config_for(newest: dict[str, InboxFile]) -> dict:
    """Run config pointing the day's forecast resource at its inbox files."""
    config = {}
    if "plants" in newest:
        config["plant_forecast_file"] = str(newest["plants"].path)
    if "workloads" in newest:
        config["workload_file"] = str(newest["workloads"].path)
    return {"resources": {"forecast": {"config": config}}} if config else {}
