"""After the visit: CollaboRATE, the follow-up with the Decision Regret Scale, the follow-up list
and the clinic's figures (issue 12, items 3 to 6). Real database, real pages."""
import csv
import html
import datetime as dt
import io
import re
import uuid

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from conftest import DECISION, VALUES, Consultation, signed_in_client
from decision_aid.accounts.models import Clinic
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.followup import figures, instruments
from decision_aid.followup.models import CollaborateOffer, CollaborateResponse, FollowUp
from decision_aid.models import Discussion, Revision
from neutrality import recommending_phrases

REGRET_ALL = {"regret_1": "2", "regret_2": "4", "regret_3": "2", "regret_4": "5", "regret_5": "1"}


# --- Scoring, as the Decision Regret Scale's user manual gives it ------------------------------

def _regret(*answers):
    return instruments.regret_score({f"regret_{n}": a for n, a in enumerate(answers, start=1)})


@pytest.mark.parametrize("answers, score", [
    # No regret: agrees strongly with the three positive items, disagrees strongly with 2 and 4.
    ((1, 5, 1, 5, 1), 0),
    # The most regret: the reverse.
    ((5, 1, 5, 1, 5), 100),
    # Neither agree nor disagree throughout: the middle of the scale.
    ((3, 3, 3, 3, 3), 50),
    # Worked by hand: 1→0, 2 reversed to 4→75, 1→0, 5 reversed to 1→0, 2→25; mean 100/5 = 20.
    ((1, 2, 1, 5, 2), 20),
    ((2, 4, 2, 4, 2), 25),
])
def test_regret_score_follows_the_published_rule(answers, score):
    assert _regret(*answers) == score


def test_regret_needs_all_five_answers_for_a_score():
    assert _regret(1, 5, 1, 5, None) is None
    assert instruments.regret_score({}) is None
    with pytest.raises(ValueError):
        _regret(1, 5, 1, 5, 6)


def test_the_instruments_keep_their_published_shape():
    assert [i.id for i in instruments.COLLABORATE_ITEMS] == ["collaborate_1", "collaborate_2", "collaborate_3"]
    assert instruments.COLLABORATE_SCALE == tuple(range(10))
    assert instruments.COLLABORATE_ANCHORS == {0: "No effort was made", 9: "Every effort was made"}
    assert len(instruments.REGRET_ITEMS) == 5 and instruments.REGRET_REVERSED == {"regret_2", "regret_4"}
    assert instruments.collaborate_top({"collaborate_1": 9, "collaborate_2": 9, "collaborate_3": 9})
    assert not instruments.collaborate_top({"collaborate_1": 9, "collaborate_2": 8, "collaborate_3": 9})


# --- Helpers -------------------------------------------------------------------------------------

def finished(client, app, **decision) -> Consultation:
    visit = Consultation(client).start().fill_all(app, decision={**DECISION, **decision})
    visit.finish()
    return visit


def set_zone(app, zone: str, clinic: str = "Clinic A") -> None:
    with app.app_context():
        db.session.execute(sa.update(Clinic).where(Clinic.name == clinic).values(time_zone=zone))
        db.session.commit()


def rows(app, model):
    with app.app_context():
        return db.session.scalars(sa.select(model)).all()


def record_follow_up(client, visit, **fields):
    data = {"done_since": "Physio twice a week", "option_tried": "conservative", "pain_now": "3", **fields}
    return client.post(f"{visit.url}/follow-up", data=data)


# --- CollaboRATE at the end of the visit ---------------------------------------------------------

def test_collaborate_is_stored_apart_and_asked_once(app, client):
    visit = finished(client, app)
    page = client.get(f"{visit.url}/collaborate").get_data(as_text=True)
    for item in instruments.COLLABORATE_ITEMS:
        assert item.text in page
    assert "0 – No effort was made" in page and "9 – Every effort was made" in page
    assert "Patient Educ Couns 2013" in page and "jmir.3085" in page  # cited
    missing = client.post(f"{visit.url}/collaborate", data={"collaborate_1": "9", "action": "send"})
    assert missing.status_code == 422 and "Choose a number from 0 to 9" in missing.get_data(as_text=True)
    assert rows(app, CollaborateResponse) == []
    sent = client.post(f"{visit.url}/collaborate",
                       data={"collaborate_1": "9", "collaborate_2": "7", "collaborate_3": "9", "action": "send"})
    assert sent.status_code == 302
    [answer] = rows(app, CollaborateResponse)
    assert (answer.collaborate_1, answer.collaborate_2, answer.collaborate_3, answer.answered_by) == (9, 7, 9, "patient")
    with app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("collaborate_response")}
    assert not columns & {"discussion_id", "patient_ref", "author_id", "created_at"}, columns
    # A second answer for the same visit is not taken.
    client.post(f"{visit.url}/collaborate", data={"collaborate_1": "0", "collaborate_2": "0", "collaborate_3": "0"})
    assert len(rows(app, CollaborateResponse)) == 1
    review = client.get(visit.url).get_data(as_text=True)
    assert "answered" in review and "Answers are not shown here" in review
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "collaborate")).one()
    assert entry.detail == "answered by patient"


def test_the_patient_may_skip_collaborate(app, client):
    visit = finished(client, app)
    assert client.post(f"{visit.url}/collaborate", data={"action": "skip"}).status_code == 302
    assert rows(app, CollaborateResponse) == []
    assert [o.outcome for o in rows(app, CollaborateOffer)] == ["skipped"]


def test_collaborate_waits_for_finish(app, client):
    visit = Consultation(client).start().fill_all(app)
    assert client.get(f"{visit.url}/collaborate").status_code == 302
    client.post(f"{visit.url}/collaborate", data={"collaborate_1": "9", "collaborate_2": "9", "collaborate_3": "9"})
    assert rows(app, CollaborateResponse) == []


# --- The follow-up --------------------------------------------------------------------------------

def test_a_follow_up_is_its_own_record_and_never_changes_a_revision(app, client):
    visit = finished(client, app, follow_up_date=dt.date.today().isoformat())
    with app.app_context():
        before = [r.digest() for r in db.session.scalars(sa.select(Revision))]
        answers_before = db.session.get(Discussion, uuid.UUID(visit.id)).answers_json
    form = client.get(f"{visit.url}/follow-up").get_data(as_text=True)
    assert all(item.text in form for item in instruments.REGRET_ITEMS)
    assert "Med Decis Making 2003" in form and "Strongly disagree" in form
    # Items whose wording could not be confirmed against a published copy say so.
    assert '(verify): "The choice did me a lot of harm.", "It was a wise decision."' in form
    # The options are offered in the fixed order.
    offered = re.findall(r'name="option_tried"[^>]*value="(\w+)"', form)
    assert offered == ["conservative", "corticosteroid", "prp", "hyaluronic_acid", "none"]
    assert record_follow_up(client, visit, **REGRET_ALL).status_code == 302
    assert record_follow_up(client, visit, pain_now="5", done_since="").status_code == 302  # not scored
    with app.app_context():
        assert [r.digest() for r in db.session.scalars(sa.select(Revision))] == before
        assert db.session.get(Discussion, uuid.UUID(visit.id)).answers_json == answers_before
        audited = db.session.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == "follow_up")).all()
    assert len(audited) == 2 and all(d.startswith("follow-up ") for d in audited)
    review = client.get(visit.url).get_data(as_text=True)
    # 2→25, 4 reversed→25, 2→25, 5 reversed→0, 1→0: mean 15.
    assert "15 out of 100" in review and "Not scored" in review and "Physio twice a week" in review
    assert review.index("id=\"follow-ups-heading\"") > review.index("id=\"revisions-heading\"")


def test_follow_up_rows_are_append_only_in_the_database(app, client):
    visit = finished(client, app, follow_up_date=dt.date.today().isoformat())
    record_follow_up(client, visit)
    client.post(f"{visit.url}/collaborate", data={"action": "skip"})
    with app.app_context():
        for statement in ("UPDATE follow_up SET pain_now = 9", "DELETE FROM follow_up",
                          "UPDATE collaborate_offer SET outcome = 'x'"):
            with pytest.raises(sa.exc.DatabaseError):
                db.session.execute(sa.text(statement))
            db.session.rollback()
        assert db.session.scalar(sa.select(FollowUp.pain_now)) == 3


def test_bad_follow_up_input_gets_messages_and_saves_nothing(app, client):
    visit = finished(client, app, follow_up_date=dt.date.today().isoformat())
    response = record_follow_up(client, visit, pain_now="11", done_since="x" * 2001, regret_1="7")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Please keep this under 2,000 characters." in html and "Not a valid choice" in html
    assert rows(app, FollowUp) == []


def test_follow_up_due_and_overdue_on_the_clinic_calendar(app):
    with freeze_time("2026-12-10 11:30:00") as clock:  # Auckland (UTC+13): already 11 December
        client = signed_in_client(app)
        visit = finished(client, app, follow_up_date="2026-12-11")
        assert "date is 11 December 2026. A follow-up can be recorded from then" in client.get(f"{visit.url}/follow-up").get_data(as_text=True)
        assert visit.id not in client.get("/follow-ups/").get_data(as_text=True)
        assert record_follow_up(client, visit).status_code == 200 and rows(app, FollowUp) == []
        set_zone(app, "Pacific/Auckland")
        listed = client.get("/follow-ups/").get_data(as_text=True)
        assert visit.id in listed and "Due today" in listed
        clock.tick(dt.timedelta(days=2))
        client = signed_in_client(app)
        listed = client.get("/follow-ups/").get_data(as_text=True)
        assert "Overdue" in listed
        assert record_follow_up(client, visit).status_code == 302
        assert visit.id not in client.get("/follow-ups/").get_data(as_text=True)  # done: off the list


def test_open_decisions_are_listed_for_the_clinician_and_the_clinic(app, client):
    later = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    waiting = finished(client, app, choice="wait_and_see", follow_up_date=later)
    decided = finished(client, app, follow_up_date=later)
    admin = signed_in_client(app, "admin@a.example")
    mine = client.get("/follow-ups/").get_data(as_text=True)
    assert waiting.id in mine and decided.id not in mine and "Decision left open" in mine
    assert waiting.id not in admin.get("/follow-ups/").get_data(as_text=True)  # not the admin's own
    assert waiting.id in admin.get("/follow-ups/?whose=clinic").get_data(as_text=True)
    other = signed_in_client(app, "clinician@b.example")
    assert waiting.id not in other.get("/follow-ups/?whose=clinic").get_data(as_text=True)
    assert 'href="/follow-ups/"' in mine  # reached from the top navigation


def test_another_clinic_cannot_reach_a_follow_up_or_collaborate(app, client):
    visit = finished(client, app, follow_up_date=dt.date.today().isoformat())
    other = signed_in_client(app, "clinician@b.example")
    for path in ("/follow-up", "/collaborate"):
        assert other.get(visit.url + path).status_code == 404
    assert record_follow_up(other, visit).status_code == 404
    other.post(f"{visit.url}/collaborate", data={"collaborate_1": "9", "collaborate_2": "9", "collaborate_3": "9"})
    assert rows(app, FollowUp) == [] and rows(app, CollaborateResponse) == []


# --- The clinic's figures -------------------------------------------------------------------------

def add_collaborate(app, count: int, top: int) -> None:
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == "Clinic A"))
        for n in range(count):
            score = 9 if n < top else 8
            db.session.add(CollaborateResponse(clinic_id=clinic_id, answered_on=dt.date.today(),
                                               answered_by="patient", collaborate_1=9, collaborate_2=score,
                                               collaborate_3=9))
        db.session.commit()


def figures_csv(client) -> list[list[str]]:
    response = client.get("/admin/figures.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_only_admins_see_the_clinic_figures(app, client):
    assert client.get("/admin/figures").status_code == 403
    assert client.get("/admin/figures.csv").status_code == 403
    assert 'href="/admin/figures"' not in client.get("/follow-ups/").get_data(as_text=True)
    admin = signed_in_client(app, "admin@a.example")
    assert 'href="/admin/figures"' in admin.get("/follow-ups/").get_data(as_text=True)


def test_collaborate_top_score_is_shown_only_from_25_answers(app):
    admin = signed_in_client(app, "admin@a.example")
    add_collaborate(app, 24, top=24)
    page = admin.get("/admin/figures").get_data(as_text=True)
    assert "fewer than 25 answers (24 so far)" in page
    add_collaborate(app, 1, top=0)
    page = admin.get("/admin/figures").get_data(as_text=True)
    assert "96% (24 of 25)" in page and "fewer than 25" not in page
    other_admin = signed_in_client(app, "admin@b.example")
    assert "fewer than 25 answers (0 so far)" in other_admin.get("/admin/figures").get_data(as_text=True)


def test_figures_csv_and_plots_keep_the_fixed_order_and_hold_no_patient_data(app, client, option_names):
    for choice in ("prp", "prp", "conservative", "undecided"):
        visit = finished(client, app, choice=choice, follow_up_date=dt.date.today().isoformat())
    record_follow_up(client, visit, **REGRET_ALL)
    admin = signed_in_client(app, "admin@a.example")
    table = figures_csv(admin)
    assert table[0] == ["from", "to", "section", "figure", "shown", "count", "of"]
    by_label = {row[3]: row for row in table[1:]}
    assert by_label["Discussions finished"][4] == "4"
    assert by_label["Finished with SURE all \"yes\""][4] == "100% (4 of 4)"
    assert by_label["Median decision regret (0 none to 100 high)"][4].startswith("15 ")
    assert by_label["Follow-ups due in these dates (up to today)"][4] == "4"
    assert by_label["Of those, follow-ups recorded"][4] == "25% (1 of 4)"
    assert by_label["Prepared by the patient beforehand"][4] == "0% (0 of 4)"
    choices = [row for row in table if row[2] == "recorded choices"]
    assert [row[5] for row in choices] == ["1", "0", "2", "0", "0", "1"]  # PRP's 2 stays third
    assert [row[3] for row in choices][-2:] == ["Wait and see for now", "Not decided yet"]
    text = admin.get("/admin/figures.csv").get_data(as_text=True)
    assert "RK-0042" not in text and "Dr Ada Lovelace" not in text and "Physio" not in text
    page = admin.get("/admin/figures").get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert "RK-0042" not in main and "Dr Ada Lovelace" not in main and "<script" not in main, main
    svgs = re.findall(r"<svg .*?</svg>", page, re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and re.search(r"<title id=\"[^\"]+\">[^<]+</title>", svg)
        assert re.search(r"<desc id=\"[^\"]+\">[^<]*: [^<]+</desc>", svg)
    # The choices chart draws its bars in the fixed order too, whatever the counts.
    choice_labels = [html.unescape(label) for label in re.findall(r'class="chart-label"[^>]*>([^<]+)<', svgs[1])]
    assert choice_labels[4:] == [row[3] for row in choices][4:]
    assert choice_labels[:4] == [short for short, _ in option_names]  # short names: they fit the chart
    assert recommending_phrases(main) == []


def test_the_share_prepared_by_the_patient_counts_finished_discussions_answered_through_a_link(app, client):
    prepared = Consultation(client).start()
    page = client.post(f"/discussions/{prepared.id}/patient-link").get_data(as_text=True)
    token = re.search(r"/p/([A-Za-z0-9_-]+)</a>", page).group(1)
    patient = app.test_client()
    patient.get(f"/p/{token}")
    form = patient.get("/p/steps/values").get_data(as_text=True)
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', form).group(1)
    assert patient.post("/p/steps/values", data={**VALUES, "lock_version": lock, "action": "next"}).status_code == 303
    prepared.fill_all(app).finish()
    finished(client, app)  # without the patient's link
    page = signed_in_client(app, "admin@a.example").get("/admin/figures").get_data(as_text=True)
    assert "50% (1 of 2)" in page


def test_a_bad_date_range_gets_a_message(app):
    admin = signed_in_client(app, "admin@a.example")
    response = admin.get("/admin/figures?date_from=2026-12-01&date_to=2026-11-01")
    assert response.status_code == 422 and "The last day is before the first day." in response.get_data(as_text=True)
    assert admin.get("/admin/figures?date_from=nonsense&date_to=2026-11-01").status_code == 422


def test_figure_dates_are_the_clinic_days():
    # Auckland is 13 hours ahead in December: its 1 December runs 11:00 UTC to 11:00 UTC.
    assert figures.utc_bounds(dt.date(2026, 12, 1), dt.date(2026, 12, 1), "Pacific/Auckland") == (
        dt.datetime(2026, 11, 30, 11, 0), dt.datetime(2026, 12, 1, 11, 0))
    assert figures.utc_bounds(dt.date(2026, 7, 1), dt.date(2026, 7, 31), "Europe/London") == (
        dt.datetime(2026, 6, 30, 23, 0), dt.datetime(2026, 7, 31, 23, 0))
