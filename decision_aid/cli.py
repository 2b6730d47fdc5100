"""Commands: ``flask --app decision_aid <command>``."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from .accounts import operations as accounts
from .accounts.models import ROLES
from .audit.log import verify
from .database import create_schema
from .extensions import db
from .library import current_content
from .signoff import sign_off_content

BACKED_UP_TABLES = ("clinic", "user_account", "discussion", "revision", "audit_entry")


def init_app(app: Flask) -> None:
    for command in (init_db, check_content, create_user, verify_audit, backup, restore, sign_off_content):
        app.cli.add_command(command)


@click.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the database tables and guards (safe to run again)."""
    create_schema()
    click.echo("Database ready.")


@click.command("check-content")
@with_appcontext
def check_content() -> None:
    """Load and check every content version (start-up does the same), then say which is current."""
    content = current_content()
    click.echo(f"Content {content.version} ({content.content_hash[:12]}) is valid.")


def _read_password() -> str:
    """From a hidden prompt on a terminal, else the first line of standard input; never argv."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--clinic", "clinic_name", required=True, help="The clinic's name (created if new).")
@click.option("--role", type=click.Choice(ROLES), default="clinician", show_default=True)
@click.option("--name", help="The person's name as shown in the app (default: the e-mail address).")
@with_appcontext
def create_user(email: str, clinic_name: str, role: str, name: str | None) -> None:
    """Create an account. The password is read from a prompt or standard input."""
    create_schema()
    password = _read_password()
    try:
        accounts.create_user(db.session, email=email, name=name or email, clinic_name=clinic_name,
                             role=role, password=password)
    except accounts.AccountError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {role} account {email} at {clinic_name}.")


@click.command("verify-audit")
@with_appcontext
def verify_audit() -> None:
    """Check the audit chain; exit 1 and list the problems if any entry was edited or removed."""
    problems = verify(db.session)
    count = db.session.scalar(sa.text("SELECT count(*) FROM audit_entry"))
    if problems:
        for problem in problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        raise SystemExit(1)
    click.echo(f"Audit log intact: {count} entries, chain verified.")


def _sqlite_path() -> Path:
    url = sa.engine.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("backup and restore work on the SQLite database; for PostgreSQL use "
                                   "pg_dump and pg_restore (see the README).")
    return Path(url.database)


def _check_copy(path: Path) -> dict[str, int]:
    """integrity_check and row counts of a backup file; raises if it is not a sound copy."""
    if not path.is_file():
        raise click.ClickException(f"{path} does not exist")
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:  # e.g. "file is not a database"
            raise click.ClickException(f"{path} is not a readable SQLite database ({error})") from None
        if result != "ok":
            raise click.ClickException(f"{path} failed the integrity check: {result}")
        counts = {}
        for table in BACKED_UP_TABLES:
            try:
                # Not injectable: table names come from the fixed BACKED_UP_TABLES tuple, never from input.
                counts[table] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # nosec B608
            except sqlite3.DatabaseError:
                raise click.ClickException(f"{path} is not a decision aid database (no {table} table)") from None
        return counts
    finally:
        connection.close()


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(target: Path) -> None:
    """A consistent copy of the SQLite database, made with SQLite's online backup (safe while running)."""
    source_path = _sqlite_path()
    if target.exists():
        raise click.ClickException(f"{target} already exists; choose a new file name")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        with copy:
            source.backup(copy)
        # The live database runs in WAL mode; the copy becomes one self-contained file.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()
        source.close()
    counts = _check_copy(target)
    click.echo(f"Backed up to {target}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@with_appcontext
def restore(source: Path, yes: bool) -> None:
    """Check a backup (integrity_check, row counts), then copy it over the current database."""
    counts = _check_copy(source)
    click.echo(f"{source} is sound: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    if not yes and not click.confirm("Replace the current database with this backup?"):
        raise click.ClickException("Nothing was changed.")
    db.engine.dispose()
    backup_connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(_sqlite_path())
    try:
        backup_connection.backup(live)
    finally:
        live.close()
        backup_connection.close()
    problems = verify(db.session)
    if problems:
        raise click.ClickException("Restored, but the audit chain has problems: " + "; ".join(problems))
    click.echo("Restored. Audit chain verified.")
