"""Database set-up: SQLite pragmas and transactions, the schema, and the append-only guards."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from .extensions import db, migrate


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


MIGRATIONS_DIR = str(Path(__file__).parent / "migrations")


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables)
    from .accounts import models as account_models  # noqa: F401
    from .audit import models as audit_models  # noqa: F401
    from . import signoff  # noqa: F401  (the content sign-off table)

    db.init_app(app)
    # render_as_batch: SQLite cannot ALTER most things, so migrations copy-and-swap tables there.
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)


def create_schema() -> None:
    """Create or upgrade the schema to the newest migration (safe to run again).

    Migrations are the only way the schema is made: the append-only triggers and the audit
    head row are in them too (decision_aid/migrations/versions/).
    """
    from flask_migrate import upgrade

    upgrade(directory=MIGRATIONS_DIR)
