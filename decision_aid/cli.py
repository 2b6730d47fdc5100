"""Commands: ``flask --app decision_aid <command>``."""
from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import sqlite3
import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from .accounts import operations as accounts
from .accounts.models import ROLES
from .audit.log import read_head, record, verify
from .database import create_schema, grant_runtime_role, owner_engine
from .extensions import db
from .library import all_versions, content_version, current_content, languages
from .record.bulk import export_fhir, record_note
from .signoff import SignoffError, latest, sign_off, translation_status

BACKED_UP_TABLES = ("clinic", "user_account", "discussion", "revision", "audit_entry")


def init_app(app: Flask) -> None:
    for command in (init_db, check_content, create_user, verify_audit, backup, restore, grant_runtime_role_command,
                    sign_off_content, sign_off_translation):
        app.cli.add_command(command)
    app.cli.add_command(export_fhir)
    app.cli.add_command(record_note)


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
    signed = latest(content.version, content.content_hash)
    click.echo(f"Signed off by {signed['name']} ({signed['role']}) on {signed['date'].isoformat()}." if signed
               else "Not signed off yet: every page and PDF shows the draft banner.")
    offered = {language.code for language in languages()}
    for language in languages(with_stale=True)[1:]:
        status = translation_status(content.version, language.code)
        click.echo(f"Translation {language.code} ({language.english_name}): " + (
            f"signed off by {status.reviewer_name} ({status.reviewer_role}) on {status.signed_on.isoformat()}."
            if status.signed_off else "awaiting review by a qualified medical translator.") + (
            "" if language.code in offered else " Stale (the English changed after translating): not offered."))


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


def _parse_head(_context, _param, value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    number, _, seal = value.partition(":")
    if not number.isdigit() or len(seal) != 64:
        raise click.BadParameter("give the entry number and its seal as NUMBER:HMAC (from the app log)")
    return int(number), seal


@click.command("verify-audit")
@click.option("--head", callback=_parse_head, metavar="NUMBER:HMAC",
              help="A head written outside the database (the app log's audit_head line) to check against.")
@click.option("--head-file", type=click.Path(dir_okay=False, path_type=Path),
              help="The file of written-out heads (default: AUDIT_HEAD_FILE, if it exists).")
@with_appcontext
def verify_audit(head: tuple[int, str] | None, head_file: Path | None) -> None:
    """Check the audit chain and revisions; exit 1 and list the problems if anything was edited or removed."""
    head_file = head_file or Path(current_app.config["AUDIT_HEAD_FILE"])
    if head is None and head_file.is_file():
        try:
            head = read_head(head_file)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    problems = verify(db.session, head)
    count = db.session.scalar(sa.text("SELECT count(*) FROM audit_entry"))
    if problems:
        for problem in problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        raise SystemExit(1)
    against = f"; written-out head (entry {head[0]}) matches" if head else "; no written-out head to check against"
    click.echo(f"Audit log intact: {count} entries, chain verified{against}.")


@click.command("grant-runtime-role")
@click.argument("role")
@with_appcontext
def grant_runtime_role_command(role: str) -> None:
    """PostgreSQL: give ROLE only the rights the app needs. Run as the tables' owner after each upgrade."""
    engine = owner_engine()
    if engine.dialect.name != "postgresql":
        raise click.ClickException("grant-runtime-role is for PostgreSQL; a SQLite file is protected by its "
                                   "file permissions (see the README).")
    try:
        with engine.begin() as connection:
            tables = grant_runtime_role(connection, role)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{role} may now use {len(tables)} tables; revisions and audit entries only by adding rows.")


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
    # Made here, owner-only, before SQLite opens it: a backup holds every patient's answers.
    try:
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise click.ClickException(f"{target} already exists; choose a new file name") from None
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


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _rolled_back(source: Path) -> tuple[int, int]:
    """(live entries the backup lacks, the backup's last entry); says so, louder if the two logs have parted."""
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup_last, backup_hash = connection.execute("SELECT last_id, last_hash FROM audit_head").fetchone()
    finally:
        connection.close()
    live_last = db.session.scalar(sa.text("SELECT last_id FROM audit_head"))
    live_hash = db.session.scalar(sa.text("SELECT entry_hash FROM audit_entry WHERE id = :n"), {"n": backup_last})
    db.session.rollback()  # let go of the database before it is replaced
    if backup_last == 0 or live_hash == backup_hash:
        rolled_back = max(0, live_last - backup_last)
        warning = "Warning: " if rolled_back else ""
        click.echo(f"{warning}{rolled_back} audit entries written after this backup will be rolled back.")
        return rolled_back, backup_last
    click.echo(f"Warning: this backup's audit log is not an earlier state of the current one (it ends at entry "
               f"{backup_last}, which the current log lacks or holds differently); all {live_last} current "
               "audit entries will be replaced.")
    return live_last, backup_last


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the current database without asking.")
@click.option("--by", "operator", help="Who is restoring, for the audit log (default: the operating system user).")
@with_appcontext
def restore(source: Path, yes: bool, operator: str | None) -> None:
    """Check a backup (integrity_check, row counts), then copy it over the current database.

    The restore is itself audited: an entry naming the backup's SHA-256, who ran it and how many
    entries it rolled back is appended to the restored chain.
    """
    counts = _check_copy(source)
    click.echo(f"{source} is sound: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    rolled_back, backup_last = _rolled_back(source)
    if not yes and not click.confirm("Replace the current database with this backup?"):
        raise click.ClickException("Nothing was changed.")
    digest = _file_digest(source)
    db.session.remove()
    db.engine.dispose()
    backup_connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(_sqlite_path())
    try:
        backup_connection.backup(live)
    finally:
        live.close()
        backup_connection.close()
    create_schema()  # a backup from an older release is brought up to this one's schema (and sealed)
    who = (operator or f"{getpass.getuser()} (operating system user)")[:100]
    record(db.session, "restore", object_type="backup", object_id=digest,
           detail=f"by {who}; rolled back {rolled_back}; the backup ended at entry {backup_last}")
    db.session.commit()
    problems = verify(db.session)
    if problems:
        raise click.ClickException("Restored, but the audit chain has problems: " + "; ".join(problems))
    click.echo("Restored. Audit chain verified.")


@click.command("sign-off-content")
@click.argument("version")
@click.option("--name", required=True, help="The clinical reviewer's name.")
@click.option("--role", required=True, help='Their role, e.g. "Clinical lead, sports medicine".')
@click.option("--date", "signed_on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date of the review (default: today), as YYYY-MM-DD.")
@with_appcontext
def sign_off_content(version: str, name: str, role: str, signed_on: dt.datetime | None) -> None:
    """Record that a clinical reviewer has signed off content VERSION (and audit it)."""
    versions = all_versions()
    if version not in versions:
        raise click.ClickException(f"no content version {version!r}; there are {sorted(versions)}")
    content = versions[version]
    try:
        signoff = sign_off(db.session, content, name, role, signed_on.date() if signed_on else None)
    except SignoffError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Content {version} ({content.content_hash[:12]}) signed off by {signoff.reviewer_name} "
               f"({signoff.reviewer_role}) on {signoff.signed_on.isoformat()}.")


@click.command("sign-off-translation")
@click.argument("version")
@click.argument("language")
@click.option("--reviewer", required=True, help="The qualified medical translator's name.")
@click.option("--role", required=True, help='Their role, e.g. "Medical translator (Polish), NRPSI".')
@click.option("--date", "signed_on", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The date of the review (default: today), as YYYY-MM-DD.")
@with_appcontext
def sign_off_translation(version: str, language: str, reviewer: str, role: str,
                         signed_on: dt.datetime | None) -> None:
    """Record that a qualified medical translator has signed off the LANGUAGE translation of content
    VERSION (its current files; audited). Until then its pages and PDFs carry the review notice."""
    if version not in all_versions():
        raise click.ClickException(f"no content version {version!r}; there are {sorted(all_versions())}")
    if language == "en":
        raise click.ClickException("English is the source, not a translation: use sign-off-content")
    try:
        content = content_version(version, language)
    except KeyError:
        codes = [lang.code for lang in languages(version)[1:]]
        raise click.ClickException(f"content {version} has no translation {language!r}; it has {codes}") from None
    try:
        signoff = sign_off(db.session, content, reviewer, role, signed_on.date() if signed_on else None)
    except SignoffError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Translation {language} of content {version} ({content.content_hash[:12]}) signed off by "
               f"{signoff.reviewer_name} ({signoff.reviewer_role}) on {signoff.signed_on.isoformat()}.")
