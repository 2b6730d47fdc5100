"""Load test: N clinicians each running whole consultations (with the PDF) against gunicorn.

Run: .venv/bin/python benchmarks/load_test.py [--database sqlite|postgresql|both] [--clinicians 20]
     [--seconds 60] [--workers 3] [--threads 4] [--think 0]

Loopback only, bounded in time. Starts its own gunicorn (and, for PostgreSQL, a throwaway
server with normal durability settings), signs in N clinicians, runs consultations for the
given time, then checks in the database that every discussion it wrote is there, complete,
in the right clinic, with exactly the answers that clinician sent (nothing lost or mixed up).
Reports requests/s, p50/p95/p99 per kind of request, and errors. /healthz under the same load
is the "hello world" baseline for pages. --think S makes each clinician pause about S seconds
(0.5 S to 1.5 S) before each request, as people reading a page do; 0 (the default) is the
worst case, every clinician clicking again the moment a page arrives.
"""
from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

BUSY_WAIT = 2  # seconds: what the sign-in page asks to wait when password checks are busy

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "load test passphrase for knees"
STEPS = {
    "assessment": {"diagnosis": "yes", "no_red_flags": "y", "age": "30"},  # the current content has the step
    "situation": {"duration": "3_to_12_months", "activities": ["running", "stairs"], "pain_now": "5",
                  "tried": ["rest"], "safety_infection": "no", "safety_bleeding": "no", "safety_diabetes": "no",
                  "safety_pregnancy": "no", "safety_allergy": "no", "safety_recent_injection": "no"},
    "options": {"option_notes": "notes"},
    "values": {"value_avoid_needles": "very", "value_cost": "quite"},
    # Content 2026.2 asks "Ready to decide?" (SURE) on the check page; the quiz is optional.
    "check": {"sure_sure": "yes", "sure_understand": "yes", "sure_risk_benefit": "yes", "sure_encouragement": "no"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Clinician(threading.Thread):
    def __init__(self, base: str, email: str, deadline: float, timings, errors, written, think: float = 0):
        super().__init__(daemon=True)
        self.think, self.random = think, random.Random(email)
        self.base, self.email, self.deadline = base, email, deadline
        self.timings, self.errors, self.written = timings, errors, written
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def call(self, kind: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        if self.think:
            time.sleep(self.think * self.random.uniform(0.5, 1.5))
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            response = self.opener.open(self.base + path, data=body, timeout=30)
            status, payload, location = response.status, response.read(), response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            status, payload, location = error.code, error.read(), error.headers.get("Location", "")
        except OSError as error:
            self.errors[kind].append(repr(error))
            return 0, "", ""
        self.timings[kind].append(time.perf_counter() - started)
        if kind == "sign_in" and status == 429 and b"and try again" in payload:
            self.errors["sign_in busy, tried again (not an error)"].append(f"{status} {path}")
        elif status >= 400:
            self.errors[kind].append(f"{status} {path}")
        return status, payload.decode("utf-8", "replace") if kind != "pdf" else "", location

    @staticmethod
    def token(html: str, name: str) -> str:
        match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
            re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
        return match.group(1) if match else ""

    def run(self) -> None:
        # Twenty sign-ins at the same instant: past a short queue the app answers "busy, please try
        # again" (429, accounts/views.py BUSY_WAIT); a clinician presses Sign in again, so does this.
        for _attempt in range(10):
            _, html, _ = self.call("page", "/login")
            status, _, _ = self.call("sign_in", "/login", {"csrf_token": self.token(html, "csrf_token"),
                                                           "email": self.email, "password": PASSWORD})
            if status != 429:
                break
            time.sleep(BUSY_WAIT)
        number = 0
        while time.time() < self.deadline:
            number += 1
            marker = f"{self.email}#{number}"
            self.call("hello", "/healthz")
            _, html, _ = self.call("page", "/discussions/new")
            csrf = self.token(html, "csrf_token")
            status, _, location = self.call("save", "/discussions/new", {
                "csrf_token": csrf, "clinician": self.email, "discussion_date": time.strftime("%Y-%m-%d"),
                "knees": "left", "patient_ref": f"LT-{number}", "action": "next"})
            if status != 302:
                continue
            url = urllib.parse.urlsplit(location).path.rsplit("/steps/", 1)[0]
            for step, answers in [*STEPS.items(), ("decision", {"choice": "conservative", "reasons": marker})]:
                _, html, _ = self.call("page", f"{url}/steps/{step}")
                self.call("save", f"{url}/steps/{step}", {**answers, "csrf_token": self.token(html, "csrf_token"),
                                                         "lock_version": self.token(html, "lock_version"),
                                                         "action": "next"})
            _, html, _ = self.call("page", f"{url}/steps/summary")
            status, _, _ = self.call("save", f"{url}/finish", {"csrf_token": self.token(html, "csrf_token"),
                                                               "lock_version": self.token(html, "lock_version")})
            self.call("pdf", f"{url}/summary.pdf")
            if status == 302:
                self.written.append((url.rsplit("/", 1)[1], self.email, marker))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] * 1000


def prepare(database_url: str, instance: str, clinicians: int) -> dict:
    env = {**os.environ, "INSTANCE_PATH": instance, "DATABASE_URL": database_url,
           "SECRET_KEY": "load-test-secret-key-0123456789abcdef", "PDF_CACHE_DIR": f"{instance}/pdf-cache"}
    flask = [str(BIN / "flask"), "--app", "decision_aid"]
    subprocess.run([*flask, "init-db"], env=env, check=True, capture_output=True)
    for n in range(clinicians):
        subprocess.run([*flask, "create-user", "--email", f"c{n}@load.example", "--clinic", "Load Clinic"],
                       env=env, input=PASSWORD + "\n", text=True, check=True, capture_output=True)
    return env


def verify(env: dict, written: list) -> tuple[int, int]:
    """(missing or wrong, checked) by reading the database directly."""
    code = """
import json, sys, uuid
from decision_aid import create_app
from decision_aid.extensions import db
from decision_aid.models import Discussion
from decision_aid.accounts.models import User
app = create_app()
bad = 0
written = json.load(sys.stdin)
with app.app_context():
    for discussion_id, email, marker in written:
        d = db.session.get(Discussion, uuid.UUID(discussion_id))
        user = db.session.query(User).filter_by(email=email).one()
        ok = (d is not None and d.status == "complete" and d.created_by_id == user.id
              and d.clinic_id == user.clinic_id and len(d.revisions) == 1
              and d.revisions[0].answers["decision"]["reasons"] == marker
              and d.answers["decision"]["reasons"] == marker)
        bad += not ok
print(bad)
"""
    result = subprocess.run([sys.executable, "-c", code], env=env, input=json.dumps(written), text=True,
                            capture_output=True, check=True)
    return int(result.stdout.strip()), len(written)


def run_one(label: str, database_url: str, args) -> None:
    with tempfile.TemporaryDirectory() as instance:
        env = prepare(database_url, instance, args.clinicians)
        port = free_port()
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "python:decision_aid.gunicorn_conf", "--bind", f"127.0.0.1:{port}",
             "--workers", str(args.workers), "--threads", str(args.threads), "--access-logfile", "/dev/null",
             "decision_aid:create_app()"], env={**env, "LOG_LEVEL": "warning"}, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            timings, errors, written = defaultdict(list), defaultdict(list), []
            started = time.time()
            threads = [Clinician(base, f"c{n}@load.example", started + args.seconds, timings, errors, written,
                                 args.think) for n in range(args.clinicians)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.time() - started
        finally:
            server.terminate()  # SIGTERM: gunicorn finishes requests in flight, then exits
            server.wait(timeout=60)
        bad, checked = verify(env, written)
    total = sum(len(v) for v in timings.values())
    print(f"\n{label}: {args.clinicians} clinicians, {elapsed:.0f} s, think {args.think} s, gunicorn "
          f"{args.workers} workers x {args.threads} threads")
    print(f"  {total} requests, {total / elapsed:.1f} requests/s, {len(written)} consultations finished")
    print(f"  {'kind':<8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in ("hello", "page", "save", "pdf", "sign_in"):
        if timings[kind]:
            values = timings[kind]
            print(f"  {kind:<8} {len(values):>6} {percentile(values, 50):>8.1f} {percentile(values, 95):>8.1f} "
                  f"{percentile(values, 99):>8.1f}")
    error_count = sum(len(v) for k, v in errors.items() if "not an error" not in k)
    print(f"  errors: {error_count}" + (f" {dict((k, v[:3]) for k, v in errors.items() if v)}" if error_count else ""))
    print(f"  verified in the database: {checked - bad} of {checked} discussions intact, {bad} lost or mixed up")
    if timings["hello"] and timings["page"]:
        print(f"  page p95 / hello p95 = {percentile(timings['page'], 95) / percentile(timings['hello'], 95):.1f} "
              f"(aim <= 3); pdf p95 = {percentile(timings['pdf'], 95) / 1000:.2f} s (aim <= 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--clinicians", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--think", type=float, default=0.0, help="seconds a clinician pauses before each request")
    args = parser.parse_args()
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as folder:
            run_one("SQLite", f"sqlite:///{folder}/load.sqlite3", args)
    if args.database in ("postgresql", "both"):
        folder = tempfile.mkdtemp(prefix="load-pg-")
        script = ROOT / "scripts" / "throwaway-postgres.sh"
        url = subprocess.run([str(script), "start", folder, str(free_port())], check=True, capture_output=True,
                             text=True).stdout.strip()
        try:
            run_one("PostgreSQL", url, args)
        finally:
            subprocess.run([str(script), "stop", folder], check=False)
            subprocess.run(["rm", "-rf", folder], check=False)


if __name__ == "__main__":
    main()
