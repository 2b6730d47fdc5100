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


def login_from(client, address, email="clinician@a.example", password=PASSWORD):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_someone_elses_failures_never_lock_the_owner_out(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        for _ in range(12):  # a stranger who knows the clinician's address, trying again and again
            login_from(anon_client, "127.0.0.66", password="wrong wrong wrong")
            clock.tick(dt.timedelta(seconds=61))
        assert login_from(anon_client, "127.0.0.66").status_code == 429  # that address is refused
        owner = app.test_client()
        assert login_from(owner, "127.0.0.5").status_code == 302  # the clinician, from their own computer


def test_failures_from_many_addresses_slow_those_addresses_with_a_cap(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        for n in range(40):  # one failure each from 40 addresses
            assert login_from(anon_client, f"127.0.1.{n}", password="wrong wrong wrong").status_code == 401
        slowed = login_from(anon_client, "127.0.1.3", password="wrong wrong wrong")
        assert slowed.status_code == 429 and "Wait" in slowed.get_data(as_text=True)
        clock.tick(dt.timedelta(seconds=61))  # the delay is capped: never a lock-out
        assert login_from(anon_client, "127.0.1.3", password="wrong wrong wrong").status_code == 401
        assert login_from(app.test_client(), "127.0.0.5").status_code == 302  # a clean address is never held up


def test_an_admin_clears_the_failures_that_hold_a_clinician_up(app, anon_client, sign_in):
    with freeze_time("2026-11-25 10:00:00") as clock:
        for _ in range(10):  # from the clinic's own shared address
            login_from(anon_client, "127.0.0.7", password="wrong wrong wrong")
            clock.tick(dt.timedelta(seconds=61))
        assert login_from(app.test_client(), "127.0.0.7").status_code == 429
        admin = sign_in("admin@a.example")
        page = admin.get("/admin/users").get_data(as_text=True)
        assert "10 failed sign-ins in the last 15 minutes" in page and "Clear failed sign-ins" in page
        clinician = user(app, "clinician@a.example").id
        assert sign_in("admin@b.example").post(f"/admin/users/{clinician}/unlock").status_code == 404
        assert login_from(app.test_client(), "127.0.0.7").status_code == 429  # another clinic's admin cleared nothing
        assert admin.post(f"/admin/users/{clinician}/unlock").status_code == 302
        assert login_from(app.test_client(), "127.0.0.7").status_code == 302
    assert ("user_unlock", user(app, "admin@a.example").id, str(clinician), "10 failures cleared") in audit_actions(app)


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


@pytest.mark.parametrize("new", ["clinician@a.example", "Lovelace runs the long hills"])
def test_a_new_password_may_not_be_your_own_address_or_name(app, client, new):
    response = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 422
    assert "Do not use your name or e-mail address" in response.get_data(as_text=True)
    assert login(app.test_client(), password=PASSWORD).status_code == 302  # unchanged


def test_wrong_current_passwords_are_throttled_like_sign_ins(app, anon_client):
    new, client = "a brand new passphrase for knees", anon_client
    with freeze_time("2026-11-25 10:00:00") as clock:
        assert login(client).status_code == 302
        for _ in range(3):
            wrong = client.post("/account/password", data={"current": "not it at all!", "password": new, "confirm": new})
            assert wrong.status_code == 422
        held = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
        assert held.status_code == 429 and "Too many wrong tries" in held.get_data(as_text=True)
        assert login(app.test_client()).status_code == 429  # the same account and address
        clock.tick(dt.timedelta(seconds=5))
        right = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
        assert right.status_code == 200 and "has been changed" in right.get_data(as_text=True)


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


def test_adding_an_account_never_reveals_another_clinics_accounts(app, sign_in):
    admin = sign_in("admin@a.example")
    new = "a sturdy passphrase for runners"

    def add(email):
        return admin.post("/admin/users", data={"name": "Someone", "email": email, "role": "clinician",
                                                "password": new, "confirm": new})
    elsewhere = add("Clinician@B.example")  # an account of clinic B
    html = elsewhere.get_data(as_text=True)
    assert elsewhere.status_code == 422 and "cannot be used for a new account" in html
    for leak in ("already", "exists", "Clinic B", "Dr Bea Other"):
        assert leak not in html, leak
    own = add("clinician@a.example")  # the admin's own clinic: they need to know who it is
    assert own.status_code == 422 and "Dr Ada Lovelace already has an account at this clinic" in own.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 4  # nothing was added


@pytest.mark.parametrize("url", ["/admin/users", "/admin/audit", "/admin/clinic"])
def test_admin_pages_are_forbidden_to_clinicians(client, url):
    assert client.get(url).status_code == 403


def test_every_route_but_the_public_ones_needs_sign_in(app, anon_client):
    # The patient's link pages are the only others without an account: their token is the key
    # (tests/test_patient_link.py checks them).
    public = {"accounts.login", "accounts.first_run", "static", "health.healthz", "patient.open_link", "patient.page",
              "patient_after.collaborate", "patient_after.follow_up"}  # after the visit (test_patient_link_after.py)
    values = {"discussion_id": uuid.uuid4(), "option_id": "prp", "step_id": "situation", "number": 1,
              "user_id": 1, "filename": "css/app.css", "token": "x", "part": "situation"}
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
        args = {"discussion_id": uuid.UUID(own.id), "step_id": "decision", "number": 1, "part": "situation"}
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


# --- Sessions that must end (issue #9: idle sign-out, password change, disable, reset) -----------

def session_rows(app, email) -> list[tuple]:
    """(ended?, end reason) of every session the account ever had, oldest first."""
    from decision_aid.accounts.models import UserSession
    with app.app_context():
        rows = db.session.scalars(sa.select(UserSession).join(User).where(User.email == email)
                                  .order_by(UserSession.id)).all()
        return [(row.ended_at is not None, row.end_reason) for row in rows]


def test_the_sign_in_page_never_renews_a_session_nor_shows_the_user(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        login(anon_client)
        clock.tick(dt.timedelta(minutes=14))
        page = anon_client.get("/login?ended=idle").get_data(as_text=True)
        assert "Dr Ada Lovelace" not in page and "Sign out" not in page
        clock.tick(dt.timedelta(minutes=2))  # 16 minutes after the last real activity
        response = anon_client.get("/comparison")
        assert response.status_code == 302 and "ended=idle" in response.headers["Location"]
    assert session_rows(app, "clinician@a.example") == [(True, "idle")]


def test_signing_in_at_a_tab_ends_the_session_it_still_held(app, anon_client):
    login(anon_client)
    login(anon_client, email="clinician@b.example")  # someone else signs in at the same browser
    assert session_rows(app, "clinician@a.example") == [(True, "replaced")]
    assert session_rows(app, "clinician@b.example") == [(False, None)]


def test_the_idle_countdown_ends_the_session_on_the_server(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        login(anon_client)
        clock.tick(dt.timedelta(minutes=14, seconds=59))  # the page's countdown has run out
        assert anon_client.post("/session/idle-end").status_code == 204
        assert session_rows(app, "clinician@a.example") == [(True, "idle")]
        response = anon_client.get("/discussions/")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert ("session_end", user(app, "clinician@a.example").id, None, "idle") in audit_actions(app)


def test_the_idle_countdown_of_a_forgotten_tab_does_not_end_a_session_used_in_another(app, anon_client):
    with freeze_time("2026-11-25 10:00:00") as clock:
        login(anon_client)
        clock.tick(dt.timedelta(minutes=10))
        anon_client.get("/comparison")  # work goes on in another tab
        clock.tick(dt.timedelta(minutes=4, seconds=59))  # the first tab's countdown runs out
        response = anon_client.post("/session/idle-end")
        assert response.status_code == 200 and response.get_json()["seconds_left"] == 10 * 60 + 1
        assert anon_client.get("/comparison").status_code == 200
    assert session_rows(app, "clinician@a.example") == [(False, None)]


def test_the_idle_countdown_needs_the_form_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as browser:
        browser["sid"], browser["_user_id"] = "x", "1"
    assert client.post("/session/idle-end").status_code == 400  # a cross-site form cannot sign anyone out


def test_a_password_change_signs_out_the_other_sessions_and_says_how_many(app, sign_in, client):
    laptop, phone = sign_in(), sign_in()
    other_user = sign_in("clinician@b.example")
    new = "a brand new passphrase for knees"
    response = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 200
    assert "2 other sessions were signed out" in response.get_data(as_text=True)
    assert client.get("/comparison").status_code == 200  # this one stays
    for other in (laptop, phone):
        ended = other.get("/comparison")
        assert ended.status_code == 302 and "ended=password_change" in ended.headers["Location"]
        assert "password was changed" in other.get(ended.headers["Location"]).get_data(as_text=True)
    assert other_user.get("/comparison").status_code == 200
    assert sorted(session_rows(app, "clinician@a.example")) == [(False, None), (True, "password_change"),
                                                                (True, "password_change")]


def test_disabling_ends_every_session_and_enabling_again_revives_none(app, sign_in):
    admin = sign_in("admin@a.example")
    first, second = sign_in(), sign_in()
    target = user(app, "clinician@a.example").id
    admin.post(f"/admin/users/{target}/disable")
    assert session_rows(app, "clinician@a.example") == [(True, "disabled"), (True, "disabled")]
    admin.post(f"/admin/users/{target}/enable")  # before either session makes another request
    for old in (first, second):
        response = old.get("/comparison")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert login(app.test_client()).status_code == 302  # the account itself works again


RESET = "a temporary passphrase for ada"


def test_admin_resets_a_password_and_the_clinician_must_choose_a_new_one(app, sign_in):
    admin = sign_in("admin@a.example")
    old_session = sign_in()
    target = user(app, "clinician@a.example").id
    form = admin.get(f"/admin/users/{target}/password")
    assert form.status_code == 200 and "Dr Ada Lovelace" in form.get_data(as_text=True)
    weak = admin.post(f"/admin/users/{target}/password", data={"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    done = admin.post(f"/admin/users/{target}/password", data={"password": RESET, "confirm": RESET})
    assert done.status_code == 200 and "1 session was signed out" in done.get_data(as_text=True)
    assert old_session.get("/comparison").status_code == 302  # signed out at once
    assert login(app.test_client(), password=PASSWORD).status_code == 401  # the old password is gone

    ada = app.test_client()
    assert login(ada, password=RESET, next_url="/discussions/").status_code == 302
    for url in ("/", "/discussions/", "/discussions/new", "/comparison", "/admin/users"):
        response = ada.get(url)
        assert response.status_code == 302 and response.headers["Location"] == "/account/password", url
    assert ada.post("/discussions/new", data=START).headers["Location"] == "/account/password"
    page = ada.get("/account/password").get_data(as_text=True)
    assert "choose your own password" in page
    same = ada.post("/account/password", data={"current": RESET, "password": RESET, "confirm": RESET})
    assert same.status_code == 422 and "different" in same.get_data(as_text=True)
    mine = "my own secret passphrase again"
    assert ada.post("/account/password", data={"current": RESET, "password": mine, "confirm": mine}).status_code == 200
    assert ada.get("/discussions/").status_code == 200  # free to work again
    actions = audit_actions(app)
    assert ("password_reset", user(app, "admin@a.example").id, str(target), None) in actions
    with app.app_context():
        rows = repr(db.session.execute(sa.text("SELECT * FROM audit_entry")).all())
    assert RESET not in rows and mine not in rows


def test_sign_out_still_works_while_a_new_password_is_due(app, sign_in):
    target = user(app, "clinician@a.example").id
    sign_in("admin@a.example").post(f"/admin/users/{target}/password", data={"password": RESET, "confirm": RESET})
    ada = app.test_client()
    login(ada, password=RESET)
    assert ada.post("/logout").headers["Location"].startswith("/login")


def test_admins_cannot_reset_another_clinics_password_or_their_own(app, sign_in):
    other = user(app, "clinician@b.example").id
    admin_a = sign_in("admin@a.example")
    assert admin_a.get(f"/admin/users/{other}/password").status_code == 404
    assert admin_a.post(f"/admin/users/{other}/password", data={"password": RESET, "confirm": RESET}).status_code == 404
    assert login(app.test_client(), email="clinician@b.example").status_code == 302  # unchanged
    own = user(app, "admin@a.example").id
    assert admin_a.post(f"/admin/users/{own}/password", data={"password": RESET, "confirm": RESET}).status_code == 400
    clinician = sign_in()
    assert clinician.get(f"/admin/users/{other}/password").status_code == 403
