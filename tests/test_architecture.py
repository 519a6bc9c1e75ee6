"""The arrows between packages run one way (docs/architecture.md), read from the source.

Inside ``models`` each package may import only packages of a lower layer;
nothing in ``models`` imports Dagster or ``pipelines``; ``pipelines`` uses
``models`` only through the names each package exports, and no asset module
imports another.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Lowest first; a package may import the packages of the layers below its own.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"models.timegrid", "models.atomic", "models.locations"}),
    frozenset({"models.instance"}),
    frozenset({"models.dispatch", "models.forecast"}),
    frozenset({"models.plan"}),
    frozenset({"models.report"}),
    frozenset({"models.backtest"}),
    frozenset({"models.intraday"}),
    frozenset({"models.cli"}),
)
LAYER_OF = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def imported(path: Path) -> Iterator[str]:
    """Every module named by an import statement in ``path`` (also inside functions)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)


def package_of(module: str) -> str:
    """``models.dispatch.solve`` → ``models.dispatch``; top-level modules stand for themselves."""
    return ".".join(module.split(".")[:2])


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts)


def test_every_models_package_has_a_layer() -> None:
    packages = {package_of(module_name(p)) for p in (REPO / "models").rglob("*.py")}
    assert packages - {"models.__init__"} == set(LAYER_OF)


def test_models_packages_import_only_lower_layers() -> None:
    upward = []
    for path in sorted((REPO / "models").rglob("*.py")):
        source = package_of(module_name(path))
        if source not in LAYER_OF:
            continue
        for target in map(package_of, imported(path)):
            if target in LAYER_OF and target != source and LAYER_OF[target] >= LAYER_OF[source]:
                upward.append(f"{module_name(path)} imports {target}")
    assert upward == []


def test_models_never_import_dagster_or_the_pipelines() -> None:
    found = [
        f"{module_name(path)} imports {name}"
        for path in sorted((REPO / "models").rglob("*.py"))
        for name in imported(path)
        if name.split(".")[0] in {"dagster", "dagster_graphql", "dagster_webserver", "pipelines"}
    ]
    assert found == []


def test_pipelines_use_the_packages_public_names_only() -> None:
    inner = []
    for path in sorted((REPO / "pipelines").rglob("*.py")):
        for name in imported(path):
            if name.startswith("models.") and name.count(".") > 1:
                inner.append(f"{module_name(path)} imports {name}")
    assert inner == []


def test_asset_modules_do_not_import_each_other() -> None:
    assets = REPO / "pipelines" / "defs" / "assets"
    found = [
        f"{module_name(path)} imports {name}"
        for path in sorted(assets.glob("*.py"))
        for name in imported(path)
        if name.startswith("pipelines.defs.assets")
    ]
    assert found == []


def test_the_rules_catch_what_they_are_meant_to(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import os\ndef f():\n    from models.plan.folder import DayFolder\n")
    assert list(imported(source)) == ["os", "models.plan.folder"]
    assert package_of("models.plan.folder") == "models.plan"
    assert LAYER_OF["models.plan"] > LAYER_OF["models.dispatch"] > LAYER_OF["models.instance"]
