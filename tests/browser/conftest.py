"""Real-browser fixtures: the app served on a free local port, and headless Chromium.

One server and one browser per test session (starting Chromium takes ~0.7 s, the server and its
four accounts ~1 s); every test gets a fresh browser context, so cookies and storage never leak
from one test to the next. The server runs the real app: CSRF on, the strict CSP on, sign-in
required. Tests that need many saved discussions seed them through a second app object on the
same database (CSRF off, no browser): that is set-up, not the thing under test.

When Playwright or Chromium is missing, every browser test is skipped with the reason.
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from pathlib import Path

import pytest

from conftest import PASSWORD, PEOPLE, Consultation, signed_in_client

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

CLINICIAN = PEOPLE[0]      # clinician@a.example, Dr Ada Lovelace, Clinic A
ADMIN = PEOPLE[1]          # admin@a.example, Clinic A
OTHER_CLINIC = PEOPLE[2]   # clinician@b.example, Clinic B: a clinic with no saved discussions

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None


def _missing() -> str | None:
    if sync_playwright is None:
        return "Python Playwright is not installed (pip install playwright; never `playwright install`)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"
    return None


def _serve(app):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    return server, thread


def _make_app(instance: Path, **overrides):
    """An app on ``instance``: INSTANCE_PATH is set only while the app reads its configuration."""
    from decision_aid import create_app

    saved = {name: os.environ.get(name) for name in ("INSTANCE_PATH", "DATABASE_URL", "SECRET_KEY")}
    os.environ["INSTANCE_PATH"] = str(instance)
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("SECRET_KEY", None)
    try:
        return create_app({"PDF_CACHE_DIR": str(instance / "pdf-cache"), **overrides})
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Server:
    def __init__(self, app, seed_app, base_url: str):
        self.app, self.seed_app, self.url = app, seed_app, base_url

    def seed_discussion(self, email: str = CLINICIAN[0], *, finish: bool = True, **start) -> str:
        """A whole discussion saved straight through the app (set-up for pages that need one).
        Returns its path, /discussions/<id>."""
        visit = Consultation(signed_in_client(self.seed_app, email)).start(**start).fill_all(self.seed_app)
        if finish:
            visit.finish()
        return visit.url.replace("http://localhost", "")


@contextlib.contextmanager
def running_app(instance: Path, people=(), **overrides):
    """The real app (CSRF on) on a fresh migrated database holding ``people``, served on a free
    port: yields (app, base URL). Skips the test when there is no browser to use it."""
    reason = _missing()
    if reason:
        pytest.skip(reason)
    from decision_aid.accounts.operations import create_user
    from decision_aid.database import create_schema
    from decision_aid.extensions import db

    app = _make_app(instance, WTF_CSRF_ENABLED=True, **overrides)
    with app.app_context():
        create_schema()
        for email, name, clinic, role in people:
            create_user(db.session, email=email, name=name, clinic_name=clinic, role=role, password=PASSWORD)
        db.session.commit()
    server, thread = _serve(app)
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from decision_aid.extensions import db

    instance = tmp_path_factory.mktemp("browser-instance")
    with running_app(instance, PEOPLE) as (app, url):
        # Same database and secret key, CSRF off: only for seeding discussions outside the browser.
        seed_app = _make_app(instance, TESTING=True, WTF_CSRF_ENABLED=False)
        yield Server(app, seed_app, url)
        with seed_app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def empty_server(tmp_path_factory):
    """A second server with an empty database: the only way to reach the first-run page."""
    with running_app(tmp_path_factory.mktemp("browser-empty")) as (_app, url):
        yield url


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        pytest.skip(reason)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _sign_in_through_form(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/$"))


@pytest.fixture(scope="session")
def signed_in_states(browser, live_server):
    """Cookies of a session signed in through the real form, one per person, made once.

    Each test's context starts from these, so tests do not all pay for a password hash check.
    The sign-in form itself is exercised here and in test_journey.py.
    """
    states = {}

    def state(email: str) -> dict:
        if email not in states:
            context = browser.new_context(base_url=live_server.url)
            page = context.new_page()
            _sign_in_through_form(page, live_server.url, email)
            states[email] = context.storage_state()
            context.close()
        return states[email]
    return state


class CspWatch:
    """Collects the browser's Content-Security-Policy complaints and page errors."""

    def __init__(self):
        self.problems: list[str] = []

    def console(self, message) -> None:
        if message.type == "error" and ("Content Security Policy" in message.text or "Refused to" in message.text):
            self.problems.append(message.text)

    def page_error(self, error) -> None:
        self.problems.append(f"page error: {error}")


@pytest.fixture
def new_context(browser, live_server, signed_in_states):
    """Open fresh contexts: ``new_context(as_=email or None, **playwright options)``.

    The app's real CSP stays on. Every page's CSP complaints and script errors fail the test
    at the end (the CSP forbids inline scripts, inline styles and style= attributes, and the
    app must work within it).
    """
    contexts, watch = [], CspWatch()

    def make(as_: str | None = CLINICIAN[0], own_session: bool = False, **options):
        """``own_session``: sign in afresh instead of sharing the person's session, for a test that
        changes the session itself (the tablet's patient view lives on the session row)."""
        options.setdefault("base_url", live_server.url)
        if as_ and not own_session:
            options["storage_state"] = signed_in_states(as_)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        if as_ and own_session:
            _sign_in_through_form(context.new_page(), live_server.url, as_)
        context.on("page", lambda page: (page.on("console", watch.console), page.on("pageerror", watch.page_error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert not watch.problems, "\n".join(watch.problems)


@pytest.fixture
def page(new_context):
    """A page in a fresh context, signed in as the clinician of clinic A."""
    return new_context().new_page()


@pytest.fixture
def anon_page(new_context):
    return new_context(as_=None).new_page()


@pytest.fixture(scope="session")
def artifacts():
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


logging.getLogger("werkzeug").setLevel(logging.WARNING)
