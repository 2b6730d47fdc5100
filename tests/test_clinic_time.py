"""The clinic's time zone: an admin setting; every time is stored in UTC and shown on the clinic's clock."""
import datetime as dt
import re
import uuid
from html import unescape

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from conftest import DECISION, START, Consultation, pdf_text
from decision_aid.accounts.models import Clinic
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.models import Revision


def zones(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(sa.select(Clinic.name, Clinic.time_zone)).all())


def audit_actions(app, action):
    with app.app_context():
        return db.session.execute(sa.select(AuditEntry.user_id, AuditEntry.object_type, AuditEntry.detail)
                                  .where(AuditEntry.action == action)).all()


def when(html) -> list[str]:
    """The review page's revisions table: the "When" column."""
    return re.findall(r'<td data-label="When">([^<]*)</td>', html)


def set_zone(admin, zone):
    return admin.post("/admin/clinic", data={"time_zone": zone})


def test_an_admin_sets_the_clinics_time_zone_and_it_is_audited(app, sign_in):
    admin = sign_in("admin@a.example")
    html = admin.get("/admin/clinic").get_data(as_text=True)
    assert re.search(r'<option selected value="Europe/London">Europe/London</option>', html)  # the default
    assert '<option value="America/New_York">America/New York</option>' in html
    response = set_zone(admin, "America/New_York")
    assert response.status_code == 302
    assert "The clinic settings are saved." in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert zones(app) == {"Clinic A": "America/New_York", "Clinic B": "Europe/London"}  # only the admin's clinic
    [(user_id, object_type, detail)] = audit_actions(app, "clinic_update")
    assert object_type == "clinic" and detail == "time_zone" and user_id is not None
    assert set_zone(admin, "America/New_York").status_code == 302
    assert len(audit_actions(app, "clinic_update")) == 1  # saving it unchanged changes nothing


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "GB", "Europe/London\x00", "../../etc/passwd"])
def test_an_unknown_time_zone_is_refused_next_to_the_field_and_nothing_changes(app, sign_in, zone):
    admin = sign_in("admin@a.example")
    response = set_zone(admin, zone)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'href="#time_zone"' in html
    error, box = html.find('id="time_zone-error"'), html.find('<select')
    assert -1 < error < box and "Choose a time zone from the list." in html[error:box]
    assert zones(app)["Clinic A"] == "Europe/London" and not audit_actions(app, "clinic_update")


def test_only_admins_change_the_time_zone(app, client):
    assert client.post("/admin/clinic", data={"time_zone": "Asia/Tokyo"}).status_code == 403
    assert zones(app)["Clinic A"] == "Europe/London"


def test_every_time_shown_is_on_the_clinics_clock_and_stored_in_utc(app, client, sign_in):
    # 03:30 UTC on 1 July: 04:30 in London (BST), still 30 June (23:30 EDT) in New York.
    # (A client signed in at the frozen time: a session cookie must not come from the future.)
    with freeze_time("2025-07-01 03:30:00"):
        visit = Consultation(sign_in()).start(discussion_date="2025-07-01").fill_all(
            app, decision={**DECISION, "follow_up_date": "2025-08-12"})
        visit.finish()
    with app.app_context():
        [stored] = db.session.scalars(sa.select(Revision.created_at)
                                      .where(Revision.discussion_id == uuid.UUID(visit.id))).all()
    assert stored == dt.datetime(2025, 7, 1, 3, 30)  # UTC, without a zone

    def shown():
        review = unescape(client.get(visit.url).get_data(as_text=True))
        revision = unescape(client.get(f"{visit.url}/revisions/1").get_data(as_text=True))
        audit = unescape(sign_in("admin@a.example").get("/admin/audit").get_data(as_text=True))
        pdf = client.get(f"{visit.url}/revisions/1.pdf")
        return review, revision, audit, " ".join(pdf_text(pdf.data).split()), pdf.headers["Content-Disposition"]

    review, revision, audit, pdf, name = shown()
    assert "started 1 July 2025, 04:30 BST" in review and when(review) == ["1 July 2025, 04:30 BST"]
    assert "Recorded 1 July 2025, 04:30 BST by Dr Ada Lovelace" in revision
    assert "Times are the clinic's (Europe/London)" in audit and "2025-07-01 04:30:00 BST" in audit
    assert "recorded 1 July 2025" in pdf and name.endswith('runners-knee-summary-2025-07-01-rev1.pdf"')

    assert set_zone(sign_in("admin@a.example"), "America/New_York").status_code == 302
    review, revision, audit, pdf, name = shown()
    assert "started 30 June 2025, 23:30 EDT" in review and when(review) == ["30 June 2025, 23:30 EDT"]
    assert "Recorded 30 June 2025, 23:30 EDT by Dr Ada Lovelace" in revision
    assert "Times are the clinic's (America/New_York)" in audit and "2025-06-30 23:30:00 EDT" in audit
    # The cached PDF of revision 1 is not reused across zones: it shows the New York date.
    assert "recorded 30 June 2025" in pdf and name.endswith('runners-knee-summary-2025-06-30-rev1.pdf"')

    with freeze_time("2025-07-01 03:45:00"):  # an amendment note is dated on the clinic's clock too
        response = sign_in().post(f"{visit.url}/amend", data={
            **DECISION, "follow_up_date": "2025-08-12", "reason": "Phoned", "note": "Called back",
            "expected_revision": "1"})
    assert response.status_code == 302
    review = re.sub(r"<[^>]+>", "", unescape(client.get(visit.url).get_data(as_text=True)))
    assert "Revision 2, 2025-06-30, Dr Ada Lovelace: Called back" in review


def test_a_new_discussion_is_dated_on_the_clinics_day_not_the_servers(app, client, sign_in):
    # 20:00 UTC on 1 December is 09:00 on 2 December in Auckland: their "today" is the 2nd.
    assert set_zone(sign_in("admin@a.example"), "Pacific/Auckland").status_code == 302
    with freeze_time("2026-12-01 20:00:00"):
        clinician = sign_in()
        start = clinician.get("/discussions/new").get_data(as_text=True)
        assert 'value="2026-12-02"' in start
        visit = Consultation(clinician).start(discussion_date="2026-12-02")  # accepted: not "in the future"
        review = clinician.get(visit.url).get_data(as_text=True)
        assert "2 December 2026" in review
        future = clinician.post("/discussions/new", data={**START, "discussion_date": "2026-12-03", "action": "next"})
        assert future.status_code == 422
        assert "cannot be in the future" in future.get_data(as_text=True)
