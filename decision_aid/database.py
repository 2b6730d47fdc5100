"""Database set-up: SQLite pragmas, and creating the schema."""
from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from flask import Flask

from .extensions import db


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while a step is saved; foreign keys are off in SQLite by default."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401  (registers the tables)

    db.init_app(app)


def create_schema() -> None:
    db.create_all()
