"""WCAG 2.2 AA in a real browser: axe-core on every page and every state that matters, plus the
checks axe cannot make on its own (announced errors, the current step, pictographs' numbers,
labels, reflow at 320 px and at 200 % zoom, focus always visible, colour never alone).

axe runs with the tags wcag2a, wcag2aa, wcag21a, wcag21aa and wcag22aa; every state must have
zero violations. States are reached the way a clinician reaches them (filling and sending the
real forms); discussions that a state merely needs to exist are seeded through the app.
"""
from __future__ import annotations

import re

import pytest

from decision_aid.consultation.steps import JOINED_PAGES, STEPS
from decision_aid.pictograph import FILLED

from .conftest import ADMIN, CLINICIAN, OTHER_CLINIC
from .helpers import Keyboard, assert_no_axe_violations, no_horizontal_scroll

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

OPTION_IDS = ("conservative", "corticosteroid", "prp", "hyaluronic_acid")
# "ready" is asked on the check page in the current content (rules 2): its own page is 2026.1's.
FORM_STEPS = [s.id for s in STEPS if s.id not in ("start", "summary", "ready")]


@pytest.fixture(scope="module")
def seeded(live_server):
    """Discussions that pages need to exist: one just started, one filled but not finished,
    one finished and amended (two revisions)."""
    from conftest import Consultation, signed_in_client

    client = signed_in_client(live_server.seed_app)
    started = Consultation(client).start(patient_ref="AX-START")
    held = Consultation(client).start(patient_ref="AX-HELD")
    filled = Consultation(client).start(patient_ref="AX-FILLED").fill_all(live_server.seed_app)
    done = Consultation(client).start(patient_ref="AX-DONE").fill_all(live_server.seed_app)
    done.finish()
    amended = client.post(f"{done.url}/amend", data={
        "choice": "undecided", "reasons": "Thinking it over", "note": "Phoned back",
        "reason": "Patient changed their mind", "expected_revision": "1"})
    assert amended.status_code == 302, amended.get_data(as_text=True)[:2000]
    return {"started": started.url, "filled": filled.url, "done": done.url, "held": held.url}


# --- Checks run on every state ---------------------------------------------------------------

PAGE_CHECKS = """() => {
  const problems = [];
  // checkVisibility: also false inside a closed <details>, whose content keeps its boxes but is
  // skipped (content-visibility: hidden): an unopened link there is read by no one yet.
  const visible = el => el.checkVisibility() && !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  // Every form control has a name a screen reader can read (a <label>, or a legend for its group).
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const label = el.labels && Array.from(el.labels).map(l => l.innerText.trim()).join(' ');
    if (!label && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      problems.push('no label: ' + el.outerHTML.slice(0, 120));
    if (el.type === 'radio' || el.type === 'checkbox') {
      const group = el.closest('fieldset');
      const legend = group && group.querySelector('legend');
      if (!legend || !legend.innerText.trim()) problems.push('choice outside a named group: ' + el.name);
    }
  }
  for (const b of document.querySelectorAll('button, a[href]')) {
    if (visible(b) && !b.innerText.trim() && !b.getAttribute('aria-label')) problems.push('nameless: ' + b.outerHTML.slice(0, 120));
  }
  // Every same-page link leads somewhere (footnotes, error summary, skip link).
  for (const a of document.querySelectorAll('a[href^="#"]')) {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    if (id && !document.getElementById(id)) problems.push('link to missing #' + id);
  }
  // aria-describedby and aria-labelledby point at elements that exist.
  for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
    for (const attr of ['aria-describedby', 'aria-labelledby']) {
      for (const id of (el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean))
        if (!document.getElementById(id)) problems.push(attr + ' to missing #' + id);
    }
  }
  // Ids are unique (references from labels and ARIA must be unambiguous).
  const seen = new Set();
  for (const el of document.querySelectorAll('[id]')) {
    if (seen.has(el.id)) problems.push('duplicate id ' + el.id);
    seen.add(el.id);
  }
  // Colour is never the only carrier: badges, and the progress states, are in words.
  for (const badge of document.querySelectorAll('.badge')) {
    if (!badge.textContent.trim()) problems.push('badge without words');
  }
  // (In another language the label and level are the catalog's words: "Pewność: niska".)
  const english = document.documentElement.lang === 'en';
  for (const b of document.querySelectorAll('.certainty')) {
    const words = english ? /^Certainty: (high|moderate|low|very low)$/ : /^\\S.*: \\S.*$/;
    if (!words.test(b.textContent.trim())) problems.push('certainty badge: ' + b.textContent);
  }
  for (const li of document.querySelectorAll('nav.progress li:not(.current)')) {
    // In another language: the catalog's words in brackets ("(odwiedzona)"), for screen readers.
    const stated = english ? /\\((visited|not yet visited)/.test(li.textContent)
      : /\\(\\S[^)]*\\)/.test(li.querySelector('.step-state')?.textContent || '');
    if (!stated) problems.push('step state only in colour: ' + li.textContent.trim());
  }
  // No style= attribute anywhere (the CSP blocks them, so they would silently do nothing).
  for (const el of document.querySelectorAll('[style]')) problems.push('style attribute on ' + el.tagName);
  return problems;
}"""


def check_state(page, state: str) -> None:
    assert_no_axe_violations(page, state)
    assert page.evaluate(PAGE_CHECKS) == [], state


def check_errors_announced(page, state: str, *, fields: int | None = None, error: str = "Error:",
                           title_error: str | None = None) -> None:
    """The error summary is an alert, has focus, and links to each field, which is marked
    invalid and described by its own message (``error``: the word, in the form's language;
    ``title_error``: in the page's, where the form is in another, default ``error``)."""
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()
    assert page.title().startswith((title_error or error) + " "), state
    links = summary.get_by_role("link")
    if fields is not None:
        expect(links).to_have_count(fields)
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")[1:]
        message = link.inner_text().split(": ", 1)[1]
        found = page.evaluate("""([target, message, word]) => {
          const el = document.getElementById(target);
          const group = el.tagName === 'FIELDSET';
          // A text field is itself the control; a radio or checkbox group is its fieldset, and
          // each of its choices is marked invalid (the GOV.UK pattern: the group is described
          // once, so a screen reader does not repeat the message on every choice).
          const controls = group ? Array.from(el.querySelectorAll('input')) : [el];
          const described = (el.getAttribute('aria-describedby') || '').split(/\\s+/)
            .map(id => document.getElementById(id)).filter(Boolean);
          const error = described.find(d => d.classList.contains('field-error'));
          return {invalid: controls.every(c => c.getAttribute('aria-invalid') === 'true'),
                  message: error ? error.innerText.replace(word, '').trim() : null,
                  hidden: error ? error.querySelector('.visually-hidden')?.innerText : null};
        }""", [target, message, error])
        assert found["invalid"], (state, target)
        assert found["message"] == message, (state, target, found)
        assert found["hidden"] == error, "the message says it is an error in words, not only red"
    # Following a link in the summary puts focus on the field (the first choice of a group).
    for index in range(links.count()):
        link = links.nth(index)
        target = link.get_attribute("href")[1:]
        link.focus()
        page.keyboard.press("Enter")
        inside = page.evaluate("""(target) => {
          const el = document.getElementById(target), active = document.activeElement;
          return el === active || el.contains(active);
        }""", target)
        assert inside, (state, target, page.evaluate("document.activeElement.outerHTML.slice(0, 120)"))


# --- Pages without sign-in ---------------------------------------------------------------------

def test_login_page(anon_page):
    anon_page.goto("/login")
    check_state(anon_page, "login")
    expect(anon_page.get_by_label("E-mail address")).to_be_visible()


def test_login_with_missing_fields(anon_page):
    anon_page.goto("/login")
    anon_page.get_by_role("button", name="Sign in").click()
    check_state(anon_page, "login, fields missing")
    check_errors_announced(anon_page, "login, fields missing", fields=2)


def test_login_with_wrong_password(anon_page):
    anon_page.goto("/login")
    anon_page.get_by_label("E-mail address").fill("nobody@a.example")
    anon_page.get_by_label("Password").fill("not the password at all")
    anon_page.get_by_role("button", name="Sign in").click()
    expect(anon_page.get_by_role("alert")).to_contain_text("not right")
    expect(anon_page.locator("#error-summary")).to_be_focused()
    check_state(anon_page, "login, wrong password")


def test_login_after_being_signed_out(anon_page):
    anon_page.goto("/login?ended=idle")
    expect(anon_page.get_by_role("status")).to_contain_text("signed out")
    check_state(anon_page, "login, signed out for inactivity")


def test_first_run_page_empty_and_with_errors(browser, empty_server):
    context = browser.new_context(base_url=empty_server)
    try:
        page = context.new_page()
        page.goto("/login")  # no account yet: sign-in leads to the set-up page
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up the decision aid")
        check_state(page, "first run")
        page.get_by_role("button", name="Create the clinic and my account").click()
        check_state(page, "first run, errors")
        check_errors_announced(page, "first run, errors", fields=5)
        # Password boxes look like the other text boxes (border, padding, size, font).
        looks = page.evaluate("""() => Object.fromEntries(['clinic', 'email', 'password', 'confirm'].map(id => {
          const s = getComputedStyle(document.getElementById(id)), box = document.getElementById(id).getBoundingClientRect();
          return [id, [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.borderRadius, s.paddingLeft,
                       s.fontSize, s.fontFamily, Math.round(box.width), Math.round(box.height)]];
        }))""")
        assert looks["password"] == looks["confirm"] == looks["clinic"] == looks["email"], looks
        for label, value in [("Clinic name", "Axe Physio"), ("Your name", "Ava Admin"),
                             ("Your e-mail address", "ava@axe.example")]:
            page.get_by_label(label).fill(value)
        page.get_by_label("Password", exact=True).fill("correct horse battery staple")
        page.get_by_label("Type the password again").fill("correct horse battery staple")
        page.get_by_role("button", name="Create the clinic and my account").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Axe Physio is set up")
        check_state(page, "what next, after set-up")
        page.get_by_role("link", name="Check the clinic's time zone").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Clinic settings of Axe Physio")
        check_state(page, "clinic settings")
    finally:
        context.close()


# --- Reading pages -------------------------------------------------------------------------------

READING = ["/", "/comparison", *[f"/options/{o}" for o in OPTION_IDS], "/about", "/about/ipdas", "/handouts/",
           "/no-such-page"]


@pytest.mark.parametrize("path", READING)
def test_reading_pages(page, path):
    response = page.goto(path)
    assert response.status == (404 if path == "/no-such-page" else 200)
    check_state(page, path)


# The guide in the patient's language (issue #14): Polish, and Arabic right to left. Every page
# of the guide that has a translation, the handouts index, and the error page (a 404 for an
# address with ?lang= is in that language), and About (its IPDAS page is English only).
LANGUAGE_PAGES = [f"{path}?lang={code}" for code in ("pl", "ar")
                  for path in ("/", "/comparison", *[f"/options/{o}" for o in OPTION_IDS], "/handouts/",
                               "/about", "/no-such-page")]


@pytest.mark.parametrize("path", LANGUAGE_PAGES)
def test_reading_pages_in_the_patients_language(page, path):
    page.goto(path)
    code = path.rsplit("=", 1)[1]
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        code, "rtl" if code == "ar" else "ltr"]
    check_state(page, path)


ICON_GAPS = """() => Array.from(document.querySelectorAll('svg.icon-array'))
  .filter(svg => svg.querySelector('path.filled') && svg.querySelector('path.empty'))
  .map(svg => {
    const box = svg.getBoundingClientRect(), filled = svg.querySelector('path.filled').getBoundingClientRect();
    return [Math.round(filled.left - box.left), Math.round(box.right - filled.right), filled.width < box.width * 0.8];
  })"""


@pytest.mark.parametrize("language", ["en", "ar"])
def test_icon_arrays_fill_in_reading_order(page, language):
    """The filled figures start where a line of text starts: the left in English, the right in Arabic."""
    page.goto(f"/comparison?lang={language}")
    partial = [(left, right) for left, right, short_row in page.evaluate(ICON_GAPS) if short_row]
    assert partial, "no icon array with fewer than 10 filled figures on the page"
    if language == "ar":
        assert all(right < left for left, right in partial), partial
    else:
        assert all(left < right for left, right in partial), partial


def test_options_step_with_every_detail_open(page, seeded):
    """The options step's "More about" panels, opened by the clinician."""
    page.goto(f"{seeded['filled']}/steps/options")
    for summary in page.locator("details > summary").all():
        summary.click()
    assert page.evaluate("Array.from(document.querySelectorAll('details')).every(d => d.open)")
    check_state(page, "options step, details open")


@pytest.mark.parametrize("opened", ["closed", "one cell open"])
def test_options_overview_on_a_tablet(new_context, seeded, opened):
    """The options step's overview at 768x1024 (issue #11): every cell closed, then one open."""
    page = new_context(viewport={"width": 768, "height": 1024}).new_page()
    page.goto(f"{seeded['filled']}/steps/options")
    if opened != "closed":
        page.locator("#cell-side_effects-corticosteroid > summary").click()
        assert page.evaluate("document.querySelector('#cell-side_effects-corticosteroid').open")
    check_state(page, f"options overview, tablet, {opened}")


# --- The consultation, step by step -----------------------------------------------------------

@pytest.fixture(scope="module")
def seeded_languages(live_server):
    """A Polish and an Arabic discussion, filled but not finished (issue #14: the steps the
    patient reads beside the clinician are in the patient's language)."""
    from conftest import Consultation, signed_in_client

    client = signed_in_client(live_server.seed_app)
    return {language: Consultation(client).start(patient_ref=f"AX-{language.upper()}", language=language)
            .fill_all(live_server.seed_app).url for language in ("pl", "ar")}


@pytest.mark.parametrize("language, step", [("pl", "options"), ("ar", "options"), ("pl", "check"), ("ar", "check")])
def test_steps_in_the_patients_language(page, seeded_languages, language, step):
    page.goto(f"{seeded_languages[language]}/steps/{step}")
    assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        language, "rtl" if language == "ar" else "ltr"]
    check_state(page, f"{step} step in {language}")


def test_a_polish_step_with_errors(page, seeded_languages):
    """A Polish step's errors: summary, messages beside their fields, "Błąd:" in words."""
    page.goto(f"{seeded_languages['pl']}/steps/decision")
    page.locator("#follow_up_date").fill("2001-01-01")
    page.get_by_role("button", name="Zapisz i dalej").click()
    check_state(page, "decision step in pl, errors")
    check_errors_announced(page, "decision step in pl, errors", fields=1, error="Błąd:")


def test_start_step_empty_and_with_errors(page):
    page.goto("/discussions/new")
    check_state(page, "start step")
    page.get_by_label("Clinician's name").fill("")
    page.get_by_label("Patient reference").fill("Not allowed!")
    page.get_by_role("button", name="Save and continue").click()
    check_state(page, "start step, errors")
    check_errors_announced(page, "start step, errors", fields=3)


@pytest.mark.parametrize("step", FORM_STEPS)
def test_step_empty(page, seeded, step):
    page.goto(f"{seeded['started']}/steps/{step}")
    check_state(page, f"{step} step, empty")


# What a clinician may have filled in when the page is half done, and what makes it fail.
HALF = {
    "start": lambda p: (p.get_by_label("Patient reference").fill("AX-HALF"), p.get_by_label("Both knees").check()),
    "assessment": lambda p: (p.locator("#diagnosis").get_by_label("Yes").check(),
                             p.get_by_label("The patient's age, in whole years").fill("15")),
    "situation": lambda p: (p.get_by_label("Less than 6 weeks").check(), p.get_by_label("Running", exact=True).check(),
                            p.get_by_label("Your running goals").fill("A 10k")),
    "options": lambda p: p.get_by_label("Questions or notes about the options").fill("How long does it take?"),
    "values": lambda p: (p.locator("#value_cost").get_by_label("A lot", exact=True).check(),
                         p.locator("#value_avoid_needles").get_by_label("Not at all").check()),
    "check": lambda p: (p.locator("#quiz_cadence_target").get_by_label("True").check(),
                        p.locator("#sure_sure").get_by_label("No").check()),
    "decision": lambda p: (p.get_by_role("radio", name="Something else").check(), p.get_by_label("Next steps").fill("Think")),
}
# The steps that can show errors. "options" and "values" cannot: all their fields are optional and
# the browser stops typing at each field's maxlength. On "check" the 4 SURE questions are required.
INVALID = {
    # the diagnosis answered, but each of the 7 red flags unanswered and no age: 8 fields
    "assessment": (lambda p: p.locator("#diagnosis").get_by_label("Yes").check(), 8),
    "situation": (lambda p: p.get_by_label("Date of your next race").fill("2001-01-01"), 9),
    "check": (lambda p: p.locator("#quiz_cadence_target").get_by_label("True").check(), 4),
    "decision": (lambda p: (p.get_by_role("radio", name="Something else").check(),
                            p.get_by_label("Follow-up date").fill("2001-01-01")), 2),
}


@pytest.mark.parametrize("step", ["start", *FORM_STEPS])
def test_step_half_filled(page, seeded, step):
    page.goto("/discussions/new" if step == "start" else f"{seeded['started']}/steps/{step}")
    HALF[step](page)
    check_state(page, f"{step} step, half filled")


@pytest.mark.parametrize("step", sorted(INVALID))
def test_step_with_errors(page, seeded, step):
    page.goto(f"{seeded['started']}/steps/{step}")
    fill, count = INVALID[step]
    fill(page)
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#error-summary")).to_be_visible()
    check_state(page, f"{step} step, errors")
    check_errors_announced(page, f"{step} step, errors", fields=count)


@pytest.mark.parametrize("state", ["injection details shown", "none apply not confirmed"])
def test_situation_health_questions(new_context, seeded, state):
    """The health questions' own states on a tablet (issue #11 item 6): an earlier injection's
    details shown after "Yes"; "None of these apply" sent without its confirmation."""
    page = new_context(viewport={"width": 768, "height": 1024}).new_page()
    page.goto(f"{seeded['started']}/steps/situation")
    if state == "injection details shown":
        page.locator("#safety_recent_injection").get_by_label("Yes", exact=True).check()
        expect(page.get_by_role("group", name="Which injection was the last one?")).to_be_visible()
        check_state(page, f"situation step, {state}")
    else:
        page.get_by_label("None of these apply").check()
        page.get_by_role("button", name="Save and continue").click()
        expect(page.locator("#error-summary")).to_be_visible()
        check_state(page, f"situation step, {state}")
        check_errors_announced(page, f"situation step, {state}", fields=3)  # duration, pain, the confirmation


def test_assessment_step_stopped_and_paused(page, seeded):
    """A red flag: the step says why the options are not discussed yet; then saved as paused."""
    page.goto(f"{seeded['held']}/steps/assessment")
    page.locator("#diagnosis").get_by_label("Yes").check()
    page.get_by_label("The patient's age, in whole years").fill("45")
    for group in page.locator("fieldset[id^='flag_']").all():
        group.get_by_label("No", exact=True).check()
    page.locator("#flag_night_constant_pain").get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("We stop here for now")
    check_state(page, "assessment step, stopped by a red flag")
    page.get_by_role("button", name="Save as paused: needs assessment first").click()
    expect(page.locator(".status-line")).to_contain_text("Paused: needs assessment first")
    check_state(page, "paused discussion")
    page.get_by_role("link", name="Reopen the assessment").click()
    expect(page.get_by_role("alert")).to_contain_text("We stop here for now")
    check_state(page, "paused discussion reopened at the assessment")


def test_check_step_with_the_answers_shown(page, seeded):
    page.goto(f"{seeded['filled']}/steps/check")
    page.get_by_role("button", name="Show the answers").click()
    expect(page.get_by_text("The answer is false.").first).to_be_visible()
    check_state(page, "check step, answers shown")


def test_check_step_with_feedback_shown_as_an_item_is_answered(page, live_server):
    """quiz.js shows an item's answer and explanation on the page as soon as it is answered."""
    from conftest import Consultation, signed_in_client
    url = Consultation(signed_in_client(live_server.seed_app)).start(patient_ref="AX-QUIZ").url
    page.goto(f"{url}/steps/check")
    page.locator("#quiz_steroid_infection_rare").get_by_label("True", exact=True).check()
    expect(page.locator('[data-quiz-feedback="quiz_steroid_infection_rare"]')).to_be_visible()
    check_state(page, "check step, feedback shown as an item is answered")


def test_ready_questions_with_a_low_score_note(page, seeded):
    page.goto(f"{seeded['filled']}/steps/check")  # "Ready to decide?" is asked there
    page.locator("#sure_sure").get_by_label("No").check()
    page.get_by_role("button", name="Save and finish later").click()
    page.goto(f"{seeded['filled']}/steps/check")
    expect(page.locator("#sure").get_by_role("status")).to_be_visible()
    check_state(page, "check step, SURE low score note")
    page.locator("#sure_sure").get_by_label("Yes").check()
    page.get_by_role("button", name="Save and finish later").click()


def test_summary_step(page, seeded):
    page.goto(f"{seeded['filled']}/steps/summary")
    check_state(page, "summary")
    page.get_by_text("The comparison that was shown").click()  # open the details
    check_state(page, "summary with the comparison open")


def test_summary_step_with_every_group_open(page, seeded):
    """The answers folded by group (issue 11 item 10), each group opened by the clinician."""
    page.goto(f"{seeded['filled']}/steps/summary")
    assert page.locator("details.summary-group[open]").count() == 0  # every group complete: all closed
    lines = page.locator("details.summary-group > summary")
    assert lines.count() >= 4
    for summary in lines.all():
        summary.click()
    assert page.evaluate("Array.from(document.querySelectorAll('details.summary-group')).every(d => d.open)")
    check_state(page, "summary, every group open")


def test_summary_with_steps_missing(page, seeded):
    page.goto(f"{seeded['started']}/steps/summary")
    expect(page.locator(".notice[role=status]")).to_contain_text("Some steps are not filled in yet")
    check_state(page, "summary, steps missing")


def test_summary_with_a_half_done_step(page, seeded):
    page.goto(f"{seeded['started']}/steps/options")
    page.get_by_role("button", name="Save and finish later").click()  # nothing required on this step
    page.goto(f"{seeded['started']}/steps/situation")
    page.get_by_label("Your running goals").fill("A 10 km race")
    page.get_by_role("button", name="Save and finish later").click()
    page.goto(f"{seeded['started']}/steps/summary")
    expect(page.locator(".notice[role=status]")).to_contain_text("How bad is the pain now?")
    check_state(page, "summary, a step with answers still to give")


@pytest.mark.parametrize("length, state", [(4_600, "near the limit"), (5_010, "over the limit")])
def test_text_counter_near_and_over_the_limit(page, seeded, length, state):
    page.goto(f"{seeded['started']}/steps/values")
    page.get_by_label("Anything else that matters to you (optional)").fill("x" * length)
    expect(page.locator("#own_factors-count")).to_have_class(re.compile("char-count-(near|over)"))
    check_state(page, f"text counter {state}")


def test_idle_warning_and_restored_typing(page, seeded):
    url = f"{seeded['started']}/steps/options"
    page.goto(url)
    # What session.js shows two minutes before an idle sign-out.
    page.evaluate("document.getElementById('idle-warning').hidden = false")
    check_state(page, "idle warning shown")
    # What session.js shows after signing in again: the typing kept in this tab is put back
    # (kept as session.js keeps it: for this clinician's pages, this page, with the time).
    page.evaluate("""() => sessionStorage.setItem('decision-aid:kept-typing', JSON.stringify({
                     owner: document.body.dataset.owner, path: location.pathname, at: Date.now(),
                     fields: [{name: 'option_notes', value: 'typed before the sign-out'}]}))""")
    page.reload()
    expect(page.get_by_role("status").filter(has_text="signed out while this page was open")).to_be_visible()
    expect(page.get_by_label("Questions or notes about the options")).to_have_value("typed before the sign-out")
    check_state(page, "typing restored after a sign-out")


# --- Saved discussions, revisions, amending -----------------------------------------------------

def test_saved_list_with_results(page, seeded):
    page.goto("/discussions/")
    expect(page.get_by_role("table")).to_be_visible()
    check_state(page, "saved list")


def test_saved_list_empty(new_context, live_server):
    page = new_context(as_=OTHER_CLINIC[0]).new_page()
    page.goto("/discussions/")
    expect(page.get_by_text("No discussions saved yet.")).to_be_visible()
    check_state(page, "saved list, empty")


def test_search_without_results_and_with_errors(page, seeded):
    page.goto("/discussions/")
    page.get_by_label("Patient reference (or any part of it)").fill("NO-SUCH-REF")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No saved discussion matches.")).to_be_visible()
    check_state(page, "search, no results")
    page.get_by_label("Discussed on or after").fill("2026-02-01")
    page.get_by_label("Discussed on or before").fill("2026-01-01")
    page.get_by_role("button", name="Search").click()
    check_state(page, "search, errors")
    check_errors_announced(page, "search, errors", fields=1)


def test_search_with_results(page, seeded):
    page.goto("/discussions/")
    page.get_by_label("Patient reference (or any part of it)").fill("AX-")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("table")).to_be_visible()
    check_state(page, "search, results")


@pytest.mark.parametrize("which, suffix", [("filled", ""), ("done", ""), ("done", "?finished=1"),
                                           ("done", "?amended=1"), ("done", "/revisions/1"),
                                           ("done", "/revisions/2"), ("done", "/amend")])
def test_review_revision_and_amend_pages(page, seeded, which, suffix):
    page.goto(seeded[which] + suffix)
    check_state(page, f"{which}{suffix}")


def test_note_for_the_record_and_its_copy_button(new_context, seeded):
    """The note page passes the sweep; Copy puts exactly the note's text on the clipboard."""
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(seeded["done"] + "/revisions/2/note")
    check_state(page, "note for the record")
    page.get_by_role("button", name="Copy the note").click()
    expect(page.get_by_role("status").filter(has_text="copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == page.locator("#note-text").input_value()
    check_state(page, "note for the record, copied")


def test_amend_with_errors(page, seeded):
    page.goto(seeded["done"] + "/amend")
    page.get_by_role("button", name="Save as a new revision").click()
    check_state(page, "amend, errors")
    check_errors_announced(page, "amend, errors", fields=1)


def test_amend_any_step_page(page, seeded):
    page.goto(seeded["done"] + "/amend/situation")
    check_state(page, "amend situation")


def test_amend_two_tab_conflict_side_by_side(new_context, seeded):
    context = new_context()
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        tab.goto(seeded["done"] + "/amend/situation")
    for tab, pain in ((first, "2"), (second, "9")):
        tab.locator(f'input[name="pain_now"][value="{pain}"]').check()
        tab.get_by_label("Why is this being changed?").fill(f"Pain is {pain} today")
        tab.get_by_role("button", name="Save as a new revision").click()
    assert second.get_by_role("columnheader", name="Saved by the other tab").is_visible()
    check_state(second, "amend, two-tab conflict")


# --- Accounts and admin ------------------------------------------------------------------------

def test_password_page_empty_errors_and_changed(page):
    page.goto("/account/password")
    check_state(page, "password page")
    page.get_by_role("button", name="Change password").click()
    check_state(page, "password page, errors")
    check_errors_announced(page, "password page, errors", fields=3)


@pytest.fixture
def admin_page(new_context):
    return new_context(as_=ADMIN[0]).new_page()


def test_admin_users_page_and_its_errors(admin_page):
    admin_page.goto("/admin/users")
    check_state(admin_page, "admin users")
    admin_page.get_by_role("button", name="Add account").click()
    check_state(admin_page, "admin users, errors")
    check_errors_announced(admin_page, "admin users, errors", fields=4)


def test_admin_users_page_with_failed_sign_ins(admin_page, anon_page):
    anon_page.goto("/login")
    anon_page.get_by_label("E-mail address").fill(CLINICIAN[0])  # one failure: a note, no delay
    anon_page.get_by_label("Password").fill("not the password at all")
    anon_page.get_by_role("button", name="Sign in").click()
    admin_page.goto("/admin/users")
    clear = admin_page.get_by_role("button", name=re.compile("Clear failed sign-ins"))
    expect(clear).to_be_visible()
    check_state(admin_page, "admin users, failed sign-ins")
    clear.click()
    expect(clear).to_have_count(0)


def test_clinic_settings_saved(admin_page):
    admin_page.goto("/admin/clinic")
    admin_page.get_by_label("Time zone").select_option("Europe/Dublin")
    admin_page.get_by_role("button", name="Save the clinic settings").click()
    expect(admin_page.get_by_role("status")).to_have_text("The clinic settings are saved.")
    check_state(admin_page, "clinic settings, saved")
    admin_page.get_by_label("Time zone").select_option("Europe/London")  # as the other cases expect
    admin_page.get_by_role("button", name="Save the clinic settings").click()


def test_clinic_printed_details_with_an_error_then_saved_and_shown_beside_the_options(admin_page):
    admin_page.goto("/admin/clinic/details")
    check_state(admin_page, "clinic printed details, empty")
    admin_page.get_by_label("Clinic name as printed").fill("")
    admin_page.get_by_role("button", name="Save as a new version").click()
    expect(admin_page.locator(".error-summary")).to_be_visible()
    check_state(admin_page, "clinic printed details, error")
    admin_page.get_by_label("Clinic name as printed").fill("Riverside Knee Clinic")
    admin_page.get_by_label("Phone number").fill("0113 496 0000")
    admin_page.get_by_label("Is PRP injection offered at this clinic?").select_option("yes")
    admin_page.get_by_label("Price of PRP injection here").fill("£380 per injection")
    admin_page.get_by_label("Is Hyaluronic acid injection offered at this clinic?").select_option("no")
    admin_page.get_by_role("button", name="Save as a new version").click()
    expect(admin_page.get_by_role("status")).to_have_text("The printed details are saved.")
    check_state(admin_page, "clinic printed details, saved, with local facts")
    for url in ("/comparison", "/options/prp"):
        admin_page.goto(url)
        expect(admin_page.locator("#local-facts")).to_be_visible()
        check_state(admin_page, f"local facts on {url}")


def test_admin_audit_page(admin_page):
    admin_page.goto("/admin/audit")
    expect(admin_page.get_by_role("table")).to_be_visible()
    check_state(admin_page, "audit log")


@pytest.fixture
def reset_target(live_server):
    """A clinician of clinic A made for one test: a password reset ends the sessions of its
    account, and the other tests share the signed-in sessions of the usual four."""
    import uuid

    from conftest import PASSWORD
    from decision_aid.accounts.operations import create_user
    from decision_aid.extensions import db

    email = f"reset-{uuid.uuid4().hex[:8]}@a.example"
    with live_server.seed_app.app_context():
        person = create_user(db.session, email=email, name="Rey Reset", clinic_name="Clinic A",
                             role="clinician", password=PASSWORD)
        db.session.commit()
        return person.id, email


def test_password_reset_page_its_errors_and_the_change_it_forces(admin_page, new_context, reset_target):
    user_id, email = reset_target
    admin_page.goto(f"/admin/users/{user_id}/password")
    check_state(admin_page, "password reset")
    admin_page.get_by_role("button", name="Set the new password").click()
    check_state(admin_page, "password reset, errors")
    check_errors_announced(admin_page, "password reset, errors", fields=2)
    first = "a first passphrase for rey today"
    admin_page.get_by_label("New first password").fill(first)
    admin_page.get_by_label("Type the password again").fill(first)
    admin_page.get_by_role("button", name="Set the new password").click()
    expect(admin_page.get_by_role("status")).to_contain_text("New password set for Rey Reset")
    check_state(admin_page, "password reset, done")

    page = new_context(as_=None).new_page()
    page.goto("/login")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(first)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/account/password$"))  # no other page until it is changed
    expect(page.get_by_role("status")).to_contain_text("choose your own password")
    check_state(page, "password change due")
    own = "rey picks an own passphrase now"
    page.get_by_label("Current password").fill(first)
    page.get_by_label("New password").fill(own)
    page.get_by_label("Type the password again").fill(own)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")
    check_state(page, "password changed after a reset")


# --- What axe cannot check on its own ----------------------------------------------------------

def test_progress_indicator_exposes_the_current_step(page, seeded):
    # The current content (rules 2) asks some steps on another step's page: the bar lists pages.
    asked_elsewhere = {part for parts in JOINED_PAGES.values() for part in parts[1:]}
    pages = [s for s in STEPS if s.id not in asked_elsewhere]
    for number, step in enumerate(pages, start=1):
        page.goto(f"{seeded['filled']}/steps/{step.id}")
        progress = page.get_by_role("navigation", name="Steps of the discussion")
        current = progress.locator('[aria-current="step"]')
        expect(current).to_have_count(1)
        expect(current).to_have_text(f"{number} {step.title}")
        expect(progress.get_by_role("listitem")).to_have_count(len(pages))
        assert page.locator(".step-meta").inner_text().startswith(f"Step {number} of {len(pages)}")


# Each figure is drawn as two subpaths (head and body), all filled figures in one path and all
# the others in another: the figures are counted from the drawing itself.
PICTOGRAPHS = """() => Array.from(document.querySelectorAll('svg.icon-array:not(.no-number-panel)')).map(svg => {
  const title = document.getElementById(svg.getAttribute('aria-labelledby'));
  const caption = svg.closest('figure')?.querySelector('figcaption');
  const count = cls => { const p = svg.querySelector('path.' + cls);
                         return p ? (p.getAttribute('d').match(/M/g) || []).length / 2 : 0; };
  const filledPath = svg.querySelector('path.filled');
  return {role: svg.getAttribute('role'), title: title && title.textContent, titleIsChild: !!title && title.parentNode === svg,
          caption: caption && caption.textContent.replace(/\\s+/g, ' ').trim(),
          filled: count('filled'), figures: count('filled') + count('empty'),
          fill: filledPath && filledPath.getAttribute('fill')};
})"""


@pytest.mark.parametrize("path", ["/", "/comparison", "/options/conservative", "/options/corticosteroid",
                                  "/options/prp", "/options/hyaluronic_acid", "filled:/steps/options",
                                  "filled:/steps/summary"])
def test_pictographs_have_a_text_alternative_with_the_caption_numbers(page, seeded, path):
    if path.startswith("filled:"):
        path = seeded["filled"] + path.split(":", 1)[1]
    page.goto(path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    arrays = page.evaluate(PICTOGRAPHS)
    if not arrays:  # an option with no numbers says so in words instead
        expect(page.get_by_text("No number available.").first).to_be_visible()
        return
    for array in arrays:
        assert array["role"] == "img" and array["titleIsChild"], array
        assert array["caption"].startswith(array["title"]), array  # the same sentence, seen and heard
        count, out_of = re.search(r"(\d+) out of (\d+) (?:people|injections)", array["title"]).groups()
        assert (int(count), int(out_of)) == (array["filled"], array["figures"]), array
        assert array["fill"] in (FILLED, None)
    # Announced as one image named by its sentence, not as a heap of shapes.
    expect(page.get_by_role("img", name=re.compile(r"\d+ out of 100 people")).first).to_be_attached()


@pytest.mark.parametrize("path", ["/login", "/comparison", "filled:/steps/situation", "filled:/steps/summary",
                                  "done", "/discussions/"])
def test_focus_is_always_visible_when_tabbing_through_a_page(new_context, seeded, path):
    page = new_context(as_=None if path == "/login" else ADMIN[0]).new_page()
    if path == "done":
        path = seeded["done"]
    elif path.startswith("filled:"):
        path = seeded["filled"] + path.split(":", 1)[1]
    page.goto(path)
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    keys = Keyboard(page)
    seen = set()
    for _ in range(800):
        info = keys.tab()
        if info is None:
            break
        key = info["html"]
        if key in seen and info["text"] == "Skip to main content":
            break  # round the page once
        seen.add(key)
    assert len(keys.focused) > 3
    assert keys.invisible_focus() == [], [(i["html"], i["outline"]) for i in keys.invisible_focus()][:5]
    assert [i["html"] for i in keys.focused if not i["onScreen"]] == []


REFLOW_PAGES = ["/comparison", *[f"filled:/steps/{s.id}" for s in STEPS], "done", "done/revisions/2", "done/amend",
                "/", "/options/conservative", "/discussions/", "/admin/users", "/admin/audit", "/login"]


@pytest.mark.parametrize("viewport", [{"width": 320, "height": 640, "device_scale_factor": 1},
                                      {"width": 640, "height": 400, "device_scale_factor": 2}],
                         ids=["320px", "1280px-at-200pc-zoom"])
def test_no_horizontal_scroll_at_320_px_or_200_percent_zoom(new_context, seeded, viewport):
    """WCAG 1.4.10 Reflow. 1280 px at 200 % zoom is a 640 CSS px wide layout viewport."""
    size = {"width": viewport["width"], "height": viewport["height"]}
    page = new_context(as_=ADMIN[0], viewport=size, device_scale_factor=viewport["device_scale_factor"]).new_page()
    wide = []
    for path in REFLOW_PAGES:
        url = (seeded["done"] + path[4:] if path.startswith("done") else
               seeded["filled"] + path[7:] if path.startswith("filled:") else path)
        page.goto(url)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        scroll, inner = no_horizontal_scroll(page)
        if scroll > inner:
            culprits = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
              .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
              .slice(0, 5).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")
            wide.append((path, scroll, inner, culprits))
    assert wide == []


def test_option_columns_and_pictographs_look_the_same_for_every_option(page, seeded):
    """No option is ever highlighted: same computed style for every option's column, cell,
    pictograph and prompt box."""
    style = """(els) => els.map(el => { const cs = getComputedStyle(el);
      return [cs.backgroundColor, cs.color, cs.fontWeight, cs.fontSize, cs.borderTopColor,
              cs.borderTopWidth, Math.round(parseFloat(cs.width))].join('|'); })"""
    page.goto("/comparison")
    headers = page.locator("table.grid thead th[id^='col-']")
    expect(headers).to_have_count(4)
    assert len(set(headers.evaluate_all(style))) == 1
    for row in page.locator("table.grid tbody tr").all():
        assert len(set(row.locator("td").evaluate_all(style))) == 1
    assert len(set(page.locator(".chance-grid > li").evaluate_all(style))) == 1
    page.goto(f"{seeded['filled']}/steps/options")
    assert len(set(page.locator(".prompt-grid > li").evaluate_all(style))) == 1


# --- After the visit: CollaboRATE, follow-ups, the follow-up list, the clinic's figures ---------

@pytest.fixture(scope="module")
def finished_later(live_server):
    """A finished discussion whose follow-up date (6 weeks on) has not come, not yet asked CollaboRATE."""
    return live_server.seed_discussion(patient_ref="AX-LATER")


def test_followup_collaborate_empty_errors_and_thanks(page, finished_later):
    page.goto(finished_later + "/collaborate")
    check_state(page, "collaborate")
    page.get_by_role("button", name="Send my answers").click()
    check_state(page, "collaborate, errors")
    check_errors_announced(page, "collaborate, errors", fields=3)
    page.get_by_role("button", name="Skip these questions").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    check_state(page, "collaborate, thanks")


def test_followup_record_errors_and_saved(page, seeded):
    page.goto(seeded["done"] + "/follow-up")
    check_state(page, "follow-up form")
    page.get_by_role("button", name="Save the follow-up").click()
    check_state(page, "follow-up, errors")
    check_errors_announced(page, "follow-up, errors", fields=1)
    page.locator('input[name="pain_now"][value="3"]').check()
    page.get_by_label("What has been done since the visit?").fill("Exercises at home")
    page.get_by_role("button", name="Save the follow-up").click()
    expect(page.get_by_role("status")).to_contain_text("The follow-up is saved")
    check_state(page, "review with a follow-up")


def test_followup_not_due_yet(page, finished_later):
    page.goto(finished_later + "/follow-up")
    expect(page.get_by_role("status")).to_contain_text("can be recorded from then")
    check_state(page, "follow-up, not due yet")


@pytest.mark.parametrize("path", ["/follow-ups/", "/follow-ups/?whose=clinic"])
def test_followup_list(page, seeded, path):
    page.goto(path)
    check_state(page, f"follow-up list {path}")


def test_followup_clinic_figures_and_errors(admin_page):
    admin_page.goto("/admin/figures")
    expect(admin_page.locator("svg.chart").first).to_be_visible()
    check_state(admin_page, "clinic figures")
    admin_page.get_by_label("From").fill("2026-12-31")
    admin_page.get_by_label("To").fill("2026-01-01")
    admin_page.get_by_role("button", name="Show the figures").click()
    check_state(admin_page, "clinic figures, errors")
    check_errors_announced(admin_page, "clinic figures, errors", fields=1)
# --- The patient's link (on a phone) and the tablet's patient view ----------------------------

def _patient_link(live_server, language: str = "en") -> tuple[str, str]:
    """(discussion path, token) of a new discussion with a patient link, made through the app."""
    from conftest import Consultation, signed_in_client

    clinician = signed_in_client(live_server.seed_app)
    visit = Consultation(clinician).start(patient_ref="AX-LINK", language=language)
    html = clinician.post(f"/discussions/{visit.id}/patient-link").get_data(as_text=True)
    return f"/discussions/{visit.id}", re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)


def test_patient_link_pages_on_a_phone(new_context, live_server):
    path, token = _patient_link(live_server)
    phone = new_context(as_=None, viewport={"width": 375, "height": 812}, is_mobile=True).new_page()
    phone.goto(f"/p/{token}")
    for part in ("about", "situation", "options", "values", "done"):
        phone.goto(f"/p/steps/{part}")
        check_state(phone, f"patient link, {part}, phone")
        # Against the phone's width: a mobile browser widens its window to a page that overflows.
        assert no_horizontal_scroll(phone)[0] <= 375, part
    phone.goto("/p/steps/situation")
    phone.get_by_role("button", name="Save and continue").click()
    check_state(phone, "patient link, situation with errors, phone")
    check_errors_announced(phone, "patient link, situation with errors")
    phone.goto("/p/no-such-link-at-all-for-anyone-here-0000000")
    check_state(phone, "patient link, not valid")


# Save and continue, in each language (the button is found by the name the patient reads).
SAVE_AND_CONTINUE = {"pl": "Zapisz i dalej", "ar": "احفظ وتابع"}
# The word that starts an error page's title and each error message, in each language.
ERROR_WORD = {"pl": "Błąd:", "ar": "خطأ:"}


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_patient_link_pages_in_the_patients_language(new_context, live_server, language):
    _path, token = _patient_link(live_server, language)
    phone = new_context(as_=None, viewport={"width": 375, "height": 812}, is_mobile=True).new_page()
    phone.goto(f"/p/{token}")
    for part in ("about", "situation", "options", "values", "done"):
        phone.goto(f"/p/steps/{part}")
        assert phone.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
            language, "rtl" if language == "ar" else "ltr"], part
        check_state(phone, f"patient link in {language}, {part}, phone")
        assert no_horizontal_scroll(phone)[0] <= 375, part
    phone.goto("/p/steps/situation")
    phone.get_by_role("button", name=SAVE_AND_CONTINUE[language]).click()
    check_state(phone, f"patient link in {language}, situation with errors, phone")
    check_errors_announced(phone, f"patient link in {language}, situation with errors",
                           error=ERROR_WORD[language])


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_patient_link_closed_in_the_patients_language(new_context, live_server, language):
    """The page a withdrawn link shows (the same page says a link expired or the visit is finished)."""
    from conftest import signed_in_client

    path, token = _patient_link(live_server, language)
    phone = new_context(as_=None, viewport={"width": 375, "height": 812}, is_mobile=True).new_page()
    phone.goto(f"/p/{token}")
    assert signed_in_client(live_server.seed_app).post(f"{path}/patient-link/withdraw").status_code in (302, 303)
    response = phone.goto("/p/steps/about")
    assert response.status == 410
    assert phone.evaluate("document.documentElement.lang") == language
    check_state(phone, f"patient link in {language}, closed, phone")
    assert no_horizontal_scroll(phone)[0] <= 375


def test_patient_link_page_of_the_clinician(page, live_server):
    path, _token = _patient_link(live_server)
    page.goto(f"{path}/patient-link")
    check_state(page, "the patient's link, open")
    page.get_by_role("button", name="Make a new link").click()
    expect(page.locator("svg.qr-code")).to_be_visible()
    check_state(page, "the patient's link, new, with its QR code")
    page.get_by_role("button", name="Withdraw the link").click()
    check_state(page, "the patient's link, withdrawn")


def test_patient_view_on_the_tablet_and_its_password_page(new_context, live_server):
    path, _token = _patient_link(live_server)
    tablet = new_context(viewport={"width": 768, "height": 1024}, own_session=True).new_page()
    tablet.goto(path)
    tablet.get_by_role("button", name="Patient view (hand the tablet over)").click()
    check_state(tablet, "patient view, about")
    tablet.goto(f"{path}/patient-view/values")
    check_state(tablet, "patient view, values")
    tablet.goto(f"{path}/patient-view/end")
    check_state(tablet, "patient view, password page")
    tablet.get_by_role("button", name="Back to the clinician's view").click()
    check_state(tablet, "patient view, password page with errors")
    check_errors_announced(tablet, "patient view, password missing", fields=1)


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_patient_view_on_the_tablet_in_the_patients_language(new_context, live_server, language):
    path, _token = _patient_link(live_server, language)
    tablet = new_context(viewport={"width": 768, "height": 1024}, own_session=True).new_page()
    tablet.goto(path)
    tablet.get_by_role("button", name="Patient view (hand the tablet over)").click()  # the clinician's page
    assert tablet.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
        language, "rtl" if language == "ar" else "ltr"]
    check_state(tablet, f"patient view in {language}, about")
    tablet.goto(f"{path}/patient-view/values")
    check_state(tablet, f"patient view in {language}, values")
    tablet.goto(f"{path}/patient-view/end")
    check_state(tablet, f"patient view in {language}, password page")
    # The password box is the clinician's, in the clinic's language (marked lang="en"), its
    # error summary and messages too; the page around it (and its title) is the patient's.
    tablet.get_by_role("button", name="Back to the clinician's view").click()
    check_state(tablet, f"patient view in {language}, password page with errors")
    check_errors_announced(tablet, f"patient view in {language}, password missing", fields=1,
                           title_error=ERROR_WORD[language])
    assert tablet.locator('#error-summary').evaluate("e => e.closest('[lang]').lang") == "en"


# --- The patient's links after the visit (CollaboRATE, the follow-up), on a phone ---------------

def _finished_with_links(live_server, follow_up_date: str, language: str = "en") -> tuple[str, dict[str, str]]:
    """(discussion path, {kind: token}) of a finished discussion with both links after the visit."""
    from conftest import DECISION, Consultation, signed_in_client

    clinician = signed_in_client(live_server.seed_app)
    visit = Consultation(clinician).start(patient_ref="AX-AFTER", language=language).fill_all(
        live_server.seed_app, decision={**DECISION, "follow_up_date": follow_up_date})
    visit.finish()
    tokens = {}
    for kind in ("collaborate-link", "follow-up-link"):
        html = clinician.post(f"{visit.url}/{kind}").get_data(as_text=True)
        tokens[kind] = re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)
    return visit.url.replace("http://localhost", ""), tokens


def _phone(new_context):
    return new_context(as_=None, viewport={"width": 375, "height": 812}, is_mobile=True).new_page()


def _check_phone(phone, state: str) -> None:
    check_state(phone, state)
    # Against the phone's width: a mobile browser widens its window to a page that overflows.
    assert no_horizontal_scroll(phone)[0] <= 375, state


def test_collaborate_on_the_patients_phone(new_context, live_server):
    _path, tokens = _finished_with_links(live_server, "")
    phone = _phone(new_context)
    phone.goto(f"/p/{tokens['collaborate-link']}")
    _check_phone(phone, "collaborate link")
    phone.get_by_role("button", name="Send my answers").click()
    _check_phone(phone, "collaborate link, errors")
    check_errors_announced(phone, "collaborate link, errors", fields=3)
    phone.get_by_role("button", name="Skip these questions").click()
    expect(phone.get_by_role("status")).to_contain_text("Thank you")
    _check_phone(phone, "collaborate link, thanks")
    phone.goto("/p/after/follow-up")
    _check_phone(phone, "collaborate link, another part")
    phone.goto("/p/after/collaborate")
    _check_phone(phone, "collaborate link, spent")


def test_follow_up_on_the_patients_phone(new_context, live_server):
    import datetime as dt

    _path, later = _finished_with_links(live_server, (dt.date.today() + dt.timedelta(days=42)).isoformat())
    phone = _phone(new_context)
    phone.goto(f"/p/{later['follow-up-link']}")
    expect(phone.get_by_role("status")).to_contain_text("These questions open on")
    _check_phone(phone, "follow-up link, not yet")
    path, due = _finished_with_links(live_server, dt.date.today().isoformat())
    phone = _phone(new_context)
    phone.goto(f"/p/{due['follow-up-link']}")
    _check_phone(phone, "follow-up link, form")
    phone.get_by_role("button", name="Send my answers").click()
    _check_phone(phone, "follow-up link, errors")
    check_errors_announced(phone, "follow-up link, errors", fields=1)
    phone.locator('input[name="pain_now"][value="2"]').check()
    phone.get_by_label("What have you done for your knee since your visit?").fill("Exercises at home")
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("status")).to_contain_text("Your answers are sent")
    _check_phone(phone, "follow-up link, sent")


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_collaborate_on_the_patients_phone_in_the_patients_language(new_context, live_server, language):
    _path, tokens = _finished_with_links(live_server, "", language)
    phone = _phone(new_context)
    phone.goto(f"/p/{tokens['collaborate-link']}")
    assert phone.evaluate("document.documentElement.lang") == language
    _check_phone(phone, f"collaborate link in {language}")
    phone.locator('button[value="send"]').click()
    _check_phone(phone, f"collaborate link in {language}, errors")
    check_errors_announced(phone, f"collaborate link in {language}, errors", fields=3, error=ERROR_WORD[language])
    phone.locator('button[value="skip"]').click()
    expect(phone.get_by_role("status")).to_be_visible()
    _check_phone(phone, f"collaborate link in {language}, thanks")
    response = phone.goto("/p/after/collaborate")
    assert response.status == 410
    _check_phone(phone, f"collaborate link in {language}, spent")


@pytest.mark.parametrize("language", ["pl", "ar"])
def test_follow_up_on_the_patients_phone_in_the_patients_language(new_context, live_server, language):
    import datetime as dt

    _path, later = _finished_with_links(live_server, (dt.date.today() + dt.timedelta(days=42)).isoformat(),
                                        language)
    phone = _phone(new_context)
    phone.goto(f"/p/{later['follow-up-link']}")
    expect(phone.get_by_role("status")).to_be_visible()
    assert phone.evaluate("document.documentElement.lang") == language
    _check_phone(phone, f"follow-up link in {language}, not yet")
    _path, due = _finished_with_links(live_server, dt.date.today().isoformat(), language)
    phone = _phone(new_context)
    phone.goto(f"/p/{due['follow-up-link']}")
    _check_phone(phone, f"follow-up link in {language}, form")
    send = phone.locator("form.step-form button[type=submit]")
    send.click()
    _check_phone(phone, f"follow-up link in {language}, errors")
    check_errors_announced(phone, f"follow-up link in {language}, errors", fields=1, error=ERROR_WORD[language])
    phone.locator('input[name="pain_now"][value="2"]').check()
    phone.locator('[name="done_since"]').fill("Ćwiczenia w domu" if language == "pl" else "تمارين في المنزل")
    send.click()
    expect(phone.get_by_role("status")).to_be_visible()
    _check_phone(phone, f"follow-up link in {language}, sent")


def test_links_after_the_visit_pages_of_the_clinician(page, live_server):
    import datetime as dt

    path, _tokens = _finished_with_links(live_server, dt.date.today().isoformat())
    for kind in ("collaborate-link", "follow-up-link"):
        page.goto(f"{path}/{kind}")
        check_state(page, f"{kind}, open")
        page.get_by_role("button", name="Make a new link").click()
        expect(page.locator("svg.qr-code")).to_be_visible()
        check_state(page, f"{kind}, new, with its QR code")
        page.get_by_role("button", name="Withdraw the link").click()
        check_state(page, f"{kind}, withdrawn")
    page.goto(path)
    check_state(page, "review with the links after the visit")


def test_follow_up_list_with_a_follow_up_the_patient_answered(page, new_context, live_server):
    import datetime as dt

    _path, tokens = _finished_with_links(live_server, dt.date.today().isoformat())
    phone = _phone(new_context)
    phone.goto(f"/p/{tokens['follow-up-link']}")
    phone.locator('input[name="pain_now"][value="4"]').check()
    phone.get_by_role("button", name="Send my answers").click()
    expect(phone.get_by_role("status")).to_contain_text("Your answers are sent")
    page.goto("/follow-ups/")
    expect(page.get_by_role("heading", name=re.compile("Answered by the patient"))).to_be_visible()
    check_state(page, "follow-up list, answered by the patient")
