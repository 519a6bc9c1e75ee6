"""Shared fixtures of the forecast tests: configs, recorded inputs and a CLI runner."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import pytest

from models.forecast import load_fleet_config
from models.forecast.command import register
from models.forecast.fleet import DEFAULT_CONFIG
from models.plan import previous_state

DATA = Path(__file__).resolve().parents[2] / "data" / "forecast"
OM_DIR = DATA / "openmeteo-2026-06-21"
PLANTS_DIR = DATA / "plants-2026-06-21"
SUMMER = dt.date(2026, 6, 21)
WINTER = dt.date(2026, 1, 15)


@pytest.fixture(scope="session")
def config():
    return load_fleet_config()


@pytest.fixture
def om_copy(tmp_path) -> Path:
    """A writable copy of the recorded Open-Meteo responses."""
    target = tmp_path / "weather"
    shutil.copytree(OM_DIR, target)
    return target


def write_config(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped config with one text replacement, written next to a copy of its workloads."""
    text = DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "cluster.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def run_cli(*argv: str) -> int:
    """Parse ``suandian instance ...`` with the registered subcommand and run its handler."""
    parser = argparse.ArgumentParser(prog="suandian")
    register(parser.add_subparsers(dest="command", required=True), previous_state)
    args = parser.parse_args(["instance", *argv])
    return args.func(args)


def cli_error(capsys, tmp_path: Path, *argv: str) -> str:
    """Run the CLI expecting exit 2 and no output file; return standard error."""
    out = tmp_path / "instance.json"
    code = run_cli("--out", str(out), *argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert not out.exists()
    assert "Traceback" not in err
    assert err.startswith("suandian: ")
    return err
