"""The patient's link on a phone (375 px wide) and the tablet's patient view, in Chromium."""
from __future__ import annotations

import re

import pytest

from conftest import PASSWORD, Consultation, signed_in_client

from .helpers import assert_no_axe_violations, no_horizontal_scroll

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect
PHONE = {"width": 375, "height": 812}


def made_link(live_server) -> tuple[Consultation, str]:
    """A new discussion and its patient link, made by the clinician (set-up through the app)."""
    clinician = signed_in_client(live_server.seed_app)
    visit = Consultation(clinician).start()
    html = clinician.post(f"/discussions/{visit.id}/patient-link").get_data(as_text=True)
    return visit, re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)


def test_the_patient_prepares_on_their_phone(new_context, live_server):
    visit, token = made_link(live_server)
    phone = new_context(as_=None, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"/p/{token}")
    assert phone.url.endswith("/p/steps/about") and token not in phone.url  # the token left the address
    expect(phone.get_by_role("heading", name="What is runner's knee?")).to_be_visible()
    width, inner = no_horizontal_scroll(phone)
    assert width <= inner, "the page scrolls sideways on a phone"
    phone.get_by_role("link", name="Start the questions").click()
    phone.get_by_label("3 to 12 months").check()
    phone.locator("input[name=pain_now][value='5']").check()
    phone.get_by_label("Your running goals").fill("Run the club 10k again")
    phone.get_by_role("button", name="Save and continue").click()
    expect(phone.get_by_role("heading", name="The options and your questions", level=1)).to_be_visible()
    assert no_horizontal_scroll(phone)[0] <= PHONE["width"]
    phone.get_by_label("Questions or notes about the options (optional)").fill("How long does PRP take to work?")
    phone.get_by_role("button", name="Save and finish later").click()
    expect(phone.get_by_text("Thank you. Your answers are saved for your visit.")).to_be_visible()
    # The clinician sees what the patient wrote, and that the patient wrote it.
    step = visit.page("situation").get_data(as_text=True)
    assert "Answered by the patient on" in step and "Run the club 10k again" in step


def test_the_tablets_patient_view_and_the_way_back(new_context, live_server):
    visit = Consultation(signed_in_client(live_server.seed_app)).start()
    tablet = new_context(viewport={"width": 768, "height": 1024}, own_session=True).new_page()
    tablet.goto(f"/discussions/{visit.id}")
    tablet.get_by_role("button", name="Patient view (hand the tablet over)").click()
    expect(tablet.get_by_role("heading", name="About runner's knee")).to_be_visible()
    expect(tablet.get_by_role("link", name="Saved discussions")).to_have_count(0)
    assert tablet.locator("[data-audience=clinician]").count() == 0
    tablet.goto("/discussions/")  # typed into the address bar: the server sends it back
    expect(tablet.get_by_role("heading", name="About runner's knee")).to_be_visible()
    tablet.get_by_role("link", name="Back to the clinician").click()
    tablet.get_by_label("Your password").fill("not my password")
    tablet.get_by_role("button", name="Back to the clinician's view").click()
    expect(tablet.get_by_text("This is not the password of the clinician signed in.").first).to_be_visible()
    tablet.get_by_label("Your password").fill(PASSWORD)
    tablet.get_by_role("button", name="Back to the clinician's view").click()
    expect(tablet.get_by_role("heading", name="Is this runner's knee?", level=1)).to_be_visible()
    tablet.goto("/discussions/")
    expect(tablet.get_by_role("heading", name="Saved discussions", level=1)).to_be_visible()


def test_the_patient_answers_collaborate_and_the_follow_up_on_their_phone(new_context, live_server):
    """The links after the visit, in Chromium: the token leaves the address bar, the answers are
    sent from the phone, and the clinician reads the follow-up as answered by the patient."""
    import datetime as dt

    from conftest import DECISION

    clinician = signed_in_client(live_server.seed_app)
    visit = Consultation(clinician).start().fill_all(
        live_server.seed_app, decision={**DECISION, "follow_up_date": dt.date.today().isoformat()})
    visit.finish()
    tokens = {kind: re.search(r"/p/([A-Za-z0-9_-]+)</a>", clinician.post(f"{visit.url}/{kind}").get_data(
        as_text=True)).group(1) for kind in ("collaborate-link", "follow-up-link")}
    phone = new_context(as_=None, viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    phone.goto(f"/p/{tokens['collaborate-link']}")
    assert phone.url.endswith("/p/after/collaborate") and tokens["collaborate-link"] not in phone.url
    for number, answer in ((1, "9"), (2, "8"), (3, "9")):
        phone.locator(f"input[name=collaborate_{number}][value='{answer}']").check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Your answers are sent.")).to_be_visible()
    phone.goto(f"/p/{tokens['follow-up-link']}")
    assert phone.url.endswith("/p/after/follow-up") and tokens["follow-up-link"] not in phone.url
    expect(phone.get_by_text("You chose Conservative care")).to_be_visible()
    assert no_horizontal_scroll(phone)[0] <= PHONE["width"]
    phone.get_by_label("What have you done for your knee since your visit?").fill("Squats and slower runs")
    phone.locator("input[name=pain_now][value='1']").check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_text("Your answers are sent to your clinic.")).to_be_visible()
    phone.reload()  # the browser asks to send the form again: the spent link refuses it
    review = clinician.get(visit.url).get_data(as_text=True)
    assert "answered by the patient on" in review and "Squats and slower runs" in review
    assert review.count("Squats and slower runs") == 1  # saved once
