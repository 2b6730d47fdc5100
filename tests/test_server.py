"""The documented production command: gunicorn serves the app, and SIGTERM lets a request in
flight finish before the server exits (graceful shutdown)."""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import PASSWORD

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


class SendSecureOverHttp(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.sqlite_only
def test_gunicorn_serves_and_finishes_requests_in_flight_on_sigterm(tmp_path):
    if not (BIN / "gunicorn").exists():
        pytest.skip("gunicorn is not installed")
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "DECISION_AID_ENV": "production", "HTTPS": "0",
           "SECRET_KEY": "x" * 40, "AUDIT_KEY": "y" * 40, "PDF_CACHE_DIR": str(tmp_path / "cache"), "PROXY_COUNT": "0"}
    env.pop("DATABASE_URL", None)
    flask = [str(BIN / "flask"), "--app", "decision_aid"]
    subprocess.run([*flask, "init-db"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "create-user", "--email", "g@clinic.example", "--clinic", "G"], env=env,
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:decision_aid.gunicorn_conf",
                               "--bind", f"127.0.0.1:{port}", "--workers", "1", "decision_aid:create_app()"],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                assert urllib.request.urlopen(base + "/healthz", timeout=1).status == 200
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        # Production cookies are Secure; this plain-http test client must send them anyway.
        jar = http.cookiejar.CookieJar(policy=SendSecureOverHttp())
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(base + "/login").read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
        no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        try:
            no_redirect.open(base + "/login", data=urllib.parse.urlencode(
                {"csrf_token": token, "email": "g@clinic.example", "password": PASSWORD}).encode())
        except urllib.error.HTTPError as redirect:
            assert redirect.code == 302
        assert opener.open(base + "/about").url.endswith("/about")  # signed in

        result = {}

        def slow_request():  # the all-options handout: over a second to render, cold
            response = opener.open(base + "/handouts/all-options.pdf", timeout=60)
            result["status"], result["body"] = response.status, response.read()

        thread = threading.Thread(target=slow_request)
        thread.start()
        time.sleep(0.4)  # the request is now being served
        server.send_signal(signal.SIGTERM)
        thread.join(timeout=60)
        assert result.get("status") == 200 and result["body"].startswith(b"%PDF-")
        assert server.wait(timeout=40) == 0  # then it exits cleanly
    finally:
        if server.poll() is None:
            server.kill()
        output = server.stdout.read()
        server.stdout.close()
    assert "Handling signal: term" in output or "Shutting down" in output
    assert '"path":"/handouts/all-options.pdf","status":200' in output  # the JSON access log
