"""No 500 from bad input: a NUL byte in any form field, a huge number in any number.

PostgreSQL refuses NUL in text, so before this a NUL typed (or sent) into any field reached the
database and came back as a server error. The sweep finds the fields from the pages themselves,
as a browser would, so a field added later is swept without editing this file. Each bad post
must get a 4xx (a message next to the field, or a plain refusal) and change nothing.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from conftest import DECISION, OPTIONS, PASSWORD, READY, SITUATION, START, VALUES, Consultation, signed_in_client
from decision_aid.extensions import db
from decision_aid.inputs import NUL_MESSAGE

NUL = "a\x00b"
HUGE = "9" * 40
NEW_PASSWORD = "another long passphrase here"


@pytest.fixture
def world(make_app):
    app = make_app()
    clinician, admin = signed_in_client(app), signed_in_client(app, "admin@a.example")
    finished = Consultation(clinician).start().fill_all(app)
    finished.finish()
    ongoing = Consultation(clinician).start().fill_all(app)
    return SimpleNamespace(app=app, clinician=clinician, admin=admin, anon=app.test_client(),
                           finished=finished.url.replace("http://localhost", ""),
                           ongoing=ongoing.url.replace("http://localhost", ""))


def quiz(app) -> dict:
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    return {f"quiz_{item.id}": "true" for item in content.consultation.quiz}


def forms(world):
    """(who, page that shows the form, where it posts, answers that would be accepted)."""
    w = world
    # "ready" is asked on the check page (rules 2 content).
    steps = {"situation": SITUATION, "options": OPTIONS, "values": VALUES, "check": {**quiz(w.app), **READY},
             "decision": DECISION}
    yield "anon", "/login", "/login", {"email": "clinician@a.example", "password": PASSWORD}
    yield "clinician", "/account/password", "/account/password", {
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    yield "admin", "/admin/users", "/admin/users", {"name": "New Person", "email": "new@a.example",
                                                    "role": "clinician", "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD}
    yield "clinician", "/discussions/new", "/discussions/new", {**START, "action": "next"}
    for step, answers in steps.items():
        url = f"{w.ongoing}/steps/{step}"
        yield "clinician", url, url, {**answers, "action": "next"}
    yield "clinician", f"{w.ongoing}/steps/summary", f"{w.ongoing}/finish", {}
    yield "clinician", "/discussions/", "/discussions/search", {"patient_ref": "RK", "page": "1"}
    yield "clinician", f"{w.finished}/amend", f"{w.finished}/amend", {
        **DECISION, "note": "", "reason": "Changed at follow-up"}


def fields_of(html: str, action: str) -> dict[str, str]:
    """Every named control of the page's form that posts to ``action``, with its value."""
    found = {}
    for attributes, body in re.findall(r"<form\b([^>]*)>(.*?)</form>", html, re.S):
        target = re.search(r'action="([^"]*)"', attributes)
        if target and target.group(1) != action:
            continue
        for tag in re.findall(r"<(?:input|textarea|select)\b[^>]*>", body):
            name = re.search(r'name="([^"]+)"', tag)
            value = re.search(r'value="([^"]*)"', tag)
            if name and name.group(1) != "csrf_token":
                found.setdefault(name.group(1), value.group(1) if value and "hidden" in tag else "")
    return found


def snapshot(app) -> dict:
    """Everything a post could change (a session's last-seen time and the audit log aside)."""
    queries = [f"SELECT * FROM {table} ORDER BY id" for table in ("discussion", "revision", "user_account", "clinic")]
    queries += ["SELECT id, token_hash, user_id, created_at, ended_at FROM user_session ORDER BY id",
                "SELECT count(*) FROM login_attempt"]
    with app.app_context():
        return {sql: db.session.execute(sa.text(sql)).all() for sql in queries}


def bad_posts(world):
    for who, page, action, answers in forms(world):
        browser = getattr(world, who)
        fields = fields_of(browser.get(page).get_data(as_text=True), action)
        assert fields or action.endswith("/finish"), (page, "no form found")
        valid = {**{k: v for k, v in fields.items() if v}, **answers}
        for name in sorted(fields):
            good = valid.get(name, "")
            bad = [f"{good[0]}{NUL}" if isinstance(good, list) and good else f"{good}{NUL}"]
            # (a new discussion's form carries a lock_version it never reads: nothing to overflow)
            if name in ("lock_version", "expected_revision", "page", "pain_now") and action != "/discussions/new":
                bad.append(HUGE)
            for value in bad:
                yield browser, action, name, {**valid, name: value}


def test_every_form_field_refuses_a_nul_byte_or_a_huge_number_cleanly(world):
    checked = set()
    for browser, action, name, data in bad_posts(world):
        before = snapshot(world.app)
        response = browser.post(action, data=data)
        status, html = response.status_code, response.get_data(as_text=True)
        assert status < 500 and (status >= 400 or name == "page"), (action, name, repr(data[name])[:20], status)
        if status == 422 and "\x00" in str(data[name]):
            assert NUL_MESSAGE in html, (action, name)
        assert snapshot(world.app) == before, (action, name, "changed something")
        checked.add((action.rsplit("/", 1)[-1], name))
    assert len(checked) > 60  # every step's fields, the accounts forms, search and amend


QUERIES = ["/discussions/?page={v}", "/admin/audit?page={v}", "/login?next={v}", "/login?ended={v}",
           "{finished}?finished={v}&amended={v}", "{ongoing}/steps/summary?conflict={v}"]
PATHS = ["/admin/users/{v}/disable", "/admin/users/{v}/enable", "/admin/users/{v}/unlock",
         "{finished}/revisions/{v}", "{finished}/revisions/{v}.pdf"]


@pytest.mark.parametrize("value", ["%00", "a%00b", HUGE, "-" + HUGE, "0", "1e9"])
def test_query_parameters_and_numbers_in_paths_never_cause_a_500(world, value):
    for pattern in QUERIES:
        url = pattern.format(v=value, finished=world.finished, ongoing=world.ongoing)
        browser = world.admin if url.startswith("/admin/") else world.anon if url.startswith("/login") \
            else world.clinician
        if url.startswith("/login"):
            response = browser.post(url, data={"email": "clinician@a.example", "password": "wrong wrong wrong"})
            assert response.status_code in (401, 429), url
        response = browser.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
    for pattern in PATHS:
        url = pattern.format(v=value, finished=world.finished)
        browser = world.admin if url.startswith("/admin/") else world.clinician
        response = browser.post(url) if url.startswith("/admin/") else browser.get(url)
        assert 400 <= response.status_code < 500 or response.status_code == 302, (url, response.status_code)

