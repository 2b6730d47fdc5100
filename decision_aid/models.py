"""Database models: a discussion, and the append-only revisions recorded when it is finished."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so

from .extensions import db

STATUS_IN_PROGRESS = "in_progress"
STATUS_COMPLETE = "complete"
# Held at "Is this runner's knee?": a red flag, or the diagnosis not confirmed (resumable).
STATUS_PAUSED = "paused"
STATUS_LABELS = {STATUS_IN_PROGRESS: "In progress", STATUS_COMPLETE: "Complete",
                 STATUS_PAUSED: "Paused: needs assessment first"}
MAX_PATIENT_REF = 40
MAX_CLINICIAN = 120


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def dump_answers(answers: dict) -> str:
    """The one way answers become text: stable key order, so equal answers are equal bytes."""
    return json.dumps(answers, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class Discussion(db.Model):
    """One consultation. ``answers`` holds every step's answers while it is in progress."""

    __tablename__ = "discussion"

    id: so.Mapped[uuid.UUID] = so.mapped_column(sa.Uuid, primary_key=True, default=uuid.uuid4)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinic.id"))
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default=STATUS_IN_PROGRESS)
    current_step: so.Mapped[str] = so.mapped_column(sa.String(32))
    # Copied out of the answers so the saved list can be searched with indexes.
    # The *_key columns hold the case-folded text, so prefix search can use an index everywhere.
    patient_ref: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_PATIENT_REF))
    patient_ref_key: so.Mapped[str | None] = so.mapped_column(sa.String(MAX_PATIENT_REF))
    clinician: so.Mapped[str] = so.mapped_column(sa.String(MAX_CLINICIAN))
    clinician_key: so.Mapped[str] = so.mapped_column(sa.String(MAX_CLINICIAN))
    discussion_date: so.Mapped[dt.date]
    # Copied from the decision step when it is saved or amended, so the saved list shows them
    # without loading the answers (answers_json is deferred there).
    decision: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    follow_up_date: so.Mapped[dt.date | None]
    content_version: so.Mapped[str] = so.mapped_column(sa.String(16))
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    answers_json: so.Mapped[str] = so.mapped_column(sa.Text, default="{}")
    # Optimistic locking: every UPDATE checks and bumps this, so a stale save fails loudly.
    lock_version: so.Mapped[int] = so.mapped_column(default=1)
    finished_at: so.Mapped[dt.datetime | None]
    # The clinic's printed details (clinic_details/) when the discussion was begun: the local
    # prices seen during the visit and the phone number printed on all its PDFs. None: none saved.
    clinic_details_version: so.Mapped[int | None]
    # The patient's language (issue #14, a BCP 47 tag): the patient-facing pages and the patient's
    # summary are in it; the clinician's pages and the clinical record stay in the clinic's.
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default="en", server_default="en")

    revisions: so.Mapped[list[Revision]] = so.relationship(
        back_populates="discussion", order_by="Revision.number")

    __mapper_args__ = {"version_id_col": lock_version}
    # Every search is within one clinic, newest first: each index leads with the clinic and
    # ends with (created_at, id), so a page of ids comes straight from the index.
    __table_args__ = (
        sa.Index("ix_discussion_clinic_created", "clinic_id", "created_at", "id"),
        sa.Index("ix_discussion_clinic_status_created", "clinic_id", "status", "created_at", "id"),
        # varchar_pattern_ops lets PostgreSQL use this for LIKE 'prefix%' in any collation.
        sa.Index("ix_discussion_clinic_clinician", "clinic_id", "clinician_key", "discussion_date", "status",
                 "created_at", "id", postgresql_ops={"clinician_key": "varchar_pattern_ops"}),
        sa.Index("ix_discussion_clinic_date", "clinic_id", "discussion_date", "created_at", "id"),
        # Search finds any part of a reference or name. PostgreSQL: trigram indexes (pg_trgm)
        # serve LIKE '%part%'. SQLite has no such index: it reads this one, which holds every
        # searched column, end to end without touching a row (queries.search).
        *(sa.Index(f"ix_discussion_{column}_trgm", column, postgresql_using="gin",
                   postgresql_ops={column: "gin_trgm_ops"}, info={"dialect": "postgresql"})
          for column in ("patient_ref_key", "clinician_key")),
        sa.Index("ix_discussion_clinic_search", "clinic_id", "patient_ref_key", "clinician_key", "discussion_date",
                 "status", "created_at", "id", info={"dialect": "sqlite"}),
    )

    @property
    def answers(self) -> dict:
        return json.loads(self.answers_json)

    @answers.setter
    def answers(self, value: dict) -> None:
        self.answers_json = dump_answers(value)

    @property
    def latest_revision(self) -> Revision | None:
        return self.revisions[-1] if self.revisions else None


class Revision(db.Model):
    """A finished discussion as recorded. Never updated: an amendment adds the next revision."""

    __tablename__ = "revision"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    discussion_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("discussion.id", ondelete="RESTRICT"), index=True)
    number: so.Mapped[int]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    author: so.Mapped[str] = so.mapped_column(sa.String(MAX_CLINICIAN))
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    answers_json: so.Mapped[str] = so.mapped_column(sa.Text)
    content_version: so.Mapped[str] = so.mapped_column(sa.String(16))
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    # The language the patient was shown, so a reprint is in the language of its time.
    language: so.Mapped[str] = so.mapped_column(sa.String(16), default="en", server_default="en")

    discussion: so.Mapped[Discussion] = so.relationship(back_populates="revisions")

    __table_args__ = (sa.UniqueConstraint("discussion_id", "number", name="uq_revision_number"),)

    @property
    def answers(self) -> dict:
        return json.loads(self.answers_json)

    def digest(self) -> str:
        """SHA-256 of everything recorded. Its audit entry carries it, so a changed row shows."""
        fields = [str(self.discussion_id), str(self.number), self.created_at.isoformat(timespec="microseconds"),
                  str(self.author_id), self.author, self.reason, self.answers_json, self.content_version,
                  self.content_hash]
        if self.language != "en":  # English revisions keep the digests recorded before languages existed
            fields.append(self.language)
        return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
