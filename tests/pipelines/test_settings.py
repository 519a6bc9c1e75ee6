"""The code location's settings: defaults in the launchpad, environment read when a run starts.

Expected defaults are those of the settings table in docs/operations.md, written
out here by hand.
"""

import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from pipeline_support import REPO

import pipelines.definitions as location
from pipelines.defs.resources import ForecastSettings, SolverSettings
from pipelines.defs.settings import (
    LOCATION_VARIABLES,
    RUN_VARIABLES,
    current_resources,
    deployment_resources,
    location_settings,
)

SOLVER_DEFAULTS = {
    "time_limit_s": 60,
    "mip_rel_gap": 1e-3,
    "threads": 0,
    "evaluation_time_limit_s": 45,
    "evaluation_mip_rel_gap": 1e-4,
    "helper": "auto",
}


@pytest.fixture
def clean_env(monkeypatch):
    """No ``SUANDIAN_*`` run setting in the environment (the location settings stay)."""
    for name in RUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def launchpad_defaults(defs: dg.Definitions, resource: str, job: str = "plan_day") -> dict:
    """The ``resources.<resource>.config`` the launchpad starts from for ``job``."""
    schema = defs.resolve_job_def(job).run_config_schema.config_type
    config = schema.fields["resources"].config_type.fields[resource].config_type.fields["config"]
    assert config.default_provided
    return config.default_value


def test_launchpad_shows_every_solver_setting_with_its_default(clean_env):
    defs = location.defs()
    for job in ("plan_day", "evaluate_day"):
        shown = launchpad_defaults(defs, "solver", job)
        assert {k: shown[k] for k in SOLVER_DEFAULTS} == SOLVER_DEFAULTS
    forecast = launchpad_defaults(defs, "forecast")
    assert forecast["scenarios"] == 3
    assert forecast["source"] == ""
    assert Path(forecast["inbox_dir"]).parts[-2:] == ("data", "inbox")
    assert Path(launchpad_defaults(defs, "publisher")["runs_dir"]).parts[-2:] == ("data", "runs")


def _probe(seen: list):
    @dg.asset
    def probe(solver: SolverSettings, forecast: ForecastSettings) -> None:
        seen.append((solver.options(), solver.evaluation_options(), forecast.scenarios))

    return probe


def test_a_variable_is_read_when_the_run_starts_and_the_launchpad_names_it(clean_env):
    clean_env.setenv("SUANDIAN_TIME_LIMIT_S", "7")
    clean_env.setenv("SUANDIAN_SCENARIOS", "4")
    defs = location.defs()  # after the import of pipelines.definitions, as Dagster loads it
    shown = launchpad_defaults(defs, "solver")
    assert shown["time_limit_s"] == {"env": "SUANDIAN_TIME_LIMIT_S"}
    assert shown["mip_rel_gap"] == SOLVER_DEFAULTS["mip_rel_gap"]

    clean_env.setenv("SUANDIAN_TIME_LIMIT_S", "9")  # changed after the definitions were built
    seen: list = []
    resources = {k: defs.resources[k] for k in ("solver", "forecast")}
    assert dg.materialize([_probe(seen)], resources=resources).success
    [(day, evaluation, scenarios)] = seen
    assert day.time_limit_s == 9.0
    assert day.mip_rel_gap == 1e-3
    assert (evaluation.time_limit_s, evaluation.mip_rel_gap) == (45.0, 1e-4)
    assert scenarios == 4

    # the launchpad's value for one run wins over the environment
    config = {"resources": {"solver": {"config": {"time_limit_s": 3}}}}
    assert dg.materialize([_probe(seen)], resources=resources, run_config=config).success
    assert seen[-1][0].time_limit_s == 3.0


def test_a_backfills_solves_get_no_helper_unless_it_is_asked_for():
    # auto: the model's own rule (None) for a day's run, none in a backfill, whose runs
    # share the cores; on and off hold for both.
    assert SolverSettings().options().helper is None
    assert SolverSettings().options(backfill=True).helper is False
    assert SolverSettings(helper="on").options(backfill=True).helper is True
    assert SolverSettings(helper="off").options().helper is False
    with pytest.raises(ValueError, match=r"resources.solver.helper='yes': expected one of auto"):
        SolverSettings(helper="yes").options()


def test_a_gap_variable_is_read_when_the_location_loads(clean_env):
    clean_env.setenv("SUANDIAN_MIP_GAP", "2e-3")
    clean_env.setenv("SUANDIAN_EVAL_MIP_GAP", "5e-3")
    shown = launchpad_defaults(location.defs(), "solver")
    assert (shown["mip_rel_gap"], shown["evaluation_mip_rel_gap"]) == (2e-3, 5e-3)
    clean_env.setenv("SUANDIAN_MIP_GAP", "1e-3x")
    with pytest.raises(ValueError, match=r"SUANDIAN_MIP_GAP='1e-3x': expected a number"):
        location.defs()


def test_an_empty_variable_means_the_default(clean_env):
    clean_env.setenv("SUANDIAN_TIME_LIMIT_S", "")
    clean_env.setenv("SUANDIAN_MIP_GAP", "")
    shown = launchpad_defaults(location.defs(), "solver")
    assert (shown["time_limit_s"], shown["mip_rel_gap"]) == (60, 1e-3)


def test_importing_the_code_location_reads_no_run_setting(tmp_path):
    """A gap that is not a number only fails when the definitions are built."""
    code = (
        "import pipelines.definitions as d\n"
        "print('imported', flush=True)\n"
        "try:\n"
        "    d.defs()\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "HOME": str(tmp_path)}
    env |= {"SUANDIAN_FIRST_DAY": "2025-01-01", "SUANDIAN_MIP_GAP": "fast"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["imported", "SUANDIAN_MIP_GAP='fast': expected a number"]


def test_outside_a_run_the_values_are_read_at_once(tmp_path):
    environ = {"SUANDIAN_RUNS_DIR": str(tmp_path), "SUANDIAN_SCENARIOS": "5"}
    current = current_resources(environ)
    assert current["publisher"].root() == tmp_path.resolve()
    assert current["forecast"].scenarios == 5
    with pytest.raises(ValueError, match=r"SUANDIAN_THREADS='two': expected a whole number"):
        current_resources({"SUANDIAN_THREADS": "two"})
    # the same variable in the code location is left for Dagster to read at run time
    bound = deployment_resources(environ)["publisher"]
    assert isinstance(bound.runs_dir, dg.EnvVar)


def test_location_settings_and_their_defaults():
    assert location_settings({}) == location_settings({"SUANDIAN_EXECUTOR": ""})
    default = location_settings({})
    assert (default.first_day, default.nightly_cron, default.executor) == (
        "2026-01-01",
        "0 21 * * *",
        "multiprocess",
    )
    chosen = location_settings({"SUANDIAN_NIGHTLY_CRON": "30 20 * * *"})
    assert chosen.nightly_cron == "30 20 * * *"
    with pytest.raises(ValueError, match=r"SUANDIAN_EXECUTOR='celery': expected"):
        location_settings({"SUANDIAN_EXECUTOR": "celery"})
    with pytest.raises(ValueError, match=r"SUANDIAN_FIRST_DAY='2026-13-01': expected a date"):
        location_settings({"SUANDIAN_FIRST_DAY": "2026-13-01"})


def test_the_executor_follows_the_environment_when_the_location_loads(monkeypatch):
    monkeypatch.setenv("SUANDIAN_EXECUTOR", "in_process")
    assert location.defs().executor is dg.in_process_executor
    monkeypatch.setenv("SUANDIAN_EXECUTOR", "multiprocess")
    assert location.defs().executor is dg.multi_or_in_process_executor


def _settings_table() -> dict[str, str]:
    """Environment variable -> default column of the table in docs/operations.md."""
    text = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    section = text.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4:
            for name in re.findall(r"`(SUANDIAN_[A-Z_]+)`", cells[1]):
                rows[name] = cells[2]
    return rows


def test_the_docs_table_lists_every_setting_with_its_default():
    table = _settings_table()
    # SUANDIAN_PG_* are the instance's storage: Dagster reads them from dagster.yaml
    code_location = {name for name in table if not name.startswith("SUANDIAN_PG_")}
    assert code_location == set(RUN_VARIABLES) | set(LOCATION_VARIABLES)
    resources = deployment_resources({})
    for name, (resource, field) in RUN_VARIABLES.items():
        default = getattr(resources[resource], field)
        if isinstance(default, int | float) and not isinstance(default, bool):
            assert float(table[name].strip("`")) == default, name
    default = location_settings({})
    for name, field in LOCATION_VARIABLES.items():
        assert table[name].strip("`") == getattr(default, field), name


def test_the_chain_and_horizon_settings(clean_env):
    shown = launchpad_defaults(location.defs(), "forecast")
    assert (shown["chain_days"], shown["horizon_hours"]) == (True, 24)
    clean_env.setenv("SUANDIAN_CHAIN_DAYS", "false")
    clean_env.setenv("SUANDIAN_HORIZON_HOURS", "48")
    bound = deployment_resources()["forecast"]
    assert bound.chain_days is False  # a yes/no is read when the location loads
    assert current_resources()["forecast"].horizon_hours == 48
    clean_env.setenv("SUANDIAN_CHAIN_DAYS", "sometimes")
    with pytest.raises(ValueError, match=r"SUANDIAN_CHAIN_DAYS='sometimes': expected true or"):
        deployment_resources()
