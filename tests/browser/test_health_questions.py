"""The health questions on a tablet (768x1024), in a real browser: an earlier injection's
details appear on "Yes" and go on "No", are in the page without script, and are saved and
shown in the summary; "None of these apply" needs the clinician's confirmation."""
from __future__ import annotations

import re

import pytest

from .helpers import no_horizontal_scroll

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

TABLET = {"width": 768, "height": 1024}
QUESTIONS = ("infection", "bleeding", "diabetes", "pregnancy", "allergy", "recent_injection")


@pytest.fixture
def situation_url(live_server):
    from conftest import ASSESSMENT, Consultation, signed_in_client

    visit = Consultation(signed_in_client(live_server.seed_app)).start(patient_ref="HQ-TABLET")
    visit.save("assessment", ASSESSMENT)
    return f"{visit.url}/steps/situation"


def fill_the_rest(page) -> None:
    page.get_by_label("3 to 12 months", exact=True).first.check()
    page.get_by_role("group", name=re.compile("How bad is the pain now")).get_by_label("5", exact=True).check()


def test_injection_details_appear_on_yes_are_saved_and_shown_in_the_summary(new_context, situation_url):
    page = new_context(viewport=TABLET).new_page()
    page.goto(situation_url)
    details = page.locator("[data-details-for='safety_recent_injection']")
    which = page.get_by_role("group", name="Which injection was the last one?")
    expect(details).to_be_hidden()  # script hides them until "Yes"
    question = page.locator("#safety_recent_injection")
    question.get_by_label("Yes", exact=True).check()
    expect(which).to_be_visible()
    expect(page.get_by_role("group", name="Roughly when was it?")).to_be_visible()
    scroll_width, window_width = no_horizontal_scroll(page)
    assert scroll_width <= window_width  # the indented details still fit the tablet
    question.get_by_label("No", exact=True).check()
    expect(details).to_be_hidden()
    question.get_by_label("Yes", exact=True).check()
    which.get_by_label("A steroid").check()
    page.get_by_role("group", name="Roughly when was it?").get_by_label("In the last 3 months").check()
    fill_the_rest(page)
    for name in QUESTIONS[:-1]:
        page.locator(f"#safety_{name}").get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The options")
    steroid_points = page.locator(".prompt-grid > li", has=page.get_by_role("heading", name="Steroid injection"))
    expect(steroid_points).to_contain_text("spaces injections into one joint at least 6–12 weeks apart")
    page.goto(situation_url.replace("/situation", "/summary"))
    answers = page.locator(".health-answers")
    expect(answers).to_contain_text("Which injection was the last one? A steroid")
    expect(answers).to_contain_text("Roughly when was it? In the last 3 months")
    page.goto(situation_url)  # back on the step: the saved Yes shows its details at once
    expect(which.get_by_label("A steroid")).to_be_checked()


def test_without_script_the_details_are_there_to_read_and_answer(new_context, situation_url):
    page = new_context(viewport=TABLET, java_script_enabled=False).new_page()
    page.goto(situation_url)
    expect(page.get_by_role("group", name="Which injection was the last one?")).to_be_visible()
    expect(page.get_by_role("group", name="Roughly when was it?")).to_be_visible()


def test_none_apply_asks_for_the_confirmation_then_records_each_as_no(new_context, situation_url):
    page = new_context(viewport=TABLET).new_page()
    page.goto(situation_url)
    fill_the_rest(page)
    page.get_by_label("None of these apply").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("Tick this to confirm, or answer each question below.")
    expect(page.get_by_label("None of these apply")).to_be_checked()  # what was ticked is kept
    page.get_by_label("I have asked each of these and the answer is No").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The options")
    page.goto(situation_url)
    for name in QUESTIONS:
        expect(page.locator(f"#safety_{name}").get_by_label("No", exact=True)).to_be_checked()
