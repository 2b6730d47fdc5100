"""A signed-in clinician's page while strangers keep failing to sign in.

Run: .venv/bin/python benchmarks/sign_in_burst.py [--strangers 12] [--seconds 15] [--workers 3] [--threads 4]

Loopback only, bounded in time. Starts gunicorn on a fresh SQLite database (one trusted proxy,
so each stranger sends its own X-Forwarded-For address), signs one clinician in, and times the
saved-discussions page: first on the quiet server, then while the strangers each send failing
sign-ins (a new e-mail address every time, so each one costs a full password check) one after
another for the given time. Reports the page's p50/p95/max and errors in both phases, and what
the strangers were answered.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import os
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

from load_test import BIN, PASSWORD, ROOT, NoRedirect, free_port, percentile, prepare

PAGE = "/discussions/"


def send(opener, url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, float]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    started = time.perf_counter()
    try:
        with opener.open(urllib.request.Request(url, data=body, headers=headers or {}), timeout=60) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, ""
    except OSError as error:
        status, text = 0, repr(error)
    return status, text, time.perf_counter() - started


def csrf(opener, base: str) -> str:
    html = send(opener, base + "/login")[1]
    return html.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]


def pages(opener, base: str, until: float, count: int | None = None) -> tuple[list[float], list[int]]:
    times, errors = [], []
    while time.time() < until and (count is None or len(times) < count):
        status, _, seconds = send(opener, base + PAGE)
        times.append(seconds)
        if status != 200:
            errors.append(status)
        time.sleep(0.05)  # a person clicking, not a loop hammering
    return times, errors


def report(label: str, times: list[float], errors: list[int]) -> None:
    print(f"  {label:<24} {len(times):>5} pages  p50 {percentile(times, 50):7.1f} ms  "
          f"p95 {percentile(times, 95):7.1f} ms  max {max(times) * 1000:7.1f} ms  errors {len(errors)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strangers", type=int, default=12)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        env = prepare(f"sqlite:///{instance}/burst.sqlite3", instance, 1)
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:decision_aid.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--access-logfile", "/dev/null",
             "decision_aid:create_app()"], env={**env, "PROXY_COUNT": "1", "LOG_LEVEL": "warning"}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            clinician = urllib.request.build_opener(
                urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
            status = send(clinician, base + "/login", {"csrf_token": csrf(clinician, base),
                                                       "email": "c0@load.example", "password": PASSWORD})[0]
            assert status == 302, f"the clinician could not sign in ({status})"
            pages(clinician, base, time.time() + 30, count=10)  # warm-up
            quiet = pages(clinician, base, time.time() + 30, count=60)

            answers: Counter = Counter()
            deadline = time.time() + args.seconds

            def stranger(number: int) -> None:
                opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                     NoRedirect())
                attempt = 0
                while time.time() < deadline:
                    attempt += 1
                    # 127.0.x.y are loopback addresses: only ever a header here, never a target.
                    headers = {"X-Forwarded-For": f"127.0.{number // 250 + 1}.{number % 250 + 1}"}
                    answers[send(opener, base + "/login", {
                        "csrf_token": csrf(opener, base), "email": f"guess{number}-{attempt}@load.example",
                        "password": "not the password at all"}, headers)[0]] += 1

            threads = [threading.Thread(target=stranger, args=(n,), daemon=True) for n in range(args.strangers)]
            for thread in threads:
                thread.start()
            time.sleep(0.5)
            busy = pages(clinician, base, deadline)
            for thread in threads:
                thread.join(timeout=90)
        finally:
            server.terminate()
            server.wait(timeout=60)
    print(f"\nSQLite, gunicorn {args.workers} workers x {args.threads} threads; {args.strangers} strangers failing "
          f"to sign in for {args.seconds} s; the signed-in page is {PAGE}")
    report("quiet server", *quiet)
    report("during the burst", *busy)
    print(f"  strangers' sign-ins: {sum(answers.values())} ({dict(sorted(answers.items()))}; "
          f"{sum(answers.values()) / args.seconds:.1f}/s)")


if __name__ == "__main__":
    main()
