"""The note for the record and the FHIR document of a revision (thin views over note.py, fhir.py)."""
from __future__ import annotations

import json
import uuid

from flask import Blueprint, Response, abort, render_template
from flask_login import current_user

from .. import clinic_time
from ..consultation.views import audit_view, load_discussion
from ..library import content_for_record
from ..models import Discussion, Revision, utcnow
from . import fhir, note
from .settings import NotConfigured

bp = Blueprint("record", __name__, url_prefix="/discussions")


def _revision(discussion: Discussion, number: int) -> Revision:
    found = next((r for r in discussion.revisions if r.number == number), None)
    if found is None:
        abort(404)
    return found


@bp.get("/<uuid:discussion_id>/revisions/<int:number>/note")
def note_page(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    revision = _revision(discussion, number)
    audit_view(discussion, detail=f"note revision {number}")
    content = content_for_record(revision.content_version, revision.content_hash)
    text = note.build(discussion, revision, content, current_user.clinic.time_zone).text()
    return render_template("record/note.html", discussion=discussion, revision=revision, text=text,
                           rows=text.count("\n") + 1,
                           can_export=bool(current_user.clinic.patient_identifier_system))


@bp.get("/<uuid:discussion_id>/revisions/<int:number>/fhir")
def fhir_document(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    revision = _revision(discussion, number)
    clinic = current_user.clinic
    if not clinic.patient_identifier_system:
        return render_template("record/not_configured.html", discussion=discussion, revision=revision,
                               message=NotConfigured.MESSAGE), 409
    audit_view(discussion, "export", detail=f"fhir revision {number}")  # commits: no lock held while rendering
    bundle = fhir.document(discussion, revision, clinic, utcnow())
    response = Response(json.dumps(bundle, ensure_ascii=False, indent=1), mimetype=fhir.FHIR_JSON)
    day = clinic_time.local(revision.created_at, clinic.time_zone).date()
    # What the file is, never whose (as the PDFs' names).
    response.headers["Content-Disposition"] = (
        f'attachment; filename="runners-knee-record-{day.isoformat()}-rev{number}.fhir.json"')
    return response
