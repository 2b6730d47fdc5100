"""The patient's summary (2 pages, plain lines only), the clinical record, and PDFs ready at Finish."""
import io
import re
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from conftest import ASSESSMENT, DECISION, VALUES, Consultation, pdf_text, signed_in_client
from decision_aid.consultation import summary
from decision_aid.consultation.sections import PatientSummary, Summary
from decision_aid.discussions import printing
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.pdf import BACKGROUND_KEY, wait_for_background

LONGISH = {"reasons": "I would rather avoid needles for now and try the exercises first, because my "
                      "sister had a bad time after an injection and I want to give my own body a fair chance. " * 2,
           "open_questions": "Can I still race the half marathon in April, and what if the pain comes back in "
                             "the middle of the training block?",
           "next_steps": "Book 5 physio visits over the next 6 weeks, start the home exercises this week, and cut "
                         "the long run to 8 km until the follow-up visit."}


def flat(text: str) -> str:
    return " ".join(text.split())


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def bleeding_prompt(content) -> str:
    question = next(q for q in content.consultation.safety_questions if q.id == "bleeding")
    return question.prompts[0].text


def test_patient_summary_is_two_pages_in_order_and_holds_nothing_for_the_clinician_only(
        app, client, consultation, current_content):
    visit = consultation().start().fill_all(app, decision={**DECISION, **LONGISH})
    visit.finish()
    pdf = client.get(f"{visit.url}/summary.pdf").data
    assert pages(pdf) <= 2
    text = flat(pdf_text(pdf))
    for typed in LONGISH.values():
        assert flat(typed) in text  # nothing cut
    assert ["What was decided", "Next steps", "What mattered most to you", "Points we talked about",
            "The four options", "Sources"] == sorted(
        ["What was decided", "Next steps", "What mattered most to you", "Points we talked about",
         "The four options", "Sources"], key=text.index)
    assert "does not recommend a treatment" in text and "Revision 1" in text
    assert "Blood thinners or bleeding" in text  # the topic is discussed, in plain words
    assert DECISION["clinician_notes"] not in text
    assert flat(bleeding_prompt(current_content)) not in text
    assert "Clinical record" not in text
    c = current_content.consultation  # nor the clinician's side's other sections
    for clinical in (c.safety_questions[1].question, current_content.assessment.red_flags[0].clinician,
                     c.quiz[0].statement, c.sure.questions[0].text, "Clinician's notes", "Health answers"):
        assert flat(clinical) not in text, clinical


def test_clinical_record_holds_the_notes_prompts_and_assessment(app, client, consultation, current_content):
    visit = consultation().start().fill_all(app)
    visit.finish()
    response = client.get(f"{visit.url}/revisions/1/clinical-record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "runners-knee-clinical-record-" in response.headers["Content-Disposition"]
    assert "rev1.pdf" in response.headers["Content-Disposition"]
    text = flat(pdf_text(response.data))
    assert text.count("Clinical record") >= 2  # the heading and every page's running head
    assert "not for the patient" in text
    assert DECISION["clinician_notes"] in text
    assert flat(bleeding_prompt(current_content)) in text
    assert "Red flag:" in text and "Who is with them" in text
    assert "does not recommend a treatment" in text and "Revision 1" in text
    with app.app_context():
        details = db.session.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == "print")).all()
    assert "clinical-record revision 1" in details
    review = client.get(visit.url).get_data(as_text=True)
    assert f'{visit.url}/clinical-record.pdf' in review and "Clinical record" in review


def test_first_download_after_finish_is_served_from_the_cache(make_app):
    app = make_app(PDF_PRERENDER=True)
    client = signed_in_client(app)
    visit = Consultation(client).start().fill_all(app)
    visit.finish()
    wait_for_background(app)  # joins the pre-render threads: no sleeping, no polling
    cache = Path(app.config["PDF_CACHE_DIR"])
    rendered = {p: p.stat().st_mtime_ns for p in cache.rglob("*.pdf")}
    assert len(rendered) == 2  # the patient's summary and the clinical record
    for url in ("summary.pdf", "clinical-record.pdf"):
        response = client.get(f"{visit.url}/{url}")
        assert response.status_code == 200 and response.data in {p.read_bytes() for p in rendered}
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.pdf")} == rendered  # nothing rendered again


def test_a_download_during_the_pre_render_waits_for_it_and_renders_nothing_twice(make_app, monkeypatch):
    """A clinician who clicks Print before the background render is done gets the same PDF; the
    server does not render it a second time (on a busy clinic day that would double the work)."""
    import decision_aid.pdf as pdf_module

    rendered = []
    real_render = pdf_module.render_template_pdf

    def slow_counted_render(template, **context):
        rendered.append(template)
        time.sleep(0.5)  # keeps the pre-render running while the download arrives
        return real_render(template, **context)

    monkeypatch.setattr(pdf_module, "render_template_pdf", slow_counted_render)
    app = make_app(PDF_PRERENDER=True)
    client = signed_in_client(app)
    visit = Consultation(client).start().fill_all(app)
    visit.finish()
    # While the download waits for the pre-render, other clinicians' saves must not wait for it
    # (the download's own audit entry takes the write lock for a moment: never for the render).
    refused, streak, stop = [0], [0], threading.Event()
    database = app.config["SQLALCHEMY_DATABASE_URI"]

    def try_writes() -> None:
        if not database.startswith("sqlite:///"):
            return  # PostgreSQL's reads never block writes
        with closing(sqlite3.connect(database.removeprefix("sqlite:///"), timeout=0, isolation_level=None)) as other:
            while not stop.is_set():
                try:
                    other.execute("BEGIN IMMEDIATE")
                    other.execute("ROLLBACK")
                    streak[0] = 0
                except sqlite3.OperationalError:  # "database is locked"
                    streak[0] += 1
                    refused[0] = max(refused[0], streak[0])
                time.sleep(0.01)

    writer = threading.Thread(target=try_writes)
    writer.start()
    response = client.get(f"{visit.url}/summary.pdf")  # while the pre-render still runs
    wait_for_background(app)
    stop.set()
    writer.join()
    assert response.status_code == 200 and pages(response.data) <= 2
    assert sorted(rendered) == ["pdf/clinical_record.html", "pdf/summary.html"]  # each once
    cache = Path(app.config["PDF_CACHE_DIR"])
    assert response.data in {p.read_bytes() for p in cache.rglob("*.pdf")}
    # Locked for at most a moment in a row (~0.2 s of 10 ms tries), never for the 0.5 s render.
    assert refused[0] <= 20, f"{refused[0]} writes in a row found the database locked while the download waited"


def test_the_background_render_never_holds_the_databases_write_lock(make_app, database_url):
    """Right after Finish both PDFs render in the background, for a second or more. The
    clinician's next page writes an audit entry: on SQLite it waited for the whole render (and,
    on a busy machine, failed with "database is locked" after 10 s). The render only reads, so it
    must never hold the write lock: another connection that will not wait at all can still write."""
    if not database_url.startswith("sqlite:///"):
        pytest.skip("SQLite's single write lock (PostgreSQL reads never block writes)")
    app = make_app(PDF_PRERENDER=True)
    visit = Consultation(signed_in_client(app)).start().fill_all(app)
    visit.finish()
    tries, refused = 0, 0
    with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)) as other:
        while app.extensions.get(BACKGROUND_KEY):  # the pre-render is still running
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
            except sqlite3.OperationalError:  # "database is locked"
                refused += 1
            tries += 1
            time.sleep(0.01)
    wait_for_background(app)
    assert tries >= 5, "the render ended before the check could run"
    assert refused == 0, f"{refused} of {tries} writes found the database locked by the render"
    assert len(list(Path(app.config["PDF_CACHE_DIR"]).rglob("*.pdf"))) == 2  # and both PDFs were rendered


def test_right_after_finish_the_summary_is_folded_under_the_print_button(app, client, consultation):
    """The patient has just read the summary on the Summary step: the page after Finish shows the
    print button and folds the summary (a reopened discussion shows it open, as before)."""
    visit = consultation().start().fill_all(app)
    location = visit.finish().headers["Location"]
    assert location.endswith("?finished=1")
    html = client.get(location).get_data(as_text=True)
    fold = html.index('<details class="shown-comparison summary-fold">')
    assert html.index("Print PDF for the patient") < fold < html.index(DECISION["reasons"])
    assert "The summary as recorded (revision 1)" in html
    reopened = client.get(visit.url).get_data(as_text=True)
    assert "summary-fold" not in reopened and "Latest revision (1)" in reopened
    assert DECISION["reasons"] in reopened


def test_the_patient_pdf_is_given_the_patients_sections_alone(app, current_content, make_app):
    """What the patient's PDF cannot reach, it cannot print: its template gets the patient's
    sections only (a clinician-only field read there fails under the tests' StrictUndefined)."""
    view = summary.build({"decision": DECISION}, current_content)
    patient = printing.render_args("summary", current_content, view)["summary"]
    assert isinstance(patient, PatientSummary) and not hasattr(patient, "clinical")
    assert isinstance(printing.render_args("clinical-record", current_content, view)["summary"], Summary)
    old = make_app(CONTENT_VERSION="2026.1").extensions["decision_aid.content"]["2026.1"]
    # 2026.1 reprints its summary as first printed (pdf/summary_rules1.html), which had both sides.
    assert isinstance(printing.render_args("summary", old, summary.build({}, old))["summary"], Summary)


def test_a_point_for_the_patient_shows_its_kind_of_source(app, client, consultation, current_content):
    """An age-shaped point is a practical statement: it carries its kind of source ("Source:
    patient leaflet") wherever it is printed. It used to lose it on the summary and in the PDF."""
    visit = consultation().start()
    visit.save("assessment", {**ASSESSMENT, "age": "16", "companion": "parent_guardian"})
    point = next(p for p in current_content.assessment.under_18 if p.kind == "practical" and p.refs)
    assert point.source_label
    shown = f"{flat(point.text)} [{', '.join(map(str, point.refs))}] Source: {point.source_label}"
    page = flat(re.sub(r"<[^>]+>", "", client.get(f"{visit.url}/steps/summary").get_data(as_text=True)))
    assert shown in page
    pdf = client.get(f"{visit.url}/summary.pdf").data
    assert shown in flat(pdf_text(pdf)) and pages(pdf) <= 2


def test_a_2026_1_revision_reprints_the_summary_it_first_printed(make_app):
    """Content 2026.1 came before the 2-page summary: its revisions reprint the full summary of
    the time (the grid, the points in clinical words, the check, the notes), as the record holds."""
    old = make_app(CONTENT_VERSION="2026.1")
    client = signed_in_client(old)
    visit = Consultation(client).start().fill_all(old)
    visit.finish()
    text = flat(pdf_text(client.get(f"{visit.url}/revisions/1.pdf").data))
    assert ["What was decided", "The reasons, in your own words", "What matters to you", "The options we compared",
            "Chances, shown as 100 people", "Points discussed", "Check of what we discussed", "Ready to decide?",
            "Questions still open", "Next steps", "Clinician's notes", "References"] == sorted(
        ["What was decided", "The reasons, in your own words", "What matters to you", "The options we compared",
         "Chances, shown as 100 people", "Points discussed", "Check of what we discussed", "Ready to decide?",
         "Questions still open", "Next steps", "Clinician's notes", "References"], key=text.index)
    content = old.extensions["decision_aid.content"]["2026.1"]
    assert flat(bleeding_prompt(content))[:60] in text and DECISION["clinician_notes"] in text
    assert "Runner's knee: summary of our discussion · Ref RK-0042" in text and "Revision 1" in text
