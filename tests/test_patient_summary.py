"""The patient's summary (2 pages, plain lines only), the clinical record, and PDFs ready at Finish."""
import io
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from conftest import DECISION, VALUES, Consultation, pdf_text, signed_in_client
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
