"""The patient's links after the visit (issue 12, items 3 and 4): CollaboRATE and the follow-up on
the patient's own phone, each link opening its one part of one discussion, with every security
property of the link before the visit; and the clinic's local facts on the patient's options page."""
import datetime as dt
import hashlib
import json
import logging
import re
import uuid

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from conftest import DECISION, Consultation, signed_in_client
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.followup import instruments
from decision_aid.followup.models import CollaborateOffer, CollaborateResponse, FollowUp
from decision_aid.logs import redact
from decision_aid.patient_link.after import PATIENT_AUTHOR
from decision_aid.patient_link.models import PatientLink

TODAY = dt.date.today()
KINDS = {"collaborate": ("collaborate-link", "/p/after/collaborate"),
         "follow_up": ("follow-up-link", "/p/after/follow-up")}
COLLABORATE = {"collaborate_1": "9", "collaborate_2": "7", "collaborate_3": "8", "action": "send"}
REGRET_ALL = {"regret_1": "2", "regret_2": "4", "regret_3": "2", "regret_4": "5", "regret_5": "1"}
FOLLOW_UP = {"done_since": "Exercises most days", "option_tried": "conservative", "pain_now": "2", **REGRET_ALL}


def finished(client, app, **decision) -> Consultation:
    visit = Consultation(client).start().fill_all(app, decision={**DECISION, **decision})
    visit.finish()
    return visit


def make_link(client, visit, kind: str, expect: int = 200) -> str | None:
    """The clinician makes the link on its page; returns the token as the page shows it, once."""
    response = client.post(f"{visit.url}/{KINDS[kind][0]}")
    assert response.status_code == expect
    html = response.get_data(as_text=True)
    if expect != 200:
        return None
    assert 'class="qr-code"' in html and 'role="img"' in html  # the QR code, drawn by the app
    return re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)


def open_link(app, token: str, address: str = "127.0.0.7"):
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = address
    return phone, phone.get(f"/p/{token}")


def audit(app, discussion_id: str) -> list[tuple[str, str]]:
    with app.app_context():
        return [(a, d or "") for a, d in db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.object_id == discussion_id)
            .order_by(AuditEntry.id))]


def rows(app, model):
    with app.app_context():
        return db.session.scalars(sa.select(model)).all()


def link_row(app, discussion_id: str, purpose: str) -> PatientLink:
    with app.app_context():
        return db.session.scalars(sa.select(PatientLink).where(
            PatientLink.discussion_id == uuid.UUID(discussion_id), PatientLink.purpose == purpose)
            .order_by(PatientLink.id.desc())).first()


# --- CollaboRATE on the patient's phone --------------------------------------------------------

def test_collaborate_on_the_patients_phone_is_stored_apart_and_spends_the_link(app, client):
    visit = finished(client, app)
    review = client.get(visit.url).get_data(as_text=True)
    assert f'href="{visit.url}/collaborate-link">Send the questions to the patient\'s phone</a>' in review
    token = make_link(client, visit, "collaborate")
    phone, opened = open_link(app, token)
    assert opened.status_code == 303 and opened.headers["Location"] == "/p/after/collaborate"
    page = phone.get("/p/after/collaborate").get_data(as_text=True)
    for item in instruments.COLLABORATE_ITEMS:
        assert item.text in page  # the published wording, as on the tablet
    assert instruments.COLLABORATE_OPENING in page
    assert "0 – No effort was made" in page and "9 – Every effort was made" in page
    assert "Patient Educ Couns 2013" in page and "jmir.3085" in page  # cited
    assert "RK-0042" not in page and "Dr Ada Lovelace" not in page and visit.id not in page
    missing = phone.post("/p/after/collaborate", data={"collaborate_1": "9", "action": "send"})
    assert missing.status_code == 422 and "Choose a number from 0 to 9" in missing.get_data(as_text=True)
    assert rows(app, CollaborateResponse) == []
    sent = phone.post("/p/after/collaborate", data=COLLABORATE)
    assert sent.status_code == 200 and "Your answers are sent." in sent.get_data(as_text=True)
    [answer] = rows(app, CollaborateResponse)
    assert (answer.collaborate_1, answer.collaborate_2, answer.collaborate_3, answer.answered_by) == (9, 7, 8, "patient")
    assert [o.outcome for o in rows(app, CollaborateOffer)] == ["answered"]
    # Spent: it does not open again, and the tablet does not ask a second time either.
    again = phone.get("/p/after/collaborate")
    assert again.status_code == 410 and "This link has been used" in again.get_data(as_text=True)
    assert open_link(app, token)[1].status_code == 410
    client.post(f"{visit.url}/collaborate", data={**COLLABORATE, "collaborate_1": "0"})
    assert len(rows(app, CollaborateResponse)) == 1
    # The clinician never sees the answers: only that the questions were answered.
    review = client.get(visit.url).get_data(as_text=True)
    assert "Answers are not shown here" in review and "Send the questions to the patient" not in review
    actions = audit(app, visit.id)
    assert ("patient_link_save", "link 1 collaborate") in actions
    assert ("collaborate", "answered by patient") in actions
    assert not any("9" in detail.split() for _, detail in actions)  # no answer in the audit log


def test_a_skip_on_the_phone_spends_the_link_and_stores_no_answer(app, client):
    visit = finished(client, app)
    phone, _ = open_link(app, make_link(client, visit, "collaborate"))
    skipped = phone.post("/p/after/collaborate", data={"action": "skip"})
    assert skipped.status_code == 200 and "You chose to skip the questions." in skipped.get_data(as_text=True)
    assert rows(app, CollaborateResponse) == [] and [o.outcome for o in rows(app, CollaborateOffer)] == ["skipped"]
    assert phone.get("/p/after/collaborate").status_code == 410


def test_a_collaborate_link_is_spent_once_the_tablet_asked_and_is_made_only_after_finish(app, client):
    ongoing = Consultation(client).start()
    assert make_link(client, ongoing, "collaborate", expect=409) is None
    visit = finished(client, app)
    phone, _ = open_link(app, make_link(client, visit, "collaborate"))
    client.post(f"{visit.url}/collaborate", data={"action": "skip"})  # the tablet, in the clinic
    response = phone.post("/p/after/collaborate", data=COLLABORATE)
    assert response.status_code == 410 and rows(app, CollaborateResponse) == []
    page = client.post(f"{visit.url}/collaborate-link")
    assert page.status_code == 409 and "asked the questions about this visit already" in page.get_data(as_text=True)


# --- The follow-up on the patient's phone ------------------------------------------------------

def test_before_the_follow_up_date_the_link_says_from_when_and_saves_nothing(app, client):
    later = TODAY + dt.timedelta(days=42)
    visit = finished(client, app, follow_up_date=later.isoformat())
    phone, opened = open_link(app, make_link(client, visit, "follow_up"))
    assert opened.headers["Location"] == "/p/after/follow-up"
    page = phone.get("/p/after/follow-up").get_data(as_text=True)
    assert f"These questions open on {later.strftime('%-d %B %Y').lstrip('0')}" in page
    assert "You chose Conservative care" in page and DECISION["next_steps"] in page  # what was decided
    assert DECISION["clinician_notes"] not in page and "RK-0042" not in page
    assert 'name="pain_now"' not in page
    assert phone.post("/p/after/follow-up", data=FOLLOW_UP).status_code == 409
    assert rows(app, FollowUp) == []


def test_the_patient_answers_the_follow_up_and_the_clinician_sees_it(app, client, make_app):
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    token = make_link(client, visit, "follow_up")
    phone, _ = open_link(app, token)
    form = phone.get("/p/after/follow-up").get_data(as_text=True)
    assert all(item.text in form for item in instruments.REGRET_ITEMS) and "Med Decis Making 2003" in form
    assert "Strongly disagree" in form and "How bad is your knee pain now?" in form
    offered = re.findall(r'name="option_tried"[^>]*value="(\w+)"', form)
    assert offered == ["conservative", "corticosteroid", "prp", "hyaluronic_acid", "none"]  # fixed order
    missing = phone.post("/p/after/follow-up", data={"done_since": "Rest"})
    assert missing.status_code == 422 and "Choose a number from 0 to 10 for your pain now." in missing.get_data(as_text=True)
    assert rows(app, FollowUp) == []
    sent = phone.post("/p/after/follow-up", data=FOLLOW_UP)
    assert sent.status_code == 200 and "Your answers are sent to your clinic." in sent.get_data(as_text=True)
    [follow_up] = rows(app, FollowUp)
    assert (follow_up.answered_by, follow_up.author, follow_up.author_id) == ("patient", PATIENT_AUTHOR, None)
    assert follow_up.pain_now == 2 and follow_up.done_since == "Exercises most days"
    assert instruments.regret_score(follow_up.regret_answers()) == 15  # scored as published
    again = phone.get("/p/after/follow-up")
    assert again.status_code == 410 and "This link has been used" in again.get_data(as_text=True)
    assert phone.post("/p/after/follow-up", data=FOLLOW_UP).status_code == 410 and len(rows(app, FollowUp)) == 1
    review = client.get(visit.url).get_data(as_text=True)
    assert "answered by the patient on" in review and "15 out of 100" in review
    assert "The link has been answered" in client.get(f"{visit.url}/follow-up-link").get_data(as_text=True)
    # The follow-up list counts it as done, and says the patient answered it.
    listed = client.get("/follow-ups/").get_data(as_text=True)
    due = listed.split("Answered by the patient")[0]
    assert visit.id not in due
    assert "answered by the patient on" in listed and visit.id in listed.split("Answered by the patient")[1]
    figures = signed_in_client(app, "admin@a.example").get("/admin/figures").get_data(as_text=True)
    assert re.search(r"Of those, follow-ups recorded</th><td>100% \(1 of 1\)", figures)  # counted as done
    actions = audit(app, visit.id)
    assert ("patient_link_save", f"link 1 follow-up {follow_up.id}") in actions
    assert ("follow_up", f"follow-up {follow_up.id} by patient") in actions


# --- Every property of the link, for both kinds --------------------------------------------------

@pytest.fixture(params=sorted(KINDS))
def kind(request):
    return request.param


def test_the_token_is_long_random_and_kept_only_as_its_hash(app, client, kind):
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    token = make_link(client, visit, kind)
    other = make_link(client, finished(client, app), kind)
    assert len(token) >= 43 and token != other  # 32 random bytes: 256 bits
    link = link_row(app, visit.id, kind)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with app.app_context():
        everything = " ".join(str(row) for table in ("patient_link", "audit_entry", "discussion", "follow_up")
                              for row in db.session.execute(sa.text(f"SELECT * FROM {table}")))
    assert token not in everything
    assert token not in client.get(f"{visit.url}/{KINDS[kind][0]}").get_data(as_text=True)  # shown once


def test_the_token_moves_into_the_cookie_and_the_pages_carry_the_headers(app, client, kind):
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    token = make_link(client, visit, kind)
    phone, opened = open_link(app, token)
    cookie = opened.headers["Set-Cookie"]
    assert cookie.startswith(f"patient_link={token};")
    for part in ("HttpOnly", "Path=/p/", "SameSite=Lax"):
        assert part in cookie
    page = phone.get(KINDS[kind][1])
    refused = phone.get("/p/steps/about")
    for response in (opened, page, refused, app.test_client().get(KINDS[kind][1])):
        assert "no-store" in response.headers["Cache-Control"]
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert token not in response.headers.get("Location", "") and token not in response.get_data(as_text=True)
    assert page.status_code == 200 and visit.id not in page.get_data(as_text=True)


def test_each_link_opens_its_one_part_of_its_one_discussion_and_nothing_else(app, client):
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    other = finished(client, app, follow_up_date=TODAY.isoformat(), choice="prp", next_steps="Book the PRP clinic")
    ongoing = Consultation(client).start()
    prepare = client.post(f"/discussions/{ongoing.id}/patient-link").get_data(as_text=True)
    phones = {"prepare": open_link(app, re.search(r"/p/([A-Za-z0-9_-]+)</a>", prepare).group(1))[0],
              "collaborate": open_link(app, make_link(client, visit, "collaborate"))[0],
              "follow_up": open_link(app, make_link(client, visit, "follow_up"))[0]}
    make_link(client, other, "follow_up")
    pages = {"prepare": "/p/steps/about", "collaborate": "/p/after/collaborate", "follow_up": "/p/after/follow-up"}
    for kind, phone in phones.items():
        for part, path in pages.items():
            response = phone.get(path)
            if part == kind:
                assert response.status_code == 200, (kind, path)
            else:
                assert response.status_code == 404, (kind, path)
                assert "This page is not part of your link" in response.get_data(as_text=True)
        # A form for another part is refused too, and saves nothing.
        for path in {pages["collaborate"], pages["follow_up"]} - {pages[kind]}:
            assert phone.post(path, data={**COLLABORATE, **FOLLOW_UP}).status_code == 404
        for url in ("/discussions/", visit.url, f"{visit.url}/follow-up", f"{visit.url}/collaborate", "/follow-ups/"):
            response = phone.get(url.replace("http://localhost", ""))
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
    assert rows(app, FollowUp) == [] and rows(app, CollaborateOffer) == []
    # The follow-up link shows its own discussion's decision, not the other one's.
    page = phones["follow_up"].get("/p/after/follow-up").get_data(as_text=True)
    assert DECISION["next_steps"] in page and "Book the PRP clinic" not in page
    assert ("patient_link_refused", "link 2 other_part") in audit(app, visit.id)


@pytest.mark.parametrize("kind", ["collaborate", "follow_up"])
def test_the_link_expires_after_the_clinics_number_of_days(make_app, kind):
    app = make_app()
    client, admin = signed_in_client(app), signed_in_client(app, "admin@a.example")
    admin.post("/admin/clinic", data={"time_zone": "Europe/London", "patient_link_days": "3"})
    # Set up before the clock is frozen (form classes built under freezegun keep its date).
    follow_up_date = TODAY + dt.timedelta(days=10)
    visit = finished(client, app, follow_up_date=follow_up_date.isoformat())
    with freeze_time(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)) as clock:
        token = make_link(client, visit, kind)
        link = link_row(app, visit.id, kind)
        if kind == "follow_up":  # its days count from the follow-up date, when it opens
            start = dt.datetime.combine(follow_up_date, dt.time())  # London: UTC, or an hour off in summer
            assert abs(link.expires_at - start - dt.timedelta(days=3)) <= dt.timedelta(hours=1)
        clock.move_to(link.expires_at - dt.timedelta(seconds=60))
        assert open_link(app, token)[1].status_code == 303
        clock.tick(dt.timedelta(seconds=120))
        response = open_link(app, token)[1]
    assert response.status_code == 410 and "This link has expired" in response.get_data(as_text=True)
    assert ("patient_link_refused", "link 1 expired") in audit(app, visit.id)


def test_a_withdrawn_or_replaced_link_stops_working_and_leaves_the_other_kinds_open(app, client, kind):
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    other_kind = next(k for k in KINDS if k != kind)
    other_phone, _ = open_link(app, make_link(client, visit, other_kind))
    first = make_link(client, visit, kind)
    second = make_link(client, visit, kind)  # a new link closes the one before of its kind
    response = open_link(app, first)[1]
    assert response.status_code == 410 and "closed this link" in response.get_data(as_text=True)
    phone, opened = open_link(app, second)
    assert opened.status_code == 303
    withdrawn = client.post(f"{visit.url}/{KINDS[kind][0]}/withdraw")
    assert withdrawn.status_code == 302
    assert "The link is withdrawn" in client.get(withdrawn.headers["Location"]).get_data(as_text=True)
    response = phone.get(KINDS[kind][1])  # already open on the phone: closed too
    assert response.status_code == 410 and "closed this link" in response.get_data(as_text=True)
    assert other_phone.get(KINDS[other_kind][1]).status_code == 200  # the other kind stays open
    actions = [a for a, _ in audit(app, visit.id)]
    assert actions.count("patient_link_withdraw") == 2 and actions.count("patient_link_create") == 3


def test_the_link_is_rate_limited(make_app, kind):
    app = make_app(PATIENT_LINK_LIMITS={"per_link": 5, "per_address": 50, "unknown_per_address": 3})
    client = signed_in_client(app)
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    phone, _ = open_link(app, make_link(client, visit, kind), address="10.0.0.4")
    statuses = [phone.get(KINDS[kind][1]).status_code for _ in range(5)]
    assert statuses == [200] * 4 + [429]  # the open counted as the first of five
    busy = phone.post(KINDS[kind][1], data={**COLLABORATE, **FOLLOW_UP})
    assert busy.status_code == 429 and rows(app, FollowUp) == [] and rows(app, CollaborateResponse) == []


def test_every_use_is_audited_and_no_log_holds_the_token(app, client, kind, caplog):
    visit = finished(client, app, follow_up_date=TODAY.isoformat())
    token = make_link(client, visit, kind)
    with caplog.at_level(logging.INFO, logger="decision_aid"):
        phone, _ = open_link(app, token)
        phone.get(KINDS[kind][1])
        phone.post(KINDS[kind][1], data=COLLABORATE if kind == "collaborate" else FOLLOW_UP)
        phone.get(KINDS[kind][1])
    part = "collaborate" if kind == "collaborate" else "follow-up"
    actions = audit(app, visit.id)
    for expected in (("patient_link_create", "link 1 7 days"), ("patient_link_open", "link 1"),
                     ("patient_link_view", f"link 1 {part}"), ("patient_link_refused", "link 1 spent")):
        assert expected in actions
    assert any(a == "patient_link_save" and d.startswith(f"link 1 {part}") for a, d in actions)
    with app.app_context():
        details = " ".join(d or "" for d in db.session.scalars(sa.select(AuditEntry.detail)))
    assert token not in details and token not in caplog.text
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "decision_aid.requests"]
    assert {line["endpoint"] for line in lines} >= {"patient.open_link", f"patient_after.{kind}"}


def test_the_access_logs_redact_a_token_but_keep_the_pages_after_the_visit_readable():
    assert redact("GET /p/abcDEF123_-xyz HTTP/1.1") == "GET /p/<token> HTTP/1.1"
    assert redact("/p/after/collaborate") == "/p/after/collaborate"
    assert redact("/p/after/follow-up") == "/p/after/follow-up"


# --- #15: the clinic's own facts on the patient's options page -----------------------------------

DETAILS = {"printed_name": "Riverside Knee Clinic", "offered_prp": "yes", "price_prp": "£380 per injection",
           "booking_prp": "Ask at reception", "waiting_prp": "About 2 weeks", "offered_hyaluronic_acid": "no"}


def test_the_patients_options_page_shows_the_clinics_local_facts_as_the_clinicians_step(app, client):
    admin = signed_in_client(app, "admin@a.example")
    saved = admin.post("/admin/clinic/details", data=DETAILS, content_type="multipart/form-data")
    assert saved.status_code == 302
    visit = Consultation(client).start()
    html = client.post(f"/discussions/{visit.id}/patient-link").get_data(as_text=True)
    phone, _ = open_link(app, re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1))
    page = phone.get("/p/steps/options").get_data(as_text=True)
    assert 'id="local-facts"' in page
    facts = page.split('id="local-facts"')[1].split("</section>")[0]
    assert "Information from Riverside Knee Clinic, not evidence." in facts
    assert re.findall(r'data-local-option="([a-z_]+)"', facts) == ["conservative", "corticosteroid", "prp",
                                                                   "hyaluronic_acid"]  # fixed order
    assert "£380 per injection" in facts and "Ask at reception" in facts and "About 2 weeks" in facts
    assert "Not offered at this clinic." in facts.split('data-local-option="hyaluronic_acid"')[1]
    assert "Certainty" not in facts  # not graded like the evidence
    # Exactly the section the clinician's options step shows, and after the evidence's sources.
    step = visit.page("options").get_data(as_text=True)
    assert step.split('id="local-facts"')[1].split("</section>")[0] == facts
    assert page.index('class="option-more references-fold"') < page.index('id="local-facts"')
    # The details the discussion was begun under, not a newer version.
    admin.post("/admin/clinic/details", data={**DETAILS, "price_prp": "£999"}, content_type="multipart/form-data")
    assert "£380 per injection" in phone.get("/p/steps/options").get_data(as_text=True)


def test_the_link_before_the_visit_and_the_links_after_it_are_kept_apart_on_the_clinicians_pages(app, client):
    visit = Consultation(client).start()
    client.post(f"/discussions/{visit.id}/patient-link")
    visit.fill_all(app).finish()
    phone, _ = open_link(app, make_link(client, visit, "collaborate"))
    page = client.get(f"/discussions/{visit.id}/patient-link").get_data(as_text=True)
    assert "A link is open until" in page  # the one made before the visit (closed by Finish)
    # Withdrawing the link before the visit leaves the one after it open, and the reverse.
    client.post(f"/discussions/{visit.id}/patient-link/withdraw")
    assert "No link is open for this discussion." in client.get(f"/discussions/{visit.id}/patient-link").get_data(as_text=True)
    assert phone.get("/p/after/collaborate").status_code == 200
    assert "A link is open until" in client.get(f"{visit.url}/collaborate-link").get_data(as_text=True)
    assert "No link of this kind is open" in client.get(f"{visit.url}/follow-up-link").get_data(as_text=True)
