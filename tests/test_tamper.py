"""What someone with write access to the database could try, and what stops it or shows it.

The attacker here works in SQL directly (the sqlite3 shell, psql), not through the app.
"""
import datetime as dt
import hashlib
import json
import logging
import sqlite3
import uuid

import pytest
import sqlalchemy as sa

from conftest import POSTGRES, Consultation, signed_in_client
from decision_aid.extensions import db

postgres_only = pytest.mark.skipif(not POSTGRES, reason="PostgreSQL only (run with scripts/with-postgres.sh)")


def raw(app, *statements):
    with app.app_context(), db.engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def rows(app, sql: str) -> list:
    with app.app_context(), db.engine.connect() as connection:
        return connection.exec_driver_sql(sql).all()


def drop_guard(app, table: str, verb: str) -> str:
    """The statement that removes an append-only trigger, as the database's owner could."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return f"DROP TRIGGER {table}_append_only ON {table}"
    return f"DROP TRIGGER {table}_no_{verb}"


def verify_audit(app, *args):
    return app.test_cli_runner().invoke(args=["verify-audit", *args])


@pytest.fixture
def finished(app, client):
    visit = Consultation(client).start(patient_ref="TAMPER-REF-1").fill_all(app)
    visit.finish()
    return visit


# --- The triggers --------------------------------------------------------------------------------

REVISION_COLUMNS = "discussion_id, number, created_at, author_id, author, answers_json, content_version, content_hash"
AUDIT_COLUMNS = "id, at, user_id, clinic_id, action, object_type, object_id, detail, prev_hash, entry_hash"


@pytest.mark.sqlite_only
@pytest.mark.parametrize("statement", [
    # a new row that collides with revision 1's number: REPLACE deletes the old row first
    f"REPLACE INTO revision ({REVISION_COLUMNS}, reason) SELECT {REVISION_COLUMNS}, 'rewritten' FROM revision",
    # the same id
    f"INSERT OR REPLACE INTO revision (id, {REVISION_COLUMNS}, reason) SELECT id, {REVISION_COLUMNS}, 'rewritten' "
    "FROM revision",
    f"REPLACE INTO audit_entry ({AUDIT_COLUMNS}) SELECT {AUDIT_COLUMNS.replace('action', chr(39) + 'view' + chr(39))} "
    "FROM audit_entry WHERE id = 2",
])
def test_sqlite_refuses_replace_into_revisions_and_audit_entries(app, finished, statement):
    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    before = rows(app, "SELECT * FROM revision"), rows(app, "SELECT * FROM audit_entry ORDER BY id")
    # As the sqlite3 shell would: none of the app's connection settings.
    connection = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute(statement)
            connection.commit()
    finally:
        connection.close()
    assert (rows(app, "SELECT * FROM revision"), rows(app, "SELECT * FROM audit_entry ORDER BY id")) == before


@postgres_only
@pytest.mark.parametrize("statement", ["TRUNCATE revision", "TRUNCATE audit_entry",
                                       "TRUNCATE discussion, revision", "TRUNCATE discussion CASCADE"])
def test_postgresql_refuses_truncate_even_to_the_tables_owner(app, finished, statement):
    # Without CASCADE, tables that point at discussion (the patient's links, follow-ups) make
    # PostgreSQL refuse before the append-only trigger runs: refused either way, nothing lost.
    with pytest.raises(sa.exc.DatabaseError, match="append-only|referenced in a foreign key constraint"):
        raw(app, statement)
    assert rows(app, "SELECT count(*) FROM revision") == [(1,)]


# --- A runtime role on PostgreSQL ----------------------------------------------------------------

@pytest.fixture
def runtime_role(make_app, database_url):
    """A plain LOGIN role given the app's rights by grant-runtime-role, run by the tables' owner."""
    owner = make_app()
    role = f"runtime_{uuid.uuid4().hex[:10]}"
    raw(owner, f"CREATE ROLE {role} LOGIN")
    result = owner.test_cli_runner().invoke(args=["grant-runtime-role", role])
    url = sa.engine.make_url(database_url).set(username=role).render_as_string(hide_password=False)
    yield result, url
    with owner.app_context():
        db.engine.dispose()
    raw(owner, f"DROP OWNED BY {role}", f"DROP ROLE {role}")


@postgres_only
def test_the_runtime_role_runs_consultations_but_cannot_rewrite_history(make_app, runtime_role):
    granted, url = runtime_role
    assert granted.exit_code == 0, granted.output
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT current_user")) != "app"
    client = signed_in_client(app)
    visit = Consultation(client).start().fill_all(app)
    visit.finish()
    assert client.post(f"{visit.url}/amend", data={"choice": "prp", "reason": "Follow-up",
                                                   "expected_revision": "1"}).status_code == 302
    assert client.get(f"{visit.url}/revisions/2").status_code == 200
    assert client.post("/logout").status_code == 302
    for statement in ["UPDATE revision SET reason = 'x'", "DELETE FROM revision", "TRUNCATE revision",
                      "UPDATE audit_entry SET action = 'view'", "DELETE FROM audit_entry", "TRUNCATE audit_entry",
                      "DROP TRIGGER revision_append_only ON revision",
                      "ALTER TABLE audit_entry DISABLE TRIGGER ALL", "DROP TABLE audit_entry CASCADE",
                      "CREATE TABLE shadow (id int)"]:
        with pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"):
            raw(app, statement)
    assert rows(app, "SELECT count(*) FROM revision") == [(2,)]
    assert verify_audit(app).exit_code == 0


@postgres_only
def test_granting_refuses_a_superuser_an_owner_and_a_missing_role(app):
    grant = lambda role: app.test_cli_runner().invoke(args=["grant-runtime-role", role])  # noqa: E731
    result = grant("app")
    assert result.exit_code == 1 and "superuser" in result.output
    owner = f"owner_{uuid.uuid4().hex[:10]}"
    raw(app, f"CREATE ROLE {owner} LOGIN", f"ALTER TABLE login_attempt OWNER TO {owner}")
    try:
        result = grant(owner)
        assert result.exit_code == 1 and "owns the tables" in result.output
    finally:
        raw(app, "ALTER TABLE login_attempt OWNER TO app", f"DROP OWNED BY {owner}", f"DROP ROLE {owner}")
    result = grant("nobody_here")
    assert result.exit_code == 1 and "there is no role nobody_here" in result.output


# --- The keyed chain -----------------------------------------------------------------------------

def plain_sha256(prev_hash, entry_id, at, user_id, clinic_id, action, object_type, object_id, detail, *_):
    """The chain's hash without any key: what an attacker can always compute."""
    at = at if isinstance(at, dt.datetime) else dt.datetime.fromisoformat(at)  # SQLite gives text
    fields = [prev_hash, str(entry_id), at.isoformat(timespec="microseconds"), str(user_id or ""),
              str(clinic_id or ""), action, object_type or "", object_id or "", detail or ""]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def reseal_from(app, first: int, **change) -> None:
    """Change entry ``first``, then recompute every hash from there on and fix the head row."""
    raw(app, drop_guard(app, "audit_entry", "update"))
    with app.app_context(), db.engine.begin() as connection:
        entries = connection.execute(sa.text(
            "SELECT id, at, user_id, clinic_id, action, object_type, object_id, detail, prev_hash "
            "FROM audit_entry ORDER BY id")).all()
        prev = None
        for entry in entries:
            values = entry._asdict()
            if entry.id < first:
                prev = None
                continue
            if entry.id == first:
                values.update(change)
                prev = entry.prev_hash
            values["prev_hash"] = prev
            values["entry_hash"] = prev = plain_sha256(prev, entry.id, *[values[k] for k in (
                "at", "user_id", "clinic_id", "action", "object_type", "object_id", "detail")])
            connection.execute(sa.text("UPDATE audit_entry SET action = :action, prev_hash = :prev_hash, "
                                       "entry_hash = :entry_hash WHERE id = :id"), values)
        connection.execute(sa.text("UPDATE audit_head SET last_hash = :h"), {"h": prev})


def test_an_entry_rewritten_and_resealed_without_the_key_is_found(app, client, finished):
    assert verify_audit(app).exit_code == 0
    reseal_from(app, 3, action="view")
    result = verify_audit(app)
    assert result.exit_code == 1
    assert "entry 3 has been edited" in result.output


def head_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage())["audit_head"] for r in caplog.records if r.name == "decision_aid.audit"]


def test_a_cut_tail_is_found_against_the_head_written_outside_the_database(app, client, caplog):
    caplog.set_level(logging.INFO, logger="decision_aid.audit")
    visit = Consultation(client).start(patient_ref="TAMPER-REF-2").fill_all(app)
    (last,), = rows(app, "SELECT max(id) FROM audit_entry")
    logged = head_lines(caplog)
    assert logged[-1]["id"] == last  # each committed entry's number and seal go to the app log
    assert "TAMPER-REF-2" not in caplog.text and visit.id not in caplog.text
    assert verify_audit(app).exit_code == 0

    # Cut the last three entries and make the head row agree, so the database alone looks whole.
    keep = last - 3
    raw(app, drop_guard(app, "audit_entry", "delete"), f"DELETE FROM audit_entry WHERE id > {keep}",
        f"UPDATE audit_head SET last_id = {keep}, last_hash = (SELECT entry_hash FROM audit_entry WHERE id = {keep})")
    result = verify_audit(app)  # the head file in the instance folder, by default
    assert result.exit_code == 1 and f"entry {last} is missing" in result.output, result.output
    result = verify_audit(app, "--head", f"{logged[-1]['id']}:{logged[-1]['hmac']}")  # the head from the log
    assert result.exit_code == 1 and f"entry {last} is missing" in result.output, result.output
    result = verify_audit(app, "--head", f"{logged[keep - 1]['id']}:{logged[keep - 1]['hmac']}")
    assert result.exit_code == 0, result.output  # an older head still matches: nothing before it changed


def test_a_head_that_names_a_different_entry_is_found(app, client, finished):
    (last, seal), = rows(app, "SELECT id, entry_hash FROM audit_entry ORDER BY id DESC LIMIT 1")
    result = verify_audit(app, "--head", f"{last}:{'0' * 64}")
    assert result.exit_code == 1 and f"entry {last} does not match" in result.output
    assert verify_audit(app, "--head", f"{last}:{seal}").exit_code == 0
    assert verify_audit(app, "--head", "nonsense").exit_code == 2  # a usage error, not a verdict


def test_a_revision_changed_in_the_database_is_found(app, client, finished):
    raw(app, drop_guard(app, "revision", "update"),
        "UPDATE revision SET answers_json = replace(answers_json, 'conservative', 'prp')")
    result = verify_audit(app)
    assert result.exit_code == 1
    assert f"revision 1 of discussion {finished.id} has been changed" in result.output


def test_a_revision_added_in_the_database_is_found(app, client, finished):
    raw(app, f"INSERT INTO revision ({REVISION_COLUMNS}, reason) SELECT discussion_id, 2, created_at, author_id, "
             "author, answers_json, content_version, content_hash, 'slipped in' FROM revision")
    result = verify_audit(app)
    assert result.exit_code == 1
    assert f"revision 2 of discussion {finished.id} is not in the audit log" in result.output


@postgres_only
def test_the_owner_migrates_via_migration_database_url_and_the_app_runs_as_the_runtime_role(tmp_path, monkeypatch):
    """The documented set-up: init-db and grant-runtime-role as the owner; the app as the runtime role."""
    from decision_aid import create_app
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    name, role = f"roles_{uuid.uuid4().hex[:10]}", f"runtime_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    owner_url = sa.engine.make_url(POSTGRES).set(database=name)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("MIGRATION_DATABASE_URL", owner_url.render_as_string(hide_password=False))
    monkeypatch.setenv("DATABASE_URL", owner_url.set(username=role).render_as_string(hide_password=False))
    app = create_app({"TESTING": True, "PDF_CACHE_DIR": str(tmp_path / "cache")})
    cli = app.test_cli_runner()
    try:
        assert cli.invoke(args=["init-db"]).exit_code == 0
        assert cli.invoke(args=["grant-runtime-role", role]).exit_code == 0
        result = cli.invoke(args=["create-user", "--email", "first@roles.example", "--clinic", "Roles"],
                            input="correct horse battery staple\n")
        assert result.exit_code == 0, result.output
        owners = rows(app, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        assert owners == [("app",)]  # the runtime role owns nothing
        assert rows(app, "SELECT current_user") == [(role,)]
        assert verify_audit(app).exit_code == 0
    finally:
        with app.app_context():
            db.engine.dispose()
            for engine in app.extensions.get("decision_aid.owner_engine", {}).values():
                engine.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            connection.exec_driver_sql(f"DROP ROLE {role}")
        admin.dispose()
