"""The HTTP weather source against a local Open-Meteo-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest

from models.forecast import ForecastInputError, build_instance, load_fleet_config, weather_forecast

from .conftest import OM_DIR, SUMMER, cli_error, write_config


class _Recorded(BaseHTTPRequestHandler):
    """Serves the recorded response of the plant nearest to the requested point."""

    responses: ClassVar[dict[tuple[float, float, float], bytes]] = {}
    failures: ClassVar[dict[str, int]] = {}  # plant -> number of 503s still to send
    requests: ClassVar[list[dict]] = []

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        type(self).requests.append({"path": url.path, **query})
        if url.path != "/v1/forecast":
            self._send(404, json.dumps({"error": True, "reason": "Not Found"}).encode())
            return
        # co-located wind and PV plants differ in elevation
        point = (float(query["latitude"]), float(query["longitude"]), float(query["elevation"]))
        key = min(
            self.responses, key=lambda k: sum(abs(a - b) for a, b in zip(k, point, strict=True))
        )
        body = self.responses[key]
        plant = json.loads(body)["_plant"]
        if self.failures.get(plant, 0) > 0:
            self.failures[plant] -= 1
            self._send(503, b'{"error": true, "reason": "busy"}')
            return
        self._send(200, body)

    def _send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(config):
    responses = {}
    for plant in config.plants:
        data = json.loads((OM_DIR / f"{plant.id}.json").read_text(encoding="utf-8"))
        data["_plant"] = plant.id
        responses[(plant.latitude, plant.longitude, plant.altitude_m)] = json.dumps(data).encode()
    _Recorded.responses = responses
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)  # a free port
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fast_config(tmp_path):
    return write_config(tmp_path, "retry_backoff_seconds = 1.0", "retry_backoff_seconds = 0.0")


def test_http_source_matches_file_source(config, server):
    _Recorded.requests = []
    via_http = weather_forecast(config, SUMMER, f"{server}/v1/forecast")
    via_file = weather_forecast(config, SUMMER, str(OM_DIR))
    for plant in via_file:
        np.testing.assert_allclose(via_http[plant].to_numpy(), via_file[plant].to_numpy())
    assert len(_Recorded.requests) == len(config.plants)
    req = _Recorded.requests[0]
    assert req["start_date"] == "2026-06-21" and req["timezone"] == "Asia/Shanghai"
    assert "wind_speed_80m" in req["hourly"] and "shortwave_radiation" in req["minutely_15"]


def test_http_retries_on_503(server, fast_config):
    _Recorded.failures = {"huanxian-wind-2": 2}
    raw = build_instance(SUMMER, config=fast_config, weather=f"{server}/v1/forecast")
    assert _Recorded.failures["huanxian-wind-2"] == 0
    assert len(raw["scenarios"]) == 3


def test_http_gives_up_after_retries(server, fast_config, tmp_path, capsys):
    _Recorded.failures = {"huanxian-wind-2": 10}
    msg = cli_error(
        capsys,
        tmp_path,
        "--date",
        "2026-06-21",
        "--config",
        str(fast_config),
        "--weather",
        f"{server}/v1/forecast",
    )
    _Recorded.failures = {}
    assert "(plant huanxian-wind-2): no answer after 4 attempts (HTTP 503 busy)" in msg


def test_http_client_error_not_retried(server, fast_config):
    cfg = load_fleet_config(fast_config)
    _Recorded.requests = []
    with pytest.raises(ForecastInputError, match="HTTP 404: Not Found"):
        weather_forecast(cfg, SUMMER, f"{server}/v2/wrong")
    assert len(_Recorded.requests) == 1


def test_http_unreachable_server(fast_config, tmp_path, capsys):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again before the request: nobody listens
    msg = cli_error(
        capsys,
        tmp_path,
        "--date",
        "2026-06-21",
        "--config",
        str(fast_config),
        "--weather",
        f"http://127.0.0.1:{port}/v1/forecast",
    )
    assert "no answer after 4 attempts" in msg
