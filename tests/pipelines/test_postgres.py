"""The shipped Postgres dagster.yaml against a real, throwaway PostgreSQL server.

The server comes from Debian's ``postgresql`` package (``.ci/run`` installs it):
``initdb`` into a temporary folder, ``pg_ctl`` on 127.0.0.1 and a free port, run
as the ``postgres`` user when the tests run as root (initdb refuses root).
"""

import os
import pwd
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import pytest
from pipeline_support import DAY, REPO, free_port, materialize_day, resources

from tests.conftest import require

PG_ROOTS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
PG_BIN = next((p for p in PG_ROOTS if (p / "initdb").exists()), None)
if PG_BIN is None and shutil.which("initdb"):
    PG_BIN = Path(shutil.which("initdb")).parent


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _as_server_user(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture
def postgres(tmp_path_factory):
    require(PG_BIN is not None, "no PostgreSQL server binaries (apt-get install postgresql)")
    if os.geteuid() == 0:
        require(
            _has_user("postgres"), "running as root and no 'postgres' user to run the server as"
        )
    base = tmp_path_factory.mktemp("pg")
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        for path in (base, sock):
            shutil.chown(path, "postgres")
        base.chmod(0o755)
        for parent in list(base.parents)[:3]:  # the temp root must be traversable
            parent.chmod(parent.stat().st_mode | 0o711)
    port = free_port()
    _as_server_user(
        [
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-U",
            "dagster",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        timeout=120,
    )
    _as_server_user(
        [
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(base / "server.log"),
            "-w",
            "-t",
            "60",
            "-o",
            f"-p {port} -k {sock} -h 127.0.0.1",
            "start",
        ],
        timeout=90,
    )
    try:
        _as_server_user(
            [
                str(PG_BIN / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "dagster",
                "suandian_test",
            ],
            timeout=60,
        )
        yield {
            "SUANDIAN_PG_HOST": "127.0.0.1",
            "SUANDIAN_PG_PORT": str(port),
            "SUANDIAN_PG_USER": "dagster",
            "SUANDIAN_PG_PASSWORD": "unused-trust-auth",
            "SUANDIAN_PG_DB": "suandian_test",
        }
    finally:
        _as_server_user(
            [str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], timeout=60
        )


@pytest.mark.slow
def test_materialise_one_day_on_postgres(postgres, tmp_path, monkeypatch, runs_dir):
    home = tmp_path / "pg_home"
    home.mkdir()
    shutil.copy(REPO / "dagster_home" / "postgres" / "dagster.yaml", home / "dagster.yaml")
    for key, value in postgres.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = materialize_day(DAY, resources(runs_dir), instance)
        assert result.success
        run = instance.get_run_by_id(result.run_id)
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["dagster/partition"] == DAY
    # read the run back through a fresh connection, from the event log
    with dg.DagsterInstance.from_config(str(home)) as fresh:
        records = fresh.fetch_materializations(dg.AssetKey("dispatch_plan"), limit=5).records
        assert [r.run_id for r in records] == [result.run_id]
        materialization = records[0].asset_materialization
        assert materialization.partition == DAY
        assert "objective" in materialization.metadata
        checks = fresh.event_log_storage.get_asset_check_execution_history(
            dg.AssetCheckKey(dg.AssetKey("rack_power_plan"), "plan_feasible"), limit=5
        )
        assert [c.run_id for c in checks] == [result.run_id]
