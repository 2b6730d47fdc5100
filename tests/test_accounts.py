"""Accounts, sign-in, sessions, roles, clinic separation and the audit trail."""
import datetime as dt
import re
import uuid

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from conftest import PASSWORD, START, Consultation, signed_in_client
from decision_aid.accounts.models import User
from decision_aid.accounts.passwords import password_problem
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db


def login(client, email="clinician@a.example", password=PASSWORD, next_url=None):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def audit_actions(app) -> list[tuple]:
    with app.app_context():
        return [(e.action, e.user_id, e.object_id, e.detail)
                for e in db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))]


def user(app, email) -> User:
    with app.app_context():
        found = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.expunge(found)
        return found


# --- Passwords ------------------------------------------------------------------------------

def test_passwords_are_stored_as_argon2id(app):
    assert user(app, "clinician@a.example").password_hash.startswith("$argon2id$")


@pytest.mark.parametrize("password, refused", [
    ("short-one", True),                      # under 12 characters
    ("password1234", True),                   # common
    ("qwertyuiop123", True),                  # common keyboard pattern
    ("aaaaaaaaaaaaaaaa", True),               # too easy to guess
    ("correct horse battery staple", False),  # a passphrase
    ("my knee hurts on the third hill of every long Sunday run " * 3, False),  # long is fine
])
def test_password_rules(password, refused):
    assert (password_problem(password) is not None) is refused


# --- Sign-in ------------------------------------------------------------------------------

def test_sign_in_starts_a_new_session_and_goes_where_asked(app, anon_client):
    anon_client.get("/")  # an anonymous visit first
    with anon_client.session_transaction() as before:
        before["planted"] = "from before sign-in"
    response = login(anon_client, next_url="/comparison")
    assert response.status_code == 302 and response.headers["Location"] == "/comparison"
    with anon_client.session_transaction() as after:
        assert "planted" not in after and after["sid"]  # a fresh session, not the old one
    assert anon_client.get("/comparison").status_code == 200


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_sign_in_never_sends_you_to_another_site(anon_client, target):
    response = login(anon_client, next_url=target)
    assert response.headers["Location"] == "/"


def test_wrong_password_and_unknown_account_get_the_same_answer(anon_client):
    wrong = login(anon_client, password="not the right password at all")
    unknown = login(anon_client, email="nobody@nowhere.example")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731  (the typed e-mail is echoed)
    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))


def test_repeated_failures_are_slowed_then_refused(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        for _ in range(3):
            assert login(anon_client, password="wrong wrong wrong").status_code == 401
        slowed = login(anon_client, password="wrong wrong wrong")
        assert slowed.status_code == 429 and "Wait" in slowed.get_data(as_text=True)
        for attempt in range(7):
            clock.tick(dt.timedelta(seconds=61))
            login(anon_client, password="wrong wrong wrong")
        clock.tick(dt.timedelta(seconds=61))
        refused = login(anon_client)  # even the right password is refused for a while
        assert refused.status_code == 429
        clock.tick(dt.timedelta(minutes=16))
        assert login(anon_client).status_code == 302


def test_unknown_accounts_are_throttled_the_same_way(anon_client):
    with freeze_time("2026-11-25 10:00:00"):
        codes = [login(anon_client, email="ghost@a.example", password="x" * 12).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_one_address_trying_many_accounts_is_refused(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        for n in range(30):
            login(anon_client, email=f"guess{n}@a.example", password="x" * 12)
            clock.tick(dt.timedelta(seconds=5))
        assert login(anon_client).status_code == 429


# --- Sessions ------------------------------------------------------------------------------

def test_session_cookie_flags(make_app, monkeypatch):
    monkeypatch.setenv("HTTPS", "1")
    app = make_app()
    response = login(app.test_client())
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_sign_out_is_a_post_and_really_ends_the_session(app, anon_client):
    login(anon_client)
    with anon_client.session_transaction() as browser:
        copied = dict(browser)
    assert anon_client.get("/logout").status_code == 405
    response = anon_client.post("/logout")
    assert response.status_code == 302 and "ended=signed_out" in response.headers["Location"]
    assert anon_client.get("/comparison").status_code == 302  # signed out

    replay = app.test_client()
    with replay.session_transaction() as browser:
        browser.update(copied)  # the cookie as it was before signing out
    response = replay.get("/comparison")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_idle_timeout_ends_the_session(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        login(anon_client)
        clock.tick(dt.timedelta(minutes=14))
        assert anon_client.get("/comparison").status_code == 200  # activity resets the clock
        clock.tick(dt.timedelta(minutes=14))
        assert anon_client.get("/comparison").status_code == 200
        clock.tick(dt.timedelta(minutes=16))
        response = anon_client.get("/comparison")
        assert response.status_code == 302 and "ended=idle" in response.headers["Location"]
        assert "signed out after a time without activity" in anon_client.get(response.headers["Location"]).get_data(as_text=True)


def test_absolute_timeout_ends_even_a_busy_session(app, anon_client):
    with freeze_time("2026-11-25 08:00:00") as clock:
        login(anon_client)
        for _ in range(12 * 6):
            clock.tick(dt.timedelta(minutes=10))
            anon_client.get("/about")
        clock.tick(dt.timedelta(minutes=10))
        response = anon_client.get("/about")
        assert response.status_code == 302 and "ended=absolute" in response.headers["Location"]


def test_pages_carry_the_idle_timeout_for_the_warning(client, app):
    html = client.get("/").get_data(as_text=True)
    assert f'data-idle-minutes="{app.config["IDLE_TIMEOUT_MINUTES"]}"' in html
    assert 'id="idle-warning"' in html and "Stay signed in" in html
    assert client.post("/session/keep-alive").status_code == 204


def test_password_change_needs_the_current_password(app, client):
    new = "a brand new passphrase for knees"
    wrong = client.post("/account/password", data={"current": "not it at all!", "password": new, "confirm": new})
    assert wrong.status_code == 422 and "not your current password" in wrong.get_data(as_text=True)
    right = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert right.status_code == 200 and "has been changed" in right.get_data(as_text=True)
    fresh = app.test_client()
    assert login(fresh, password=PASSWORD).status_code == 401
    assert login(app.test_client(), password=new).status_code == 302


# --- First run and the command line ---------------------------------------------------------

def test_no_default_account_and_the_first_run_page_disappears(make_app, tmp_path):
    app = make_app()
    with app.app_context():
        db.session.execute(sa.delete(User))
        db.session.commit()
    client = app.test_client()
    assert client.get("/login").headers["Location"] == "/setup"
    assert client.get("/comparison").status_code == 302
    response = client.post("/setup", data={"clinic": "Riverside Physio", "name": "Rita Admin",
                                           "email": "rita@riverside.example", "password": PASSWORD,
                                           "confirm": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/setup/next"
    # The "what next" page: the three things a new clinic does, each a link that works.
    html = client.get("/setup/next").get_data(as_text=True)
    assert "Riverside Physio is set up" in html
    actions = dict((text, href) for href, text in re.findall(r'<a class="button[^"]*" href="([^"]+)">([^<]+)</a>', html))
    assert [actions.get(text) for text in ("Add clinicians", "Start a new discussion", "See the handouts")] \
        == ["/admin/users", "/discussions/new", "/handouts/"]
    assert client.get("/admin/users").status_code == 200  # signed in as the new admin
    assert client.get("/admin/clinic").status_code == 200
    assert app.test_client().get("/setup").status_code == 404


def test_the_start_page_opens_with_start_a_new_discussion(client):
    html = client.get("/").get_data(as_text=True)
    main = html[html.index("<main"):]
    first_link = re.search(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', main)
    assert first_link.groups() == ("/discussions/new", "Start a new discussion")
    assert main.index("Start a new discussion") < main.index("<h2")  # above the first section


def test_create_user_reads_the_password_from_standard_input_never_the_command_line(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["create-user", "--email", "x@a.example", "--clinic", "Clinic A",
                               "--password", PASSWORD]).exit_code != 0
    result = runner.invoke(args=["create-user", "--email", "new@a.example", "--clinic", "Clinic A",
                                 "--role", "admin", "--name", "New Admin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), email="new@a.example").status_code == 302
    weak = runner.invoke(args=["create-user", "--email", "weak@a.example", "--clinic", "Clinic A"],
                         input="password1234\n")
    assert weak.exit_code != 0 and "too common" in weak.output


# --- Roles and clinics ------------------------------------------------------------------------

def test_admin_adds_and_disables_a_clinician_whose_session_ends_at_once(app, sign_in):
    admin = sign_in("admin@a.example")
    new = "a sturdy passphrase for runners"
    response = admin.post("/admin/users", data={"name": "Cam New", "email": "cam@a.example", "role": "clinician",
                                                "password": new, "confirm": new})
    assert response.status_code == 200 and "Account created for Cam New" in response.get_data(as_text=True)
    cam = app.test_client()
    assert login(cam, email="cam@a.example", password=new).status_code == 302
    assert cam.get("/comparison").status_code == 200

    cam_id = user(app, "cam@a.example").id
    admin.post(f"/admin/users/{cam_id}/disable")
    response = cam.get("/comparison")  # the live session ends at its next request
    assert response.status_code == 302 and "ended=disabled" in response.headers["Location"]
    assert login(app.test_client(), email="cam@a.example", password=new).status_code == 401
    admin.post(f"/admin/users/{cam_id}/enable")
    assert login(app.test_client(), email="cam@a.example", password=new).status_code == 302


def test_admins_cannot_touch_another_clinics_accounts(app, sign_in):
    other = user(app, "clinician@b.example").id
    admin_a = sign_in("admin@a.example")
    assert admin_a.post(f"/admin/users/{other}/disable").status_code == 404
    assert user(app, "clinician@b.example").active
    assert "clinician@b.example" not in admin_a.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/users", "/admin/audit", "/admin/clinic"])
def test_admin_pages_are_forbidden_to_clinicians(client, url):
    assert client.get(url).status_code == 403


def test_every_route_but_the_public_ones_needs_sign_in(app, anon_client):
    public = {"accounts.login", "accounts.first_run", "static", "health.healthz"}
    values = {"discussion_id": uuid.uuid4(), "option_id": "prp", "step_id": "situation", "number": 1,
              "user_id": 1, "filename": "css/app.css"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        url = rule.build({k: v for k, v in values.items() if k in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = anon_client.open(url, method=method)
            expected = (302,) if method == "GET" else (401,)
            assert response.status_code in expected, (method, url, response.status_code)
            if method == "GET":
                assert response.headers["Location"].startswith("/login")
            checked += 1
    assert checked > 20


def discussion_routes(app):
    for rule in app.url_map.iter_rules():
        if "discussion_id" in rule.arguments:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def test_another_clinics_discussion_is_404_on_every_route(app, sign_in):
    own = Consultation(sign_in("clinician@a.example")).start().fill_all(app)
    own.finish()
    other = sign_in("clinician@b.example")
    checked = 0
    for rule, method in discussion_routes(app):
        args = {"discussion_id": uuid.UUID(own.id), "step_id": "decision", "number": 1}
        url = rule.build({k: v for k, v in args.items() if k in rule.arguments}, append_unknown=False)[1]
        response = other.open(url, method=method, data={"reason": "x", "choice": "prp", "lock_version": "1"})
        assert response.status_code == 404, (method, url)
        checked += 1
    assert checked >= 8
    denied = [a for a in audit_actions(app) if a[0] == "denied" and a[2] == own.id]
    assert len(denied) == checked  # every refusal is in the audit log
    # and the search of clinic B does not find it
    found = other.post("/discussions/search", data={"patient_ref": START["patient_ref"]})
    assert "0 discussions." in found.get_data(as_text=True)


def test_extra_form_fields_cannot_change_clinic_or_author(app, client):
    other_clinic = user(app, "clinician@b.example").clinic_id
    response = client.post("/discussions/new", data={**START, "clinic_id": other_clinic, "created_by_id": 999,
                                                     "action": "next"})
    discussion_url = response.headers["Location"].rsplit("/steps/", 1)[0]
    visit = Consultation(client)
    visit.url = discussion_url
    visit.fill_all(app)
    visit.finish()
    client.post(f"{discussion_url}/amend", data={"choice": "prp", "reason": "follow-up", "expected_revision": "1",
                                                 "author": "Someone Else", "author_id": 999})
    me = user(app, "clinician@a.example")
    with app.app_context():
        from decision_aid.models import Discussion
        discussion = db.session.get(Discussion, uuid.UUID(visit.id))
        assert discussion.clinic_id == me.clinic_id and discussion.created_by_id == me.id
        assert [(r.author, r.author_id) for r in discussion.revisions] == [(me.name, me.id)] * 2


# --- Audit trail and append-only records ------------------------------------------------------

def test_audit_log_records_who_did_what_without_patient_text(app, client, sign_in):
    login(app.test_client(), password="a wrong password here")
    visit = Consultation(client).start(patient_ref="SECRETREF1").fill_all(app)
    visit.finish()
    client.get(visit.url)
    client.get(f"{visit.url}/summary.pdf")
    client.post(f"{visit.url}/amend", data={"choice": "prp", "reason": "Patient SECRETWHY changed mind",
                                            "expected_revision": "1"})
    client.get("/admin/users")  # denied: not an admin
    actions = [a[0] for a in audit_actions(app)]
    for action in ("sign_in_failure", "create", "update", "finish", "view", "print", "amend", "denied"):
        assert action in actions, action
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM audit_entry")).all()
    assert "SECRETREF1" not in repr(rows) and "SECRETWHY" not in repr(rows)


def test_admin_sees_only_their_clinics_audit_log(app, sign_in):
    Consultation(sign_in("clinician@b.example")).start()
    page = sign_in("admin@a.example").get("/admin/audit").get_data(as_text=True)
    own_b = sign_in("admin@b.example").get("/admin/audit").get_data(as_text=True)
    assert "Dr Bea Other" not in page and "Dr Bea Other" in own_b


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def drop_guard(app, table: str, verb: str) -> str:
    """The statement that removes an append-only trigger, as someone with database access could."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return f"DROP TRIGGER {table}_append_only ON {table}"
    return f"DROP TRIGGER {table}_no_{verb}"


def raw(app, *statements):
    with app.app_context(), db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def test_verify_audit_reports_edited_and_missing_entries(app, client):
    Consultation(client).start().fill_all(app)
    assert run(app, "verify-audit").exit_code == 0
    # Someone with database access removes the guard and edits an entry.
    raw(app, drop_guard(app, "audit_entry", "update"), "UPDATE audit_entry SET action = 'view' WHERE id = 3")
    result = run(app, "verify-audit")
    assert result.exit_code == 1 and "entry 3 has been edited" in result.output


@pytest.mark.parametrize("where, message", [("id = 4", "entries 4 to 4 are missing"),
                                            ("id = (SELECT max(id) FROM audit_entry)", "are missing")])
def test_verify_audit_reports_deleted_entries(app, client, where, message):
    Consultation(client).start().fill_all(app)
    raw(app, drop_guard(app, "audit_entry", "delete"), f"DELETE FROM audit_entry WHERE {where}")
    result = run(app, "verify-audit")
    assert result.exit_code == 1 and message in result.output


@pytest.mark.parametrize("statement", ["UPDATE revision SET reason = 'rewritten'", "DELETE FROM revision",
                                       "UPDATE audit_entry SET action = 'view'", "DELETE FROM audit_entry"])
def test_the_database_itself_refuses_to_change_revisions_and_audit_entries(app, client, statement):
    visit = Consultation(client).start().fill_all(app)
    visit.finish()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        raw(app, statement)
