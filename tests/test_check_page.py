""""Ready to decide?" on the page "Check what we discussed" (issue #11 item 10: one page and one
press of Next less). Rules 2 content (2026.2) asks the quiz and the SURE test on one page and
still saves them as two steps; rules 1 content (2026.1) keeps its own "Ready to decide?" page."""
from __future__ import annotations

import re
import uuid
from html import unescape

from conftest import ASSESSMENT, READY, SITUATION, START, Consultation, lock_of, pdf_text, signed_in_client

from decision_aid.extensions import db
from decision_aid.models import Discussion


def stored(app, discussion_id: str) -> Discussion:
    with app.app_context():
        discussion = db.session.get(Discussion, uuid.UUID(discussion_id))
        db.session.expunge(discussion)
        return discussion


def flat(text: str) -> str:
    return " ".join(unescape(text).split())


def quiz(app) -> dict:
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    answers = ["false", "true", "unsure"]
    return {f"quiz_{item.id}": answers[n % 3] for n, item in enumerate(content.consultation.quiz)}


def at_check(consultation) -> Consultation:
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    visit.save("situation", SITUATION)
    return visit


def test_the_check_page_asks_the_quiz_and_the_four_sure_questions(app, consultation):
    visit = at_check(consultation)
    html = visit.page("check").get_data(as_text=True)
    sure = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]].consultation.sure
    text = flat(html)
    assert "Step 6 of 8" in text and "Ready to decide?" in text
    for question in sure.questions:  # the instrument's own wording
        assert flat(question.text) in text
    assert html.index('id="quiz_') < html.index('id="sure_sure"') < html.index('value="next"')
    bar = html.split('aria-label="Steps of the discussion"')[1].split("</nav>")[0]
    assert "Ready to decide?" not in unescape(bar) and "Decision" in bar


def test_save_and_continue_saves_both_steps_and_goes_to_the_decision(app, consultation):
    visit = at_check(consultation)
    response = visit.save("check", {**quiz(app), **READY})
    assert response.headers["Location"].endswith("/steps/decision")
    answers = stored(app, visit.id).answers
    assert answers["ready"] == READY  # saved as its own step: the summary, record and export read it there
    assert answers["check"] == quiz(app) and not any(k.startswith("sure_") for k in answers["check"])
    summary = flat(visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "Ready to decide?" not in summary.split("Some steps are not filled in yet")[-1].split("</ul>")[0]


def test_the_sure_questions_are_required_to_continue_but_not_to_see_the_answers(app, consultation):
    visit = at_check(consultation)
    refused = visit.post("check", {**quiz(app), "sure_sure": "no"})
    assert refused.status_code == 422 and "Please answer yes or no." in refused.get_data(as_text=True)
    assert "check" not in stored(app, visit.id).answers  # nothing half-written
    shown = visit.save("check", {**quiz(app), "sure_sure": "no"}, action="check")
    assert shown.headers["Location"].endswith("/steps/check#feedback")
    answers = stored(app, visit.id).answers
    assert answers["check"] == quiz(app) and answers["ready"]["sure_sure"] == "no"
    html = flat(visit.page("check").get_data(as_text=True))
    assert "The answer is false." in html  # the feedback shows, the SURE answer given is kept
    assert re.search(r'id="sure_sure-1"[^>]*checked|checked[^>]*id="sure_sure-1"', visit.page("check").get_data(as_text=True))


def test_back_keeps_what_was_answered_on_both_parts(app, consultation):
    visit = at_check(consultation)
    response = visit.save("check", {**quiz(app), "sure_understand": "yes"}, action="back")
    assert response.headers["Location"].endswith("/steps/values")
    answers = stored(app, visit.id).answers
    assert answers["ready"]["sure_understand"] == "yes" and answers["check"] == quiz(app)


def test_the_old_ready_address_opens_the_check_page_and_a_stale_tab_loses_nothing(app, consultation):
    visit = at_check(consultation)
    visit.save("check", {**quiz(app), **READY}, action="later")
    response = visit.page("ready")
    assert response.status_code == 302 and response.headers["Location"].endswith("/steps/check")
    # A tab opened on "Ready to decide?" before the pages joined: it saves the SURE answers alone.
    lock = lock_of(visit.page("check").get_data(as_text=True))
    saved = visit.client.post(f"{visit.url}/steps/ready", data={**READY, "sure_sure": "no", "lock_version": lock,
                                                                "action": "next"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/steps/decision")
    answers = stored(app, visit.id).answers
    assert answers["ready"]["sure_sure"] == "no" and answers["check"] == quiz(app)


def test_a_second_tab_sees_both_parts_side_by_side(app, consultation):
    visit = at_check(consultation)
    stale = lock_of(visit.page("check").get_data(as_text=True))
    visit.save("check", {**quiz(app), **READY})  # the first tab
    mine = {**quiz(app), "quiz_cadence_target": "true", **READY, "sure_encouragement": "no"}
    conflict = visit.post("check", mine, lock=stale)
    assert conflict.status_code == 409
    html = flat(conflict.get_data(as_text=True))
    table = html.split("Answers that differ")[1].split("</table>")[0]
    assert "Changing your cadence" in table and "Do you have enough support" in table
    assert stored(app, visit.id).answers["ready"] == READY  # the other tab's save is not undone


def test_content_without_the_joined_pages_keeps_its_ready_page(make_app):
    """2026.1 (rules 1): nine pages less the assessment, "Ready to decide?" its own page."""
    app = make_app(CONTENT_VERSION="2026.1")
    client = signed_in_client(app)
    visit = Consultation(client).start()
    html = visit.page("ready").get_data(as_text=True)
    assert visit.page("ready").status_code == 200 and "Step 6 of 8" in flat(html)
    assert 'id="sure_sure"' not in visit.page("check").get_data(as_text=True)
    assert visit.save("check", {}).headers["Location"].endswith("/steps/ready")
    visit.fill_all(app)
    visit.finish()
    text = " ".join(pdf_text(client.get(f"{visit.url}/summary.pdf").data).split())
    assert START["patient_ref"] in text
