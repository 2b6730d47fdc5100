"""The patient's own link before the visit, and the tablet's patient view: what the patient can
reach, what the clinician then sees, and each of the link's security properties."""
import datetime as dt
import hashlib
import json
import logging
import re
import uuid

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from conftest import PASSWORD, SITUATION, VALUES, Consultation, signed_in_client
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
