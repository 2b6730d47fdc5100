"""Database set-up: SQLite pragmas and transactions, the schema, and the append-only guards."""
from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from flask import Flask

from .extensions import db

# Revisions and audit entries are append-only, enforced by the database itself.
APPEND_ONLY = ("revision", "audit_entry")

SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, '{table} rows are append-only'); END"
    for table in APPEND_ONLY for verb in ("UPDATE", "DELETE")
]
POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME; END $$""",
    *[f"""DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '{table}_append_only') THEN
             CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
             FOR EACH ROW EXECUTE FUNCTION refuse_change();
           END IF; END $$""" for table in APPEND_ONLY],
]


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connect(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        # We issue BEGIN ourselves (below); WAL lets readers on while a step is saved.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection) -> None:
    """BEGIN IMMEDIATE: a transaction takes SQLite's write lock when it starts, so two requests
    cannot both read the audit head and then both write after it (or fail half-way)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables)
    from .accounts import models as account_models  # noqa: F401
    from .audit import models as audit_models  # noqa: F401

    db.init_app(app)


def create_schema() -> None:
    """Create missing tables, the append-only triggers and the audit head row (safe to rerun)."""
    from .audit.models import AuditHead

    db.create_all()
    dialect = db.engine.dialect.name
    statements = SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS if dialect == "postgresql" else []
    with db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    if db.session.get(AuditHead, 1) is None:
        db.session.add(AuditHead(id=1))
    db.session.commit()
