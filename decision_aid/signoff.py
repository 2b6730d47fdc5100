"""Clinical sign-off of a content version: who reviewed it, in what role, and when.

A content version is shown with a "Draft: awaiting clinical review" banner on every page and
PDF until a clinical reviewer signs it off with ``flask --app decision_aid sign-off-content``
(the command is in cli.py).
A sign-off is for one version *and its content hash*: if the files of a signed-off version ever
changed, the sign-off would no longer match and the banner would come back.

A translation of a version is signed off the same way, by a qualified medical translator, with
``flask --app decision_aid sign-off-translation``: a row with its ``language`` and the
translation's own hash (which covers the English files too). Until then every page and PDF in
that language shows the notice of ``translation_notice``.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

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
    # "en": the clinical sign-off of the content; else a translator's sign-off of that translation.
    language: so.Mapped[str] = so.mapped_column(sa.String(35), default="en", server_default="en")
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
                             language=content.language, reviewer_name=name, reviewer_role=role,
                             signed_on=signed_on)
    session.add(signoff)
    session.flush()
    if content.language == "en":
        record(session, "content_signoff", object_type="content", object_id=content.version,
               detail=content.content_hash[:16])
    else:
        record(session, "translation_signoff", object_type="translation",
               object_id=f"{content.version}/{content.language}", detail=content.content_hash[:16])
    return signoff


def signoffs(session: so.Session, version: str, content_hash: str, language: str = "en") -> list[ContentSignoff]:
    """The sign-offs of exactly this version, language and hash, oldest first."""
    return list(session.scalars(
        sa.select(ContentSignoff).where(ContentSignoff.content_version == version,
                                        ContentSignoff.language == language,
                                        ContentSignoff.content_hash == content_hash)
        .order_by(ContentSignoff.signed_on, ContentSignoff.id)))


def _read_signoffs(version: str, content_hash: str, language: str = "en") -> list[ContentSignoff]:
    """As ``signoffs``, in the app's session; none when the database cannot be read (the draft
    banner and the translation notice are the safe things to show)."""
    try:
        return signoffs(db.session, version, content_hash, language)
    except sa.exc.SQLAlchemyError:
        log.exception("Could not read the content sign-offs; showing the draft banner")
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:  # pragma: no cover - the database is gone altogether
            pass
        return []


def latest(version: str, content_hash: str) -> dict | None:
    """The newest sign-off of this version as a plain dict (for pages and PDFs), or None.

    If the database cannot be read, the version counts as not signed off: the draft banner is
    the safe thing to show.
    """
    found = _read_signoffs(version, content_hash)
    if not found:
        return None
    last = found[-1]
    return {"name": last.reviewer_name, "role": last.reviewer_role, "date": last.signed_on}


# --- Translations ------------------------------------------------------------------------------

AWAITING_REVIEW = "Translation awaiting review by a qualified medical translator"


@dataclasses.dataclass(frozen=True)
class TranslationStatus:
    """Whether a translation of a version (exactly its current files) has been signed off."""

    version: str
    language: str
    content_hash: str
    signed_off: bool
    reviewer_name: str | None = None
    reviewer_role: str | None = None
    signed_on: dt.date | None = None


@dataclasses.dataclass(frozen=True)
class TranslationNotice:
    """The notice a page or PDF in ``language`` shows until its translation is signed off.

    ``english`` is the wording; the macro ``_macros/translation.html`` draws it in the page's
    language (from the catalog) with the English beside it."""

    language: str
    direction: str
    english: str = AWAITING_REVIEW

    def __str__(self) -> str:  # {{ translation_notice(content) }} prints the wording
        return self.english


def translation_status(version: str, language: str) -> TranslationStatus | None:
    """None for English; else the sign-off state of the version's translation into ``language``.

    KeyError when the version has no such translation."""
    if language == "en":
        return None
    from .library import content_version  # here: library imports this module at start-up
    content = content_version(version, language)
    found = _read_signoffs(version, content.content_hash, language)
    if not found:
        return TranslationStatus(version, language, content.content_hash, signed_off=False)
    last = found[-1]
    return TranslationStatus(version, language, content.content_hash, True, last.reviewer_name,
                             last.reviewer_role, last.signed_on)


def _field(content: Any, name: str, default: Any = None) -> Any:
    return content.get(name, default) if isinstance(content, dict) else getattr(content, name, default)


def translation_notice(content: Any) -> TranslationNotice | None:
    """The notice to show with ``content`` (a Content, or a PDF's ``meta`` dict from
    ``presenting.meta``): None for English and for a signed-off translation. A template global."""
    language = _field(content, "language", "en")
    if language == "en":
        return None
    status = translation_status(_field(content, "version"), language)
    if status is not None and status.signed_off:
        return None
    return TranslationNotice(language, _field(content, "direction", "ltr"))
