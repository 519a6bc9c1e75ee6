"""A real dagster-webserver on 127.0.0.1: asset graph over GraphQL, one partition run."""

import json
import time
import urllib.request

import pytest
from dagster import DagsterRunStatus
from dagster_graphql import DagsterGraphQLClient
from pipeline_support import BIN, DAY, HOME_YAML, dagster_process, free_port, subprocess_env

ASSET_GRAPH = """
{ assetNodes { assetKey { path } groupName dependencyKeys { path } hasAssetChecks } }
"""


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.loads(reply.read())["data"]


@pytest.mark.slow
def test_webserver_graph_and_one_partition_run(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(HOME_YAML)  # no daemon: runs start at once
    runs = tmp_path / "runs"
    port = free_port()
    env = subprocess_env(home, runs)
    with dagster_process(
        [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port)],
        env,
        tmp_path / "webserver.log",
        port=port,
    ):
        nodes = graphql(port, ASSET_GRAPH)["assetNodes"]
        groups = {"/".join(n["assetKey"]["path"]): n["groupName"] for n in nodes}
        assert groups == {
            "weather_forecast": "forecasts",
            "renewable_forecast": "forecasts",
            "datacenter_conditions": "forecasts",
            "workload_queue": "forecasts",
            "grid_tariff": "forecasts",
            "dispatch_instance": "planning",
            "dispatch_plan": "planning",
            "rack_power_plan": "publishing",
            "plan_report": "publishing",
            "actual_output": "evaluation",
            "plan_evaluation": "evaluation",
            "backtest_report": "evaluation",
            "plan_revision": "intraday",
        }
        deps = {
            "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
            for n in nodes
        }
        assert deps["dispatch_plan"] == {"dispatch_instance"}
        assert deps["renewable_forecast"] == {"weather_forecast"}
        # chained days: the day's instance follows the previous day's (offset −1)
        assert "dispatch_instance" in deps["dispatch_instance"]

        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        run_id = client.submit_job_execution(
            "plan_day", run_config={}, tags={"dagster/partition": DAY}
        )
        deadline = time.monotonic() + 600
        status = client.get_run_status(run_id)
        while status not in (
            DagsterRunStatus.SUCCESS,
            DagsterRunStatus.FAILURE,
            DagsterRunStatus.CANCELED,
        ):
            assert time.monotonic() < deadline, f"run {run_id} still {status}"
            time.sleep(2)
            status = client.get_run_status(run_id)
        assert status == DagsterRunStatus.SUCCESS, (tmp_path / "webserver.log").read_text()[-5000:]
    assert (runs / DAY / "plan" / "summary.json").is_file()
    assert (runs / DAY / "report.html").is_file()
