"""Reading and writing instance JSON files.

Python's ``json`` module accepts ``NaN`` and ``Infinity`` tokens, which the
contract forbids; they are parsed into a marker that validation reports with
the key path where it stands, instead of failing on the first one. It also
keeps only the last of a key given twice in one object, which would hide a
plant listed twice in ``renewable_mw`` or a contradicting setting: such keys
are recorded while parsing and reported with their key path.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from models.atomic import atomic_write_text
from models.instance.schema import Instance
from models.instance.validate import InstanceError, validate


class NonFiniteToken:
    """A ``NaN``/``Infinity`` token read from JSON; never a valid number."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return f"{self.token} (not allowed in JSON)"


class _JsonObject(dict):
    """A JSON object that remembers the keys it was given more than once."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) < len(pairs):
        seen: set[str] = set()
        obj.repeated = tuple(dict.fromkeys(k for k, _ in pairs if k in seen or seen.add(k)))
    return obj


def _repeated_keys(node: Any, path: str) -> list[str]:
    """``"<path>: key 'k' is given more than once"`` for every repeated key under ``node``."""
    problems: list[str] = []
    if isinstance(node, _JsonObject):
        where = path or "(top level)"
        problems += [f"{where}: key {k!r} is given more than once" for k in node.repeated]
        for key, value in node.items():
            problems += _repeated_keys(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += _repeated_keys(value, f"{path}[{i}]")
    return problems


def parse_instance(text: str, source: str | None = None) -> Instance:
    """Parse and validate instance JSON text; errors name ``source``."""
    try:
        raw = json.loads(text, parse_constant=NonFiniteToken, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        raise InstanceError(
            [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"], source
        ) from None
    repeated = _repeated_keys(raw, "")
    try:
        instance = validate(raw, source)
    except InstanceError as exc:
        raise InstanceError(repeated + exc.problems, source) from None
    if repeated:
        raise InstanceError(repeated, source)
    return instance


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


def instance_digest(raw: dict[str, Any]) -> str:
    """SHA-256 of the instance's content (keys sorted, no white space), in hex.

    The same content gives the same digest however the file was laid out, so
    a plan's summary can name the instance it was solved from and a reader can
    tell whether an ``instance.json`` is that one.
    """
    text = json.dumps(raw, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
