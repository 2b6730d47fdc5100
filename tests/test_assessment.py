""""Is this runner's knee?": the step before the options, its pause, the age-shaped points, the
race-date point on the steroid option, and "Wait and see for now" as a choice."""
import datetime as dt
import re
import uuid
from html import unescape

import pytest
import sqlalchemy as sa

from conftest import ASSESSMENT, DECISION, SITUATION, START, Consultation, pdf_text
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.models import Discussion

TODAY = dt.date.today()


def flat(html: str) -> str:
    """The visible words of a page (tags removed), spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def stored(app, discussion_id: str) -> Discussion:
    with app.app_context():
        discussion = db.session.get(Discussion, uuid.UUID(discussion_id))
        db.session.expunge(discussion)
        return discussion


@pytest.fixture
def gate(current_content):
    assert current_content.assessment is not None, "the current content has the assessment step"
    return current_content.assessment


def clear(gate, **changes) -> dict:
    """Every red flag answered No one by one (no shortcut), diagnosed, an adult."""
    answers = {"diagnosis": "yes", "age": "30", **{f"flag_{f.id}": "no" for f in gate.red_flags}}
    return {**answers, **changes}


def prompts_of(html: str) -> str:
    return flat(html.split('id="prompts-heading"')[1].split("</section>")[0])


def test_the_step_comes_right_after_start_and_shows_no_option_content(client, consultation, gate, option_names):
    response = client.post("/discussions/new", data={**START, "action": "next"})
    assert response.headers["Location"].endswith("/steps/assessment")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<span aria-current="step"><span class="step-number">2</span> Is this runner(&#39;|\x27)s knee\?', html)
    assert "Step 2 of 8" in html
    text = flat(html)
    for flag in gate.red_flags:
        assert flag.clinician.split("(")[0].strip() in text
    assert gate.other_causes[0].text in text and "Not yet verified" in text  # bone stress injury, unsourced
    assert '<table class="grid">' not in html and "prompts-heading" not in html
    assert re.findall(r'<li id="ref-(\d+)"', html) == ["54"]  # its sources are the ones it cites
    for _short, name in option_names:
        assert name not in text


@pytest.mark.parametrize("answer", ["yes", "unsure"])
def test_each_red_flag_stops_before_the_options_and_can_be_saved_as_paused(app, client, consultation, gate, answer):
    for flag in gate.red_flags:
        visit = consultation().start()
        response = visit.post("assessment", clear(gate, **{f"flag_{flag.id}": answer}))
        assert response.status_code == 200  # said plainly why; not onwards, nothing saved yet
        html = flat(response.get_data(as_text=True))
        assert gate.stop.heading in html and flag.patient in html
        assert "Save as paused: needs assessment first" in html
        assert "assessment" not in stored(app, visit.id).answers
        saved = visit.post("assessment", clear(gate, **{f"flag_{flag.id}": answer}), action="pause")
        assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{visit.id}?paused=1")
        discussion = stored(app, visit.id)
        assert discussion.status == "paused" and discussion.current_step == "assessment"
    review = flat(client.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Status: Paused: needs assessment first" in review and "Reopen the assessment" in review
    listing = flat(client.get("/discussions/").get_data(as_text=True))
    assert listing.count("Paused: needs assessment first") >= len(gate.red_flags)


@pytest.mark.parametrize("diagnosis", ["unsure", "no"])
def test_a_diagnosis_not_confirmed_stops_before_the_options(app, consultation, gate, diagnosis):
    visit = consultation().start()
    response = visit.post("assessment", clear(gate, diagnosis=diagnosis))
    assert response.status_code == 200
    assert gate.stop.diagnosis_line in flat(response.get_data(as_text=True))
    visit.post("assessment", clear(gate, diagnosis=diagnosis), action="later")  # finish later also pauses
    assert stored(app, visit.id).status == "paused"


def test_a_paused_discussion_cannot_reach_the_options_or_later_steps(app, client, consultation, gate):
    visit = consultation().start()
    visit.save("assessment", clear(gate, flag_weight_loss="yes"), action="pause")
    lock = stored(app, visit.id).lock_version
    for step in ("situation", "options", "values", "check", "ready", "decision", "summary"):
        response = visit.page(step)
        assert response.status_code == 302 and response.headers["Location"].endswith("/steps/assessment"), step
    posted = client.post(f"{visit.url}/steps/options", data={"option_notes": "x", "lock_version": str(lock)})
    assert posted.status_code == 302 and "options" not in stored(app, visit.id).answers
    finish = client.post(f"{visit.url}/finish", data={"lock_version": str(lock)})
    assert finish.status_code == 302 and stored(app, visit.id).status == "paused"
    # the progress bar does not jump past it either: the answers are kept, the page says why again
    jumped = visit.post("assessment", clear(gate, flag_weight_loss="yes"), action="goto:options")
    assert jumped.status_code == 200 and gate.stop.heading in flat(jumped.get_data(as_text=True))
    # its saved record and its PDF show no option either: none was discussed
    review = client.get(visit.url).get_data(as_text=True)
    assert '<table class="grid">' not in review and "prompts-heading" not in review
    assert set(re.findall(r'href="#ref-(\d+)"', review)) == set(re.findall(r'<li id="ref-(\d+)"', review))
    text = " ".join(pdf_text(client.get(f"{visit.url}/summary.pdf").data).split())
    assert "The options we compared" not in text and "We did not talk about the options yet" in text
    assert "Checked for red flags One or more found" in text
    # reopening it returns to the step with the answers and the reason
    html = flat(visit.page("assessment").get_data(as_text=True))
    assert gate.stop.heading in html and "You have been losing weight." in html


def test_changing_the_answers_and_continuing_resumes_it(app, client, consultation, gate):
    visit = consultation().start()
    visit.save("assessment", clear(gate, diagnosis="unsure"), action="pause")
    assert stored(app, visit.id).status == "paused"
    response = visit.save("assessment", clear(gate))
    assert response.headers["Location"].endswith("/steps/situation")
    assert stored(app, visit.id).status == "in_progress"
    visit.save("situation", SITUATION)
    assert visit.page("options").status_code == 200
    review = flat(client.get(visit.url).get_data(as_text=True))
    assert "Status: In progress" in review


def test_the_paused_status_is_a_search_filter(client, consultation, gate):
    paused = consultation().start(patient_ref="HELD-1")
    paused.save("assessment", clear(gate, flag_numbness="yes"), action="pause")
    consultation().start(patient_ref="GOING-1").fill_all(client.application)
    form = client.get("/discussions/").get_data(as_text=True)
    assert 'value="paused"' in form and "Paused: needs assessment first" in flat(form)
    found = flat(client.post("/discussions/search", data={"status": "paused"}).get_data(as_text=True))
    assert "HELD-1" in found and "GOING-1" not in found


def test_none_of_these_records_every_flag_as_no_and_must_agree_with_the_answers(app, consultation, gate):
    visit = consultation().start()
    visit.save("assessment", ASSESSMENT)
    saved = stored(app, visit.id).answers["assessment"]
    assert {saved[f"flag_{f.id}"] for f in gate.red_flags} == {"no"} and saved["age"] == 34
    clash = visit.post("assessment", {**ASSESSMENT, "flag_hot_swollen": "yes"})
    assert clash.status_code == 422 and "is ticked, but this is not answered No" in flat(clash.get_data(as_text=True))
    missing = visit.post("assessment", clear(gate, flag_hot_swollen=""))
    assert missing.status_code == 422 and "or tick “None of these”" not in flat(missing.get_data(as_text=True))
    assert 'tick "None of these"' in flat(missing.get_data(as_text=True))


@pytest.mark.parametrize("change, message", [
    ({"age": ""}, "Enter the patient's age in whole years."),
    ({"age": "16.5"}, "Enter the age in whole years, as a number such as 16."),
    ({"age": "sixteen"}, "Enter the age in whole years, as a number such as 16."),
    ({"age": "4"}, "Enter an age from 5 to 100 years."),
    ({"age": "101"}, "Enter an age from 5 to 100 years."),
    ({"age": "16"}, "The patient is under 18: say who is with them."),
    ({"diagnosis": ""}, "Choose yes, not sure or no."),
])
def test_bad_answers_are_refused_next_to_the_field_and_save_nothing(app, consultation, gate, change, message):
    visit = consultation().start()
    response = visit.post("assessment", clear(gate, **change))
    assert response.status_code == 422
    html = flat(response.get_data(as_text=True))
    assert message in html and "There is a problem" in html
    assert "assessment" not in stored(app, visit.id).answers


def test_under_18_records_who_is_with_them_and_adults_do_not(app, consultation, gate):
    visit = consultation().start()
    visit.save("assessment", clear(gate, age="16", companion="parent_guardian"))
    assert stored(app, visit.id).answers["assessment"]["companion"] == "parent_guardian"
    visit.save("assessment", clear(gate, age="19", companion="parent_guardian"))
    assert stored(app, visit.id).answers["assessment"]["companion"] is None


def test_the_age_stays_out_of_urls_and_the_audit_trail(app, client, consultation, gate):
    visit = consultation().start()
    response = visit.save("assessment", clear(gate, age="73"))
    assert response.headers["Location"] == f"{visit.url}/steps/situation"  # no query string, no answer
    visit.save("assessment", clear(gate, age="73", flag_weight_loss="yes"), action="pause")
    with app.app_context():
        details = db.session.scalars(sa.select(AuditEntry.detail)).all()
    assert "assessment" in details and "assessment (paused)" in details
    assert not any(re.search(r"\b73\b", d or "") for d in details)


@pytest.mark.parametrize("age, shown", [("16", "under"), ("45", "older"), ("30", None), ("40", "older")])
def test_age_notes_show_for_the_under_18s_and_from_about_40(app, client, consultation, gate, age, shown):
    AGE_TEXT = {"under": " ".join(gate.under_18[-1].text.split()), "older": " ".join(gate.older[0].text.split())}
    visit = consultation().start()
    visit.save("assessment", clear(gate, age=age, companion="parent_guardian" if age == "16" else ""))
    situation = flat(visit.page("situation").get_data(as_text=True))
    visit.save("situation", SITUATION)
    options = prompts_of(visit.page("options").get_data(as_text=True))
    summary = flat(client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    for key, text in AGE_TEXT.items():
        for page in (situation, options, summary):
            assert (text in page) is (key == shown), (age, key)


@pytest.mark.parametrize("age, points", [("16", "under_18"), ("45", "older")])
def test_an_age_note_is_the_same_beside_every_option_it_concerns(client, consultation, gate, age, points):
    visit = consultation().start()
    visit.save("assessment", clear(gate, age=age, companion="nobody"))
    visit.save("situation", SITUATION)
    html = unescape(visit.page("options").get_data(as_text=True)).split('id="prompts-heading"')[1]
    groups = re.findall(r'<h3 class="prompt-option">(.*?)</h3>(.*?)(?=<h3 class="prompt-option">|</section>)', html, re.S)
    assert len(groups) == 4
    names = {o.id: o.short_name for o in client.application.extensions["decision_aid.content"][
        client.application.config["CONTENT_VERSION"]].options}
    for point in getattr(gate, points):
        text = " ".join(point.text.split())
        for name, body in groups:
            concerned = any(names[o] == name for o in point.options)
            assert (text in " ".join(body.split())) is concerned, (point.topic, name)


def _without_prompts(html: str, visit_id: str) -> str:
    html = re.sub(r'<section class="prompts".*?</section>', "", html, flags=re.S)
    html = re.sub(r'<section class="references".*?</section>', "", html, flags=re.S)
    html = re.sub(r'data-csrf="[^"]*"|name="csrf_token" value="[^"]*"', "", html)
    return re.sub(r'name="lock_version"[^>]*>', "", html.replace(visit_id, "ID"))


def test_options_and_summary_are_the_same_whatever_the_age_except_the_age_notes(app, client, gate):
    pages = {}
    for age in ("16", "30", "45"):
        visit = Consultation(client).start().fill_all(app)
        visit.save("assessment", clear(gate, age=age, companion="other_adult"))  # after fill_all's own
        options = visit.page("options").get_data(as_text=True)
        summary = client.get(f"{visit.url}/steps/summary").get_data(as_text=True)
        summary = re.sub(r'<section aria-labelledby="sum-assessment">.*?</section>', "", summary, flags=re.S)
        # ...and the lines of its folded group and of the points' (both count what the age adds).
        summary = re.sub(r'(id="group-(?:assessment|points)"[^>]*>\s*<summary>).*?</summary>', r"\1", summary,
                         flags=re.S)
        pages[age] = (_without_prompts(options, visit.id), _without_prompts(summary, visit.id))
    assert pages["16"][0] == pages["30"][0] == pages["45"][0]
    assert pages["16"][1] == pages["30"][1] == pages["45"][1]


def test_a_race_date_adds_the_anti_doping_point_to_the_steroid_option_only(app, consultation, gate, current_content):
    race = " ".join(gate.race_date[0].text.split())
    with_race = consultation().start()
    with_race.fill_all(app, situation={**SITUATION, "race_date": (TODAY + dt.timedelta(days=30)).isoformat()})
    html = unescape(with_race.page("options").get_data(as_text=True)).split('id="prompts-heading"')[1]
    groups = dict(re.findall(r'<h3 class="prompt-option">(.*?)</h3>(.*?)(?=<h3 class="prompt-option">|</section>)',
                             html, re.S))
    shown = {name for name, body in groups.items() if race in " ".join(body.split())}
    assert shown == {current_content.option("corticosteroid").short_name}
    pdf = " ".join(pdf_text(with_race.client.get(f"{with_race.url}/summary.pdf").data).split())
    assert " ".join(gate.race_date[2].text.split()) in pdf  # a short one: a page break cannot split it
    without = consultation().start().fill_all(app)
    assert race not in flat(without.page("options").get_data(as_text=True))


def test_wait_and_see_can_be_recorded_and_shows_on_the_summary_and_pdf(app, client, consultation):
    visit = consultation().start().fill_all(app, decision={**DECISION, "choice": "wait_and_see"})
    summary = flat(client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    assert "Wait and see for now" in summary.split("What was decided")[1][:200]
    visit.finish()
    text = " ".join(pdf_text(client.get(f"{visit.url}/summary.pdf").data).split())
    assert "What was decided Wait and see for now" in text


def test_the_summary_shows_the_answers_and_the_pdf_only_the_age_and_red_flag_line(app, client, consultation, gate):
    visit = consultation().start().fill_all(app)
    summary = flat(client.get(f"{visit.url}/steps/summary").get_data(as_text=True))
    section = summary.split("Is this runner's knee?")[-1]
    assert f"{gate.diagnosis_question} Yes" in section and "Age 34" in section and "Red flags None found" in section
    assert f"{gate.red_flags[0].clinician}: No" in section
    text = " ".join(pdf_text(client.get(f"{visit.url}/summary.pdf").data).split())
    assert "Age 34" in text and "Checked for red flags None found" in text
    assert gate.red_flags[0].clinician not in text and gate.diagnosis_question not in text


def test_a_discussion_on_content_without_the_step_keeps_its_eight_steps(make_app):
    """Begun while 2026.1 was current, carried on after 2026.2 became current."""
    from conftest import signed_in_client
    before = make_app(CONTENT_VERSION="2026.1")
    response = signed_in_client(before).post("/discussions/new", data={**START, "action": "next"})
    assert response.headers["Location"].endswith("/steps/situation")
    app = make_app()  # the same database, the current content
    assert app.config["CONTENT_VERSION"] != "2026.1"
    client = signed_in_client(app)
    visit = Consultation(client)
    visit.url = response.headers["Location"].rsplit("/steps/", 1)[0]
    assert visit.page("assessment").status_code == 404
    html = visit.page("situation").get_data(as_text=True)
    assert "Step 2 of 8" in html and "Is this runner" not in html
    visit.fill_all(app)
    visit.finish()
    text = pdf_text(client.get(f"{visit.url}/summary.pdf").data)
    assert "Checked for red flags" not in text and "Age" not in text.split("Record")[0]
