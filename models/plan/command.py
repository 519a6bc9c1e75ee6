"""``suandian show``: the key figures of a written plan, read back from its ``summary.json``.

Reading the published file rather than the solver's result lets ``make plan``
(after a Dagster run), ``make solve-example`` and a person looking at an old
day print the same block. Exit codes as for ``solve``: 0 shown, 2 the folder
holds no readable plan summary (message on standard error).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from models.plan.figures import FIGURE_BY_KEY
from models.plan.folder import SUMMARY_FILE, DayFolder, PlanFolderError
from models.plan.folder import read_summary as read_plan_summary

EXIT_OK, EXIT_INVALID = 0, 2
# The figures a dispatcher reads first, in the order shown.
SHOWN_KEYS = ("status", "gap", "objective", "green_share", "import_mwh", "unserved_flexible_mwh")


def plan_folder(folder: Path) -> Path:
    """The plan folder meant by ``folder``: itself, or a day folder's ``plan/``.

    A day folder (``data/runs/<day>/``) is accepted so the path printed by
    ``make plan`` can be passed as it is.
    """
    folder = Path(folder)
    for candidate in (folder, DayFolder(folder).plan_dir):
        if (candidate / SUMMARY_FILE).is_file():
            return candidate
    if not folder.is_dir():
        raise PlanFolderError(f"{folder}: no such folder")
    raise PlanFolderError(
        f"{folder}: no {SUMMARY_FILE} here or in {DayFolder(folder).plan_dir} (not a plan folder)"
    )


def read_summary(plan_dir: Path) -> dict[str, Any]:
    """The summary with every shown key present, or a ``PlanFolderError`` naming what is wrong."""
    summary = read_plan_summary(plan_dir)
    missing = [key for key in SHOWN_KEYS if key not in summary]
    if missing:
        raise PlanFolderError(f"{Path(plan_dir) / SUMMARY_FILE}: missing {', '.join(missing)}")
    return summary


def report_path(plan_dir: Path) -> Path | None:
    """The day report beside a published ``plan/`` folder, if there is one."""
    path = DayFolder(Path(plan_dir).parent).report_path
    return path if path.is_file() else None


def _yuan(value: float) -> str:
    """Whole yuan with the sign before the symbol (a day that exports can earn money)."""
    return f"{'-' if value < 0 else ''}¥{abs(value):,.0f}"


def key_figure_lines(
    summary: Mapping[str, Any],
    report: Path | None = None,
    extra: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """The block shown to a person: status and gap, cost, green share, import, unserved work.

    ``extra`` rows (label, value) are aligned with the figures, so a caller
    such as ``make plan`` can add where its log went.
    """
    title = str(summary.get("name") or "plan")
    if summary.get("start"):
        title += f" (from {summary['start']})"
    label = {key: FIGURE_BY_KEY[key].label for key in SHOWN_KEYS if key in FIGURE_BY_KEY}
    rows = [
        ("status", f"{summary['status']}, gap {float(summary['gap']):.4%}"),
        (label["objective"], _yuan(float(summary["objective"]))),
        (label["green_share"], f"{float(summary['green_share']):.1%}"),
        (label["import_mwh"], f"{float(summary['import_mwh']):,.1f} MWh"),
        (label["unserved_flexible_mwh"], f"{float(summary['unserved_flexible_mwh']):,.1f} MWh"),
    ]
    if report is not None:
        rows.append(("report", str(report)))
    rows.extend(extra)
    width = max(len(label) for label, _ in rows)
    return [title, *(f"  {label:<{width}}  {value}" for label, value in rows)]


def show(folder: Path, extra: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The key-figure block of the plan in ``folder`` (a plan folder or a day folder)."""
    plan_dir = plan_folder(folder)
    return key_figure_lines(read_summary(plan_dir), report_path(plan_dir), extra)


def cmd_show(args: argparse.Namespace) -> int:
    try:
        lines = show(Path(args.folder))
    except PlanFolderError as exc:
        print(f"suandian: {exc}", file=sys.stderr)
        return EXIT_INVALID
    print("\n".join(lines))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``show`` subcommand to the ``suandian`` parser."""
    p = subparsers.add_parser(
        "show", help="print a written plan's key figures (and its day report's path)"
    )
    p.add_argument("folder", help="plan folder (summary.json) or day folder holding plan/")
    p.set_defaults(func=cmd_show)
