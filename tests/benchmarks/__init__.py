"""Tests of the benchmark scripts' own instance builders."""

from __future__ import annotations

import functools
import importlib.util
from types import ModuleType

from tests.conftest import REPO


@functools.cache
def bench_days() -> ModuleType:
    """``benchmarks/bench_days.py`` as a module (a script, not in a package), loaded once."""
    spec = importlib.util.spec_from_file_location(
        "bench_days", REPO / "benchmarks" / "bench_days.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
