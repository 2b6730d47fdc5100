"""Time the all-options handout: the app's render, bare WeasyPrint on the same HTML, and the
cached serve.  Run: .venv/bin/python benchmarks/handout_render.py [--runs N]

Aims (issue 2): app render <= 1.1 x bare WeasyPrint; cached serve >= 50 x faster than a render.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from weasyprint import HTML

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _support import signed_in_client  # noqa: E402
from decision_aid import create_app, presenting  # noqa: E402
from decision_aid.database import create_schema  # noqa: E402
from decision_aid.library import current_content  # noqa: E402
from decision_aid.pdf import PDF_OPTIONS, render_template_pdf  # noqa: E402
from flask import render_template  # noqa: E402


def median_seconds(action, runs: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        app = create_app({"PDF_CACHE_DIR": f"{tmp}/pdf-cache"})
        static = Path(app.static_folder)
        with app.test_request_context():
            content = current_content()
            context = presenting.all_options_handout(content)
            html = render_template("pdf/handout_all.html", static_url=lambda p: p, **context)

            def app_render():
                render_template_pdf("pdf/handout_all.html",
                                    **presenting.all_options_handout(current_content()))

            def bare_render():
                HTML(string=html, base_url=static.as_uri() + "/").write_pdf(**PDF_OPTIONS)

            render = median_seconds(app_render, args.runs)
            bare = median_seconds(bare_render, args.runs)
        with app.app_context():
            create_schema()
        client = signed_in_client(app)
        assert client.get("/handouts/all-options.pdf").status_code == 200  # fills the cache

        def cached_serve():
            response = client.get("/handouts/all-options.pdf")
            assert response.status_code == 200

        cached = median_seconds(cached_serve, max(args.runs, 20))
    print(f"all-options handout, median of {args.runs} runs after a warm-up")
    print(f"  app render (content -> HTML -> PDF): {render * 1000:8.1f} ms")
    print(f"  bare WeasyPrint, same HTML:          {bare * 1000:8.1f} ms")
    print(f"  cached serve (HTTP, test client):    {cached * 1000:8.2f} ms")
    print(f"  render / bare = {render / bare:.2f}  (aim <= 1.10)")
    print(f"  render / cached = {render / cached:.0f}x  (aim >= 50x)")


if __name__ == "__main__":
    main()
