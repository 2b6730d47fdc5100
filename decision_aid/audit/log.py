"""Writing and checking the audit trail.

``record`` adds an entry in the caller's transaction, so an action and its audit entry are
committed together or not at all. It locks the single head row first: on PostgreSQL with
SELECT ... FOR UPDATE, on SQLite through BEGIN IMMEDIATE (see database.py), so two app
servers can never both extend the chain from the same entry.

Each entry is sealed with HMAC-SHA256 under AUDIT_KEY, which is not in the database: whoever
can write to the database can still delete entries, but cannot edit one and re-seal the chain.
Finish and amend entries carry the digest of the revision they recorded, so a changed revision
row shows too. After each commit the newest entry's number and seal are written outside the
database (a JSON line in the app log and a line in the head file), so a cut tail shows against them.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import weakref
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import Revision, utcnow
from .models import GENESIS, AuditEntry, AuditHead

ACTIONS = ("sign_in", "sign_in_failure", "sign_in_refused", "sign_out", "session_end", "create",
           "view", "update", "amend", "finish", "print", "export", "user_create", "user_disable", "user_enable",
           "password_change", "first_run", "denied", "password_reset", "restore", "seal", "user_unlock", "clinic_update", "content_signoff",
           "translation_signoff",
           "follow_up", "collaborate",
           # the patient's own link and the tablet's patient view (patient_link/)
           "patient_link_create", "patient_link_withdraw", "patient_link_open", "patient_link_view",
           "patient_link_save", "patient_link_refused", "patient_view_start", "patient_view_end")

log = logging.getLogger("decision_aid.audit")
_PENDING_HEAD = "decision_aid.audit_head"


@dataclass(frozen=True)
class Sealing:
    key: bytes
    head_file: Path | None


# One app's key per engine, so domain code passes only its session (and tests can run many apps).
_SEALINGS: weakref.WeakKeyDictionary[sa.Engine, Sealing] = weakref.WeakKeyDictionary()


def use_key(engine: sa.Engine, key: str, head_file: str | None = None) -> None:
    _SEALINGS[engine] = Sealing(key.encode(), Path(head_file) if head_file else None)


def _sealing(session: so.Session) -> Sealing:
    return _SEALINGS[session.get_bind()]


def seal(key: bytes, prev_hash: str, entry_id: int, at: dt.datetime, user_id, clinic_id, action: str,
         object_type, object_id, detail, object_digest) -> str:
    fields = [prev_hash, str(entry_id), at.isoformat(timespec="microseconds"), str(user_id or ""),
              str(clinic_id or ""), action, object_type or "", object_id or "", detail or "", object_digest or ""]
    return hmac.new(key, "\x1f".join(fields).encode(), hashlib.sha256).hexdigest()


def _seal_of(key: bytes, entry: AuditEntry) -> str:
    return seal(key, entry.prev_hash, entry.id, entry.at, entry.user_id, entry.clinic_id, entry.action,
                entry.object_type, entry.object_id, entry.detail, entry.object_digest)


def record(session: so.Session, action: str, *, user_id: int | None = None, clinic_id: int | None = None,
           object_type: str | None = None, object_id: str | None = None, detail: str | None = None,
           object_digest: str | None = None) -> AuditEntry:
    """Append one entry. ``detail`` is a short code (e.g. a status), never text a person typed;
    ``object_digest`` is the digest of a revision this entry records (``Revision.digest()``)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    sealing = _sealing(session)
    head = session.execute(sa.select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    entry = AuditEntry(id=head.last_id + 1, at=utcnow(), user_id=user_id, clinic_id=clinic_id, action=action,
                       object_type=object_type, object_id=object_id, detail=detail, object_digest=object_digest,
                       prev_hash=head.last_hash)
    entry.entry_hash = _seal_of(sealing.key, entry)
    session.add(entry)
    head.last_id, head.last_hash = entry.id, entry.entry_hash
    session.flush()
    session.info[_PENDING_HEAD] = (sealing.head_file, entry.id, entry.entry_hash)
    return entry


@sa.event.listens_for(so.Session, "after_commit")
def _write_head(session: so.Session) -> None:
    """Only a committed entry is written out: a rolled-back one would look like a cut tail."""
    pending = session.info.pop(_PENDING_HEAD, None)
    if pending is None:
        return
    head_file, entry_id, entry_hash = pending
    line = json.dumps({"id": entry_id, "hmac": entry_hash})
    log.info(json.dumps({"audit_head": {"id": entry_id, "hmac": entry_hash}}))
    if head_file is None:
        return
    try:
        fd = os.open(head_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())  # one short write in append mode: lines never interleave
        finally:
            os.close(fd)
    except OSError as error:  # the entry is committed; the log line above still holds the head
        log.error("could not write the audit head to %s: %s", head_file, error.strerror)


@sa.event.listens_for(so.Session, "after_rollback")
def _forget_head(session: so.Session) -> None:
    session.info.pop(_PENDING_HEAD, None)


def read_head(head_file: Path) -> tuple[int, str] | None:
    """The last head written to the file, or None if it has none yet."""
    with open(head_file, "rb") as handle:
        handle.seek(max(0, handle.seek(0, os.SEEK_END) - 4096))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    if not lines:
        return None
    try:
        head = json.loads(lines[-1])
        return int(head["id"]), str(head["hmac"])
    except (ValueError, KeyError, TypeError):
        raise ValueError(f"the last line of {head_file} is not an audit head") from None


def verify(session: so.Session, head: tuple[int, str] | None = None) -> list[str]:
    """Every problem found in the chain and the revisions it vouches for, or an empty list.

    ``head`` is an (entry number, seal) written outside the database: that entry must still be there.
    """
    key = _sealing(session).key
    problems = []
    expected_id, expected_prev, head_seal = 1, GENESIS, None
    vouched: dict[tuple[str, str], str] = {}
    for entry in session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        if entry.id != expected_id:
            problems.append(f"entries {expected_id} to {entry.id - 1} are missing")
        if entry.prev_hash != expected_prev:
            problems.append(f"entry {entry.id} does not follow the entry before it")
        if not hmac.compare_digest(_seal_of(key, entry), entry.entry_hash):
            problems.append(f"entry {entry.id} has been edited")
        if entry.object_digest:
            vouched[(entry.object_id or "", entry.detail or "")] = entry.object_digest
        if head and entry.id == head[0]:
            head_seal = entry.entry_hash
        expected_id, expected_prev = entry.id + 1, entry.entry_hash
    audit_head = session.get(AuditHead, 1)
    if audit_head is None:
        problems.append("the audit head row is missing")
    elif audit_head.last_id != expected_id - 1 or audit_head.last_hash != expected_prev:
        problems.append(f"entries after {expected_id - 1} are missing (the log ended at entry {audit_head.last_id})")
    if head and head_seal is None:
        problems.append(f"entry {head[0]} is missing: the head written outside the database names it "
                        f"(the chain here ends at entry {expected_id - 1})")
    elif head and not hmac.compare_digest(head_seal, head[1]):
        problems.append(f"entry {head[0]} does not match the head written outside the database")
    return problems + _revision_problems(session, vouched)


def _revision_problems(session: so.Session, vouched: dict[tuple[str, str], str]) -> list[str]:
    """Each revision must match the digest its finish, amend or seal entry recorded."""
    problems = []
    for revision in session.scalars(sa.select(Revision).order_by(Revision.id)).yield_per(500):
        name = (str(revision.discussion_id), f"revision {revision.number}")
        digest = vouched.pop(name, None)
        if digest is None:
            problems.append(f"{name[1]} of discussion {name[0]} is not in the audit log")
        elif digest != revision.digest():
            problems.append(f"{name[1]} of discussion {name[0]} has been changed")
    problems += [f"{detail} of discussion {discussion} is missing" for discussion, detail in vouched]
    return problems
