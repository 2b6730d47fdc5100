"""Worker memory over 200 summary PDF renders: does it stay flat?

Run: .venv/bin/python benchmarks/pdf_memory.py [--renders 200]

Renders the summary PDF of a typical finished discussion in one process, as a worker would,
and reports the resident memory (RSS) after a warm-up of 10 renders and after all of them.
Aim (issue 6): growth <= 20 MB over 200 renders.
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


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--renders", type=int, default=200)
    args = parser.parse_args()
    from conftest import DECISION, OPTIONS, READY, SITUATION, START, VALUES  # the tests' typical answers
    from decision_aid import create_app
    from decision_aid.consultation import summary
    from decision_aid.library import current_content
    from decision_aid.pdf import render_template_pdf

    answers = {"start": START, "situation": SITUATION, "options": OPTIONS, "values": VALUES,
               "ready": READY, "decision": DECISION}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        app = create_app({"PDF_CACHE_DIR": f"{tmp}/cache"})
        with app.test_request_context():
            def render() -> None:
                view = summary.build(answers, current_content(), status="complete", id_prefix="pdf")
                render_template_pdf("pdf/summary.html", summary=view, meta=view["meta"])

            for _ in range(10):
                render()
            gc.collect()
            start = rss_mb()
            samples = []
            for n in range(1, args.renders + 1):
                render()
                if n % 50 == 0:
                    gc.collect()
                    samples.append((n, rss_mb()))
            end = rss_mb()
    print(f"summary PDF renders in one process: RSS after 10 warm-up renders {start:.1f} MB")
    for n, value in samples:
        print(f"  after {n:>4} more renders: {value:.1f} MB")
    print(f"growth over {args.renders} renders: {end - start:+.1f} MB (aim <= 20 MB)")


if __name__ == "__main__":
    main()
