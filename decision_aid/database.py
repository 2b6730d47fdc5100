"""Database set-up: SQLite pragmas, file modes and transactions, the schema, the runtime role."""
from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app

from .extensions import db, migrate


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connect(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        # We issue BEGIN ourselves (below); WAL lets readers on while a step is saved.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        main = next((row[2] for row in cursor.execute("PRAGMA database_list") if row[1] == "main"), "")
        _owner_only(main)  # first, so the -wal and -shm files SQLite makes take the same mode
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        _owner_only(main)


def _owner_only(database_file: str) -> None:
    """Patient data: the database and its WAL files are readable by the app's user only (0600)."""
    if not database_file:  # an in-memory database
        return
    for name in (database_file, f"{database_file}-wal", f"{database_file}-shm"):
        # Missing (not made yet) or not ours to change (a file another user set up): leave it.
        with contextlib.suppress(FileNotFoundError, PermissionError):
            os.chmod(name, 0o600)


# An execution option for work that only reads and then takes long (the background PDF
# renders): ``db.session.connection(execution_options={READ_ONLY: True})`` before any query.
READ_ONLY = "decision_aid_read_only"


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection) -> None:
    """BEGIN IMMEDIATE: a transaction takes SQLite's write lock when it starts, so two requests
    cannot both read the audit head and then both write after it (or fail half-way). A READ_ONLY
    connection begins DEFERRED: in WAL mode a reader never holds the write lock, so nobody
    saving meanwhile waits for it (it must not write: it would fail at once when busy)."""
    if connection.dialect.name == "sqlite":
        read_only = connection.get_execution_options().get(READ_ONLY)
        connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def include_object_for(dialect: str):
    """Alembic's include_object hook: a model object marked ``info={"dialect": ...}`` (the
    PostgreSQL trigram indexes) exists only on that database, so elsewhere it is not missing."""
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        wanted = getattr(obj, "info", {}).get("dialect")
        return wanted is None or wanted == dialect
    return include_object


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables)
    from .accounts import models as account_models  # noqa: F401
    from .audit import log as audit_log
    from .audit import models as audit_models  # noqa: F401
    from .health import Heartbeat  # noqa: F401
    from . import signoff  # noqa: F401  (the content sign-off table)
    from .followup import models as followup_models  # noqa: F401  (CollaboRATE, follow-ups)
    from .clinic_details import models as clinic_details_models  # noqa: F401
    from .patient_link import models as patient_link_models  # noqa: F401

    db.init_app(app)
    with app.app_context():
        audit_log.use_key(db.engine, app.config["AUDIT_KEY"], app.config["AUDIT_HEAD_FILE"])
    # render_as_batch: SQLite cannot ALTER most things, so migrations copy-and-swap tables there.
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)


def create_schema() -> None:
    """Create or upgrade the schema to the newest migration (safe to run again).

    Migrations are the only way the schema is made: the append-only triggers and the audit
    head row are in them too (decision_aid/migrations/versions/).
    """
    from flask_migrate import upgrade

    upgrade(directory=MIGRATIONS_DIR)


def owner_engine() -> sa.Engine:
    """The engine migrations use: MIGRATION_DATABASE_URL (the schema's owner) if set, else the app's."""
    url = current_app.config.get("MIGRATION_DATABASE_URI")
    if not url:
        return db.engine
    engines = current_app.extensions.setdefault("decision_aid.owner_engine", {})
    if url not in engines:
        engines[url] = sa.create_engine(url, hide_parameters=True)
    return engines[url]


# What the runtime role may do, table by table; every other table gets SELECT, INSERT, UPDATE, DELETE.
RUNTIME_RIGHTS = {"revision": "SELECT, INSERT", "audit_entry": "SELECT, INSERT",
                  "audit_head": "SELECT, UPDATE", "alembic_version": "SELECT",
                  # after the visit: append-only too (followup/models.py)
                  "follow_up": "SELECT, INSERT", "collaborate_response": "SELECT, INSERT",
                  "collaborate_offer": "SELECT, INSERT",
                  "clinic_details": "SELECT, INSERT"}


def grant_runtime_role(connection: sa.Connection, role: str) -> list[str]:
    """PostgreSQL: give ``role`` only the rights the app needs; returns the tables granted.

    Run as the tables' owner, after every upgrade (new tables need their grants). The role
    can then never UPDATE, DELETE or TRUNCATE revisions and audit entries, nor drop a trigger
    or a table (only an owner can).
    """
    found = connection.execute(sa.text(
        "SELECT rolsuper, rolname = current_user AS running, EXISTS (SELECT 1 FROM pg_tables WHERE "
        "schemaname = current_schema() AND tableowner = :role) AS owner FROM pg_roles WHERE rolname = :role"),
        {"role": role}).first()
    if found is None:
        raise ValueError(f"there is no role {role}: create it first (CREATE ROLE {role} LOGIN PASSWORD '...')")
    if found.rolsuper:
        raise ValueError(f"{role} is a superuser, which passes every guard: use a plain LOGIN role")
    if found.running or found.owner:
        raise ValueError(f"{role} owns the tables: the runtime role must be another role")
    quote = connection.dialect.identifier_preparer.quote
    schema = quote(connection.scalar(sa.text("SELECT current_schema()")))
    grantee = quote(role)
    tables = sorted(sa.inspect(connection).get_table_names())
    # Identifiers are quoted by the dialect and come from the catalogue or an operator's command line.
    connection.exec_driver_sql(f"GRANT USAGE ON SCHEMA {schema} TO {grantee}")
    for table in tables:
        connection.exec_driver_sql(f"REVOKE ALL ON {quote(table)} FROM {grantee}")
        rights = RUNTIME_RIGHTS.get(table, "SELECT, INSERT, UPDATE, DELETE")
        connection.exec_driver_sql(f"GRANT {rights} ON {quote(table)} TO {grantee}")
    connection.exec_driver_sql(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}")
    return tables
