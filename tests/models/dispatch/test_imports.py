"""The modules of ``models.dispatch`` import one another one way, at the top of the file.

An import inside a function hides a cycle instead of removing it; read from
the source, so that the check does not depend on which module happens to be
imported first.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import models.dispatch

PACKAGE = Path(models.dispatch.__file__).parent


def _imports(tree: ast.AST) -> set[str]:
    """``models.dispatch`` modules named by the import statements under ``tree``."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "models.dispatch":
                found.update(f"models.dispatch.{a.name}" for a in node.names)
            elif node.module.startswith("models.dispatch."):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("models.dispatch."))
    return found


def _modules() -> dict[str, ast.Module]:
    return {
        f"models.dispatch.{path.stem}": ast.parse(path.read_text(encoding="utf-8"))
        for path in sorted(PACKAGE.glob("*.py"))
        if path.stem != "__init__"
    }


def test_no_module_imports_inside_a_function() -> None:
    inside = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                inside.extend(f"{name}.{node.name}" for _ in _imports(node))
    assert inside == []


def test_the_modules_import_each_other_without_a_cycle() -> None:
    graph = {name: _imports(tree) - {name} for name, tree in _modules().items()}
    try:
        order = list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise AssertionError(f"import cycle: {exc.args[1]}") from exc
    # The entry point is above the portfolio it may start, which is above one search.
    assert order.index("models.dispatch.rounds") < order.index("models.dispatch.portfolio")
    assert order.index("models.dispatch.portfolio") < order.index("models.dispatch.solve")
    assert order.index("models.dispatch.options") < order.index("models.dispatch.highs")
