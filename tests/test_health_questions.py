"""Health questions that fit the person (issue #11, item 6): pregnancy has a "does not apply"
answer, an earlier injection asks which and roughly when, and "None of these apply" records
every question as No once the clinician confirms it."""
import re
import uuid
from html import unescape

import pytest

from conftest import SITUATION, pdf_text
from decision_aid.extensions import db
from decision_aid.models import Discussion

QUESTIONS = ["infection", "bleeding", "diabetes", "pregnancy", "allergy", "recent_injection"]
BLANK_HEALTH = {f"safety_{q}": "" for q in QUESTIONS}
STEROID_LATELY = {"safety_recent_injection": "yes", "detail_recent_injection_which": "steroid",
                  "detail_recent_injection_when": "under_3_months"}
NONE_APPLY = {"health_none_apply": "y", "health_none_confirmed": "y"}
SPACING = "UK practice spaces injections into one joint at least 6–12 weeks apart."
PRP_WINDOW = "PRP providers ask for no corticosteroid injection at the site in the previous 4 weeks."
CONFIRM_MESSAGE = "Tick this to confirm, or answer each question below."


def flat(text: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def saved_situation(app, discussion_id: str) -> dict:
    with app.app_context():
        return db.session.get(Discussion, uuid.UUID(discussion_id)).answers["situation"]


def fieldset(html: str, field_id: str) -> str:
    return re.search(rf'<fieldset[^>]*id="{field_id}".*?</fieldset>', html, re.S).group(0)


def points_section(html: str) -> str:
    return html.split('id="prompts-heading"', 1)[1].split("</section>", 1)[0]


def points_for(html: str, content, option_id: str) -> str:
    """The text of one option's points to discuss on a page ("" when it has none)."""
    groups = re.findall(r'<h3 class="prompt-option">(.*?)</h3>(.*?)</ul>', points_section(html), re.S)
    return next((flat(items) for name, items in groups if flat(name) == content.option(option_id).short_name), "")


@pytest.fixture
def visit(consultation):
    return consultation().start()


def test_the_details_are_in_the_page_beside_their_question_and_only_pregnancy_has_does_not_apply(visit):
    html = visit.page("situation").get_data(as_text=True)
    after = html.split('id="safety_recent_injection"', 1)[1].split("</fieldset>", 1)[1]
    details = after.split('<div class="actions">', 1)[0].strip()  # the last question: up to the buttons
    opening = details.split(">", 1)[0]
    assert opening.startswith('<div class="health-details"') and 'data-details-for="safety_recent_injection"' in opening
    assert " hidden" not in opening  # readable without script: only forms.js hides it
    text = flat(details)
    assert "Which injection was the last one?" in text and "Roughly when was it?" in text
    for label in ("A steroid", "PRP (from your own blood)", "Hyaluronic acid (HA)", "Something else, or not sure",
                  "In the last 3 months", "3 to 12 months ago", "More than a year ago", "Not sure"):
        assert label in text
    assert "Does not apply" in flat(fieldset(html, "safety_pregnancy"))
    assert flat(html).count("Does not apply") == 2  # the pregnancy hint and its answer, nowhere else
    assert 'value="not_applicable"' not in fieldset(html, "safety_infection")


def test_yes_with_its_details_is_saved_and_raises_the_points_the_content_ties_to_them(app, visit, current_content):
    visit.save("situation", {**SITUATION, **STEROID_LATELY})
    saved = saved_situation(app, visit.id)
    assert (saved["detail_recent_injection_which"], saved["detail_recent_injection_when"]) == (
        "steroid", "under_3_months")
    options = visit.page("options").get_data(as_text=True)
    steroid, prp, ha = (points_for(options, current_content, option_id)
                        for option_id in ("corticosteroid", "prp", "hyaluronic_acid"))
    assert SPACING in steroid and "ceiling of about 4 a year into one joint" in steroid
    assert "answered “Yes (A steroid; In the last 3 months)”" in steroid
    assert PRP_WINDOW in prp
    assert SPACING not in ha and PRP_WINDOW not in ha  # only where the content ties the point
    assert points_for(options, current_content, "conservative") == ""  # no point, so not listed


def test_a_steroid_over_a_year_ago_raises_only_the_general_points(app, visit, current_content):
    visit.save("situation", {**SITUATION, **STEROID_LATELY, "detail_recent_injection_when": "over_12_months"})
    steroid = points_for(visit.page("options").get_data(as_text=True), current_content, "corticosteroid")
    assert "Check dates and response to earlier injections." in steroid  # the question's own point
    assert SPACING not in steroid and "ceiling of about 4 a year" not in steroid


def test_yes_needs_its_details_to_continue_and_a_half_saved_step_lists_them(app, visit):
    response = visit.post("situation", {**SITUATION, "safety_recent_injection": "yes"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose one, or “Not sure”." in flat(fieldset(html, "detail_recent_injection_which"))
    assert "Choose one, or “Not sure”." in flat(fieldset(html, "detail_recent_injection_when"))
    assert visit.post("situation", {**SITUATION, "safety_recent_injection": "yes"}, action="later").status_code == 302
    summary = flat(visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "Which injection was the last one?; Roughly when was it?" in summary


@pytest.mark.parametrize("answer", ["no", "unsure"])
def test_details_sent_with_an_answer_other_than_yes_are_ignored(app, visit, answer):
    visit.save("situation", {**SITUATION, **STEROID_LATELY, "safety_recent_injection": answer})
    saved = saved_situation(app, visit.id)
    assert saved["detail_recent_injection_which"] is None and saved["detail_recent_injection_when"] is None
    assert SPACING not in flat(visit.page("options").get_data(as_text=True))
    summary = flat(visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "Which injection was the last one?" not in summary


def test_a_tampered_detail_after_yes_is_a_field_message_and_nothing_is_saved(app, visit):
    response = visit.post("situation", {**SITUATION, **STEROID_LATELY, "detail_recent_injection_which": "cortisone"})
    assert response.status_code == 422
    assert "Choose one of the answers given." in flat(fieldset(response.get_data(as_text=True),
                                                               "detail_recent_injection_which"))
    with pytest.raises(KeyError):
        saved_situation(app, visit.id)


def test_pregnancy_does_not_apply_is_saved_raises_no_point_and_is_offered_nowhere_else(app, visit):
    visit.save("situation", {**SITUATION, "safety_pregnancy": "not_applicable"})
    assert saved_situation(app, visit.id)["safety_pregnancy"] == "not_applicable"
    options = visit.page("options").get_data(as_text=True)
    assert "Pregnancy or breastfeeding" not in flat(options.split('id="prompts-heading"', 1)[1])
    summary = flat(visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "Are you pregnant, trying to get pregnant, or breastfeeding? Does not apply" in summary
    refused = visit.post("situation", {**SITUATION, "safety_infection": "not_applicable"})
    assert refused.status_code == 422 and "Not a valid choice" in flat(
        fieldset(refused.get_data(as_text=True), "safety_infection"))


def test_none_apply_without_the_confirmation_is_a_field_message_and_saves_nothing(app, visit):
    response = visit.post("situation", {**SITUATION, **BLANK_HEALTH, "health_none_apply": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert CONFIRM_MESSAGE in flat(fieldset(html, "health_none"))
    assert flat(html).count("Please answer yes") == 0  # one message, beside the box to tick
    assert 'href="#health_none_confirmed"' in html  # the error summary links to it
    with pytest.raises(KeyError):
        saved_situation(app, visit.id)


def test_none_apply_confirmed_records_every_question_as_no_and_the_amend_page_shows_it(app, client, visit):
    visit.fill_all(app, situation={**SITUATION, **BLANK_HEALTH, **NONE_APPLY})
    saved = saved_situation(app, visit.id)
    assert [saved[f"safety_{q}"] for q in QUESTIONS] == ["no"] * len(QUESTIONS)
    assert saved["health_none_apply"] is True and saved["health_none_confirmed"] is True
    assert "No points raised by the answers for any option." in flat(points_section(visit.page("options").get_data(as_text=True)))
    summary = flat(client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "Recorded as “None of these apply”, confirmed by the clinician" in summary
    assert "Do you have diabetes? No" in summary
    visit.finish()
    amend = client.get(f"{visit.url}/amend/situation").get_data(as_text=True)
    for q in QUESTIONS:
        assert re.search(r'<input[^>]*checked[^>]*value="no"|<input[^>]*value="no"[^>]*checked', fieldset(amend, f"safety_{q}"))
    assert re.search(r'<input[^>]*checked[^>]*id="health_none_confirmed"|id="health_none_confirmed"[^>]*checked',
                     fieldset(amend, "health_none"))
    text = flat(pdf_text(client.get(f"{visit.url}/revisions/1/clinical-record.pdf").data))
    assert "Recorded as “None of these apply”, confirmed by the clinician" in text


def test_none_apply_beside_a_yes_is_refused_next_to_that_question(app, visit):
    response = visit.post("situation", {**SITUATION, **BLANK_HEALTH, **NONE_APPLY, "safety_bleeding": "yes"})
    assert response.status_code == 422
    assert "“None of these apply” is ticked, but this is not answered No." in flat(
        fieldset(response.get_data(as_text=True), "safety_bleeding"))


def test_the_details_print_in_the_clinical_record_and_only_the_topic_in_the_patients_summary(app, client, visit):
    visit.fill_all(app, situation={**SITUATION, **STEROID_LATELY})
    visit.finish()
    review = flat(client.get(visit.url).get_data(as_text=True))
    assert "Which injection was the last one? A steroid" in review and "Roughly when was it? In the last 3 months" in review
    record = flat(pdf_text(client.get(f"{visit.url}/revisions/1/clinical-record.pdf").data))
    assert "Which injection was the last one? A steroid" in record
    assert "Roughly when was it? In the last 3 months" in record
    assert SPACING in record and PRP_WINDOW in record
    patient = flat(pdf_text(client.get(f"{visit.url}/summary.pdf").data))
    assert "Earlier injection in this knee" in patient  # the point, in plain words
    assert SPACING not in patient and PRP_WINDOW not in patient and "A steroid;" not in patient


def test_amending_the_answer_to_yes_saves_the_details_and_says_what_changed(app, client, visit):
    visit.fill_all(app)
    visit.finish()
    page = client.get(f"{visit.url}/amend/situation").get_data(as_text=True)
    expected = re.search(r'name="expected_revision"[^>]*value="(\d+)"', page).group(1)
    response = client.post(f"{visit.url}/amend/situation", data={
        **SITUATION, **STEROID_LATELY, "detail_recent_injection_which": "hyaluronic_acid",
        "reason": "Remembered an injection last month", "expected_revision": expected})
    assert response.status_code == 302, flat(response.get_data(as_text=True))[:800]
    with app.app_context():
        latest = db.session.get(Discussion, uuid.UUID(visit.id)).answers["situation"]
    assert latest["detail_recent_injection_which"] == "hyaluronic_acid"
    page = flat(client.get(visit.url).get_data(as_text=True))
    assert "Which injection was the last one?: not answered → Hyaluronic acid (HA)" in page


def test_finish_later_keeps_an_unconfirmed_none_apply_without_recording_any_no(app, visit):
    response = visit.post("situation", {**SITUATION, **BLANK_HEALTH, "health_none_apply": "y"}, action="later")
    assert response.status_code == 302
    saved = saved_situation(app, visit.id)
    assert saved["health_none_apply"] is True and saved["health_none_confirmed"] is False
    assert all(saved[f"safety_{q}"] in (None, "") for q in QUESTIONS)  # nothing is No until confirmed
    summary = flat(visit.client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "I have asked each of these and the answer is No" in summary  # still to answer
    assert "Recorded as “None of these apply”" not in summary
