"""Time the summary PDF of one finished, typical discussion: the app's render, bare WeasyPrint on
the same HTML, and a reprint of the unchanged revision served from the cache.

Run: .venv/bin/python benchmarks/summary_render.py [--runs N]

The discussion is the one the tests use (tests/conftest.py: START, SITUATION, ... DECISION),
driven through the steps by the test client and finished, so it is saved as revision 1.

Aims (issue 4): app render <= 1.1 x bare WeasyPrint; a typical summary renders in <= 0.8 s;
the cached reprint is >= 50 x faster than a render.
"""
from __future__ import annotations

import argparse
import io
import logging
import os
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
from decision_aid.discussions.views import _revision_meta  # noqa: E402
from decision_aid.extensions import db  # noqa: E402
from decision_aid.library import content_for_record  # noqa: E402
from decision_aid.models import Discussion  # noqa: E402
from decision_aid.pdf import PDF_OPTIONS, render_template_pdf  # noqa: E402
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
        static = Path(app.static_folder)

        with app.test_request_context():
            discussion = db.session.get(Discussion, uuid.UUID(visit.id))
            revision = discussion.latest_revision
            assert revision is not None and revision.number == 1

            def build():
                # What the revision PDF view does before it renders (discussions/views.py).
                content = content_for_record(revision.content_version, revision.content_hash)
                return summary.build(revision.answers, content, status=discussion.status,
                                     revision=_revision_meta(revision, revision.number), id_prefix="pdf")

            view = build()
            html = render_template("pdf/summary.html", static_url=lambda p: p, summary=view, meta=view["meta"])
            pages = len(PdfReader(io.BytesIO(
                render_template_pdf("pdf/summary.html", summary=view, meta=view["meta"]))).pages)

            def app_render():
                fresh = build()
                render_template_pdf("pdf/summary.html", summary=fresh, meta=fresh["meta"])

            def bare_render():
                HTML(string=html, base_url=static.resolve().as_uri() + "/").write_pdf(**PDF_OPTIONS)

            render, bare = median_seconds(app_render, bare_render, runs=args.runs)

        url = f"{visit.url}/revisions/1.pdf"
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
    print(f"summary PDF of one finished discussion ({pages} pages, {len(first.data) / 1024:.0f} KiB), "
          f"median of {args.runs} runs after a warm-up")
    print(f"  app render (summary.build -> HTML -> PDF): {render * 1000:8.1f} ms  (aim <= 800 ms)")
    print(f"  bare WeasyPrint, same HTML and options:    {bare * 1000:8.1f} ms")
    print(f"  cached reprint (HTTP GET revisions/1.pdf): {cached * 1000:8.2f} ms")
    print(f"  render / bare = {render / bare:.2f}  (aim <= 1.10)")
    print(f"  render / cached = {render / cached:.0f}x  (aim >= 50x)")


if __name__ == "__main__":
    main()
