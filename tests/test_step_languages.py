"""The consultation steps in the patient's language (issue #14): the pages the patient reads
beside the clinician follow the discussion's language; the clinician's own parts keep the
clinician's (English), marked ``lang="en"``; the answers saved are the same in every language."""
import re
import uuid
from html import unescape

import pytest

from conftest import ASSESSMENT, DECISION, OPTIONS, SITUATION, VALUES, Consultation
from decision_aid.library import content_version

PATIENT_PAGES = ("situation", "options", "values", "check", "decision", "summary")


def html_of(response, status=200) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def opening_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def flat(html: str) -> str:
    return " ".join(unescape(html).split())


def element(html: str, marker: str, tag: str) -> str:
    """The element whose opening tag holds ``marker``, up to its closing tag (not nested)."""
    start = html.index(marker)
    start = html.rindex(f"<{tag}", 0, start)
    return html[start:html.index(f"</{tag}>", start)]


def translated(app, language):
    with app.app_context():
        return content_version(app.config["CONTENT_VERSION"], language)


def filled(app, client, language) -> Consultation:
    visit = Consultation(client).start(language=language)
    visit.fill_all(app)
    return visit


@pytest.fixture
def polish(app, client):
    return filled(app, client, "pl")


def test_the_patients_steps_are_in_polish(app, client, polish):
    content = translated(app, "pl")
    pages = {step: html_of(polish.page(step)) for step in PATIENT_PAGES}
    for step, html in pages.items():
        assert 'lang="pl"' in opening_tag(html) and 'dir="ltr"' in opening_tag(html), step
        assert "Zapisz i dalej" in html or step == "summary", step  # "Save and continue"
        assert "Save and continue" not in html and "Step " not in html, step
        assert "Kroki rozmowy" in html, step  # the steps bar's name
    assert "Krok 3 z 8" in pages["situation"] and "Twoja sytuacja" in pages["situation"]
    assert "Pytania o Twoje zdrowie" in pages["situation"]
    situation = content.consultation
    assert situation.safety_questions[0].question in flat(pages["situation"])  # the content, in Polish
    assert situation.durations[0].label in pages["situation"]
    assert "Od jak dawna masz ten ból?" in pages["situation"]
    assert content.options[0].short_name in unescape(pages["options"])
    assert "Cztery możliwości obok siebie" in pages["options"]
    assert content.consultation.values_factors[0].label in unescape(pages["values"])
    check = flat(pages["check"])
    assert content.consultation.quiz[0].statement in check and "Gotowy(-a) do decyzji?" in check
    assert "Prawda" in check and "Fałsz" in check and "Pokaż odpowiedzi" in check
    assert content.consultation.sure.questions[0].text in check
    decision = flat(pages["decision"])
    assert "Co pacjent wybrał po rozmowie?" in decision and "Na razie poczekać i obserwować" in decision
    summary = flat(pages["summary"])
    assert "Podsumowanie" in summary and "Co zdecydowano" in summary and "Zakończ" in summary
    assert "Twoja sytuacja – Odpowiedzi: 6, niczego nie brakuje" in summary  # a fold's line
    assert content.options[0].name in summary  # the decision, by the option's Polish name
    # The review notice of a translation not yet signed off, as on the patient's own pages.
    assert "Tłumaczenie czeka na sprawdzenie" in pages["options"]


def test_the_clinicians_parts_stay_in_english_and_say_so(app, client, polish):
    options = html_of(polish.page("options"))
    points = element(options, 'class="prompts"', "section")
    assert 'data-audience="clinician"' in points and 'lang="en"' in points
    assert "Points to discuss" in points and "answered “Yes”" in flat(points)  # not "Tak"
    english = translated(app, "en")
    bleeding = next(q for q in english.consultation.safety_questions if q.id == "bleeding")
    assert " ".join(bleeding.prompts[0].text.split()) in flat(points)  # the clinical wording, in English
    decision = html_of(polish.page("decision"))
    notes = element(decision, 'clinician-only', "div")
    assert 'lang="en"' in notes and "Clinician&#39;s notes" in notes and "Up to 5,000 characters." in notes
    assert 'data-left="{count} characters left."' in notes  # the counter's words, in English too
    situation = html_of(polish.page("situation"))
    box = element(situation, 'id="health_none"', "fieldset")
    assert 'lang="en"' in box and "None of these apply" in box
    # "Is this runner's knee?" is the clinician's as a whole: English, as before.
    assessment = html_of(polish.page("assessment"))
    assert 'lang="en"' in opening_tag(assessment) and "Red flags" in assessment and "Save and continue" in assessment
    summary = html_of(polish.page("summary"))
    for marker in ('id="group-assessment"', 'id="group-points"'):
        group = element(summary, marker, "details")
        assert 'data-audience="clinician"' in group and 'lang="en"' in group, marker
    assert "9 answers, nothing missing" in flat(element(summary, 'id="group-assessment"', "details"))
    clinicians = element(summary, "<h3>Clinician's notes", "div")
    assert DECISION["clinician_notes"] in clinicians
    # The clinician's navigation and account: theirs to use mid-discussion, so in their language.
    for html in (options, summary):
        nav = element(html, 'aria-label="Main"', "nav")
        assert 'lang="en"' in nav and "Saved discussions" in nav and "Zapisane rozmowy" not in html
        assert "Sign out" in element(html, 'class="account"', "div")


def test_answered_by_the_patient_is_the_clinicians_notice(app, client):
    visit = Consultation(client).start(language="pl")
    token = re.search(r"/p/([A-Za-z0-9_-]+)</a>", client.post(f"{visit.url}/patient-link").get_data(as_text=True)).group(1)
    patient = app.test_client()
    patient.environ_base["REMOTE_ADDR"] = "127.0.0.12"
    assert patient.get(f"/p/{token}").status_code == 303
    lock = re.search(r'name="lock_version"[^>]*value="(\d+)"', patient.get("/p/steps/options").get_data(as_text=True)).group(1)
    assert patient.post("/p/steps/options", data={**OPTIONS, "lock_version": lock, "action": "next"}).status_code == 303
    html = html_of(visit.page("options"))
    notice = element(html, "notice-patient", "p")
    assert 'data-audience="clinician"' in notice and 'lang="en"' in notice and "Answered by the patient on" in notice
    assert 'lang="pl"' in opening_tag(html) and OPTIONS["option_notes"] in html


def test_an_arabic_discussion_reads_right_to_left(app, client):
    visit = filled(app, client, "ar")
    content = translated(app, "ar")
    options = html_of(visit.page("options"))
    assert 'lang="ar"' in opening_tag(options) and 'dir="rtl"' in opening_tag(options)
    assert "احفظ وتابع" in options and content.options[1].short_name in unescape(options)  # "Save and continue"
    assert "الخطوة 4 من 8" in options  # "Step 4 of 8", Western digits
    values = html_of(visit.page("values"))
    assert "أي من هذه الأمور يهمك؟" in values and content.consultation.values_scale[0].label in values
    points = element(options, 'class="prompts"', "section")
    assert 'lang="en"' in points and "Points to discuss" in points


def test_a_polish_validation_message_is_polish_and_beside_its_field(app, client):
    visit = Consultation(client).start(language="pl")
    visit.save("assessment", ASSESSMENT)
    refused = visit.post("situation", {**SITUATION, "duration": "", "safety_infection": ""})
    html = html_of(refused, 422)
    assert "Wystąpił problem" in html  # "There is a problem"
    duration = element(html, 'id="duration"', "fieldset")
    assert "Wybierz, jak długo trwa ból." in duration and 'id="duration-error"' in duration
    infection = element(html, 'id="safety_infection"', "fieldset")
    assert "Odpowiedz „tak”, „nie” albo „nie wiem”." in infection
    assert "Please answer" not in html and "Choose how long" not in html
    ready = html_of(visit.post("check", {"sure_sure": ""}), 422)
    assert "Odpowiedz „tak” albo „nie”." in element(ready, 'id="sure_sure"', "fieldset")


def _answers(app, visit) -> dict:
    from decision_aid.extensions import db
    from decision_aid.models import Discussion
    with app.app_context():
        return db.session.get(Discussion, uuid.UUID(visit.id)).answers


def test_saving_in_polish_stores_the_same_answers_as_in_english(app, client):
    english, polish = filled(app, client, "en"), filled(app, client, "pl")
    saved = {language: _answers(app, visit) for language, visit in (("en", english), ("pl", polish))}
    assert saved["pl"] == saved["en"]
    assert saved["pl"]["situation"]["duration"] == SITUATION["duration"]
    assert saved["pl"]["decision"]["choice"] == DECISION["choice"]
    assert {k: saved["pl"]["values"][k] for k in VALUES} == VALUES


def test_the_options_keep_their_order_and_content_in_every_language(app, client):
    """No recommendation in any language: the four options in the fixed order, each with its own
    content, with answers that raise points to discuss for some options only."""
    for language in ("pl", "ar"):
        content = translated(app, language)
        visit = filled(app, client, language)
        html = unescape(html_of(visit.page("options")))
        names = [o.short_name for o in content.options]
        found = [html.index(name) for name in names]
        assert found == sorted(found), language
        for option in content.options:
            assert " ".join(str(option.summary[0].text).split())[:40] in " ".join(html.split()), option.id


def test_an_english_discussion_is_unchanged(app, client):
    visit = filled(app, client, "en")
    for step in PATIENT_PAGES:
        html = html_of(visit.page(step))
        assert 'lang="en"' in opening_tag(html), step
        assert "⟦" not in html and "Zapisz" not in html, step
    situation = html_of(visit.page("situation"))
    assert "Step 3 of 8 · Team talk" in situation and "Save and continue" in situation
    assert "Tell us about your knee pain and your running." in situation
    check = flat(html_of(visit.page("check")))
    assert "Ready to decide?" in check and "Show the answers" in check and "True" in check
    summary = flat(html_of(visit.page("summary")))
    assert "Your situation – 6 answers, nothing missing" in summary and "What was decided" in summary
    decision = html_of(visit.page("decision"))
    assert 'data-left="{count} characters left."' in decision
    assert OPTIONS["option_notes"] in summary  # the answers are shown back as typed


def test_the_two_tab_conflict_is_the_clinicians_in_english(app, client):
    visit = Consultation(client).start(language="pl")
    html = html_of(visit.page("values"))
    stale = re.search(r'name="lock_version"[^>]*value="(\d+)"', html).group(1)
    visit.save("values", VALUES)  # the other tab
    mine = {**VALUES, "value_cost": "not_important"}
    page = html_of(visit.post("values", mine, lock=stale), 409)
    notice = element(page, "notice-conflict", "div")
    assert 'data-audience="clinician"' in notice and 'lang="en"' in notice and "Changed by someone else" in notice
    rows = element(page, 'class="conflict"', "section")
    assert 'lang="en"' in rows and "Answers that differ" in rows
    cost = next(f for f in translated(app, "en").consultation.values_factors if f.id == "cost")
    assert cost.label in unescape(rows)  # the question in the clinician's words
    assert "Zapisz i dalej" in page  # the rest of the page stays in the patient's language
