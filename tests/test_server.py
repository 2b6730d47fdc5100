"""The documented production command: gunicorn serves the app, SIGTERM lets a request in flight
finish before the server exits (graceful shutdown), and the PDF helper ends with its server."""
import os
import signal
import threading
import time

import pytest

from _servers import BIN, alive, children, gunicorn, prepare_database, production_env, signed_in_opener

EMAIL = "g@clinic.example"

pytestmark = [pytest.mark.sqlite_only,
              pytest.mark.skipif(not (BIN / "gunicorn").exists(), reason="gunicorn is not installed")]


@pytest.fixture
def env(tmp_path):
    env = production_env(tmp_path)
    prepare_database(env, EMAIL)
    return env


def test_gunicorn_serves_and_finishes_requests_in_flight_on_sigterm(env, tmp_path):
    with gunicorn(env, tmp_path) as server:
        opener = signed_in_opener(server.url, EMAIL)
        result = {}

        def slow_request():  # the all-options handout: over a second to render, cold
            response = opener.open(server.url + "/handouts/all-options.pdf", timeout=60)
            result["status"], result["body"] = response.status, response.read()

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(0.4)  # the request is now being served
        server.process.send_signal(signal.SIGTERM)
        thread.join(timeout=60)
        assert result.get("status") == 200 and result["body"].startswith(b"%PDF-")
        assert server.process.wait(timeout=40) == 0  # then it exits cleanly
    output = server.output()
    assert "Handling signal: term" in output or "Shutting down" in output
    assert '"path":"/handouts/all-options.pdf","status":200' in output  # the JSON access log


def _pdf_helpers(server, opener) -> tuple[int, list[int]]:
    """Print a handout, then return the web worker's pid and its child processes (the PDF helper,
    and multiprocessing's resource tracker)."""
    assert opener.open(server.url + "/handouts/all-options.pdf", timeout=60).read().startswith(b"%PDF-")
    [worker] = server.worker_pids()
    helpers = children(worker)
    assert helpers, "no PDF helper process was started"
    return worker, helpers


def _gone_within(pids: list[int], seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if alive(pid)]


def test_the_pdf_helper_ends_when_the_server_stops(env, tmp_path):
    with gunicorn(env, tmp_path) as server:
        _worker, helpers = _pdf_helpers(server, signed_in_opener(server.url, EMAIL))
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=40) == 0
    assert _gone_within(helpers, 5) == []


def test_the_pdf_helper_ends_when_its_web_worker_dies_abruptly(env, tmp_path):
    # A worker killed outright (gunicorn's timeout kill, the OOM killer) runs no clean-up at all.
    with gunicorn(env, tmp_path) as server:
        worker, helpers = _pdf_helpers(server, signed_in_opener(server.url, EMAIL))
        os.kill(worker, signal.SIGKILL)
        left = _gone_within(helpers, 5)
        for pid in left:  # clean up after a failing run
            os.kill(pid, signal.SIGKILL)
        assert left == []
