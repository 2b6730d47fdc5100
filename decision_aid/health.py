"""GET /healthz: 200 when the database takes reads and writes, 503 when it does not. No sign-in.

A read alone still passes on a database that can no longer save anything (a full disk, a file
or a server turned read-only), and clinicians would lose their answers on the next Save. So the
check also rewrites one heartbeat row and commits: the commit is what fails then. A write that
is rolled back would not do: SQLite touches the file only when a transaction commits.
"""
from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint

from .extensions import db
from .models import utcnow

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


class Heartbeat(db.Model):
    """The one row /healthz rewrites (every server the same row: it holds nothing else)."""

    __tablename__ = "health_heartbeat"

    id: so.Mapped[int] = so.mapped_column(primary_key=True, autoincrement=False)
    checked_at: so.Mapped[dt.datetime]


def _write_heartbeat() -> None:
    updated = db.session.execute(sa.update(Heartbeat).where(Heartbeat.id == 1).values(checked_at=utcnow()))
    if updated.rowcount == 0:  # the migration adds the row; put it back if someone removed it
        db.session.add(Heartbeat(id=1, checked_at=utcnow()))
    db.session.commit()


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    try:
        _write_heartbeat()
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        # The heartbeat holds no patient data, so the database's own reason is safe to log.
        log.error("health check: the database refused a write: %s", error.orig or error)
        return {"status": "unavailable", "database": "writes fail"}, 503
    return {"status": "ok", "database": "ok"}
