"""A revision as FHIR R4 resources, and those resources as a FHIR document Bundle.

Only what the clinic entered, and the content it showed, goes out: the patient is named only by
the clinic's own reference under the clinic's identifier system (no name, birth date or sex is
made up to fill a Patient resource), the practitioner by the account that recorded the
revision. Every resource names the revision it came from (``REVISION_SYSTEM`` identifiers, the
Composition's ``meta.versionId``), so an export can always be traced to the record it copies.

Resource ids are name-based UUIDs (``_id``), so exporting the same revision twice gives the same
ids: a receiving system sees one record, not two. ``Reference`` decides how resources point at
each other: ``urn:uuid:`` full URLs inside a document, ``Type/id`` in a bulk export.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

from markupsafe import escape

from ..accounts.models import Clinic
from ..discussions import printing
from ..library import content_for_record
from ..models import Discussion, Revision
from ..signoff import latest as latest_signoff
from . import note as notes
from . import questionnaire as forms
from .settings import patient_identifier_system

FHIR_JSON = "application/fhir+json"
NAMESPACE = uuid.UUID("6f1c7d2e-51a4-4c55-9a8e-2f0b9f4d6a10")  # this app's name-based ids
REVISION_SYSTEM = "urn:runners-knee-decision-aid:revision"
ACCOUNT_SYSTEM = "urn:runners-knee-decision-aid:user-account"
PDF_TITLES = {"summary": "The patient's summary", "clinical-record": "Clinical record (not for the patient)"}
NOTE_TYPE = {"coding": [{"system": "http://loinc.org", "code": "11488-4", "display": "Consult note"}],
             "text": "Shared decision-making note: runner's knee"}
XHTML = "http://www.w3.org/1999/xhtml"

Reference = Callable[[str, str], str]


def document_reference(resource_type: str, resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def relative_reference(resource_type: str, resource_id: str) -> str:
    return f"{resource_type}/{resource_id}"


def _id(*parts: object) -> str:
    return str(uuid.uuid5(NAMESPACE, "/".join(str(p) for p in parts)))


def _instant(moment: dt.datetime) -> str:
    if moment.tzinfo is None:  # stored times are naive UTC
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="seconds")


def revision_identifier(discussion: Discussion, number: int) -> dict[str, str]:
    return {"system": REVISION_SYSTEM, "value": f"{discussion.id}/revisions/{number}"}


def _div(lines: tuple[notes.Line, ...]) -> str:
    items = "".join(f"<li><b>{escape(line.label)}:</b> " + "<br/>".join(escape(p) for p in line.value.splitlines())
                    + "</li>" for line in lines)
    return f'<div xmlns="{XHTML}"><ul>{items}</ul></div>'


def _patient(revision: Revision, system: str) -> dict[str, Any]:
    """The reference as this revision recorded it (an amendment of Start may have changed it). It
    is optional at Start: without one the resources name no patient at all."""
    reference = (revision.answers.get("start") or {}).get("patient_ref")
    return {"subject": {"identifier": {"system": system, "value": reference}}} if reference else {}


def _attachment(kind: str, pdf: bytes, revision: Revision) -> dict[str, Any]:
    return {"attachment": {
        "contentType": "application/pdf", "language": "en", "data": base64.b64encode(pdf).decode("ascii"),
        # FHIR's Attachment.hash is SHA-1 by definition: an integrity check, not a security one.
        "size": len(pdf), "hash": base64.b64encode(hashlib.sha1(pdf, usedforsecurity=False).digest()).decode("ascii"),
        "title": f"{PDF_TITLES[kind]}, revision {revision.number}", "creation": _instant(revision.created_at)}}


def revision_resources(discussion: Discussion, revision: Revision, clinic: Clinic,
                       ref: Reference = document_reference) -> list[dict[str, Any]]:
    """Composition, Practitioner, QuestionnaireResponse, Questionnaire, DocumentReference.

    Raises ``settings.NotConfigured`` before any work if the clinic has no identifier system.
    """
    system = patient_identifier_system(clinic)
    content = content_for_record(revision.content_version, revision.content_hash)
    note = notes.build(discussion, revision, content, clinic.time_zone)
    number, when = revision.number, _instant(revision.created_at)
    pinned = revision_identifier(discussion, number)
    patient = _patient(revision, system)
    ids = {"Composition": _id("composition", discussion.id), "Practitioner": _id("account", revision.author_id),
           "QuestionnaireResponse": _id("answers", discussion.id, number),
           "Questionnaire": _id("questionnaire", content.version, content.content_hash),
           "DocumentReference": _id("documents", discussion.id, number)}
    author = {"reference": ref("Practitioner", ids["Practitioner"]), "display": revision.author}
    answers = {"reference": ref("QuestionnaireResponse", ids["QuestionnaireResponse"])}
    composition = {
        "resourceType": "Composition", "id": ids["Composition"],
        "meta": {"versionId": str(number), "lastUpdated": when},
        "text": {"status": "generated", "div": _div(note.header.lines())},
        "identifier": pinned, "status": "final" if number == 1 else "amended", "type": NOTE_TYPE, **patient,
        "date": when, "author": [author], "title": notes.TITLE,
        **({"relatesTo": [{"code": "replaces", "targetIdentifier": revision_identifier(discussion, number - 1)}]}
           if number > 1 else {}),
        "section": [{"title": s.heading, "text": {"status": "generated", "div": _div(s.lines)}, "entry": [answers]}
                    for s in note.sections],
    }
    practitioner = {"resourceType": "Practitioner", "id": ids["Practitioner"],
                    "identifier": [{"system": ACCOUNT_SYSTEM, "value": str(revision.author_id)}],
                    "name": [{"text": revision.author}]}
    response = {"resourceType": "QuestionnaireResponse", "id": ids["QuestionnaireResponse"], "identifier": pinned,
                "questionnaire": forms.canonical(content), "status": "completed" if number == 1 else "amended",
                **patient, "authored": when, "author": author, "item": forms.response_items(revision.answers, content)}
    signed_off = latest_signoff(content.version, content.english_hash) is not None
    questionnaire = forms.questionnaire(content, ids["Questionnaire"], signed_off=signed_off)
    pdfs = [_attachment(kind, printing.revision_pdf(discussion, revision, kind, clinic.time_zone), revision)
            for kind in printing.TEMPLATES]
    documents = {"resourceType": "DocumentReference", "id": ids["DocumentReference"], "identifier": [pinned],
                 "status": "current", "docStatus": "final" if number == 1 else "amended",
                 "type": {"text": "Runner's knee shared decision: the patient's summary and the clinical record"},
                 **patient, "date": when, "author": [author], "content": pdfs,
                 "context": {"related": [{"reference": ref("Composition", ids["Composition"])}]}}
    return [composition, practitioner, response, questionnaire, documents]


def document(discussion: Discussion, revision: Revision, clinic: Clinic, now: dt.datetime) -> dict[str, Any]:
    """The FHIR document Bundle of one revision: the Composition first, every resource it needs."""
    resources = revision_resources(discussion, revision, clinic, document_reference)
    return {"resourceType": "Bundle",
            "identifier": {"system": "urn:ietf:rfc:3986",
                           "value": f"urn:uuid:{_id('document', discussion.id, revision.number)}"},
            "type": "document", "timestamp": _instant(now),
            "entry": [{"fullUrl": document_reference(r["resourceType"], r["id"]), "resource": r} for r in resources]}
