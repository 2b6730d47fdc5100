"""Take the README's screenshot of the comparison on a tablet (768 x 1024) into docs/.

Run: .venv/bin/python scripts/screenshots.py   (needs Debian's chromium at /usr/bin/chromium)
"""
import os
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from decision_aid import create_app  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INSTANCE_PATH"] = tmp
        server = make_server("127.0.0.1", 0, create_app({"PDF_CACHE_DIR": f"{tmp}/cache"}))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 768, "height": 1024})
            page.goto(f"{base}/comparison")
            page.locator("#grid-heading").scroll_into_view_if_needed()
            page.evaluate("document.getElementById('grid-heading').scrollIntoView()")
            page.screenshot(path=str(ROOT / "docs" / "comparison-tablet.png"))
            browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
