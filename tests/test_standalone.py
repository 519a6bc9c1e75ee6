"""The repository stands alone: no tracked file refers to a path outside it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A reference to the sibling folder the project was written beside, however it is spelled
# (built from parts, so this file does not name it itself).
SIBLING = "sha" + "red"
OUTSIDE = re.compile(rf"\.\./{SIBLING}|{SIBLING}/(spec|guides|seeds)\b")


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=False, text=True
    )
    if out.returncode != 0:  # an exported tree (git archive) has no index: walk it instead
        return [p for p in REPO.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [REPO / name for name in out.stdout.split("\0") if name]


def test_the_pattern_catches_what_it_is_meant_to() -> None:
    assert OUTSIDE.search(f"see ../{SIBLING}/spec/dispatch-model.md")
    assert OUTSIDE.search(f"from {SIBLING}/spec/qingyang-facts.md")
    assert not OUTSIDE.search(f"{SIBLING} storage (NFS)")


def test_no_tracked_file_refers_outside_the_repository() -> None:
    offenders = []
    for path in tracked_files():
        if path == Path(__file__) or not path.exists():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()[:80]}")
    assert offenders == [], "\n".join(offenders)


def test_every_example_has_an_expected_optimum() -> None:
    folders = sorted(p for p in (REPO / "data" / "examples").iterdir() if p.is_dir())
    assert [p.name for p in folders] == ["large-14", "medium-12", "small-11", "small-22-hs"]
    for folder in folders:
        assert (folder / "instance.json").is_file(), folder
        assert (folder / "expected.json").is_file(), folder


@pytest.mark.parametrize(
    "name", ["contract.md", "data-sources.md", "architecture.md", "operations.md"]
)
def test_the_project_documents_exist(name: str) -> None:
    assert (REPO / "docs" / name).is_file(), f"docs/{name} is missing"
