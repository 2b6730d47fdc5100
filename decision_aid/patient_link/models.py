"""A link a patient opens on their own phone, and the requests made with links (for the rate limit)."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import utcnow

# What a link opens: one part of one discussion, and nothing else.
PURPOSE_PREPARE = "prepare"          # the patient's steps, before the visit (until Finish)
PURPOSE_COLLABORATE = "collaborate"  # the 3 CollaboRATE questions, after Finish (spent once answered)
PURPOSE_FOLLOW_UP = "follow_up"      # the follow-up, from its date on (spent once answered)
PURPOSES = (PURPOSE_PREPARE, PURPOSE_COLLABORATE, PURPOSE_FOLLOW_UP)


class PatientLink(db.Model):
    """One link to one discussion's patient part. Only the SHA-256 of its token is kept, so the
    database (or a backup of it) cannot be used to open a link."""

    __tablename__ = "patient_link"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    discussion_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("discussion.id", ondelete="CASCADE"),
                                                           index=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinic.id"))
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    purpose: so.Mapped[str] = so.mapped_column(sa.String(16), default=PURPOSE_PREPARE,
                                               server_default=PURPOSE_PREPARE)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[dt.datetime]
    withdrawn_at: so.Mapped[dt.datetime | None]
    last_used_at: so.Mapped[dt.datetime | None]
    # The last time the patient saved a step through this link (a follow-up link: when its
    # follow-up was saved, which spends it).
    answered_at: so.Mapped[dt.datetime | None]
    # Which steps the patient saved, and when: {"situation": "2026-12-01T10:00:00", ...}.
    answered_steps_json: so.Mapped[str] = so.mapped_column(sa.Text, default="{}", server_default="{}")


class PatientLinkRequest(db.Model):
    """One request under /p/ (the link's pages), kept for the rate limit's window only. Counted in
    the database, as failed sign-ins are, so every app server applies the same limit."""

    __tablename__ = "patient_link_request"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    link_id: so.Mapped[int | None] = so.mapped_column(index=True)  # None: no valid link was given
    address: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
