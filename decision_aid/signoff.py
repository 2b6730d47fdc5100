"""Clinical sign-off of a content version: who reviewed it, in what role, and when.

A content version is shown with a "Draft: awaiting clinical review" banner on every page and
PDF until a clinical reviewer signs it off with ``flask --app decision_aid sign-off-content``
(the command is in cli.py).
A sign-off is for one version *and its content hash*: if the files of a signed-off version ever
changed, the sign-off would no longer match and the banner would come back.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
import sqlalchemy.orm as so

from .audit.log import record
from .content import Content
from .extensions import db
from .models import utcnow

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_ROLE = 120


class ContentSignoff(db.Model):
    """One reviewer's sign-off of one content version. Rows are only ever added."""

    __tablename__ = "content_signoff"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    content_version: so.Mapped[str] = so.mapped_column(sa.String(16), index=True)
    content_hash: so.Mapped[str] = so.mapped_column(sa.String(64))
    reviewer_name: so.Mapped[str] = so.mapped_column(sa.String(MAX_NAME))
    reviewer_role: so.Mapped[str] = so.mapped_column(sa.String(MAX_ROLE))
    signed_on: so.Mapped[dt.date]
    recorded_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)


class SignoffError(ValueError):
    """The sign-off cannot be recorded; the message says why."""


def sign_off(session: so.Session, content: Content, name: str, role: str,
             signed_on: dt.date | None = None) -> ContentSignoff:
    """Record a sign-off of ``content`` and audit it, in the caller's transaction."""
    name, role = " ".join(name.split()), " ".join(role.split())
    if not name or not role:
        raise SignoffError("give the reviewer's name and role")
    if len(name) > MAX_NAME or len(role) > MAX_ROLE:
        raise SignoffError(f"the name and the role must be at most {MAX_NAME} characters")
    signed_on = signed_on or dt.date.today()
    if signed_on > dt.date.today():
        raise SignoffError("the sign-off date cannot be in the future")
    signoff = ContentSignoff(content_version=content.version, content_hash=content.content_hash,
                             reviewer_name=name, reviewer_role=role, signed_on=signed_on)
    session.add(signoff)
    session.flush()
    record(session, "content_signoff", object_type="content", object_id=content.version,
           detail=content.content_hash[:16])
    return signoff


def signoffs(session: so.Session, version: str, content_hash: str) -> list[ContentSignoff]:
    """The sign-offs of exactly this version and hash, oldest first."""
    return list(session.scalars(
        sa.select(ContentSignoff).where(ContentSignoff.content_version == version,
                                        ContentSignoff.content_hash == content_hash)
        .order_by(ContentSignoff.signed_on, ContentSignoff.id)))


def latest(version: str, content_hash: str) -> dict | None:
    """The newest sign-off of this version as a plain dict (for pages and PDFs), or None.

    If the database cannot be read, the version counts as not signed off: the draft banner is
    the safe thing to show.
    """
    try:
        found = signoffs(db.session, version, content_hash)
    except sa.exc.SQLAlchemyError:
        log.exception("Could not read the content sign-offs; showing the draft banner")
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:  # pragma: no cover - the database is gone altogether
            pass
        return None
    if not found:
        return None
    last = found[-1]
    return {"name": last.reviewer_name, "role": last.reviewer_role, "date": last.signed_on}
