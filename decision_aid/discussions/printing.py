"""The PDFs of a saved revision: the patient's summary and the clinical record.

A revision never changes, so each of its PDFs is rendered once and then served from the disk
cache. When a discussion is finished or amended both are rendered in the background straight
after the commit (``prerender``), so the first download after Finish is already a cache hit;
a download that comes first, or after a failed pre-render, renders on demand as before.
"""
from __future__ import annotations

import hashlib
import uuid

from flask import Flask, current_app
from flask_babel import force_locale

from .. import clinic_time, presenting
from ..clinic_details.views import discussion_details
from ..consultation import summary
from ..consultation.sections import PatientSummary, Recorded, Summary
from ..database import READ_ONLY
from ..extensions import db
from ..library import content_for_record
from ..models import Discussion, Revision
from ..pdf import cached_template_pdf, in_background

# Kind of print (as in its file name) -> template.
TEMPLATES = {"summary": "pdf/summary.html", "clinical-record": "pdf/clinical_record.html"}
# Content written before the 2-page summary (rules 1: 2026.1) reprints its summary with the
# template it was first printed with, so the patient's record reads as it did.
RULES_1_SUMMARY = "pdf/summary_rules1.html"


def template(kind: str, content) -> str:
    if kind == "summary" and content.rules < 2:
        return RULES_1_SUMMARY
    return TEMPLATES[kind]


def printed(kind: str, content, view: Summary) -> Summary | PatientSummary:
    """What a PDF's template is given: the patient's summary only its own sections, so nothing
    meant for the clinician can reach it. The clinical record, and the rules-1 summary (which
    printed them, and reprints as it was), get the whole summary."""
    return view.patient if template(kind, content) == TEMPLATES["summary"] else view


def render_args(kind: str, content, view: Summary) -> dict:
    """The template's arguments, but the clinic's details."""
    return {"summary": printed(kind, content, view), "meta": presenting.meta(content)}


def recorded(revision: Revision, count: int, time_zone: str | None) -> Recorded:
    # On the clinic's clock: the PDF is rendered away from the request, so it is converted here.
    return Recorded(number=revision.number, of=count, author=revision.author, reason=revision.reason,
                    created_at=clinic_time.local(revision.created_at, time_zone))


def printed_language(kind: str, revision: Revision) -> str:
    """The patient's summary is in the language the revision was shown in; the clinical record in
    the clinic's language (the English of the same content), whatever the patient's."""
    if kind == "summary" and template(kind, content_for_record(revision.content_version, revision.content_hash)) \
            == TEMPLATES["summary"]:
        return revision.language
    return current_app.config["CLINIC_LANGUAGE"]


def revision_pdf(discussion: Discussion, revision: Revision, kind: str, time_zone: str | None) -> bytes:
    """One PDF of a revision, from the cache or rendered into it (per time zone: the PDF shows
    the date on the clinic's clock)."""
    language = printed_language(kind, revision)
    # force_locale: the summary's sentences (a chance's words) and the template's strings in the
    # PDF's language, in a request (any page's language) or in the background pre-render (none).
    with force_locale(language):
        return _render(discussion, revision, kind, time_zone, language)


def _render(discussion: Discussion, revision: Revision, kind: str, time_zone: str | None, language: str) -> bytes:
    content = content_for_record(revision.content_version, revision.content_hash, language)
    meta = recorded(revision, revision.number, time_zone)
    view = summary.build(revision.answers, content, recorded=meta, id_prefix="pdf")
    answers_hash = hashlib.sha256(revision.answers_json.encode()).hexdigest()
    # The clinic's details as the discussion was held: its recorded version is in the key.
    clinic = discussion_details(discussion, content)
    key = ("revision", str(discussion.id), str(revision.number), answers_hash, revision.content_hash, language,
           meta.created_at.tzinfo.key, clinic["cache_key"])
    return cached_template_pdf(key, template(kind, content), clinic=clinic, **render_args(kind, content, view))


def _render_latest(discussion_id: uuid.UUID, time_zone: str | None) -> None:
    # Reads, then seconds of rendering: on SQLite an ordinary transaction would hold the write
    # lock all that time, and the clinician's next page (it writes an audit entry) would wait.
    db.session.connection(execution_options={READ_ONLY: True})
    discussion = db.session.get(Discussion, discussion_id)
    revision = discussion.latest_revision if discussion else None
    if revision is None:
        return
    for kind in TEMPLATES:  # each render ends its reads and begins read-only again (pdf.py)
        revision_pdf(discussion, revision, kind, time_zone)


def prerender(app: Flask, discussion_id: uuid.UUID, time_zone: str | None) -> None:
    """Render the latest revision's PDFs into the cache in the background (call after the commit)."""
    in_background(app, "pre-render the PDFs of a finished or amended discussion",
                  _render_latest, discussion_id, time_zone)
