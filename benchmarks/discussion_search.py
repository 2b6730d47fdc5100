"""Time the saved-discussions list and search at 100,000 discussions, and at 100 for comparison.

Run: .venv/bin/python benchmarks/discussion_search.py [--reuse] [--count N] [--requests N] [--explain]
                                                       [--try-index "CREATE INDEX IF NOT EXISTS ..."]

Each query is a whole request through the Flask test client (signed in, CSRF on): 20 warm-up
requests, then --requests timed ones; p50/p95/p99 in ms, and the median CPU time of the process
(steadier than wall time on a busy machine). The two sizes take turns request by request. The
databases are SQLite files made by fill_discussions.py in the temp folder; --reuse keeps them
between runs (they are brought up to the newest migration first). --try-index adds an index for
the run and drops it afterwards.

Aims (issue 4): p95 <= 50 ms at 100,000 discussions, and <= 2 x the time at 100 (median).
A query that misses an aim has its SQL's EXPLAIN QUERY PLAN printed (--explain: every query).
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _support import signed_in_client  # noqa: E402
from fill_discussions import CLINICIANS, fill, make_app  # noqa: E402
from decision_aid.database import create_schema  # noqa: E402
from decision_aid.discussions.queries import BROWSABLE, PER_PAGE  # noqa: E402
from decision_aid.extensions import db  # noqa: E402

AIM_P95_MS = 50.0
AIM_RATIO = 2.0


def queries(count: int) -> list[tuple[str, str, str, dict | None]]:
    """(label, method, path, form) per query type; the same criteria at every size."""
    today = dt.date.today()
    month = (today - dt.timedelta(days=400), today - dt.timedelta(days=370))
    year = (today - dt.timedelta(days=730), today - dt.timedelta(days=366))
    # The deepest page the list offers (the newest 1,000 are browsable; the app clamps beyond).
    deep = max(1, -(-min(count, BROWSABLE) // PER_PAGE))
    return [
        ("list, page 1", "GET", "/discussions/", None),
        ("list, last browsable page", "GET", f"/discussions/?page={deep}", None),
        ("search: patient ref 'RK-0421'", "POST", "/discussions/search", {"patient_ref": "RK-0421"}),
        ("search: part of a ref '4217'", "POST", "/discussions/search", {"patient_ref": "4217"}),
        ("search: patient ref 'rk-0' (broad)", "POST", "/discussions/search", {"patient_ref": "rk-0"}),
        ("search: part of a ref 'zz9' (none)", "POST", "/discussions/search", {"patient_ref": "zz9"}),
        (f"search: clinician '{CLINICIANS[4][:6]}'", "POST", "/discussions/search", {"clinician": CLINICIANS[4][:6]}),
        (f"search: part of a name '{CLINICIANS[4][3:6].lower()}'", "POST", "/discussions/search",
         {"clinician": CLINICIANS[4][3:6].lower()}),
        ("search: dates, one month", "POST", "/discussions/search",
         {"date_from": month[0].isoformat(), "date_to": month[1].isoformat()}),
        ("search: status in progress", "POST", "/discussions/search", {"status": "in_progress"}),
        ("search: clinician+year+complete", "POST", "/discussions/search",
         {"clinician": CLINICIANS[4][:6], "date_from": year[0].isoformat(), "date_to": year[1].isoformat(),
          "status": "complete"}),
    ]


def _reusable(url: str, count: int) -> dict | None:
    """The database at ``url`` if it already holds exactly ``count`` discussions."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            found = connection.exec_driver_sql("SELECT count(*) FROM discussion").scalar()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()
    if found != count:
        return None
    print(f"reusing {url.rsplit('/', 1)[-1]} ({count:,} discussions)")
    return {"url": url, "count": count, "email": "clinician0@bench.example"}


def postgres_database(server: str, count: int, reuse: bool, instance: str) -> dict:
    """A database per size on the PostgreSQL server at ``server`` (e.g. from throwaway-postgres.sh)."""
    name = f"decision_aid_bench_{count}"
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).scalar()
        if exists and reuse and (info := _reusable(url, count)):
            admin.dispose()
            return info
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    print(f"filling PostgreSQL database {name}")
    info = fill(url, count, instance=instance)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")  # as autovacuum would, soon after a bulk load
    engine.dispose()
    return info


def database(count: int, reuse: bool, instance: str, postgres: str | None = None) -> dict:
    if postgres:
        return postgres_database(postgres, count, reuse, instance)
    path = Path(tempfile.gettempdir()) / f"decision-aid-bench-{count}.sqlite3"
    url = f"sqlite:///{path}"
    if reuse and path.exists() and (info := _reusable(url, count)):
        return info
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    print(f"filling {path}")
    return fill(url, count, instance=instance)


def percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(q / 100 * (len(sorted_ms) - 1)))]


class Target:
    """One database behind its own app, with a signed-in client and the SQL of the last request."""

    def __init__(self, info: dict, indexes: list[str], instance: str):
        self.count = info["count"]
        self.app = make_app(info["url"], instance)
        # The JSON line per request is still built (json.dumps runs first), just not printed.
        logging.getLogger("decision_aid.requests").setLevel(logging.WARNING)
        with self.app.app_context():
            create_schema()  # a reused database may predate the newest migration
            self.engine = db.engine
        with self.engine.begin() as connection:
            for statement in indexes:
                connection.exec_driver_sql(statement)
        self.client = signed_in_client(self.app, info["email"])
        first = self.client.get("/discussions/")
        assert first.status_code == 200, first.status_code
        self.token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                               first.get_data(as_text=True)).group(1)
        self.captured: list = []
        sa.event.listen(self.engine, "before_cursor_execute",
                        lambda conn, cursor, statement, params, context, many:
                        self.captured.append((statement, params)))

    def request(self, method: str, path: str, form: dict | None):
        data = {"csrf_token": self.token, "page": "1", **form} if form is not None else None
        response = self.client.open(path, method=method, data=data)
        assert response.status_code == 200, (path, form, response.status_code)
        return response


def measure(targets: list[Target], requests: int, warmup: int) -> list[dict]:
    """Per target, per query: percentiles. The targets take turns request by request, so a
    busy moment on the machine falls on both sizes alike."""
    results = [{} for _ in targets]
    for number, (label, method, path, form) in enumerate(queries(targets[-1].count)):
        plans = [queries(t.count)[number] for t in targets]  # the deep page differs by size
        times, cpu = [[] for _ in targets], [[] for _ in targets]
        for i in range(warmup + requests):
            for k, (target, (_, m, p, f)) in enumerate(zip(targets, plans)):
                started, started_cpu = time.perf_counter(), time.process_time()
                target.request(m, p, f)
                if i >= warmup:
                    times[k].append((time.perf_counter() - started) * 1000)
                    cpu[k].append((time.process_time() - started_cpu) * 1000)
        for k, (target, (_, m, p, f)) in enumerate(zip(targets, plans)):
            target.captured.clear()
            html = target.request(m, p, f).get_data(as_text=True)
            shown = re.search(r"([\d,]+) discussions?", html)
            ordered = sorted(times[k])
            results[k][label] = {"p50": statistics.median(ordered), "p95": percentile(ordered, 95),
                                 "p99": percentile(ordered, 99), "cpu": statistics.median(cpu[k]),
                                 "found": shown.group(1) if shown else "?",
                                 "statements": [(s, p) for s, p in target.captured if "FROM discussion" in s]}
    return results


def explain(engine, statements) -> list[str]:
    if engine.dialect.name != "sqlite":
        return ["    (query plans are printed for SQLite only)"]
    lines = []
    with engine.connect() as connection:
        for statement, params in statements:
            lines.append("    " + " ".join(statement.split())[:160])
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params):
                lines.append(f"      {row[-1]}")
        connection.rollback()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="reuse the databases of an earlier run")
    parser.add_argument("--explain", action="store_true", help="print every query plan")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server URL (postgresql+psycopg://...): "
                        "measure there instead of in SQLite files")
    parser.add_argument("--try-index", action="append", default=[], metavar="SQL",
                        help="a CREATE INDEX IF NOT EXISTS ... to try (applied to both databases)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="decision-aid-bench-") as instance:
        targets = [Target(database(n, args.reuse, instance, args.postgres), args.try_index, instance)
                   for n in (args.small, args.count)]
        load = os.getloadavg()[0]
        try:
            small, large = measure(targets, args.requests, args.warmup)
            report(args, small, large, load, targets[-1].engine)
        finally:
            drop_tried(targets, args.try_index)


def drop_tried(targets: list[Target], indexes: list[str]) -> None:
    """Tried indexes go again, so the --reuse databases stay as the app's migrations make them."""
    for target in targets:
        with target.engine.begin() as connection:
            for statement in indexes:
                name = re.search(r"INDEX\s+(?:IF NOT EXISTS\s+)?(\w+)", statement, re.I).group(1)
                connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
        target.engine.dispose()


def report(args, small: dict, large: dict, load: float, engine) -> None:
    print(f"\nSaved discussions: whole requests through the test client, {args.requests} timed after "
          f"{args.warmup} warm-up, both sizes taking turns; ms (load average {load:.1f} -> "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    if args.try_index:
        print("with tried indexes: " + "; ".join(args.try_index))
    print(f"{'':36} {f'------ at {args.count:,} ------':>38} | {f'--- at {args.small} ---':>15} | "
          f"{'ratio':>13} |")
    print(f"{'query':36} {'found':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'cpu50':>7} | {'p50':>7} {'p95':>7} | "
          f"{'p50 x':>6} {'p95 x':>6} | <=50ms  <=2x")
    misses = []
    for (label, big), little in zip(large.items(), small.values()):
        r50, r95 = big["p50"] / little["p50"], big["p95"] / little["p95"]
        fast, flat = big["p95"] <= AIM_P95_MS, r50 <= AIM_RATIO
        print(f"{label:36} {big['found']:>6} {big['p50']:7.1f} {big['p95']:7.1f} {big['p99']:7.1f} "
              f"{big['cpu']:7.1f} | {little['p50']:7.1f} {little['p95']:7.1f} | {r50:6.2f} {r95:6.2f} | "
              f"{'ok' if fast else 'MISSED':6}  {'ok' if flat else 'MISSED'}")
        if not (fast and flat) or args.explain:
            misses.append((label, big["statements"]))
    print(f"aims: p95 <= {AIM_P95_MS:.0f} ms at {args.count:,}; p50 <= {AIM_RATIO:.0f} x p50 at {args.small} "
          f"(p95 ratio shown too; it is noisier). cpu50: median CPU time of the process per request.")
    for label, statements in misses:
        print(f"\nEXPLAIN QUERY PLAN at {args.count:,}: {label}")
        print("\n".join(explain(engine, statements)))


if __name__ == "__main__":
    main()
