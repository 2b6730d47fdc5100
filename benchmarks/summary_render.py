"""Time the summary PDF of one finished, typical discussion: the app's render, bare WeasyPrint on
the same HTML, a reprint of the unchanged revision served from the cache, and the first
download after Finish (the PDFs are pre-rendered in the background when a discussion is
finished, so that download should be a cache hit).

Run: .venv/bin/python benchmarks/summary_render.py [--runs N]

The discussion is the one the tests use (tests/conftest.py: START, SITUATION, ... DECISION),
driven through the steps by the test client and finished, so it is saved as revision 1.

Aims: app render <= 1.1 x bare WeasyPrint and a cached reprint >= 50 x faster than a render
(issue 4); the 2-page summary renders in <= 0.4 s and the first download after Finish takes
<= 50 ms at the server (issue 11). "At the server" is the time the app takes to answer the
request (the test client, in process: no network).
"""
from __future__ import annotations

import argparse
import io
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from pypdf import PdfReader
from weasyprint import HTML

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "tests"))
from conftest import START, Consultation  # noqa: E402
from decision_aid import create_app  # noqa: E402
from decision_aid.consultation import summary  # noqa: E402
from decision_aid.database import create_schema  # noqa: E402
from decision_aid.discussions import printing  # noqa: E402
from decision_aid.extensions import db  # noqa: E402
from decision_aid.library import content_for_record  # noqa: E402
from decision_aid.models import Discussion  # noqa: E402
from decision_aid.pdf import PDF_OPTIONS, render_template_pdf, wait_for_background  # noqa: E402
from flask import render_template  # noqa: E402

from _support import signed_in_client  # noqa: E402


def median_seconds(*actions, runs: int) -> list[float]:
    """Median time of each action, after one warm-up each. The actions take turns, so a busy
    moment on the machine falls on all of them alike (the ratios are what the aims are about)."""
    for action in actions:
        action()
    times = [[] for _ in actions]
    for _ in range(runs):
        for action, spent in zip(actions, times):
            start = time.perf_counter()
            action()
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3",
                          "PDF_CACHE_DIR": f"{tmp}/pdf-cache", "WTF_CSRF_ENABLED": False})
        logging.getLogger("decision_aid.requests").setLevel(logging.WARNING)
        with app.app_context():
            create_schema()
        client = signed_in_client(app, name=START["clinician"])
        visit = Consultation(client).start()
        visit.fill_all(app).finish()
        wait_for_background(app)  # this one's pre-render is not what is timed here
        static = Path(app.static_folder)

        with app.test_request_context():
            discussion = db.session.get(Discussion, uuid.UUID(visit.id))
            revision = discussion.latest_revision
            assert revision is not None and revision.number == 1

            def build():
                # What the revision PDF view does before it renders (discussions/views.py).
                content = content_for_record(revision.content_version, revision.content_hash)
                return summary.build(revision.answers, content,
                                     recorded=printing.recorded(revision, revision.number, None), id_prefix="pdf")

            content = content_for_record(revision.content_version, revision.content_hash)
            view = build()
            html = render_template("pdf/summary.html", static_url=lambda p: p,
                                   **printing.render_args("summary", content, view))
            pages = len(PdfReader(io.BytesIO(
                render_template_pdf("pdf/summary.html", **printing.render_args("summary", content, view)))).pages)

            def app_render():
                fresh = build()
                render_template_pdf("pdf/summary.html", **printing.render_args("summary", content, fresh))

            def bare_render():
                HTML(string=html, base_url=static.resolve().as_uri() + "/").write_pdf(**PDF_OPTIONS)

            render, bare = median_seconds(app_render, bare_render, runs=args.runs)

        url = f"{visit.url}/revisions/1.pdf"
        shutil.rmtree(Path(tmp, "pdf-cache"), ignore_errors=True)  # the pre-render's copies: render afresh
        first = client.get(url)  # renders once and fills the cache
        assert first.status_code == 200 and first.mimetype == "application/pdf", first.status_code
        cached_files = list(Path(tmp, "pdf-cache").rglob("*.pdf"))
        assert len(cached_files) == 1, cached_files
        stamp = cached_files[0].stat().st_mtime_ns

        def cached_serve():
            response = client.get(url)
            assert response.status_code == 200 and response.data == first.data

        cached, = median_seconds(cached_serve, runs=max(args.runs, 20))
        assert cached_files[0].stat().st_mtime_ns == stamp, "the reprint was rendered again"
        prerender, first_download, at_once = first_downloads(app, client, runs=args.runs)
    print(f"summary PDF of one finished discussion ({pages} pages, {len(first.data) / 1024:.0f} KiB), "
          f"median of {args.runs} runs after a warm-up")
    print(f"  app render (summary.build -> HTML -> PDF): {render * 1000:8.1f} ms  (aim <= 400 ms)")
    print(f"  bare WeasyPrint, same HTML and options:    {bare * 1000:8.1f} ms")
    print(f"  cached reprint (HTTP GET revisions/1.pdf): {cached * 1000:8.2f} ms")
    print(f"  render / bare = {render / bare:.2f}  (aim <= 1.10)")
    print(f"  render / cached = {render / cached:.0f}x  (aim >= 50x)")
    print(f"  after Finish, background pre-render of both PDFs: {prerender * 1000:8.1f} ms")
    print(f"  first download after Finish, pre-render done:     {first_download * 1000:8.2f} ms  (aim <= 50 ms)")
    print(f"  first download the instant Finish returns:        {at_once * 1000:8.1f} ms  (no aim: a click "
          "that beats the pre-render)")


def first_downloads(app, client, runs: int) -> tuple[float, float, float]:
    """Median over fresh discussions: how long the background pre-render takes after Finish, the
    first download once it is done, and a download asked for the instant Finish returns."""
    prerender, after, at_once = [], [], []
    for _ in range(runs):
        visit = Consultation(client).start()
        visit.fill_all(app).finish()
        start = time.perf_counter()
        wait_for_background(app)
        prerender.append(time.perf_counter() - start)
        start = time.perf_counter()
        response = client.get(f"{visit.url}/revisions/1.pdf")
        after.append(time.perf_counter() - start)
        assert response.status_code == 200 and response.mimetype == "application/pdf"

        visit = Consultation(client).start()
        visit.fill_all(app).finish()
        start = time.perf_counter()
        response = client.get(f"{visit.url}/revisions/1.pdf")
        at_once.append(time.perf_counter() - start)
        assert response.status_code == 200
        wait_for_background(app)
    return statistics.median(prerender), statistics.median(after), statistics.median(at_once)


if __name__ == "__main__":
    main()
