"""``suandian instance`` (models/forecast/command.py) and the config errors it reports."""

from __future__ import annotations

import json

import pytest

from models.forecast import ForecastInputError, build_instance, load_fleet_config
from models.instance import load_instance

from .conftest import OM_DIR, SUMMER, WINTER, cli_error, run_cli, write_config


@pytest.mark.parametrize("day", [SUMMER, WINTER])
def test_instance_command_writes_valid_instance(tmp_path, capsys, day):
    out = tmp_path / "instance.json"
    assert run_cli("--date", day.isoformat(), "--out", str(out)) == 0
    assert "wrote" in capsys.readouterr().out
    inst = load_instance(out)  # validates
    assert inst.steps == 96 and len(inst.scenarios) == 3 and len(inst.datacenters) == 11
    raw = json.loads(out.read_text())
    assert raw["start"] == f"{day.isoformat()}T00:00:00+08:00"
    assert raw == build_instance(day)  # offline default is deterministic


def test_instance_options(tmp_path):
    out = tmp_path / "i.json"
    assert (
        run_cli(
            "--date", "2026-06-21", "--out", str(out), "--scenarios", "5", "--weather", str(OM_DIR)
        )
        == 0
    )
    assert len(json.loads(out.read_text())["scenarios"]) == 5


def test_bad_date(tmp_path, capsys):
    msg = cli_error(capsys, tmp_path, "--date", "2026-13-01")
    assert "--date '2026-13-01' is not a date" in msg


def test_bad_scenario_count(tmp_path, capsys):
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--scenarios", "0")
    assert "scenarios: 0 must be a whole number from 1 to 50" in msg


def test_misspelled_config_key(tmp_path, capsys):
    path = write_config(
        tmp_path,
        "hub_height_m = 135\nturbine_count = 24\nwake_efficiency = 0.93",
        "hub_heigth_m = 135\nturbine_count = 24\nwake_efficiency = 0.93",
    )
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--config", str(path))
    assert f"{path}: wind_farms[2](huachi-wind-1).hub_heigth_m: unknown key (misspelled?)" in msg
    assert "wind_farms[2](huachi-wind-1).hub_height_m: Field required" in msg


def test_unknown_turbine_type(tmp_path, capsys):
    path = write_config(tmp_path, 'turbine_type = "E-141/4200"', 'turbine_type = "E-141/4300"')
    msg = cli_error(capsys, tmp_path, "--date", "2026-06-21", "--config", str(path))
    assert "wind_farms[0](huanxian-wind-1).turbine_type: unknown turbine type 'E-141/4300'" in msg
    assert "did you mean E-141/4200" in msg


def test_config_not_toml_or_missing(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    assert "bad.toml: not valid TOML" in cli_error(
        capsys, tmp_path, "--date", "2026-06-21", "--config", str(bad)
    )
    assert "cannot read config file" in cli_error(
        capsys, tmp_path, "--date", "2026-06-21", "--config", str(tmp_path / "none.toml")
    )


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        (
            'weather_plant = "xifeng-pv-1"\nutilisation_frac = 0.50\nmax_block_change = 6',
            'weather_plant = "lanzhou-pv-1"\nutilisation_frac = 0.50\nmax_block_change = 6',
            "datacenter dc02: weather_plant 'lanzhou-pv-1' is not a plant",
        ),
        ("racks = 12000", "racks = 12100", "datacenters[0](dc01): racks 12100 is not a multiple"),
        (
            "months = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]",
            "months = [1, 2, 3]",
            "seasons must cover every month 1-12 exactly once",
        ),
        ("valley = [[10, 16]]", "valley = [[7, 16]]", "bands peak and valley overlap at hour 7"),
        ('id = "huachi-wind-1"', 'id = "huanxian-wind-1"', "duplicate plant id huanxian-wind-1"),
        ("energy_initial_mwh = 300.0", "energy_initial_mwh = 900.0", "storage[0](bess-1)"),
        (
            'timezone = "Asia/Shanghai"',
            'timezone = "Europe/Berlin"',
            "timezone: Input should be 'Asia/Shanghai'",
        ),
    ],
)
def test_config_rules(tmp_path, old, new, needle):
    with pytest.raises(ForecastInputError) as err:
        load_fleet_config(write_config(tmp_path, old, new))
    assert needle in str(err.value) and "cluster.toml" in str(err.value)


def test_output_not_overwritten_on_error(tmp_path, capsys):
    out = tmp_path / "instance.json"
    out.write_text("old")
    empty = tmp_path / "weather"
    empty.mkdir()
    assert run_cli("--date", "2026-06-21", "--out", str(out), "--weather", str(empty)) == 2
    assert out.read_text() == "old"
    assert "missing weather file" in capsys.readouterr().err
