"""Take the README's screenshot of the comparison on a tablet (768 x 1024) into docs/.

Run: .venv/bin/python scripts/screenshots.py   (needs Debian's chromium at /usr/bin/chromium)

Every page needs sign-in, so the script makes a throwaway app in a temporary folder (its own
database, secret key and PDF cache), adds a clinic with one clinician whose password is random
and never shown, signs in through the real sign-in form, and deletes everything at the end.
Nothing touches instance/ or any real database.
"""
import os
import secrets
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
EMAIL = "screenshots@clinic.example"


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def throwaway_app(folder: str):
    """An app with its own instance folder and SQLite database, and one clinician in it."""
    os.environ["INSTANCE_PATH"] = folder
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SECRET_KEY", None)
    from decision_aid import create_app
    from decision_aid.accounts.operations import create_user
    from decision_aid.database import create_schema
    from decision_aid.extensions import db

    app = create_app({"PDF_CACHE_DIR": f"{folder}/pdf-cache"})
    password = " ".join(secrets.token_urlsafe(8) for _ in range(4))
    with app.app_context():
        create_schema()
        create_user(db.session, email=EMAIL, name="Dr Screen Shot", clinic_name="Screenshot clinic",
                    role="clinician", password=password)
        db.session.commit()
    return app, password


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app, password = throwaway_app(tmp)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 768, "height": 1024})
                page.goto(f"{base}/login?next=/comparison")
                page.get_by_label("E-mail address").fill(EMAIL)
                page.get_by_label("Password").fill(password)
                page.get_by_role("button", name="Sign in").click()
                page.wait_for_url(f"{base}/comparison")
                page.evaluate("document.getElementById('grid-heading').scrollIntoView()")
                target = ROOT / "docs" / "comparison-tablet.png"
                page.screenshot(path=str(target))
                browser.close()
        finally:
            server.shutdown()
            with app.app_context():
                from decision_aid.extensions import db
                db.engine.dispose()
    print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
