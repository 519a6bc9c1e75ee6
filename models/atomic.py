"""Whole-or-nothing writes: a reader never sees a half-written file or folder.

It sits below every package that writes files (the instance contract's JSON,
plans, reports, backtests, the pipeline's day folders), so none of them has to
import another's internals to write safely.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def replace_directory(target: Path, fill: Callable[[Path], None]) -> None:
    """Build a folder with ``fill(tmp_dir)``, then swap it in place of ``target``.

    The old folder is moved aside before the new one is renamed in, moved back
    if that rename fails, and removed only after it succeeded, so a failure at
    any point leaves either the old or the new folder whole at ``target``.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new.", dir=target.parent))
    old = None
    try:
        fill(staging)
        if target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            aside.rmdir()
            os.replace(target, aside)
            old = aside
        os.replace(staging, target)
    except BaseException:
        if old is not None and not target.exists():
            os.replace(old, target)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
