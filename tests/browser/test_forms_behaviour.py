"""Nothing typed is lost, nothing is cut: the text counter, and the question before leaving a
changed step form another way than by its own buttons (real Chromium, the app's real CSP)."""
from __future__ import annotations

import re

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

NOTES = "Questions or notes about the options (optional)"


@pytest.fixture(scope="module")
def started(live_server):
    from conftest import Consultation, signed_in_client
    return Consultation(signed_in_client(live_server.seed_app)).start(patient_ref="FB-START").url


def dialogs_of(page) -> list[str]:
    seen: list[str] = []

    def answer(dialog):
        seen.append(dialog.type)
        dialog.accept()
    page.on("dialog", answer)
    return seen


def test_the_counter_counts_down_and_warns_near_the_limit_without_cutting(page, started):
    page.goto(f"{started}/steps/options")
    count = page.locator("#option_notes-count")
    expect(count).to_have_text("5,000 characters left.")
    box = page.get_by_label(NOTES)
    assert "option_notes-count" in box.get_attribute("aria-describedby")
    box.fill("x" * 4_000)
    expect(count).to_have_text("1,000 characters left.")
    expect(count).not_to_have_class(re.compile("char-count-near"))
    box.fill("x" * 4_600)  # past 90 %
    expect(count).to_have_class(re.compile("char-count-near"))
    expect(page.locator("#option_notes-count + [aria-live='polite']")).to_have_text("400 characters left.")
    box.fill("x" * 5_012)  # pasted over the limit: kept whole, and said so
    assert len(box.input_value()) == 5_012
    expect(count).to_contain_text("12 characters too many")
    expect(count).to_have_class(re.compile("char-count-over"))
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".field-error")).to_contain_text("Please keep this under 5,000 characters.")
    assert len(page.get_by_label(NOTES).input_value()) == 5_012


def test_leaving_a_changed_form_by_a_link_asks_first(page, started):
    seen = dialogs_of(page)
    page.goto(f"{started}/steps/options")
    page.get_by_label(NOTES).click()
    page.keyboard.type("Typed, not saved")
    page.get_by_role("link", name="Compare the options").first.click()
    page.wait_for_url(re.compile(r".*/comparison"))
    assert seen == ["beforeunload"]


def test_saving_or_leaving_an_unchanged_form_does_not_ask(page, started):
    seen = dialogs_of(page)
    page.goto(f"{started}/steps/options")
    page.get_by_label(NOTES).click()
    page.keyboard.type("Saved with the button")
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_url(re.compile(r".*/discussions/[0-9a-f-]+$"))
    page.goto(f"{started}/steps/options")
    expect(page.get_by_label(NOTES)).to_have_value("Saved with the button")
    page.get_by_label(NOTES).click()  # focused but not changed
    page.get_by_role("link", name="Compare the options").first.click()
    page.wait_for_url(re.compile(r".*/comparison"))
    assert seen == []


def test_the_step_bar_saves_without_asking(page, started):
    seen = dialogs_of(page)
    page.goto(f"{started}/steps/options")
    page.get_by_label(NOTES).click()
    page.keyboard.type("Jumped from the step bar")
    page.get_by_role("navigation", name="Steps of the discussion").get_by_role("button", name=re.compile("Start")).click()
    page.wait_for_url(re.compile(r".*/steps/start"))
    assert seen == []


def test_a_quiz_answer_shows_its_feedback_at_once_without_a_reload(page, started):
    """"Check what we discussed": answering an item shows whether it was right and why, on the
    same page (no "Show the answers" reload), in the words the server shows after that button."""
    page.goto(f"{started}/steps/check")
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url))
    feedback = page.locator('[data-quiz-feedback="quiz_steroid_infection_rare"]')  # its answer is true
    expect(feedback).to_be_hidden()
    page.locator("#quiz_steroid_infection_rare").get_by_label("False", exact=True).check()
    expect(feedback).to_be_visible()
    expect(feedback).to_contain_text("Not quite. The answer is true.")
    page.locator("#quiz_steroid_infection_rare").get_by_label("True", exact=True).check()
    expect(feedback).to_contain_text("That's right. The answer is true.")
    expect(page.locator('[data-quiz-feedback="quiz_injections_dummy"]')).to_be_hidden()  # not answered yet
    assert loads == []


@pytest.fixture(scope="module")
def in_the_patients_language(live_server):
    """A Polish and an Arabic discussion (issue #14: the steps in the patient's language)."""
    from conftest import Consultation, signed_in_client
    client = signed_in_client(live_server.seed_app)
    return {language: Consultation(client).start(patient_ref=f"FB-{language.upper()}", language=language).url
            for language in ("pl", "ar")}


@pytest.mark.parametrize("language, words", [
    ("pl", ("Zostało znaków: 5,000.", "Zostało znaków: 400.", "Za dużo znaków: 12.")),
    ("ar", ("الأحرف المتبقية: 5,000.", "الأحرف المتبقية: 400.", "عدد الأحرف الزائدة: 12."))])
def test_the_counter_counts_down_in_the_patients_language(page, in_the_patients_language, language, words):
    """forms.js takes its words from the page (data-left, data-over), numbers in Western digits;
    the clinician's own notes field counts down in English."""
    start, near, over = words
    page.goto(f"{in_the_patients_language[language]}/steps/options")
    count = page.locator("#option_notes-count")
    expect(count).to_have_text(start)
    box = page.locator("#option_notes")
    box.fill("x" * 4_600)
    expect(page.locator("#option_notes-count + [aria-live='polite']")).to_have_text(near)
    box.fill("x" * 5_012)
    expect(count).to_contain_text(over)
    expect(count).to_have_class(re.compile("char-count-over"))
    page.goto(f"{in_the_patients_language[language]}/steps/decision")
    page.locator("#clinician_notes").fill("x" * 10)
    expect(page.locator("#clinician_notes-count")).to_have_text("4,990 characters left.")
    expect(page.locator("#reasons-count")).to_have_text(start)


def test_a_quiz_answer_shows_its_feedback_in_polish(page, in_the_patients_language):
    page.goto(f"{in_the_patients_language['pl']}/steps/check")
    feedback = page.locator('[data-quiz-feedback="quiz_steroid_infection_rare"]')  # its answer is true
    page.locator("#quiz_steroid_infection_rare").get_by_label("Fałsz", exact=True).check()
    expect(feedback).to_contain_text("Nie całkiem. Odpowiedź: prawda.")
    page.locator("#quiz_steroid_infection_rare").get_by_label("Prawda", exact=True).check()
    expect(feedback).to_contain_text("Zgadza się. Odpowiedź: prawda.")
