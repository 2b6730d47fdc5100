"""The guided consultation, step by step, as a clinician and patient go through it."""
import datetime as dt
import re
from html import unescape

import pytest
import sqlalchemy as sa

from conftest import DECISION, OPTIONS, READY, SITUATION, START, VALUES, in_order, lock_of, pdf_text
from decision_aid.extensions import db
from decision_aid.models import Discussion

TODAY = dt.date.today()


def flat(text: str) -> str:
    return " ".join(text.split())


def stored(app, discussion_id: str) -> Discussion:
    import uuid
    with app.app_context():
        discussion = db.session.get(Discussion, uuid.UUID(discussion_id))
        db.session.expunge(discussion)
        return discussion


def test_whole_consultation_from_start_to_pdf(app, client, consultation, option_names):
    visit = consultation().start().fill_all(app)
    summary = unescape(client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    for text in (START["patient_ref"], START["clinician"], DECISION["reasons"], VALUES["own_factors"],
                 DECISION["open_questions"], DECISION["next_steps"], "Print PDF", "Finish"):
        assert text in summary
    visit.finish()

    pdf = client.get(f"{visit.url}/summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = flat(pdf_text(pdf.data))
    assert START["patient_ref"] in text and START["clinician"] in text
    assert DECISION["reasons"] in text  # the decision in the patient's own words
    assert "Conservative care: exercise, load and running changes" in text  # the choice
    assert in_order(text, option_names)
    assert "Avoiding needles: A lot" in text and "Quick relief: A little" in text  # values as given
    assert f"Content version {app.config['CONTENT_VERSION']}" in text and "Revision 1" in text
    assert "does not recommend a treatment" in text
    assert "Blood thinners or bleeding" in text  # the point discussed, by its topic
    assert DECISION["clinician_notes"] not in text  # the clinician's notes go in the clinical record
    # issue 11's order: the decision, next steps, what mattered, points, the options, sources
    assert in_order(text, ["What was decided", "Questions still open", "Next steps", "Follow-up",
                           "What mattered most to you", "Points we talked about", "The four options",
                           "Sources"])


def test_progress_indicator_marks_the_current_step(client, consultation):
    visit = consultation().start()
    html = visit.page("values").get_data(as_text=True)
    assert re.search(r'<span aria-current="step"><span class="step-number">5</span> What matters to you', html)
    bar = unescape(html.split('aria-label="Steps of the discussion"')[1].split("</nav>")[0])
    for title in ("Start", "Is this runner's knee?", "Your situation", "The options", "What matters to you", "Check what we discussed",
                  "Decision", "Summary"):
        assert title in bar
    assert "Ready to decide?" not in bar  # asked on the check page (rules 2 content)
    assert "Step 5 of 8" in html


def test_back_saves_the_step_and_goes_back(app, client, consultation):
    visit = consultation().start()
    visit.save("situation", SITUATION)
    response = visit.save("options", {"option_notes": "First thought"}, action="back")
    assert response.headers["Location"].endswith("/steps/situation")
    assert "First thought" in visit.page("options").get_data(as_text=True)
    visit.save("situation", {**SITUATION, "pain_now": "3"})  # change an earlier answer
    assert stored(app, visit.id).answers["situation"]["pain_now"] == "3"


def test_leave_and_resume_exactly_where_it_was(app, client, consultation):
    visit = consultation().start()
    visit.save("situation", SITUATION)
    response = visit.save("values", {"value_cost": "very"}, action="later")
    assert response.headers["Location"].endswith(visit.id)
    review = client.get(visit.url).get_data(as_text=True)
    assert f'href="{visit.url}/steps/values">Resume where you left off' in review
    values_page = visit.page("values").get_data(as_text=True)
    assert re.search(r'value="very"[^>]*checked|checked[^>]*value="very"', values_page)


START_ERRORS = [
    ({"clinician": ""}, "Enter the clinician&#39;s name."),
    ({"discussion_date": (TODAY + dt.timedelta(days=1)).isoformat()}, "cannot be in the future"),
    ({"discussion_date": (TODAY - dt.timedelta(days=400)).isoformat()}, "within the last year"),
    ({"discussion_date": "31/02/2026"}, "Not a valid date value."),
    ({"patient_ref": "<b>Jo</b>"}, "Use letters, numbers, spaces and . _ / - only."),
    ({"patient_ref": "R" * 41}, "Use at most 40 characters."),
    ({"clinician": "x" * 121}, "Use at most 120 characters."),
    ({"knees": "middle"}, "Not a valid choice."),
]


@pytest.mark.parametrize("change, message", START_ERRORS)
def test_start_refuses_bad_input_saves_nothing_and_keeps_what_was_typed(client, db_rows, change, message):
    before = db_rows()
    response = client.post("/discussions/new", data={**START, **change, "action": "next"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="field-error"' in html and "There is a problem" in html
    assert db_rows() == before
    for name, value in change.items():
        if name != "knees" and len(value) < 100:
            assert f'value="{value}"' in html or unescape(value) in unescape(html)


STEP_ERRORS = [
    ("situation", {"duration": ""}, "Choose how long the pain has lasted."),
    ("situation", {"pain_now": "11"}, "Not a valid choice."),
    ("situation", {"safety_infection": ""}, "Please answer yes, no or not sure."),
    ("situation", {"race_date": (TODAY - dt.timedelta(days=3)).isoformat()}, "The race date is in the past"),
    ("situation", {"running_goals": "r" * 5001}, "Please keep this under 5,000 characters."),
    ("options", {"option_notes": "n" * 5001}, "Please keep this under 5,000 characters."),
    ("values", {"value_cost": "enormous"}, "Not a valid choice."),
    ("ready", {"sure_sure": ""}, "Please answer yes or no."),
    ("decision", {"choice": ""}, "Choose one, or"),
    ("decision", {"choice": "other", "other_text": ""}, "Please say what the patient chose."),
    ("decision", {"follow_up_date": (TODAY - dt.timedelta(days=1)).isoformat()}, "on or after the date of the discussion"),
    ("decision", {"follow_up_date": (TODAY + dt.timedelta(days=800)).isoformat()}, "within 2 years"),
    ("decision", {"reasons": "x" * 5001}, "Please keep this under 5,000 characters."),
]
STEP_DATA = {"situation": SITUATION, "options": OPTIONS, "values": VALUES, "ready": READY, "decision": DECISION}


@pytest.mark.parametrize("step, change, message", STEP_ERRORS)
def test_steps_refuse_bad_input_and_save_nothing(app, consultation, step, change, message):
    visit = consultation().start()
    before = stored(app, visit.id)
    response = visit.post(step, {**STEP_DATA[step], **change})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert message in html
    assert "There is a problem" in html
    after = stored(app, visit.id)
    assert after.answers == before.answers and after.lock_version == before.lock_version
    # what was typed in the other fields is still there
    if step == "decision" and "reasons" not in change:
        assert DECISION["reasons"] in html


def test_error_is_tied_to_its_field_for_screen_readers(consultation):
    visit = consultation().start()
    html = visit.post("situation", {**SITUATION, "duration": ""}).get_data(as_text=True)
    assert re.search(r'<fieldset[^>]*id="duration"[^>]*aria-describedby="duration-error"', html)
    assert 'id="duration-error"' in html
    assert '<a href="#duration">' in html


def test_second_person_saving_gets_a_conflict_and_keeps_what_they_typed(app, consultation):
    visit = consultation().start()
    stale_lock = lock_of(visit.page("situation").get_data(as_text=True))
    visit.save("situation", SITUATION)  # the first person saves
    typed = {**SITUATION, "running_goals": "Typed by the second person"}
    response = visit.post("situation", typed, lock=stale_lock)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "changed by someone else" in html
    assert "Typed by the second person" in html
    assert stored(app, visit.id).answers["situation"]["running_goals"] == SITUATION["running_goals"]
    # saving again from the conflict page keeps the second person's answers, knowingly
    visit.post("situation", typed, lock=lock_of(html))
    assert stored(app, visit.id).answers["situation"]["running_goals"] == "Typed by the second person"


def test_safety_answers_add_points_to_discuss_beside_the_options_they_concern(app, consultation, option_names):
    visit = consultation().start()
    visit.save("situation", {**SITUATION, "safety_bleeding": "yes", "safety_diabetes": "no"})
    html = unescape(visit.page("options").get_data(as_text=True))
    prompts = html.split('id="prompts-heading"')[1].split("</section>")[0]
    assert "Blood thinners or bleeding: answered “Yes”" in prompts
    assert "Diabetes:" not in prompts
    # Only the options that have a point are listed (bleeding concerns the three injections),
    # still in the fixed order; an option with none takes no room.
    shown = re.findall(r'<h3 class="prompt-option">([^<]+)</h3>', prompts)
    assert shown == [short for short, _ in option_names[1:]]


def test_points_to_discuss_say_so_once_when_no_option_has_any(app, consultation):
    visit = consultation().start()
    visit.save("situation", {**SITUATION, **{k: "no" for k in SITUATION if k.startswith("safety_")}})
    html = unescape(visit.page("options").get_data(as_text=True))
    prompts = html.split('id="prompts-heading"')[1].split("</section>")[0]
    assert 'class="prompt-option"' not in prompts
    assert "No points raised by the answers for any option." in prompts


def test_quiz_shows_the_answer_and_explanation_after_answering(app, consultation):
    visit = consultation().start()
    content = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]
    before = visit.page("check").get_data(as_text=True)
    # Not shown before an answer: only in hidden boxes, which quiz.js shows as each item is answered.
    boxes = re.findall(r'<div class="feedback" data-quiz-feedback="[^"]+"[^>]*>', before)
    assert len(boxes) == len(content.consultation.quiz) and all(box.endswith(" hidden>") for box in boxes)
    assert before.count("The answer is") == len(boxes)
    response = visit.save("check", visit.quiz_answers(app), action="check")
    assert response.headers["Location"].endswith("/steps/check#feedback")
    html = unescape(visit.page("check").get_data(as_text=True))
    for item in content.consultation.quiz:
        assert f"The answer is {'true' if item.answer else 'false'}." in html
        assert item.explanation.text.split(".")[0] in html


@pytest.mark.parametrize("answers, shows_note", [
    (READY, False), ({**READY, "sure_encouragement": "no"}, True)])
def test_sure_score_below_4_shows_a_neutral_note_only(app, consultation, answers, shows_note):
    visit = consultation().start()
    note = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]].consultation.sure.low_score_note
    visit.save("check", answers)
    assert (flat(note) in flat(unescape(visit.page("check").get_data(as_text=True)))) is shows_note
    summary = flat(unescape(visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True)))
    assert (flat(note) in summary) is shows_note


def test_finished_discussion_steps_are_read_only(client, app, consultation):
    visit = consultation().start().fill_all(app)
    visit.finish()
    response = client.get(f"{visit.url}/steps/decision")
    assert response.status_code == 302 and response.headers["Location"].endswith(visit.id)
    post = client.post(f"{visit.url}/steps/decision", data={**DECISION, "choice": "prp", "lock_version": "99"})
    assert post.status_code == 302
    assert stored(app, visit.id).answers["decision"]["choice"] == "conservative"


def test_hostile_text_is_escaped_on_pages_and_printed_as_text(app, client, consultation):
    payload = '<script>alert(1)</script><img src="http://127.0.0.1:9/x.png">'
    visit = consultation().start()
    visit.fill_all(app, decision={**DECISION, "reasons": payload})
    html = client.get(f"{visit.url}/steps/summary").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = flat(pdf_text(client.get(f"{visit.url}/summary.pdf").data))
    assert "<script>alert(1)</script>" in text  # shown as the characters typed


@pytest.mark.sqlite_only
def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    with app.app_context():
        assert db.session.scalar(sa.text("PRAGMA journal_mode")) == "wal"
        assert db.session.scalar(sa.text("PRAGMA foreign_keys")) == 1


def test_post_without_csrf_token_is_refused_and_writes_nothing(make_app, tmp_path):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    response = client.post("/discussions/new", data={**START, "action": "next"})
    assert response.status_code == 400
    assert "nothing was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Discussion)) == 0


def test_moving_by_the_progress_bar_saves_the_open_step(app, consultation):
    visit = consultation().start()
    visit.save("situation", SITUATION)
    html = visit.page("options").get_data(as_text=True)
    assert 'form="step-form" name="action" value="goto:situation"' in html
    response = visit.post("options", {"option_notes": "Typed before jumping back"}, action="goto:situation")
    assert response.headers["Location"].endswith("/steps/situation")
    assert stored(app, visit.id).answers["options"]["option_notes"] == "Typed before jumping back"
