"""Bulk export: a clinic's finished discussions of a date range as FHIR NDJSON, one resource type
per file (the FHIR Bulk Data layout), for an audit or a move to another system.

Each discussion is exported as its latest revision, with the same resources as its FHIR document
but pointing at each other as ``Type/id``. Files are written under temporary names and renamed
into place only after the audit entries are committed, so a failed export leaves nothing behind
that looks finished, and every exported discussion has its audit entry. Nothing is written to
the database while PDFs render: SQLite would hold its write lock for the whole export.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask.cli import with_appcontext

from ..accounts.models import Clinic
from ..audit.log import record
from ..extensions import db
from ..library import content_for_record
from ..models import STATUS_COMPLETE, Discussion, utcnow
from . import fhir
from . import note as notes
from .settings import NotConfigured, patient_identifier_system

RESOURCE_TYPES = ("Composition", "Practitioner", "QuestionnaireResponse", "Questionnaire", "DocumentReference")


class ExportError(Exception):
    pass


@dataclass
class Exported:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RESOURCE_TYPES, 0))
    discussions: list[tuple[str, int]] = field(default_factory=list)  # (discussion id, revision number)


def discussion_ids(session: so.Session, clinic: Clinic, date_from: dt.date, date_to: dt.date) -> list:
    """Finished discussions of the clinic whose date of discussion is in the range (both ends in)."""
    return list(session.scalars(
        sa.select(Discussion.id).where(Discussion.clinic_id == clinic.id, Discussion.status == STATUS_COMPLETE,
                                       Discussion.discussion_date.between(date_from, date_to))
        .order_by(Discussion.discussion_date, Discussion.created_at, Discussion.id)))


def _open_files(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    taken = [name for name in (f"{t}.ndjson" for t in RESOURCE_TYPES) if (out / name).exists()]
    if taken:
        raise ExportError(f"{out} already holds an export ({', '.join(taken)}): choose an empty folder.")
    files = {}
    for resource_type in RESOURCE_TYPES:
        # Owner-only, like the database: these files hold what the clinic recorded.
        handle = os.open(out / f".{resource_type}.ndjson.part", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        files[resource_type] = os.fdopen(handle, "w", encoding="utf-8")
    return files


def export(session: so.Session, clinic: Clinic, date_from: dt.date, date_to: dt.date, out: Path,
           progress=None) -> Exported:
    """Write the NDJSON files; ``progress`` wraps the list of discussions (a progress bar)."""
    patient_identifier_system(clinic)  # refuse before any file is made
    if date_from > date_to:
        raise ExportError("The start date is after the end date.")
    ids = discussion_ids(session, clinic, date_from, date_to)
    files, done, seen = _open_files(out), Exported(), set()
    try:
        for discussion_id in (progress(ids) if progress else ids):
            discussion = session.get(Discussion, discussion_id)
            revision = discussion.latest_revision
            for resource in fhir.revision_resources(discussion, revision, clinic, fhir.relative_reference):
                key = (resource["resourceType"], resource["id"])
                if key in seen:  # the same account or content version: one line each
                    continue
                seen.add(key)
                files[resource["resourceType"]].write(json.dumps(resource, ensure_ascii=False) + "\n")
                done.counts[resource["resourceType"]] += 1
            done.discussions.append((str(discussion.id), revision.number))
        for handle in files.values():
            handle.close()
        for discussion_id, number in done.discussions:
            record(session, "export", clinic_id=clinic.id, object_type="discussion", object_id=discussion_id,
                   detail=f"fhir bulk revision {number}")
        session.commit()
    except BaseException:
        session.rollback()
        for resource_type, handle in files.items():
            handle.close()
            (out / f".{resource_type}.ndjson.part").unlink(missing_ok=True)
        raise
    for resource_type in RESOURCE_TYPES:
        os.replace(out / f".{resource_type}.ndjson.part", out / f"{resource_type}.ndjson")
    return done


@click.command("export-fhir")
@click.option("--clinic", "clinic_name", required=True, help="The clinic's name, as in its accounts.")
@click.option("--from", "date_from", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First date of discussion (YYYY-MM-DD).")
@click.option("--to", "date_to", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Last date of discussion (YYYY-MM-DD), included.")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="An empty (or new) folder for the NDJSON files.")
@with_appcontext
def export_fhir(clinic_name: str, date_from: dt.datetime, date_to: dt.datetime, out: Path) -> None:
    """Export a clinic's finished discussions as FHIR R4 NDJSON (one resource type per file)."""
    clinic = db.session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
    if clinic is None:
        raise click.ClickException(f"No clinic is named {clinic_name!r}.")

    def bar(ids):
        return click.progressbar(ids, label="Exporting discussions", file=sys.stderr, show_pos=True)

    def with_bar(ids):
        with bar(ids) as items:
            yield from items

    try:
        done = export(db.session, clinic, date_from.date(), date_to.date(), out, progress=with_bar)
    except (NotConfigured, ExportError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Exported {len(done.discussions)} discussions to {out}: "
               + ", ".join(f"{t}.ndjson ({n})" for t, n in done.counts.items()))


@click.command("record-note")
@click.argument("discussion_id", type=click.UUID)
@click.option("--revision", "number", type=int, help="The revision's number (default: the latest).")
@click.option("--fhir", "as_fhir", is_flag=True, help="The FHIR R4 document Bundle (JSON) instead of the note.")
@with_appcontext
def record_note(discussion_id, number: int | None, as_fhir: bool) -> None:
    """Print one finished discussion's note for the record, or its FHIR document, to standard output
    (audited, as the same views in the app are). The discussion is named by its id, never by whom."""
    discussion = db.session.get(Discussion, discussion_id)
    if discussion is None or not discussion.revisions:
        raise click.ClickException("No finished discussion has that id.")
    revision = (discussion.latest_revision if number is None
                else next((r for r in discussion.revisions if r.number == number), None))
    if revision is None:
        raise click.ClickException(f"That discussion has no revision {number}.")
    clinic = db.session.get(Clinic, discussion.clinic_id)
    try:
        if as_fhir:
            output = json.dumps(fhir.document(discussion, revision, clinic, utcnow()), ensure_ascii=False, indent=1)
        else:
            content = content_for_record(revision.content_version, revision.content_hash)
            output = notes.build(discussion, revision, content, clinic.time_zone).text()
    except NotConfigured as error:
        raise click.ClickException(str(error)) from None
    record(db.session, "export" if as_fhir else "view", clinic_id=clinic.id, object_type="discussion",
           object_id=str(discussion.id), detail=f"{'fhir' if as_fhir else 'note'} revision {revision.number} (command line)")
    db.session.commit()
    click.echo(output)
