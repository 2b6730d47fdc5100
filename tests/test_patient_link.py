"""The patient's own link before the visit, and the tablet's patient view: what the patient can
reach, what the clinician then sees, and each of the link's security properties."""
import datetime as dt
import hashlib
import json
import logging
import re
import urllib.error
import urllib.request
import uuid

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from conftest import PASSWORD, SITUATION, START, VALUES, Consultation, signed_in_client
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.models import Discussion
from decision_aid.patient_link import operations
from decision_aid.patient_link.models import PatientLink

PATIENT_SITUATION = {key: value for key, value in SITUATION.items() if not key.startswith("safety_")}


def make_link(client, discussion_id: str) -> str:
    """The clinician makes a link; returns the token, read from the page as the clinician sees it."""
    response = client.post(f"/discussions/{discussion_id}/patient-link")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<svg" in html and 'role="img"' in html  # the QR code, drawn by the app
    return re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)


def open_link(app, token: str, address: str = "127.0.0.5"):
    patient = app.test_client()
    patient.environ_base["REMOTE_ADDR"] = address
    response = patient.get(f"/p/{token}")
    return patient, response


def post(patient, part: str, data: dict, action: str = "next"):
    html = patient.get(f"/p/steps/{part}").get_data(as_text=True)
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    return patient.post(f"/p/steps/{part}", data={**data, "lock_version": lock, "action": action})


def audit_actions(app, discussion_id: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a, d or "") for a, d in db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.object_id == discussion_id)
            .order_by(AuditEntry.id))]


def answers_of(app, discussion_id: str) -> dict:
    with app.app_context():
        return db.session.get(Discussion, uuid.UUID(discussion_id)).answers


@pytest.fixture
def visit(client):
    return Consultation(client).start()


def test_the_token_is_long_random_and_kept_only_as_its_hash(app, client, visit):
    token = make_link(client, visit.id)
    other = make_link(client, Consultation(client).start().id)
    assert len(token) >= 43 and token != other  # 32 random bytes: 256 bits
    with app.app_context():
        link = db.session.scalar(sa.select(PatientLink).where(PatientLink.discussion_id == uuid.UUID(visit.id)))
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        everything = " ".join(str(row) for table in ("patient_link", "audit_entry", "discussion")
                              for row in db.session.execute(sa.text(f"SELECT * FROM {table}")))
    assert token not in everything
    # Shown once: the clinician's page afterwards cannot show it again.
    assert token not in client.get(f"/discussions/{visit.id}/patient-link").get_data(as_text=True)


def test_the_patient_reads_and_answers_their_part_and_the_clinician_sees_it(app, client, visit, current_content):
    visit.save("assessment", {"diagnosis": "yes", "no_red_flags": "y", "age": "34"})
    visit.save("situation", SITUATION, action="later")  # the clinician's health answers are kept
    token = make_link(client, visit.id)
    patient, response = open_link(app, token)
    assert response.status_code == 303 and response.headers["Location"] == "/p/steps/about"
    cookie = response.headers["Set-Cookie"]
    for part in ("HttpOnly", "Path=/p/", "SameSite=Lax"):
        assert part in cookie
    about = patient.get("/p/steps/about").get_data(as_text=True)
    assert "What is runner's knee?" in about and "Saved discussions" not in about
    situation = patient.get("/p/steps/situation").get_data(as_text=True)
    assert "How long have you had the pain?" in situation
    health = [question.question[:40] for question in current_content.consultation.safety_questions]
    assert health and all(wording in visit.page("situation").get_data(as_text=True) for wording in health)
    assert not any(wording in situation for wording in health)  # asked at the visit, by the clinician
    assert "None of these apply" not in situation and "detail_" not in situation  # nor their details
    assert 'data-audience="clinician"' not in situation and "Is this runner" not in situation
    assert post(patient, "situation", {**PATIENT_SITUATION, "running_goals": "A 10k in June"}).status_code == 303
    options = patient.get("/p/steps/options").get_data(as_text=True)
    assert "Conservative care" in options or "conservative" in options.lower()
    assert post(patient, "options", {"option_notes": "Does PRP hurt?"}).status_code == 303
    assert post(patient, "values", VALUES).status_code == 303
    answers = answers_of(app, visit.id)
    assert answers["situation"]["running_goals"] == "A 10k in June"
    assert answers["situation"]["safety_bleeding"] == "yes"  # the clinician's answer stays
    assert answers["options"]["option_notes"] == "Does PRP hurt?"
    # The clinician's step pages and the review say so, and the clinician can change anything.
    step = visit.page("situation").get_data(as_text=True)
    assert "Answered by the patient on" in step and "A 10k in June" in step
    assert "answered by the patient on" in client.get(f"/discussions/{visit.id}").get_data(as_text=True)
    visit.save("situation", {**SITUATION, "running_goals": "A half marathon"})
    assert answers_of(app, visit.id)["situation"]["running_goals"] == "A half marathon"


def test_half_a_page_can_wait_and_a_missing_answer_is_named(app, client, visit):
    patient, _ = open_link(app, make_link(client, visit.id))
    response = post(patient, "situation", {"running_goals": "Parkrun"}, action="later")
    assert response.status_code == 303 and response.headers["Location"] == "/p/steps/done"
    assert answers_of(app, visit.id)["situation"]["running_goals"] == "Parkrun"
    response = post(patient, "situation", {"running_goals": "Parkrun"})
    assert response.status_code == 422
    assert "Choose how long the pain has lasted." in response.get_data(as_text=True)


def test_the_link_opens_its_own_discussion_and_nothing_else(app, client, visit):
    other = Consultation(client).start()
    visit.save("situation", SITUATION, action="later")
    other.save("situation", {**SITUATION, "running_goals": "Ultra in the Alps"}, action="later")
    patient, _ = open_link(app, make_link(client, visit.id))
    make_link(client, other.id)
    page = patient.get("/p/steps/situation").get_data(as_text=True)
    assert SITUATION["running_goals"] in page and "Ultra in the Alps" not in page
    # No clinician page opens, and the patient holds no signed-in session.
    for url in ("/discussions/", f"/discussions/{visit.id}", f"/discussions/{visit.id}/steps/situation",
                f"/discussions/{other.id}", "/", "/admin/users", f"/discussions/{visit.id}/patient-link"):
        response = patient.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    with patient.session_transaction() as browser:
        assert "sid" not in browser and "_user_id" not in browser
    # The patient's pages carry no discussion id: only the page's name.
    assert visit.id not in page and other.id not in page
    # Without the cookie (another phone), the pages do not open.
    stranger = app.test_client()
    response = stranger.get("/p/steps/situation")
    assert response.status_code == 404 and "This link does not work" in response.get_data(as_text=True)


def test_pages_under_the_link_carry_the_security_headers(app, client, visit):
    token = make_link(client, visit.id)
    patient, opened = open_link(app, token)
    responses = [opened, *(patient.get(f"/p/steps/{part}") for part in ("about", "situation", "options", "done")),
                 app.test_client().get("/p/not-a-real-token-at-all-but-long-enough")]
    for response in responses:
        assert "no-store" in response.headers["Cache-Control"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert token not in response.headers.get("Location", "")
        assert token not in response.get_data(as_text=True)


@pytest.mark.parametrize("days", [None, 2])
def test_the_link_expires_after_the_clinics_number_of_days(make_app, days):
    app = make_app()
    client, admin = signed_in_client(app), signed_in_client(app, "admin@a.example")
    if days:
        assert admin.post("/admin/clinic", data={"time_zone": "Europe/London",
                                                  "patient_link_days": str(days)}).status_code == 302
    # Started before the clock is frozen: a form class first built under freezegun keeps its fake
    # date.today() as the Start step's default, which breaks later tests in the same process.
    visit = Consultation(client).start()
    with freeze_time(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)) as clock:
        token = make_link(client, visit.id)
        clock.tick(dt.timedelta(days=days or 7, seconds=-60))
        assert open_link(app, token)[1].status_code == 303
        clock.tick(dt.timedelta(seconds=120))
        response = open_link(app, token)[1]
    assert response.status_code == 410 and "This link has expired" in response.get_data(as_text=True)
    assert ("patient_link_refused", "link 1 expired") in audit_actions(app, visit.id)


def test_the_clinics_link_lifetime_is_checked(app):
    admin = signed_in_client(app, "admin@a.example")
    response = admin.post("/admin/clinic", data={"time_zone": "Europe/London", "patient_link_days": "45"})
    assert response.status_code == 422 and "Enter a number of days from 1 to 30." in response.get_data(as_text=True)
    assert 'value="7"' in admin.get("/admin/clinic").get_data(as_text=True)


def test_a_withdrawn_or_replaced_link_stops_working(app, client, visit):
    first = make_link(client, visit.id)
    second = make_link(client, visit.id)  # a new link closes the one before
    response = open_link(app, first)[1]
    assert response.status_code == 410 and "closed this link" in response.get_data(as_text=True)
    patient, opened = open_link(app, second)
    assert opened.status_code == 303
    assert client.post(f"/discussions/{visit.id}/patient-link/withdraw").status_code == 302
    response = patient.get("/p/steps/situation")  # already open on the phone: closed too
    assert response.status_code == 410 and "closed this link" in response.get_data(as_text=True)
    actions = [a for a, _ in audit_actions(app, visit.id)]
    assert actions.count("patient_link_withdraw") == 2 and actions.count("patient_link_create") == 2


def test_the_link_stops_working_once_the_discussion_is_finished(app, client, visit):
    patient, _ = open_link(app, make_link(client, visit.id))
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"',
                     patient.get("/p/steps/values").get_data(as_text=True)).group(1)
    visit.fill_all(app).finish()
    response = patient.post("/p/steps/values", data={**VALUES, "lock_version": lock, "action": "next"})
    assert response.status_code == 410 and "Your visit is finished" in response.get_data(as_text=True)
    assert answers_of(app, visit.id)["values"]["own_factors"] == VALUES["own_factors"]  # nothing changed
    assert patient.get("/p/steps/about").status_code == 410


def test_the_link_waits_while_the_discussion_is_paused_for_assessment(app, client, visit):
    patient, _ = open_link(app, make_link(client, visit.id))
    visit.save("assessment", {"diagnosis": "unsure", "no_red_flags": "y", "age": "34"}, action="pause")
    response = patient.get("/p/steps/options")
    assert response.status_code == 409 and "not open just now" in response.get_data(as_text=True)
    assert "Not sure" not in response.get_data(as_text=True)  # nothing of the assessment is shown


def test_the_link_is_rate_limited_per_link_and_per_address(make_app):
    app = make_app(PATIENT_LINK_LIMITS={"per_link": 6, "per_address": 9, "unknown_per_address": 3})
    client = signed_in_client(app)
    visit = Consultation(client).start()
    patient, _ = open_link(app, make_link(client, visit.id), address="10.0.0.1")
    statuses = [patient.get("/p/steps/about").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]  # the open counted as the first of six
    busy = patient.get("/p/steps/about")
    assert busy.status_code == 429 and "too many requests" in busy.get_data(as_text=True)
    # Guessing tokens from one address is refused after a few tries, whatever the token.
    guesses = [open_link(app, f"guess-{n}-{'x' * 40}", address="10.0.0.2")[1].status_code for n in range(4)]
    assert guesses == [404, 404, 404, 429]
    # One address is limited across links too (another link from the same address).
    other = Consultation(client).start()
    token = make_link(client, other.id)
    results = [open_link(app, token, address="10.0.0.3")[1].status_code for _ in range(10)]
    assert results[:6] == [303] * 6 and 429 in results


def test_every_use_is_audited_without_the_token(app, client, visit):
    token = make_link(client, visit.id)
    patient, _ = open_link(app, token)
    post(patient, "values", VALUES)
    actions = audit_actions(app, visit.id)
    assert ("patient_link_create", "link 1 7 days") in actions
    assert ("patient_link_open", "link 1") in actions
    assert ("patient_link_view", "link 1 values") in actions
    assert ("patient_link_save", "link 1 values") in actions
    with app.app_context():
        details = " ".join(d or "" for d in db.session.scalars(sa.select(AuditEntry.detail)))
    assert token not in details


def test_the_request_logs_never_hold_the_token(app, client, visit, caplog):
    token = make_link(client, visit.id)
    with caplog.at_level(logging.INFO, logger="decision_aid"):
        patient, _ = open_link(app, token)
        post(patient, "situation", PATIENT_SITUATION)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "decision_aid.requests"]
    assert {line["endpoint"] for line in lines} >= {"patient.open_link", "patient.page"}
    assert token not in caplog.text


def test_a_post_without_the_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = signed_in_client(app)
    # With CSRF checks on, the clinician's own forms send their token (read from the page).
    page = client.get("/discussions/new").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/discussions/new", data={**START, "action": "next", "csrf_token": csrf})
    discussion_id = response.headers["Location"].split("/")[2]
    html = client.post(f"/discussions/{discussion_id}/patient-link", data={"csrf_token": csrf}).get_data(as_text=True)
    token = re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)
    patient, _ = open_link(app, token)
    response = patient.post("/p/steps/values", data={**VALUES, "lock_version": "1", "action": "next"})
    assert response.status_code == 400  # the patient's phone has no CSRF token to send here
    assert "own_factors" not in answers_of(app, discussion_id).get("values", {})


def start_tablet(client, discussion_id: str):
    response = client.post(f"/discussions/{discussion_id}/patient-view")
    assert response.status_code == 303
    return response.headers["Location"]


def test_the_tablets_patient_view_shows_only_the_patients_steps(app, client, visit, current_content):
    visit.save("situation", SITUATION, action="later")
    first = start_tablet(client, visit.id)
    assert first == f"/discussions/{visit.id}/patient-view/about"
    page = client.get(f"/discussions/{visit.id}/patient-view/situation").get_data(as_text=True)
    assert "How long have you had the pain?" in page
    assert 'data-audience="clinician"' not in page and "Saved discussions" not in page
    assert not any(q.question[:40] in page for q in current_content.consultation.safety_questions)
    # Enforced on the server: every other page leads back to the patient view, and a form is refused.
    for url in ("/discussions/", f"/discussions/{visit.id}", f"/discussions/{visit.id}/steps/decision",
                "/handouts/", "/account/password", f"/discussions/{visit.id}/patient-link"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == first, url
    assert client.post(f"/discussions/{visit.id}/finish", data={"lock_version": "1"}).status_code == 403
    assert client.post("/discussions/new", data={**START, "action": "next"}).status_code == 403
    other = Consultation(signed_in_client(app)).start()
    assert client.get(f"/discussions/{other.id}/patient-view/about").headers["Location"] == first
    # The patient answers on the tablet; the clinician's health answers stay.
    html = client.get(f"/discussions/{visit.id}/patient-view/values").get_data(as_text=True)
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    response = client.post(f"/discussions/{visit.id}/patient-view/values",
                           data={**VALUES, "lock_version": lock, "action": "next"})
    assert response.status_code == 303
    assert answers_of(app, visit.id)["values"]["own_factors"] == VALUES["own_factors"]
    assert answers_of(app, visit.id)["situation"]["safety_bleeding"] == "yes"
    actions = audit_actions(app, visit.id)
    assert ("patient_view_start", "") in actions and ("update", "values (patient view)") in actions


def test_back_to_the_clinician_needs_the_clinicians_password(app, client, visit):
    start_tablet(client, visit.id)
    end = f"/discussions/{visit.id}/patient-view/end"
    assert client.get(end).status_code == 200
    wrong = client.post(end, data={"password": "not the password"})
    assert wrong.status_code == 422 and "not the password of the clinician" in wrong.get_data(as_text=True)
    assert client.get("/discussions/").status_code == 302  # still the patient view
    right = client.post(end, data={"password": PASSWORD})
    assert right.status_code == 303 and right.headers["Location"].endswith(f"/steps/{'assessment'}")
    assert client.get("/discussions/").status_code == 200
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEntry.action, AuditEntry.detail).where(
            AuditEntry.action.in_(("sign_in_failure", "patient_view_end")))).all()
    assert [tuple(r) for r in rows] == [("sign_in_failure", "password at patient view end"), ("patient_view_end", None)]


def test_an_older_copy_of_the_cookie_does_not_end_the_patient_view(app, client, visit):
    """Someone holding the tablet puts back the cookie from before "Patient view" (a saved copy,
    or a tab that kept it): the tablet still shows only the patient view until the password."""
    name = app.config["SESSION_COOKIE_NAME"]
    before = client.get_cookie(name).value
    first = start_tablet(client, visit.id)
    during = client.get_cookie(name).value
    client.set_cookie(name, before)
    for url in ("/discussions/", f"/discussions/{visit.id}", f"/discussions/{visit.id}/steps/assessment"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"] == first, url
    assert client.post("/discussions/new", data={**START, "action": "next"}).status_code == 403
    assert client.get(first).status_code == 200
    end = f"/discussions/{visit.id}/patient-view/end"
    assert client.post(end, data={"password": PASSWORD}).status_code == 303
    assert client.get("/discussions/").status_code == 200
    # Ended on the server: a copy taken during the patient view does not bring it back, either.
    client.set_cookie(name, during)
    assert client.get("/discussions/").status_code == 200
    assert client.get(first).headers["Location"] == f"/discussions/{visit.id}"


def test_wrong_passwords_at_the_patient_view_are_throttled(app, client, visit):
    start_tablet(client, visit.id)
    end = f"/discussions/{visit.id}/patient-view/end"
    with freeze_time(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)):
        statuses = [client.post(end, data={"password": f"guess {n}"}).status_code for n in range(4)]
        assert statuses == [422, 422, 422, 429]  # slowed after three, as at sign-in
        refused = client.post(end, data={"password": PASSWORD})
    assert refused.status_code == 429 and "Wait" in refused.get_data(as_text=True)
    assert client.get("/discussions/").status_code == 302


def test_the_clinic_figures_can_tell_which_discussions_the_patient_prepared(app, client, visit):
    other = Consultation(client).start()
    patient, _ = open_link(app, make_link(client, visit.id))
    make_link(client, other.id)  # a link made but never answered
    with app.app_context():
        assert operations.discussion_prepared_by_patient(db.session, uuid.UUID(visit.id)) is None
    post(patient, "values", VALUES, action="later")
    with app.app_context():
        ids = [uuid.UUID(visit.id), uuid.UUID(other.id)]
        assert operations.discussion_prepared_by_patient(db.session, ids[0]) is not None
        assert operations.discussion_prepared_by_patient(db.session, ids[1]) is None
        assert operations.prepared_by_patient(db.session, ids) == {ids[0]}


@pytest.mark.sqlite_only
def test_the_servers_access_log_shows_the_links_path_redacted(tmp_path):
    from _servers import BIN, gunicorn, prepare_database, production_env

    if not (BIN / "gunicorn").exists():
        pytest.skip("gunicorn is not installed")
    env = production_env(tmp_path)
    prepare_database(env, "g@clinic.example")
    token = "Zm9yLXRoZS1hY2Nlc3MtbG9nLXRlc3Qtb25seS0xMjM0NTY3"
    with gunicorn(env, tmp_path) as server:
        with pytest.raises(urllib.error.HTTPError) as refused:  # no such link: 404, but logged
            urllib.request.urlopen(f"{server.url}/p/{token}", timeout=30)
        assert refused.value.code == 404
        refused.value.close()
        urllib.request.urlopen(f"{server.url}/healthz", timeout=30).read()  # the line before is flushed
    output = server.output()
    assert '"path":"/p/<token>","status":404' in output
    assert token not in output
