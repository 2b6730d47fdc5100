"""The idle sign-out as it really happens: the timer, the warning, the session ending on the
server, and what was typed coming back – to the same clinician only.

A server with a 15-second idle limit (the setting is in minutes) keeps this quick.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from conftest import PASSWORD, PEOPLE

from .conftest import running_app

IDLE_MINUTES = 0.25  # 15 s: the warning comes at 12 s, the sign-out at 14 s
ADA, BEA = PEOPLE[0], PEOPLE[2]  # clinicians of clinic A and of clinic B
SIGNED_OUT = re.compile(r".*/login\?ended=idle.*")


@pytest.fixture(scope="module")
def short_idle(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("idle"), [ADA, BEA], IDLE_TIMEOUT_MINUTES=IDLE_MINUTES) as served:
        yield served


@pytest.fixture(scope="module")
def short_idle_server(short_idle):
    return short_idle[1]


def sign_in(page, email=ADA[0]):
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sessions_of(app, email) -> list[tuple]:
    from decision_aid.accounts.models import User, UserSession
    from decision_aid.extensions import db
    with app.app_context():
        rows = db.session.scalars(sa.select(UserSession).join(User).where(User.email == email)
                                  .order_by(UserSession.id)).all()
        result = [(row.ended_at is not None, row.end_reason) for row in rows]
        db.session.remove()
        return result


def kept_in_tab(page) -> str:
    return page.evaluate("JSON.stringify(Object.assign({}, sessionStorage))")


def test_idle_sign_out_warns_first_ends_the_session_and_gives_back_what_was_typed(browser, short_idle):
    app, url = short_idle
    context = browser.new_context(base_url=url)
    page = context.new_page()
    page.goto("/login")
    sign_in(page)
    page.goto("/discussions/new")
    page.get_by_label("Patient reference (optional)").fill("IDLE-1")
    page.get_by_label("Left knee").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/steps/assessment$"))
    page.locator("#diagnosis").get_by_label("Yes", exact=True).check()
    page.get_by_label("None of these: I have checked each one").check()
    page.get_by_label("The patient's age, in whole years").fill("29")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/steps/situation$"))
    step_url = page.url
    page.get_by_label("Your running goals").fill("Typed, then the phone rang")

    warning = page.get_by_role("alertdialog", name="Are you still there?")
    warning.wait_for(state="visible", timeout=20_000)
    assert page.get_by_role("button", name="Stay signed in").evaluate("el => el === document.activeElement")

    page.wait_for_url(SIGNED_OUT, timeout=20_000)
    assert "signed out after a time without activity" in page.content()
    assert page.get_by_role("button", name="Sign out").count() == 0  # nobody shown as signed in
    assert sessions_of(app, ADA[0])[-1] == (True, "idle")  # ended on the server, not only in the page
    # No patient page opens now without signing in again, however long the tab stays open.
    page.wait_for_timeout(2_000)
    for target in ("/discussions/", step_url):
        page.goto(target)
        assert re.match(r".*/login\?", page.url), target
    assert all(ended for ended, _ in sessions_of(app, ADA[0]))

    sign_in(page)
    page.wait_for_url(step_url)
    assert page.get_by_label("Your running goals").input_value() == "Typed, then the phone rang"
    assert page.get_by_role("status").filter(has_text="not saved yet").is_visible()
    assert "Typed, then the phone rang" not in kept_in_tab(page)  # given back once, then gone
    context.close()


def test_typing_kept_in_the_tab_never_reaches_the_next_clinician(browser, short_idle_server):
    context = browser.new_context(base_url=short_idle_server)
    page = context.new_page()
    page.goto("/login")
    sign_in(page)
    page.goto("/discussions/new")
    page.get_by_label("Patient reference (optional)").fill("ADA-PATIENT-7")
    page.wait_for_url(SIGNED_OUT, timeout=20_000)
    assert "ADA-PATIENT-7" in kept_in_tab(page)  # kept while the tab waits for Ada

    sign_in(page, BEA[0])  # a clinician of another clinic signs in at this tab
    page.wait_for_url(re.compile(r".*/discussions/new$"))
    assert page.get_by_label("Patient reference (optional)").input_value() == ""
    assert page.get_by_role("status").filter(has_text="not saved yet").count() == 0
    assert "ADA-PATIENT-7" not in kept_in_tab(page)
    context.close()


def test_signing_out_clears_what_was_kept(browser, short_idle_server):
    context = browser.new_context(base_url=short_idle_server)
    page = context.new_page()
    page.goto("/login")
    sign_in(page)
    page.goto("/discussions/new")
    page.get_by_label("Patient reference (optional)").fill("ADA-PATIENT-8")
    page.wait_for_url(SIGNED_OUT, timeout=20_000)
    page.goto("/login")  # signs in without going back to that page: the text stays kept
    sign_in(page)
    page.wait_for_url(re.compile(r".*/$"))
    assert "ADA-PATIENT-8" in kept_in_tab(page)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login\?ended=signed_out$"))
    assert "ADA-PATIENT-8" not in kept_in_tab(page)
    context.close()


KEEP = """([value, minutesAgo]) => sessionStorage.setItem('decision-aid:kept-typing', JSON.stringify({
  owner: document.body.dataset.owner, path: location.pathname, at: Date.now() - minutesAgo * 60000,
  fields: [{name: 'patient_ref', value: value}]}))"""


def test_kept_typing_has_a_short_life(browser, short_idle_server):
    context = browser.new_context(base_url=short_idle_server)
    page = context.new_page()
    page.goto("/login?next=/discussions/new")
    sign_in(page)
    page.wait_for_url(re.compile(r".*/discussions/new$"))
    page.evaluate(KEEP, ["KEPT-RECENTLY", 29])
    page.reload()
    assert page.get_by_label("Patient reference (optional)").input_value() == "KEPT-RECENTLY"
    page.evaluate(KEEP, ["KEPT-TOO-LONG", 31])
    page.reload()
    assert page.get_by_label("Patient reference (optional)").input_value() == ""
    assert "KEPT-TOO-LONG" not in kept_in_tab(page)
    context.close()


def test_a_forgotten_tab_does_not_sign_out_work_going_on_in_another(browser, short_idle):
    app, url = short_idle
    context = browser.new_context(base_url=url)
    forgotten = context.new_page()
    forgotten.goto("/login")
    sign_in(forgotten)
    forgotten.wait_for_url(re.compile(r".*/$"))
    forgotten.goto("/comparison")
    busy = context.new_page()
    for _ in range(4):  # working in the other tab past the moment the first tab's countdown ends
        busy.wait_for_timeout(4_000)
        busy.goto("/about")
        assert busy.url.endswith("/about")
    assert forgotten.url.endswith("/comparison")  # the first tab counts down again instead
    assert sessions_of(app, ADA[0])[-1] == (False, None)
    context.close()


def test_stay_signed_in_keeps_the_session(browser, short_idle_server):
    context = browser.new_context(base_url=short_idle_server)
    page = context.new_page()
    page.goto("/login")
    sign_in(page)
    page.goto("/comparison")
    page.get_by_role("button", name="Stay signed in").click(timeout=20_000)  # at about 12 s
    page.get_by_role("alertdialog", name="Are you still there?").wait_for(state="hidden")
    page.wait_for_timeout(5_000)  # now past the moment the session would have ended
    page.goto("/about")
    assert page.url.endswith("/about")  # still signed in
    context.close()
