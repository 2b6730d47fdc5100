"""Worker memory over 200 summary PDF renders: does it stay flat?

Run: .venv/bin/python benchmarks/pdf_memory.py [--renders 200] [--in-process]

Renders the summary PDF of a typical finished discussion 200 times through the app's PDF
module, as a web worker would, and reports the worker's resident memory (RSS) after a warm-up
of 10 renders and after all of them, and the largest RSS its rendering helper process reached
(the helper is replaced every decision_aid.pdf.RENDERS_PER_PROCESS renders). --in-process
renders in the worker itself, to show what the helper process is for.
Aim (issue 6): worker growth <= 20 MB over 200 renders.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def rss_mb(pid: int | str = "self") -> float:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            pages = int(handle.read().split()[1])
    except FileNotFoundError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def helper_rss_mb() -> float:
    from decision_aid import pdf
    pool = pdf._pool
    return max((rss_mb(pid) for pid in (pool._processes or {}) if pool), default=0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--in-process", action="store_true", help="render in the worker itself")
    args = parser.parse_args()
    from conftest import DECISION, OPTIONS, READY, SITUATION, START, VALUES  # the tests' typical answers
    from decision_aid import create_app
    from decision_aid.consultation import summary
    from decision_aid.discussions import printing
    from decision_aid.library import current_content
    from decision_aid import pdf
    from decision_aid.pdf import render_template_pdf
    if args.in_process:
        pdf.render_pdf = lambda html, static_root, fetcher=None: pdf.render_pdf_here(html, static_root)

    answers = {"start": START, "situation": SITUATION, "options": OPTIONS, "values": VALUES,
               "ready": READY, "decision": DECISION}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        app = create_app({"PDF_CACHE_DIR": f"{tmp}/cache"})
        with app.test_request_context():
            def render() -> None:
                content = current_content()
                view = summary.build(answers, content, id_prefix="pdf")
                render_template_pdf("pdf/summary.html", **printing.render_args("summary", content, view))

            for _ in range(10):
                render()
            gc.collect()
            start = rss_mb()
            samples, helper_peak = [], 0.0
            for n in range(1, args.renders + 1):
                render()
                helper_peak = max(helper_peak, helper_rss_mb())
                if n % 50 == 0:
                    gc.collect()
                    samples.append((n, rss_mb()))
            end = rss_mb()
    where = "in the worker" if args.in_process else "in a helper process"
    print(f"summary PDF renders {where}: worker RSS after 10 warm-up renders {start:.1f} MB")
    for n, value in samples:
        print(f"  after {n:>4} more renders: {value:.1f} MB")
    print(f"worker growth over {args.renders} renders: {end - start:+.1f} MB (aim <= 20 MB)")
    if not args.in_process:
        print(f"largest RSS of the helper process: {helper_peak:.1f} MB "
              f"(replaced every {pdf.RENDERS_PER_PROCESS} renders)")


if __name__ == "__main__":
    main()
