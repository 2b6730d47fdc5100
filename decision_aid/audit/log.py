"""Writing and checking the audit trail.

``record`` adds an entry in the caller's transaction, so an action and its audit entry are
committed together or not at all. It locks the single head row first: on PostgreSQL with
SELECT ... FOR UPDATE, on SQLite through BEGIN IMMEDIATE (see database.py), so two app
servers can never both extend the chain from the same entry.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import utcnow
from .models import GENESIS, AuditEntry, AuditHead

ACTIONS = ("sign_in", "sign_in_failure", "sign_in_refused", "sign_out", "session_end", "create",
           "view", "update", "amend", "finish", "print", "export", "user_create", "user_disable", "user_enable",
           "password_change", "first_run", "denied", "content_signoff")


def entry_hash(prev_hash: str, entry_id: int, at: dt.datetime, user_id, clinic_id, action: str,
               object_type, object_id, detail) -> str:
    fields = [prev_hash, str(entry_id), at.isoformat(timespec="microseconds"), str(user_id or ""),
              str(clinic_id or ""), action, object_type or "", object_id or "", detail or ""]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def record(session: so.Session, action: str, *, user_id: int | None = None, clinic_id: int | None = None,
           object_type: str | None = None, object_id: str | None = None, detail: str | None = None) -> AuditEntry:
    """Append one entry. ``detail`` is a short code (e.g. a status), never text a person typed."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    at = utcnow()
    entry_id = head.last_id + 1
    digest = entry_hash(head.last_hash, entry_id, at, user_id, clinic_id, action, object_type, object_id, detail)
    entry = AuditEntry(id=entry_id, at=at, user_id=user_id, clinic_id=clinic_id, action=action,
                       object_type=object_type, object_id=object_id, detail=detail,
                       prev_hash=head.last_hash, entry_hash=digest)
    session.add(entry)
    head.last_id, head.last_hash = entry_id, digest
    session.flush()
    return entry


def verify(session: so.Session) -> list[str]:
    """Every problem found in the chain, or an empty list when it is whole and unedited."""
    problems = []
    expected_id, expected_prev = 1, GENESIS
    for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        if entry.id != expected_id:
            problems.append(f"entries {expected_id} to {entry.id - 1} are missing")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.id} does not follow the entry before it")
        recomputed = entry_hash(entry.prev_hash, entry.id, entry.at, entry.user_id, entry.clinic_id,
                                entry.action, entry.object_type, entry.object_id, entry.detail)
        if recomputed != entry.entry_hash:
            problems.append(f"entry {entry.id} has been edited")
        expected_id, expected_prev = entry.id + 1, entry.entry_hash
    head = session.get(AuditHead, 1)
    if head is None:
        problems.append("the audit head row is missing")
    elif head.last_id != expected_id - 1 or head.last_hash != expected_prev:
        problems.append(f"entries after {expected_id - 1} are missing (the log ended at entry {head.last_id})")
    return problems
