"""Append-only guards that REPLACE and TRUNCATE cannot pass; the audit chain sealed with a key.

- SQLite: REPLACE deletes the old row without firing DELETE triggers (recursive_triggers is
  off, and the sqlite3 shell never turns it on), so a BEFORE INSERT trigger refuses any row
  whose id or natural key already exists.
- PostgreSQL: row triggers never see TRUNCATE; a statement-level BEFORE TRUNCATE trigger does.
- ``audit_entry.object_digest``: finish and amend entries carry the digest of their revision.
- Existing entries were sealed with plain SHA-256, which anyone can recompute. The unkeyed
  chain is checked first (a chain already broken stops the upgrade: sealing it would hide
  the damage), then every entry is re-sealed with HMAC-SHA256 under AUDIT_KEY, and one "seal"
  entry per existing revision records its digest. After this, no entry is unkeyed, so there is
  no old scheme an attacker could fall back to.

Revision ID: 0006
Revises: 0004
"""
import datetime as dt
import hashlib
import hmac

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
SQLITE_GUARDS = {
    "revision": "id = NEW.id OR (discussion_id = NEW.discussion_id AND number = NEW.number)",
    "audit_entry": "id = NEW.id OR prev_hash = NEW.prev_hash",
}

entries = sa.table("audit_entry", *[sa.column(n, t) for n, t in (
    ("id", sa.Integer), ("at", sa.DateTime), ("user_id", sa.Integer), ("clinic_id", sa.Integer),
    ("action", sa.String), ("object_type", sa.String), ("object_id", sa.String), ("detail", sa.String),
    ("object_digest", sa.String), ("prev_hash", sa.String), ("entry_hash", sa.String))])
revisions = sa.table("revision", *[sa.column(n, t) for n, t in (
    ("id", sa.Integer), ("discussion_id", sa.Uuid), ("number", sa.Integer), ("created_at", sa.DateTime),
    ("author_id", sa.Integer), ("author", sa.String), ("reason", sa.Text), ("answers_json", sa.Text),
    ("content_version", sa.String), ("content_hash", sa.String))])
discussions = sa.table("discussion", sa.column("id", sa.Uuid), sa.column("clinic_id", sa.Integer))
head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_id", sa.Integer),
                sa.column("last_hash", sa.String))


# Copies of the app's functions as they are at this revision, so this migration never changes.
def _fields(row, with_digest: bool) -> bytes:
    fields = [row["prev_hash"], str(row["id"]), row["at"].isoformat(timespec="microseconds"),
              str(row["user_id"] or ""), str(row["clinic_id"] or ""), row["action"], row["object_type"] or "",
              row["object_id"] or "", row["detail"] or ""] + ([row["object_digest"] or ""] if with_digest else [])
    return "\x1f".join(fields).encode()


def _revision_digest(row) -> str:
    fields = [str(row.discussion_id), str(row.number), row.created_at.isoformat(timespec="microseconds"),
              str(row.author_id), row.author, row.reason, row.answers_json, row.content_version, row.content_hash]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def _unkeyed_problems(rows: list[dict], last: tuple[int, str]) -> list[str]:
    problems, expected_prev = [], GENESIS
    for number, row in enumerate(rows, start=1):
        if row["id"] != number or row["prev_hash"] != expected_prev:
            problems.append(f"entry {row['id']} does not follow the entry before it")
        if hashlib.sha256(_fields(row, False)).hexdigest() != row["entry_hash"]:
            problems.append(f"entry {row['id']} has been edited")
        expected_prev = row["entry_hash"]
    if last != (len(rows), expected_prev):
        problems.append(f"entries after {len(rows)} are missing (the log ended at entry {last[0]})")
    return problems


def _seal_existing(connection: sa.Connection, key: bytes) -> None:
    rows = [dict(r._mapping) for r in connection.execute(sa.select(entries).order_by(entries.c.id))]
    last = tuple(connection.execute(sa.select(head.c.last_id, head.c.last_hash)).one())
    problems = _unkeyed_problems(rows, last)
    if problems:
        raise RuntimeError("The audit chain already has problems, so it is not sealed with the key: "
                           + "; ".join(problems) + ". Restore a sound backup, or keep the previous release.")
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    with_clinic = sa.select(revisions, discussions.c.clinic_id).join(
        discussions, discussions.c.id == revisions.c.discussion_id).order_by(revisions.c.id)
    for revision_row in connection.execute(with_clinic):
        rows.append({"id": len(rows) + 1, "at": now, "user_id": None, "clinic_id": revision_row.clinic_id,
                     "action": "seal", "object_type": "discussion", "object_id": str(revision_row.discussion_id),
                     "detail": f"revision {revision_row.number}", "object_digest": _revision_digest(revision_row),
                     "new": True})
    prev = GENESIS
    for row in rows:
        row["prev_hash"] = prev
        row["entry_hash"] = prev = hmac.new(key, _fields(row, True), hashlib.sha256).hexdigest()
        values = {k: v for k, v in row.items() if k != "new"}
        if row.get("new"):
            connection.execute(entries.insert().values(**values))
        else:
            connection.execute(entries.update().where(entries.c.id == row["id"])
                               .values(prev_hash=row["prev_hash"], entry_hash=row["entry_hash"]))
    connection.execute(head.update().values(last_id=len(rows), last_hash=prev))


def upgrade():
    with op.batch_alter_table("audit_entry") as batch:  # ADD COLUMN: SQLite keeps the table and its triggers
        batch.add_column(sa.Column("object_digest", sa.String(64), nullable=True))
    connection = op.get_bind()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        for table, clash in SQLITE_GUARDS.items():  # fixed names and conditions from this file, never input
            op.execute(f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "  # nosec B608
                       f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {clash}) "
                       f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END")
    elif dialect == "postgresql":
        for table in SQLITE_GUARDS:
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()")

    if connection.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar() or \
            connection.execute(sa.text("SELECT count(*) FROM revision")).scalar():
        # The migration runs as the schema's owner, who may lift the guard for this one re-sealing.
        if dialect == "sqlite":
            op.execute("DROP TRIGGER audit_entry_no_update")
        else:
            op.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        _seal_existing(connection, current_app.config["AUDIT_KEY"].encode())
        if dialect == "sqlite":
            op.execute("CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                       "BEGIN SELECT RAISE(ABORT, 'audit_entry rows are append-only'); END")
        else:
            op.execute("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")


def downgrade():
    raise NotImplementedError("The sealed audit chain cannot be unsealed: restore a backup instead.")
