"""A regular (non-editable) install works without the repository.

The slow test builds the wheel from a copy of the source tree, installs it into
a new virtual environment and runs the command line and the Dagster code
location there, from a folder outside the repository. The dependencies come
from the running environment's site-packages through a ``.pth`` line: lines of
a ``.pth`` file only extend ``sys.path`` (the ``.pth`` files of the folder they
name are not run), so the dev install's editable finder cannot leak in.
"""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

from models.cli import main as suandian

REPO = Path(__file__).resolve().parents[1]
DAY = "2026-11-23"  # the day of the shipped sample workload queue data/workloads/2026-11-23.csv
# Local state and build leftovers that must not reach the copy the wheel is built from
# (a stale build/ folder would put deleted modules into the wheel).
NOT_SOURCE = shutil.ignore_patterns(
    *(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache"),  # build leftovers
    *("runs", "inbox", "dagster_home"),  # local state
)
PIP = (sys.executable, "-m", "pip")
# What the location of the installed code is printed with, from inside the new venv.
PROBE = """
import json
import models
from models.forecast.fleet import DEFAULT_CONFIG
from pipelines.definitions import defs
from pipelines.defs.settings import current_resources

print(json.dumps({
    "models": models.__file__,
    "config": str(DEFAULT_CONFIG),
    "runs": str(current_resources()["publisher"].root()),
    "job": defs().resolve_job_def("plan_day").name,
}))
"""


def test_the_wheel_lists_every_package() -> None:
    """pyproject lists the packages (find cannot map data/): none may be forgotten."""
    setuptools = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for top in ("models", "pipelines")
        for init in (REPO / top).rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk | {"models._data", "models._data.workloads"}
    assert setuptools["package-dir"] == {"models._data": "data"}


def _clean_env() -> dict[str, str]:
    """The environment without PYTHONPATH, which would put the checkout first."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def _run(*argv: str | Path, cwd: Path) -> str:
    out = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=_clean_env(), capture_output=True, text=True
    )
    assert out.returncode == 0, f"{argv}\n{out.stdout}\n{out.stderr}"
    return out.stdout


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    wheels = tmp_path / "wheels"
    _run(*PIP, "wheel", "--no-deps", "-q", "-w", wheels, source, cwd=tmp_path)
    (wheel,) = wheels.glob("suandian-*.whl")
    return wheel


def _new_venv(tmp_path: Path, wheel: Path) -> Path:
    """A venv with only the wheel installed; its dependencies seen through a ``.pth`` line."""
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(*PIP, "--python", python, "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    where = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(_run(python, "-c", where, cwd=tmp_path).strip())
    ours = sysconfig.get_paths()
    deps = dict.fromkeys([ours["purelib"], ours["platlib"]])
    (purelib / "zz_suandian_test_deps.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    return venv


@pytest.mark.slow
def test_a_wheel_plans_a_day_in_a_fresh_venv(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    names = zipfile.ZipFile(wheel).namelist()
    assert "models/_data/qingyang.toml" in names
    assert f"models/_data/workloads/{DAY}.csv" in names
    assert not [n for n in names if "examples" in n or n.startswith(("data/", "tests/"))]

    venv = _new_venv(tmp_path, wheel)
    work = tmp_path / "work"  # outside the repository: nothing there to find by accident
    work.mkdir()
    where = json.loads(_run(venv / "bin" / "python", "-c", PROBE, cwd=work))
    assert Path(where["models"]).is_relative_to(venv)
    assert Path(where["config"]).is_relative_to(venv) and Path(where["config"]).is_file()
    assert where["runs"] == str(work / "data" / "runs")
    assert where["job"] == "plan_day"

    suandian_bin = venv / "bin" / "suandian"
    _run(suandian_bin, "instance", "--date", DAY, "--out", "day.json", "--scenarios", "1", cwd=work)
    installed = json.loads((work / "day.json").read_text(encoding="utf-8"))
    with (REPO / "data" / "workloads" / f"{DAY}.csv").open(encoding="utf-8") as fh:
        sample_ids = [row["id"] for row in csv.DictReader(fh)]
    assert [w["id"] for w in installed["workloads"]] == sample_ids
    # the same day from the checkout's own data/: the wheel shipped that configuration
    checkout = tmp_path / "checkout.json"
    assert suandian(["instance", "--date", DAY, "--out", str(checkout), "--scenarios", "1"]) == 0
    assert installed == json.loads(checkout.read_text(encoding="utf-8"))

    limits = ("--time-limit", "60", "--gap", "1e-2", "--quiet")
    _run(suandian_bin, "solve", "day.json", "--out", "plan", *limits, cwd=work)
    plan = work / "plan"
    tables = ("rack_power_plan.csv", "workload_allocation.csv", "energy_schedule.csv")
    for name in ("summary.json", *tables):
        assert (plan / name).is_file(), name
    summary = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    assert math.isfinite(summary["objective"])
