"""Reading and writing instance JSON files.

Python's ``json`` module accepts ``NaN`` and ``Infinity`` tokens, which the
contract forbids; they are parsed into a marker that validation reports with
the key path where it stands, instead of failing on the first one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from models.instance.schema import Instance
from models.instance.validate import InstanceError, validate
from models.plan.atomic import atomic_write_text


class NonFiniteToken:
    """A ``NaN``/``Infinity`` token read from JSON; never a valid number."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"{self.token} (not allowed in JSON)"


def parse_instance(text: str, source: str | None = None) -> Instance:
    """Parse and validate instance JSON text; errors name ``source``."""
    try:
        raw = json.loads(text, parse_constant=NonFiniteToken)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"], source
        ) from None
    return validate(raw, source)


def load_instance(path: str | Path) -> Instance:
    """Read and validate the instance file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError([f"cannot read file: {exc}"], str(path)) from None
    return parse_instance(text, str(path))


def dump_instance(raw: dict[str, Any], path: str | Path) -> None:
    """Validate ``raw`` and write it whole (or not at all) to ``path``."""
    validate(raw, str(path))
    atomic_write_text(Path(path), json.dumps(raw, indent=1, allow_nan=False) + "\n")
