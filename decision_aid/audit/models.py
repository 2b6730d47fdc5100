from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import utcnow

GENESIS = "0" * 64


class AuditEntry(db.Model):
    """Who did what to which object, when. Never patient text. UPDATE and DELETE are refused
    by the database; each entry is sealed (HMAC, see log.py) together with the seal of the one before."""

    __tablename__ = "audit_entry"

    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    user_id: so.Mapped[int | None] = so.mapped_column(index=True)
    clinic_id: so.Mapped[int | None] = so.mapped_column(index=True)
    action: so.Mapped[str] = so.mapped_column(sa.String(32))
    object_type: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    object_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    detail: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    # The digest of the revision a finish, amend or seal entry records (Revision.digest()).
    object_digest: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    prev_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    entry_hash: so.Mapped[str] = so.mapped_column(sa.String(64))


class AuditHead(db.Model):
    """One row: the newest entry's number and hash. Appenders lock it, so the chain never forks,
    and deleting the newest entries is detected because the head still names them."""

    __tablename__ = "audit_head"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    last_id: so.Mapped[int] = so.mapped_column(default=0)
    last_hash: so.Mapped[str] = so.mapped_column(sa.String(64), default=GENESIS)
