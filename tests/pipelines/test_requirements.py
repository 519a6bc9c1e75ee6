"""``require``: a missing outside tool skips a test here but fails it under ``CI=true``."""

import pytest

from tests.conftest import require


def test_present_tool_neither_skips_nor_fails(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require(True, "never raised")


def test_missing_tool_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        require(False, "no Chromium")


def test_missing_tool_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"no PostgreSQL.*CI=true"):
        require(False, "no PostgreSQL server binaries")
