"""Amending any step of a finished discussion, what changed in words, and two tabs saving at once."""
import json
import re
import uuid
from html import unescape

import pytest
import sqlalchemy as sa

from conftest import ASSESSMENT, SITUATION, START, lock_of
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.models import Discussion
from test_discussions import Parsed, finished, html_of, main, revisions  # noqa: F401 (finished is a fixture)

REASON = "Patient remembered more at the follow-up call"
PAIN = "How bad is the pain now? (0 = no pain, 10 = worst pain)"


def amend_page(client, url, step_id):
    """The amend form of one step, as the browser would send it back untouched."""
    html = html_of(client, f"{url}/amend/{step_id}")
    return html, Parsed(main(html)).form(f"{url}/amend/{step_id}")[0]["inputs"]


def amend(client, url, step_id, data):
    return client.post(f"{url}/amend/{step_id}", data=data)


def text_of(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def test_amending_the_situation_adds_the_next_revision_with_only_that_step_changed(client, app, finished):
    [(_, _, before_json)] = revisions(app, finished.id)
    html, inputs = amend_page(client, finished.url, "situation")
    assert inputs["expected_revision"] == "1" and "Why is this being changed?" in html
    changed = {**SITUATION, "activities": ["running", "kneeling"], "pain_now": "4",
               "running_goals": "A 10 km race in June", "reason": REASON, "expected_revision": "1"}
    response = amend(client, finished.url, "situation", changed)
    assert response.status_code == 302 and response.headers["Location"].endswith("?amended=1")

    first, second = revisions(app, finished.id)
    assert first.answers_json == before_json  # revision 1, byte for byte
    old, new = json.loads(first.answers_json), json.loads(second.answers_json)
    assert {step for step in old if old[step] != new.get(step)} == {"situation"}
    assert new["situation"]["pain_now"] == "4" and new["situation"]["activities"] == ["running", "kneeling"]
    with app.app_context():
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "amend"))
        assert entry.object_id == finished.id and entry.detail == "revision 2"
        assert REASON not in (entry.detail or "")  # no patient text in the log
    assert app.test_cli_runner().invoke(args=["verify-audit"]).exit_code == 0  # the chain seals revision 2

    page = text_of(client.get(response.headers["Location"]))
    assert "Revision 2, against revision 1" in page
    assert "Your situation: Which activities hurt?: added Kneeling; removed Going up or down stairs" in page
    assert f"Your situation: {PAIN}: 6 → 4" in page
    assert ("Your situation: Your running goals: was “Half marathon in the spring”, now “A 10 km race in June”"
            in page)


def test_the_change_list_names_the_question_and_both_answers_in_words(client, app, finished):
    _, inputs = amend_page(client, finished.url, "start")
    assert inputs["patient_ref"] == START["patient_ref"]
    response = amend(client, finished.url, "start", {**START, "knees": "both", "reason": "Both knees hurt",
                                                     "expected_revision": "1"})
    assert response.status_code == 302
    page = text_of(client.get(finished.url))
    assert "Start: Which knee?: Left knee → Both knees" in page
    assert page.count("→") == 1  # nothing else is reported as changed
    links = Parsed(main(html_of(client, finished.url))).links
    assert links["Change an answer: Your situation"] == f"{finished.url}/amend/situation"


def test_an_amendment_without_a_reason_is_refused_and_writes_nothing(client, app, finished, db_rows):
    before = db_rows()
    response = amend(client, finished.url, "situation", {**SITUATION, "pain_now": "2", "reason": " ",
                                                         "expected_revision": "1"})
    assert response.status_code == 422
    assert "Say why this is being changed." in response.get_data(as_text=True)
    assert db_rows() == before


def test_a_red_flag_in_an_amendment_is_refused_with_the_stop_text(client, app, finished, db_rows):
    before = db_rows()
    flagged = {**ASSESSMENT, "no_red_flags": "", "reason": "Fever since Monday", "expected_revision": "1"}
    with app.app_context():
        content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
        flags = {f"flag_{flag.id}": "no" for flag in content.assessment.red_flags}
        first_flag = content.assessment.red_flags[0]
    response = amend(client, finished.url, "assessment", {**flagged, **flags, f"flag_{first_flag.id}": "yes"})
    assert response.status_code == 422
    page = text_of(response)
    assert "cannot be saved as an amendment" in page and first_flag.patient in page
    assert db_rows() == before


def test_a_step_that_has_no_form_or_is_unknown_is_a_404(client, finished):
    for step_id in ("summary", "nonsense"):
        assert client.get(f"{finished.url}/amend/{step_id}").status_code == 404


def test_another_clinics_amend_is_a_404_and_writes_nothing(finished, sign_in, db_rows):
    before = db_rows()
    other = sign_in("clinician@b.example")
    assert other.get(f"{finished.url}/amend/situation").status_code == 404
    response = other.post(f"{finished.url}/amend/situation", data={**SITUATION, "reason": "x",
                                                                   "expected_revision": "1"})
    assert response.status_code == 404 and db_rows() == before


# --- Two tabs ---------------------------------------------------------------------------------

def conflict_table(response):
    """The side-by-side rows: question, saved by the other tab, typed here."""
    rows = Parsed(main(response.get_data(as_text=True))).rows
    assert rows[0] == ["Question", "Saved by the other tab", "Typed here"]
    return [[re.sub(r"^Keep .*?:\s*", "", cell) for cell in row] for row in rows[1:]]


def test_a_stale_step_save_shows_both_versions_and_keep_theirs_keeps_the_other_tabs_answer(app, consultation):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    visit.save("situation", SITUATION)
    lock = lock_of(visit.page("situation").get_data(as_text=True))
    assert visit.post("situation", {**SITUATION, "pain_now": "3"}, lock=lock).status_code == 302  # tab one
    typed = {**SITUATION, "pain_now": "8", "tried_other": "Ice packs"}
    response = visit.post("situation", typed, lock=lock)  # tab two, opened before tab one saved
    assert response.status_code == 409
    assert conflict_table(response) == [[PAIN, "3", "8"], ["Anything else you have tried", "Foam rolling",
                                                           "Ice packs"]]
    inputs = Parsed(main(response.get_data(as_text=True))).form("Answers that differ")[0]["inputs"]
    assert re.search(r'name="keep-pain_now" value="theirs"[^>]*checked', response.get_data(as_text=True))

    again = visit.post("situation", {**typed, "keep-pain_now": "theirs", "keep-tried_other": "mine"},
                       lock=inputs["lock_version"])
    assert again.status_code == 302
    with app.app_context():
        saved = db.session.get(Discussion, uuid.UUID(visit.id)).answers["situation"]
    assert saved["pain_now"] == "3" and saved["tried_other"] == "Ice packs"


def test_a_stale_amendment_shows_both_versions_and_keep_all_theirs_keeps_the_other_tabs_revision(
        client, app, finished, sign_in):
    colleague = sign_in("admin@a.example")
    _, theirs_form = amend_page(colleague, finished.url, "situation")
    _, mine_form = amend_page(client, finished.url, "situation")
    assert amend(colleague, finished.url, "situation",
                 {**SITUATION, "pain_now": "2", "reason": "Colleague's change", "expected_revision": "1"}
                 ).status_code == 302
    typed = {**SITUATION, "pain_now": "9", "reason": "My change", "expected_revision": mine_form["expected_revision"]}
    response = amend(client, finished.url, "situation", typed)
    assert response.status_code == 409 and "changed by someone else" in response.get_data(as_text=True).lower()
    assert conflict_table(response) == [[PAIN, "2", "9"]]
    kept = Parsed(main(response.get_data(as_text=True))).form(f"{finished.url}/amend/situation")[0]["inputs"]
    assert kept["expected_revision"] == "2" and "My change" in response.get_data(as_text=True)  # reason kept

    again = amend(client, finished.url, "situation", {**typed, "keep-all": "theirs", "keep-pain_now": "mine",
                                                      "expected_revision": "2"})
    assert again.status_code == 302
    numbers = revisions(app, finished.id)
    assert [r.number for r in numbers] == [1, 2, 3]
    assert json.loads(numbers[2].answers_json)["situation"]["pain_now"] == "2"  # the colleague's, not undone
    assert "No answers changed." in text_of(client.get(finished.url))
