"""Half a step can wait: Back, "Save and finish later" and the step bar keep what was typed
without the required answers; "Save and continue" still asks for them; nothing malformed or
too long is saved, and nothing is cut."""
import re
import uuid
from html import unescape

import pytest

from conftest import ASSESSMENT, SITUATION, Consultation
from decision_aid.consultation.forms import LONG_TEXT
from decision_aid.extensions import db
from decision_aid.inputs import NUL_MESSAGE
from decision_aid.models import Discussion


def flat(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def stored(app, discussion_id: str) -> Discussion:
    with app.app_context():
        discussion = db.session.get(Discussion, uuid.UUID(discussion_id))
        db.session.expunge(discussion)
        return discussion


HALF = {"duration": "3_to_12_months", "running_goals": "A 10 km race in June"}  # pain and health not answered


@pytest.mark.parametrize("action, lands_on", [("back", "/steps/assessment"), ("later", None),
                                              ("goto:start", "/steps/start")])
def test_leaving_a_half_done_step_keeps_what_was_typed(app, consultation, action, lands_on):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    response = visit.post("situation", HALF, action=action)
    assert response.status_code == 302, flat(response.get_data(as_text=True))[:500]
    location = response.headers["Location"]
    assert location.endswith(lands_on) if lands_on else location.endswith(visit.id)
    saved = stored(app, visit.id).answers["situation"]
    assert saved["duration"] == "3_to_12_months" and saved["running_goals"] == "A 10 km race in June"
    assert saved["pain_now"] is None and saved["safety_infection"] is None
    page = visit.page("situation").get_data(as_text=True)
    assert "A 10 km race in June" in page and re.search(r'checked[^>]*value="3_to_12_months"|value="3_to_12_months"[^>]*checked', page)
    assert "There is a problem" not in page


def test_save_and_continue_still_asks_for_the_required_answers(app, consultation):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    response = visit.post("situation", HALF, action="next")
    assert response.status_code == 422
    text = flat(response.get_data(as_text=True))
    assert "Choose a number from 0 to 10." in text and "Please answer yes, no or not sure." in text
    assert "A 10 km race in June" in response.get_data(as_text=True)  # kept in the form, not lost
    assert "situation" not in stored(app, visit.id).answers


def test_the_summary_lists_what_a_half_done_step_still_needs(client, consultation):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    visit.save("situation", HALF, action="later")
    text = flat(client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "have answers still to give" in text
    assert "Your situation : How bad is the pain now?" in text  # flat() spaces out the link
    assert "The options" in text  # a step never opened is listed too
    assert "You can still finish." in text


@pytest.mark.parametrize("field, value, message", [
    ("race_date", "31/02/2027", "Not a valid date value."),
    ("running_goals", "Half \x00 marathon", NUL_MESSAGE),
    ("pain_now", "11", "Not a valid choice."),
])
def test_malformed_input_on_back_is_refused_and_nothing_saved(app, consultation, db_rows, field, value, message):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    before = stored(app, visit.id)
    response = visit.post("situation", {**HALF, field: value}, action="back")
    assert response.status_code == 422
    assert message in flat(response.get_data(as_text=True))
    after = stored(app, visit.id)
    assert "situation" not in after.answers and after.lock_version == before.lock_version


@pytest.mark.parametrize("action", ["back", "later", "next"])
def test_over_long_text_gets_a_message_and_nothing_is_cut(app, consultation, action):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    visit.save("situation", SITUATION)
    too_long = "x" * (LONG_TEXT + 1)
    response = visit.post("options", {"option_notes": too_long}, action=action)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"Please keep this under {LONG_TEXT:,} characters." in flat(html)
    assert too_long in html  # given back whole for the clinician to shorten
    assert "options" not in stored(app, visit.id).answers


def test_long_text_fields_carry_their_limit_for_the_counter(consultation):
    visit = consultation().start()
    html = visit.page("options").get_data(as_text=True)
    field = re.search(r'<textarea[^>]*name="option_notes"[^>]*>', html).group(0)
    assert f'data-max-chars="{LONG_TEXT}"' in field and "maxlength" not in field  # never cut by the browser
    assert f"Up to {LONG_TEXT:,} characters." in flat(html)


def test_a_half_done_assessment_still_pauses(app, consultation):
    """A red flag holds the discussion whichever button leaves the step."""
    visit = consultation().start()
    response = visit.post("assessment", {"flag_hot_swollen": "yes"}, action="later")
    assert response.status_code == 302
    discussion = stored(app, visit.id)
    assert discussion.status == "paused"
    options = visit.page("options")
    assert options.status_code == 302 and options.headers["Location"].endswith("/steps/assessment")


def test_older_content_saves_half_a_step_too(make_app):
    app = make_app(CONTENT_VERSION="2026.1")
    from conftest import signed_in_client
    visit = Consultation(signed_in_client(app)).start()
    response = visit.post("situation", HALF, action="later")
    assert response.status_code == 302
    assert stored(app, visit.id).answers["situation"]["running_goals"] == "A 10 km race in June"
    visit.fill_all(app)
    visit.finish()
