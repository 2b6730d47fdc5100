"""End to end in a real browser, as a clinician does it: sign in, go through every step, leave and
come back, finish, print, find the discussion again, amend it and reprint it.

One run uses the keyboard alone (Tab, arrows, Space, Enter and typing; no clicks and no
``fill``), the other the mouse. Elements are found by role and label, as a screen reader would.
"""
from __future__ import annotations

import datetime as dt
import re

import pytest

from conftest import PASSWORD
from .conftest import CLINICIAN
from .helpers import Keyboard, downloaded, pdf_text

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

TODAY = dt.date.today()
CONSERVATIVE = "Conservative care: exercise, load and running changes"
SAFETY = ("infection", "bleeding", "diabetes", "pregnancy", "allergy", "recent_injection")
QUIZ = {"cadence_target": "Not sure", "steroid_infection_rare": "True", "injections_dummy": "False"}
SURE = ("sure", "understand", "risk_benefit", "encouragement")


def at(page, path: str) -> None:
    """Wait until the address is ``path`` (a regular expression), with or without a #fragment
    (a redirect keeps the fragment of the page the form was on, such as #main)."""
    page.wait_for_url(re.compile(r"^https?://[^/]+" + path + r"(#.*)?$"))


def test_whole_consultation_with_the_keyboard_alone(new_context, live_server):
    # en-US: the date field takes month, day, year as typed digits.
    page = new_context(as_=None, locale="en-US").new_page()
    keys = Keyboard(page)
    page.goto("/login")

    # Sign in through the form.
    keys.skip_to_main()
    keys.type_into("E-mail address", CLINICIAN[0])
    keys.type_into("Password", PASSWORD)
    page.keyboard.press("Enter")
    at(page, r"/")

    # Start a discussion from the main navigation.
    keys.follow("New discussion")
    at(page, r"/discussions/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("Start")
    keys.skip_to_main()
    keys.type_into("Patient reference", "KB-0001")
    keys.choose("knees", "Right knee")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/assessment")

    keys.skip_to_main()
    keys.choose("diagnosis", "Yes")
    keys.tick("no_red_flags", "None of these: I have checked each one")
    keys.type_into("The patient's age, in whole years", "34")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/situation")

    keys.skip_to_main()
    keys.choose("duration", "3 to 12 months")
    keys.tick("activities", "Running")
    keys.tick("activities", "Squatting")
    keys.choose("pain_now", "4")
    keys.tick("tried", "Rest from running")
    keys.type_into("Your running goals", "Run the club 10k in June")
    for question in SAFETY:
        keys.choose(f"safety_{question}", "No")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/options")

    keys.skip_to_main()
    keys.type_into("Questions or notes about the options", "Typed with the keyboard only")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/values")

    keys.skip_to_main()
    keys.choose("value_avoid_needles", "A lot")
    keys.choose("value_quick_relief", "A little")
    keys.type_into("Anything else that matters to you", "My club races")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/check")

    keys.skip_to_main()
    for item, answer in QUIZ.items():
        keys.choose(f"quiz_{item}", answer)
    keys.press("Show the answers")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/check#feedback")
    expect(page.get_by_text("The answer is false.").first).to_be_visible()
    # The page opens at the first answer (#feedback); Tab carries on from there, to the SURE
    # questions asked on the same page ("Ready to decide?").
    for question in SURE:
        keys.choose(f"sure_{question}", "Yes")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/decision")

    keys.skip_to_main()
    keys.choose("choice", CONSERVATIVE)
    keys.type_into("The reasons, in the patient's own words", "No needles, and I like a plan")
    keys.type_into("Questions still open", "When can I race?")
    keys.type_into("Next steps", "Physio in two weeks")
    follow_up = TODAY + dt.timedelta(days=30)
    keys.to_field("Follow-up date")
    page.keyboard.type(follow_up.strftime("%m%d%Y"))
    keys.type_into("Clinician's notes", "Check cadence")
    keys.press("Save and continue")
    at(page, r"/discussions/[0-9a-f-]{36}/steps/summary")

    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")
    main = page.get_by_role("main")
    for text in ("KB-0001", "Right knee", "No needles, and I like a plan", "Physio in two weeks",
                 follow_up.strftime("%-d %B %Y"), "Typed with the keyboard only", "My club races"):
        assert text in main.inner_text()
    keys.skip_to_main()
    keys.press("Finish")
    at(page, r"/discussions/[0-9a-f-]{36}\?finished=1")
    expect(page.get_by_role("status").filter(has_text="finished")).to_be_visible()

    # Focus was drawn visibly on everything Tab reached, and always on screen.
    assert keys.focused, "no element ever took focus"
    assert keys.invisible_focus() == [], [(i["name"], i["outline"]) for i in keys.invisible_focus()]
    assert [i for i in keys.focused if not i["onScreen"]] == []

    # Sign out with the keyboard too.
    keys.to_button("Sign out")
    page.keyboard.press("Enter")
    at(page, r"/login\?ended=signed_out")
    expect(page.get_by_role("status")).to_have_text("You have signed out.")


def test_mouse_run_back_change_leave_resume_finish_print_find_amend_reprint(new_context, live_server):
    context = new_context(accept_downloads=True)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New discussion").click()

    page.get_by_label("Patient reference").fill("MS-0777")
    page.get_by_label("Left knee").check()
    page.get_by_role("button", name="Save and continue").click()

    # Not sure it is runner's knee: the aid stops before the options and saves it as paused.
    expect_step(page, "Is this runner's knee?")
    page.locator("#diagnosis").get_by_label("Not sure").check()
    page.get_by_label("None of these: I have checked each one").check()
    page.get_by_label("The patient's age, in whole years").fill("16")
    page.get_by_label("A parent or guardian").check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("We stop here for now")
    page.get_by_role("button", name="Save as paused: needs assessment first").click()
    expect(page.locator(".status-line")).to_have_text(re.compile("Paused: needs assessment first"))
    page.get_by_role("link", name="Reopen the assessment").click()
    expect_step(page, "Is this runner's knee?")
    expect(page.get_by_label("The patient's age, in whole years")).to_have_value("16")
    page.locator("#diagnosis").get_by_label("Yes").check()  # examined again: it is runner's knee
    page.get_by_role("button", name="Save and continue").click()

    expect_step(page, "Your situation")
    expect(page.locator(".prompts")).to_contain_text("Under 18")  # the age-shaped points to discuss
    page.get_by_label("6 weeks to 3 months").check()
    page.get_by_label("Going up or down stairs").check()
    page.get_by_role("group", name=re.compile("How bad is the pain now")).get_by_label("7", exact=True).check()
    for question in SAFETY:
        page.locator(f"#safety_{question}").get_by_label("Not sure").check()
    page.get_by_role("button", name="Save and continue").click()

    expect_step(page, "The options")
    page.get_by_label("Questions or notes about the options").fill("First thoughts about PRP")
    page.get_by_role("button", name="Save and continue").click()

    # Go back a step and change an answer.
    expect_step(page, "What matters to you")
    page.get_by_role("button", name="Back").click()
    expect_step(page, "The options")
    notes = page.get_by_label("Questions or notes about the options")
    expect(notes).to_have_value("First thoughts about PRP")
    notes.fill("Second thoughts: how many PRP visits?")
    page.get_by_role("button", name="Save and continue").click()

    # Leave, then resume from the saved list.
    expect_step(page, "What matters to you")
    page.get_by_role("group", name=re.compile("^Cost")).get_by_label("Quite a lot").check()
    page.get_by_role("button", name="Save and finish later").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saved discussion")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Saved discussions").click()
    row = page.get_by_role("row").filter(has_text="MS-0777")
    expect(row.get_by_role("cell", name="In progress")).to_be_visible()
    row.get_by_role("link", name=re.compile("^Open")).click()
    page.get_by_role("link", name="Resume where you left off").click()
    expect_step(page, "What matters to you")
    expect(page.get_by_role("group", name=re.compile("^Cost")).get_by_label("Quite a lot")).to_be_checked()
    page.get_by_role("button", name="Save and continue").click()

    expect_step(page, "Check what we discussed")  # with "Ready to decide?" on the same page
    for question in SURE:
        page.locator(f"#sure_{question}").get_by_label("Yes").check()
    page.get_by_role("button", name="Save and continue").click()
    expect_step(page, "Decision")
    page.get_by_label("Steroid (corticosteroid) injection").check()
    page.get_by_label("The reasons, in the patient's own words").fill("Quick relief before the race")
    page.get_by_role("button", name="Save and continue").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("status").filter(has_text="finished and saved as revision 1")).to_be_visible()

    # Print: the PDF downloads and holds what was said, with the changed answer only.
    with page.expect_download() as info:
        page.get_by_role("link", name="Print PDF").click()
    text = pdf_text(downloaded(info.value))
    assert "MS-0777" in text and "Quick relief before the race" in text
    assert "Second thoughts: how many PRP visits?" in text and "First thoughts" not in text
    assert "Revision 1" in text

    # Find it again by search.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Saved discussions").click()
    page.get_by_label("Patient reference (or any part of it)").fill("MS-07")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^1 discussion\b"))
    results = page.get_by_role("table")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and one discussion
    results.get_by_role("link", name=re.compile("^Open")).click()

    # Amend: a new revision; the first stays as it was.
    page.get_by_role("link", name="Amend (adds a new revision)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amend the discussion")
    page.get_by_label("Not decided yet").check()
    page.get_by_label("The reasons, in the patient's own words").fill("Wants to talk it over at home")
    page.get_by_label("Why is this being changed?").fill("Patient phoned back")
    page.get_by_role("button", name="Save as a new revision").click()
    expect(page.get_by_role("status").filter(has_text="saved as revision 2")).to_be_visible()
    revisions = page.get_by_role("table").filter(has_text="Revision")
    expect(revisions.get_by_role("row")).to_have_count(3)

    # Reprint both: the latest, and revision 1 exactly as it was.
    with page.expect_download() as info:
        page.get_by_role("link", name="Print PDF").click()
    latest = pdf_text(downloaded(info.value))
    assert "Wants to talk it over at home" in latest and "Revision 2" in latest
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF of revision 1").click()
    first = pdf_text(downloaded(info.value))
    assert "Quick relief before the race" in first and "Wants to talk it over" not in first


def expect_step(page, title: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    current = page.get_by_role("navigation", name="Steps of the discussion").locator('[aria-current="step"]')
    expect(current).to_contain_text(title)
