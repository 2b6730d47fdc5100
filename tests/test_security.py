"""What a security reviewer checks: headers, caching, CSRF, logs, hostile text, production settings."""
import datetime as dt
import io
import logging
import os
import re
import tempfile
import time
import traceback
from html.parser import HTMLParser
from types import SimpleNamespace
from unittest import mock

import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from pypdf import PdfReader

from conftest import DECISION, PASSWORD, SITUATION, START, VALUES, Consultation, pdf_text, signed_in_client
from decision_aid import create_app
from decision_aid.accounts.models import User
from decision_aid.audit.models import AuditEntry
from decision_aid.consultation.steps import FORM_STEP_IDS, JOINED_PAGES, STEP_IDS
from decision_aid.extensions import db
from test_pdf import listening_socket  # noqa: F401  (fixture: a local server counting connections)

# The steps that are pages of the current content: "ready" is asked on the check page (rules 2).
PAGE_IDS = tuple(s for s in STEP_IDS if s not in {p for parts in JOINED_PAGES.values() for p in parts[1:]})


def _routes() -> list[tuple[str, str]]:
    """(rule, method) for every route of a real app, so a new route is swept without editing this file."""
    with tempfile.TemporaryDirectory() as tmp, mock.patch.dict(os.environ, {"INSTANCE_PATH": tmp}):
        os.environ.pop("DECISION_AID_ENV", None)
        app = create_app({"TESTING": True})
    return sorted((rule.rule, method) for rule in app.url_map.iter_rules()
                  for method in rule.methods - {"HEAD", "OPTIONS"})


ROUTES = _routes()
GET_URLS = [(rule, step) for rule, method in ROUTES if method == "GET"
            # every step has a page; only the steps with a form can be amended
            for step in ((FORM_STEP_IDS if "/amend/" in rule else PAGE_IDS) if "<step_id>" in rule else [None])]
POST_RULES = [rule for rule, method in ROUTES if method == "POST"]
EXPECTED_STATUS = {"/setup": 404}  # the first-run page is gone once accounts exist
# By rule: opening a patient's link sets its cookie and leads to its first page.
EXPECTED_BY_RULE = {"/p/<token>": 303}
HOSTILE_SHORT = '<script>alert(1)</script><img src="http://127.0.0.1:{port}/c">'
HOSTILE = (HOSTILE_SHORT + '<link rel="attachment" href="http://127.0.0.1:{port}/a">'
           '<style>@import url(http://127.0.0.1:{port}/i.css)</style>'
           '<div style="background:url(http://127.0.0.1:{port}/bg)">')


@pytest.fixture
def world(make_app):
    """An app with a finished discussion (revision 1) and one in progress, both of clinic A."""
    app = make_app()
    client, admin = signed_in_client(app), signed_in_client(app, "admin@a.example")
    finished = Consultation(client).start().fill_all(app)
    finished.finish()
    ongoing = Consultation(client).start().fill_all(app)
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "clinician@a.example"))
        # The FHIR export needs the clinic's patient identifier system (else it is refused with a 409).
        db.session.get(User, user_id).clinic.patient_identifier_system = "https://records.a.example/patient-id"
        db.session.commit()
    # The patient's link (its pages open with its cookie) and the tablet in the patient view.
    html = client.post(f"/discussions/{ongoing.id}/patient-link").get_data(as_text=True)
    token = re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)
    patient = app.test_client()
    patient.get(f"/p/{token}")
    tablet = signed_in_client(app)
    tablet.post(f"/discussions/{ongoing.id}/patient-view")
    # The links after the visit, each on its own phone (a link opens only its own page).
    phones = {}
    for kind, page in (("collaborate-link", "/p/after/collaborate"), ("follow-up-link", "/p/after/follow-up")):
        html = client.post(f"/discussions/{finished.id}/{kind}").get_data(as_text=True)
        phones[page] = app.test_client()
        phones[page].get(f"/p/{re.search(r'/p/([A-Za-z0-9_-]+)</a>', html).group(1)}")
    return SimpleNamespace(app=app, client=client, admin=admin, finished=finished.id, ongoing=ongoing.id,
                           user_id=user_id, token=token, patient=patient, tablet=tablet, phones=phones)


def concrete(rule: str, world, step: str | None = "situation") -> str:
    """The rule with real values: steps and finishing act on the discussion still in progress."""
    ongoing = "/steps/" in rule or rule.endswith("/finish") or "/patient-" in rule
    values = {"discussion_id": world.ongoing if ongoing else world.finished, "option_id": "prp",
              "user_id": world.user_id, "number": 1, "filename": "css/app.css", "step_id": step,
              "token": getattr(world, "token", "x"), "part": "situation"}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


def browser_for(world, url: str):
    if url in getattr(world, "phones", {}):  # a link after the visit, on the patient's phone
        return world.phones[url]
    if url.startswith("/p/"):  # the patient's phone: no account
        return getattr(world, "patient", None) or world.app.test_client()
    if "/patient-view/" in url and hasattr(world, "tablet"):
        return world.tablet
    return world.admin if url.startswith("/admin/") else world.client


class PageScan(HTMLParser):
    """Everything in a page that loads from elsewhere or would need CSP 'unsafe-inline'."""
    in_script = False

    def handle_starttag(self, tag, attrs):
        self.problems += [f"<{tag} {name}={value}>" for name, value in attrs
                          if name.startswith("on") or name == "style"
                          or (name in ("src", "href") and re.match(r"\s*(https?:)?//", value or "", re.I))]
        self.problems += ["<style> element"] if tag == "style" else []
        self.in_script = tag == "script"

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")


def page_problems(html: str) -> list[str]:
    scan = PageScan()
    scan.problems = []
    scan.feed(html)
    return scan.problems


@pytest.mark.parametrize("rule, step", GET_URLS)
def test_every_page_carries_the_security_headers_and_loads_only_its_own_files(world, rule, step):
    url = concrete(rule, world, step)
    browser = browser_for(world, url)
    for base, https in (("http://localhost", False), ("https://localhost", True)):
        response = browser.get(url, base_url=base)
        assert response.status_code == EXPECTED_BY_RULE.get(rule, EXPECTED_STATUS.get(url, 200)), url
        csp = response.headers["Content-Security-Policy"]
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp
        script_src = re.search(r"script-src([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers.get("Referrer-Policy")
        assert ("Strict-Transport-Security" in response.headers) is https
        html = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        response.close()  # a static file is streamed from an open file
    assert page_problems(html) == [], url


def test_patient_pages_and_discussion_pdfs_are_never_cached(world):
    client, finished, ongoing = world.client, world.finished, world.ongoing
    urls = [f"/discussions/{finished}", f"/discussions/{finished}/revisions/1", f"/discussions/{finished}/amend",
            *[f"/discussions/{ongoing}/steps/{step}" for step in PAGE_IDS], "/discussions/",
            f"/discussions/{finished}/summary.pdf", f"/discussions/{finished}/revisions/1.pdf",
            f"/discussions/{finished}/revisions/1/note", f"/discussions/{finished}/revisions/1/fhir",
            f"/discussions/{ongoing}/summary.pdf"]
    responses = [(url, client.get(url)) for url in urls]
    responses.append(("search", client.post("/discussions/search", data={"patient_ref": START["patient_ref"]})))
    for url, response in responses:
        assert response.status_code == 200, url
        assert "no-store" in response.headers["Cache-Control"], url
        assert "public" not in response.headers["Cache-Control"], url


def test_searching_keeps_the_patient_reference_out_of_every_url(app, client):
    for number in range(21):  # more than one page, so the page buttons show
        Consultation(client).start(patient_ref=f"MARKREF7-{number}")
    form = re.search(r"<form[^>]*search[^>]*>", client.get("/discussions/").get_data(as_text=True)).group(0)
    assert 'method="post"' in form and 'action="/discussions/search"' in form
    assert client.get("/discussions/search").status_code == 405  # there is no GET search to leak into logs
    for page in (1, 2):
        response = client.post("/discussions/search", data={"patient_ref": "MARKREF7", "page": page})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and "MARKREF7-" in html  # the results are there
        assert "MARKREF7" not in response.request.url
        for tag in re.findall(r"<(?:a|form|link|img|script|iframe|button)\b[^>]*>", html):
            urls = re.findall(r'\b(?:href|action|src|formaction)="([^"]*)"', tag)
            assert not any("MARKREF7" in u for u in urls), tag
            if tag.startswith("<form"):
                assert 'method="post"' in tag, tag  # the criteria travel only in POST bodies


MARKERS = {"patient_ref": "MARKREF7", "clinician": "Dr Markclinician", "tried_other": "MARKTRIED",
           "running_goals": "MARKGOALS", "option_notes": "MARKOPTNOTES", "own_factors": "MARKOWN",
           "other_text": "MARKOTHER", "reasons": "MARKREASONS", "open_questions": "MARKOPEN",
           "next_steps": "MARKNEXT", "clinician_notes": "MARKCLINNOTES", "note": "MARKAMENDNOTE",
           "reason": "MARKAMENDREASON", "later": "MARKLATER", "wrong_password": "MARKPASSWORD-wrong"}


def amend(client, discussion_url: str, **fields):
    data = {**DECISION, "note": "", "reason": "Changed at follow-up", "expected_revision": "1", **fields}
    response = client.post(f"{discussion_url}/amend", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_logs_never_hold_patient_text_or_passwords(make_app, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    for name in ("werkzeug", "flask", "decision_aid", "sqlalchemy"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
        caplog.set_level(logging.DEBUG, logger=name)
    # SQL logging as an operator would switch it on to look at queries (DEBUG would also echo rows).
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    app = make_app(TESTING=False)  # errors are handled and logged as in production, not raised here
    client = app.test_client()
    assert client.post("/login", data={"email": "clinician@a.example",
                                       "password": MARKERS["wrong_password"]}).status_code == 401
    assert client.post("/login", data={"email": "clinician@a.example", "password": PASSWORD}).status_code == 302

    m = MARKERS
    visit = Consultation(client).start(patient_ref=m["patient_ref"], clinician=m["clinician"])
    visit.fill_all(app, situation={**SITUATION, "tried_other": m["tried_other"], "running_goals": m["running_goals"]},
                   values={**VALUES, "own_factors": m["own_factors"]},
                   decision={**DECISION, "choice": "other", **{k: m[k] for k in (
                       "other_text", "reasons", "open_questions", "next_steps", "clinician_notes")}})
    visit.save("options", {"option_notes": m["option_notes"]}, action="later")
    visit.finish()
    for url in ("summary.pdf", "revisions/1.pdf"):
        assert client.get(f"{visit.url}/{url}").status_code == 200
    amend(client, visit.url, note=m["note"], reason=m["reason"], reasons=m["reasons"])
    assert client.get(f"{visit.url}/revisions/2").status_code == 200
    assert m["patient_ref"] in client.post("/discussions/search",
                                           data={"patient_ref": m["patient_ref"]}).get_data(as_text=True)

    # Two unhandled errors, both logged with their traceback by the 500 handler:
    later = Consultation(client).start(patient_ref=m["patient_ref"])
    # a hidden field tampered with (not a number: today a 500, reported),
    client.post(f"{later.url}/steps/options", data={"option_notes": m["later"], "lock_version": "x"})
    # and a database that refuses the write (as on a full disk or a failed constraint). The 500 page
    # then fails too (errors.py does not roll back, see test below), and the server logs what escapes.
    refuse_writes(app)
    escaped = ""
    try:
        later.post("options", {"option_notes": m["later"]})
    except sa.exc.SQLAlchemyError as error:
        escaped = "".join(traceback.format_exception(error))
    assert any(r.levelno >= logging.ERROR for r in caplog.records)  # the errors were logged
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)  # and the SQL
    logged = caplog.text + escaped + "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in [*MARKERS.values(), PASSWORD]:
        assert secret not in logged, f"{secret!r} is in the logs"


def refuse_writes(app) -> None:
    """Make the database refuse every change to a discussion, as a failing disk would."""
    sqlite = ["CREATE TRIGGER refuse_save BEFORE UPDATE ON discussion BEGIN SELECT RAISE(ABORT, 'cannot write'); END"]
    postgres = ["CREATE FUNCTION refuse_save() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'cannot write'; END $$",
                "CREATE TRIGGER refuse_save BEFORE UPDATE ON discussion FOR EACH ROW EXECUTE FUNCTION refuse_save()"]
    with app.app_context():
        for statement in sqlite if db.engine.dialect.name == "sqlite" else postgres:
            db.session.execute(sa.text(statement))
        db.session.commit()


def test_a_database_error_shows_the_friendly_error_page(make_app):
    app = make_app(TESTING=False)
    visit = Consultation(signed_in_client(app)).start()
    refuse_writes(app)
    response = visit.post("situation", SITUATION)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)


def test_hostile_text_is_shown_as_text_and_the_pdfs_fetch_nothing(app, client, listening_socket):  # noqa: F811
    port, connections = listening_socket
    hostile, short = HOSTILE.format(port=port), HOSTILE_SHORT.format(port=port)
    visit = Consultation(client).start(clinician=short)
    texts = ("reasons", "open_questions", "next_steps", "clinician_notes", "other_text")
    visit.fill_all(app, situation={**SITUATION, "tried_other": hostile, "running_goals": hostile},
                   values={**VALUES, "own_factors": hostile},
                   decision={**DECISION, **dict.fromkeys(texts, hostile), "choice": "other"})
    visit.save("options", {"option_notes": hostile}, action="later")
    quiet = ("assessment", "check")  # the steps that show no typed text
    pages = [(visit.page(step), step not in quiet) for step in PAGE_IDS]
    visit.finish()
    amend(client, visit.url, **dict.fromkeys(texts, hostile), choice="other", note=hostile, reason=hostile)
    pages += [(client.get(visit.url + url), True) for url in ("", "/revisions/1", "/revisions/2", "/amend")]
    pages += [(client.get("/discussions/"), True),
              (client.post("/discussions/search", data={"clinician": "<script>"}), True)]
    for response, shows_text in pages:
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        for raw in ("<script>alert", f'<img src="http://127.0.0.1:{port}', "<link rel=\"attachment\"",
                    "<style>@import", '<div style="background'):
            assert raw not in html, response.request.path
        assert ("&lt;script&gt;alert(1)&lt;/script&gt;" in html) is shows_text, response.request.path

    for url in ("summary.pdf", "revisions/1.pdf"):
        pdf = client.get(f"{visit.url}/{url}").data
        time.sleep(0.3)  # let the listening thread count any late connection
        assert connections == [], f"{url} made the server connect out"
        assert b"/EmbeddedFiles" not in pdf
        assert dict(PdfReader(io.BytesIO(pdf)).attachments) == {}
        text = " ".join(pdf_text(pdf).split())
        assert "<script>alert(1)</script>" in text and "<style>@import" in text


def _rows(app, audit: bool) -> dict:
    """Everything a request could change, except the last-seen time of a session (and views' audit)."""
    queries = [f"SELECT * FROM {table} ORDER BY id" for table in ("discussion", "revision", "user_account", "clinic")]
    queries += ["SELECT id, token_hash, user_id, created_at, ended_at, end_reason FROM user_session ORDER BY id",
                "SELECT count(*) FROM login_attempt", "SELECT count(*) FROM clinic_details",
                "SELECT count(*) FROM follow_up", "SELECT count(*) FROM collaborate_response",
                *(["SELECT count(*) FROM audit_entry"] if audit else [])]
    with app.app_context():
        return {sql: db.session.execute(sa.text(sql)).all() for sql in queries}


def _valid_post(url: str, world) -> dict:
    """A form that would change something if the token were not checked."""
    with world.app.app_context():
        lock = db.session.scalar(sa.text("SELECT lock_version FROM discussion WHERE status = 'in_progress'"))
    new = "another long passphrase here"
    forms = {"/steps/": {**SITUATION, "lock_version": lock, "action": "next"}, "/finish": {"lock_version": lock},
             "/amend": {**DECISION, "reason": "x", "expected_revision": "1"}, "/new": {**START, "action": "next"},
             "/login": {"email": "clinician@a.example", "password": PASSWORD},
             "/admin/users": {"email": "new@a.example", "name": "New Person", "role": "clinician",
                              "password": new, "confirm": new},
             "/account/password": {"current": PASSWORD, "password": new, "confirm": new},
             "/admin/clinic/details": {"printed_name": "Changed Clinic", "phone": "0113 496 0000"},
             "/p/after/collaborate": {"collaborate_1": "9", "collaborate_2": "9", "collaborate_3": "9"},
             "/p/after/follow-up": {"pain_now": "3", "done_since": "Physio"}}
    return next((data for part, data in forms.items() if part in url), {})


@pytest.mark.parametrize("rule", POST_RULES)
def test_post_without_a_csrf_token_is_refused_and_changes_nothing(world, make_app, rule):
    app = make_app(WTF_CSRF_ENABLED=True)  # the same database as world's
    world = SimpleNamespace(**{**vars(world), "app": app, "client": signed_in_client(app),
                               "admin": signed_in_client(app, "admin@a.example"),
                               "patient": None, "tablet": signed_in_client(app), "phones": {}})  # this app's browsers
    url = concrete(rule, world)
    before, last_entry = _rows(app, audit=False), _audit_ids(app)[-1]
    response = browser_for(world, url).post(url, data=_valid_post(url, world))
    assert response.status_code == 400, url
    assert _rows(app, audit=False) == before
    # The refusal itself is audited, as the README promises: who, and which endpoint, nothing typed.
    with app.app_context():
        added = db.session.execute(sa.select(AuditEntry.action, AuditEntry.user_id, AuditEntry.detail)
                                   .where(AuditEntry.id > last_entry)).all()
    assert [(a, d.split()[0]) for a, _, d in added] == [("denied", "csrf")], added
    if url in ("/login", "/setup") or url.startswith("/p/"):  # public pages never treat anyone as signed in
        assert added[0].user_id is None
    else:
        refused_as = world.admin if url.startswith("/admin/") else world.client
        assert added[0].user_id == _user_id_of(app, refused_as)


def _audit_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.id).order_by(AuditEntry.id)))


def _user_id_of(app, client) -> int:
    with client.session_transaction() as browser:
        return int(browser["_user_id"])


def test_anonymous_requests_cannot_flood_the_audit_log(app):
    def denied() -> list[str]:
        with app.app_context():
            return list(db.session.scalars(sa.select(AuditEntry.detail).where(
                AuditEntry.action == "denied", AuditEntry.user_id.is_(None)).order_by(AuditEntry.id)))

    with freeze_time("2026-11-25 10:00:00") as clock:
        stranger = app.test_client()
        for _ in range(40):
            assert stranger.get("/discussions/", environ_base={"REMOTE_ADDR": "127.0.0.8"}).status_code == 302
            assert stranger.post("/discussions/search", environ_base={"REMOTE_ADDR": "127.0.0.8"}).status_code == 401
        assert stranger.get("/discussions/", environ_base={"REMOTE_ADDR": "127.0.0.9"}).status_code == 302
        assert denied() == ["401 discussions.index", "401 discussions.index"]  # one per address
        clock.tick(dt.timedelta(minutes=16))
        stranger.get("/comparison", environ_base={"REMOTE_ADDR": "127.0.0.8"})
        assert denied()[-1] == "401 guide.comparison; 79 more from this address not written"


def test_no_get_request_changes_anything(world):
    before = _rows(world.app, audit=False)
    for rule, step in GET_URLS:
        url = concrete(rule, world, step)
        with browser_for(world, url).get(url) as response:
            assert response.status_code < 500, url
    assert _rows(world.app, audit=False) == before


@pytest.fixture
def production(make_app, monkeypatch):
    for name in ("PROXY_COUNT", "FLASK_DEBUG", "HTTPS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DECISION_AID_ENV", "production")

    def make():
        monkeypatch.setenv("SECRET_KEY", "k" * 40)
        monkeypatch.setenv("AUDIT_KEY", "a" * 40)
        return make_app(TESTING=False, WTF_CSRF_ENABLED=False)
    return make


def test_production_will_not_start_without_a_strong_secret_key(production, make_app, monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app()
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        make_app()


def test_production_will_not_start_without_a_strong_audit_key(production, make_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        make_app()
    monkeypatch.setenv("AUDIT_KEY", "too-short")
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        make_app()


def test_production_cookie_proxy_and_error_page(production, caplog):
    app = production()
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)  # a real unhandled error through the real handler
    assert app.debug is False and app.config["SESSION_COOKIE_SECURE"] is True
    client = app.test_client()
    response = client.post("/login", data={"email": "clinician@a.example", "password": PASSWORD},
                           base_url="https://localhost")
    assert response.status_code == 302
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-decision_aid_session=")]
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookie.split(";")[1:]}
    assert "secure" in attributes and "httponly" in attributes and attributes["samesite"] == "SameSite=Lax"
    # What the __Host- prefix promises browsers: Secure, the whole site, and no Domain (no subdomain
    # can set or overwrite it).
    assert attributes["path"] == "Path=/" and "domain" not in attributes

    # nginx in front terminates TLS and says so; the app believes exactly that one proxy.
    assert "Strict-Transport-Security" in client.get("/healthz", base_url="http://localhost",
                                                     headers={"X-Forwarded-Proto": "https"}).headers
    assert "Strict-Transport-Security" not in client.get("/healthz", base_url="http://localhost").headers

    response = client.get("/boom", base_url="https://localhost")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    for leak in ("Traceback", "ZeroDivisionError", "division by zero", "1 / 0", 'File "'):
        assert leak not in html
    assert response.headers["Content-Security-Policy"] and response.headers["Cache-Control"] == "no-store"
    assert "ZeroDivisionError" in caplog.text  # the detail goes to the log, for the operator


def test_without_a_proxy_a_forwarded_scheme_is_not_believed(app):
    response = app.test_client().get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("value", [" ", "abc", "1e3", "-1", "9" * 30])
def test_a_tampered_hidden_counter_is_a_clean_400(app, client, value):
    visit = Consultation(client).start()
    response = visit.post("situation", SITUATION, lock=value)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
