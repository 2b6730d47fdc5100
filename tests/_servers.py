"""Real servers for tests: the README's production commands (``flask db upgrade``, ``create-user``,
gunicorn with ``decision_aid.gunicorn_conf``) on a free loopback port, and a signed-in HTTP client.

Used by test_server.py and browser/test_tls_proxy.py; not a test file itself.
"""
from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import PASSWORD

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def production_env(folder: Path, **extra: str) -> dict:
    """The README's production settings, with the instance, SQLite database and PDF cache in ``folder``."""
    env = {**os.environ, "DECISION_AID_ENV": "production", "SECRET_KEY": "x" * 40, "AUDIT_KEY": "y" * 40,
           "INSTANCE_PATH": str(folder / "instance"), "PDF_CACHE_DIR": str(folder / "cache"),
           "DATABASE_URL": f"sqlite:///{folder / 'decision_aid.sqlite3'}", **extra}
    for name in ("HTTPS", "PROXY_COUNT", "TRUSTED_PROXIES", "FLASK_DEBUG"):
        if name not in extra:
            env.pop(name, None)
    return env


def prepare_database(env: dict, email: str) -> None:
    """``flask db upgrade``, then one clinician through ``create-user`` (password on standard input)."""
    flask = [str(BIN / "flask"), "--app", "decision_aid"]
    subprocess.run([*flask, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "create-user", "--email", email, "--clinic", "Test Clinic"], env=env,
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True)


class Gunicorn:
    def __init__(self, process: subprocess.Popen, port: int, log: Path):
        self.process, self.port, self.log = process, port, log
        self.url = f"http://127.0.0.1:{port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        return children(self.process.pid)


@contextlib.contextmanager
def gunicorn(env: dict, folder: Path, workers: int = 1):
    """The README's gunicorn command on a free port; waits for /healthz, stops it if still up at the end."""
    port = free_port()
    log = folder / "gunicorn.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "python:decision_aid.gunicorn_conf",
                                    "--workers", str(workers), "decision_aid:create_app()"],
                                   env={**env, "BIND": f"127.0.0.1:{port}"}, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = Gunicorn(process, port, log)
    try:
        wait_for(server.url + "/healthz", process, server.output)
        yield server
    finally:
        if process.poll() is None:
            process.terminate()  # gunicorn stops its workers; a killed master would leave them behind
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_for(url: str, process: subprocess.Popen, output, tries: int = 150) -> None:
    insecure = ssl._create_unverified_context()  # noqa: S323 - the tests' own throwaway certificate
    for _ in range(tries):
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{output()}")
        try:
            if urllib.request.urlopen(url, timeout=1, context=insecure).status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} never answered 200:\n{output()}")


def children(pid: int) -> list[int]:
    """The direct child processes of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class SendSecureOverHttp(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in_opener(base: str, email: str) -> urllib.request.OpenerDirector:
    """A plain-HTTP client signed in through the real form (production cookies are Secure; this
    client sends them over plain HTTP to gunicorn anyway)."""
    jar = http.cookiejar.CookieJar(policy=SendSecureOverHttp())
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    try:
        no_redirect.open(base + "/login", data=urllib.parse.urlencode(
            {"csrf_token": token, "email": email, "password": PASSWORD}).encode())
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.read().decode()[:500]
    assert opener.open(base + "/about").url.endswith("/about")  # signed in
    return opener
