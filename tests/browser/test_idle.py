"""The idle sign-out as it really happens: the timer, the warning, and what was typed coming back.

A server with a 15-second idle limit (the setting is in minutes) keeps this quick.
"""
from __future__ import annotations

import re

import pytest

from conftest import PASSWORD, PEOPLE

from .conftest import running_app

IDLE_MINUTES = 0.25  # 15 s: the warning comes at 12 s, the sign-out at 14 s


@pytest.fixture(scope="module")
def short_idle_server(tmp_path_factory):
    with running_app(tmp_path_factory.mktemp("idle"), PEOPLE[:1], IDLE_TIMEOUT_MINUTES=IDLE_MINUTES) as (_app, url):
        yield url


def sign_in(page, email=PEOPLE[0][0]):
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_idle_sign_out_warns_first_and_gives_back_what_was_typed(browser, short_idle_server):
    context = browser.new_context(base_url=short_idle_server)
    page = context.new_page()
    page.goto("/login")
    sign_in(page)
    page.goto("/discussions/new")
    page.get_by_label("Patient reference (optional)").fill("IDLE-1")
    page.get_by_label("Left knee").check()
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r".*/steps/situation$"))
    step_url = page.url
    page.get_by_label("Your running goals").fill("Typed, then the phone rang")

    warning = page.get_by_role("alertdialog", name="Are you still there?")
    warning.wait_for(state="visible", timeout=20_000)
    assert page.get_by_role("button", name="Stay signed in").evaluate("el => el === document.activeElement")

    page.wait_for_url(re.compile(r".*/login\?ended=idle.*"), timeout=20_000)
    assert "signed out after a time without activity" in page.content()
    sign_in(page)
    page.wait_for_url(step_url)
    assert page.get_by_label("Your running goals").input_value() == "Typed, then the phone rang"
    assert page.get_by_role("status").filter(has_text="not saved yet").is_visible()
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
