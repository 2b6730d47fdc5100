"""The schema is made only by migrations, and every upgrade path keeps the data."""
import json
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from conftest import POSTGRES, START, signed_in_client
from decision_aid import create_app
from decision_aid.database import MIGRATIONS_DIR, include_object_for
from decision_aid.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    if not POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    yield sa.engine.make_url(POSTGRES).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def empty_app(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True,
                      "PDF_CACHE_DIR": str(tmp_path / "cache"), "WTF_CSRF_ENABLED": False})
    yield app
    with app.app_context():
        db.engine.dispose()


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": include_object_for(connection.dialect.name)})
        return compare_metadata(context, db.metadata)


def revisions() -> list[str]:
    script = ScriptDirectory(MIGRATIONS_DIR)
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_flask_db_upgrade_builds_the_whole_schema_from_empty(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert schema_differences(empty_app) == []  # models and migrations agree
    with empty_app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
    assert {"discussion", "revision", "clinic", "user_account", "audit_entry", "audit_head"} <= tables


@pytest.mark.parametrize("start", revisions()[:-1])
def test_upgrade_from_every_earlier_revision(empty_app, start):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision=start)
        upgrade(directory=MIGRATIONS_DIR)
    assert schema_differences(empty_app) == []


ANSWERS = {"start": {**START, "patient_ref": "OLD-001"}, "decision": {"choice": "conservative",
           "reasons": "Saved before accounts existed"}}


def test_discussions_from_the_first_schema_upgrade_without_loss(empty_app):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0001")
        answers_json = json.dumps(ANSWERS, sort_keys=True, separators=(",", ":"))
        discussion_id = uuid.uuid4()
        with db.engine.begin() as connection:  # as the first version of the app wrote them
            connection.execute(sa.text(
                "INSERT INTO discussion (id, created_at, updated_at, status, current_step, patient_ref, "
                "patient_ref_key, clinician, clinician_key, discussion_date, content_version, content_hash, "
                "answers_json, lock_version, finished_at) VALUES (:id, :t, :t, 'complete', 'summary', 'OLD-001', "
                "'old-001', 'Dr Early', 'dr early', :d, '2026.1', :h, :a, 3, :t)"),
                {"id": discussion_id.hex if db.engine.dialect.name == "sqlite" else discussion_id,
                 "t": "2026-11-20 10:00:00", "d": "2026-11-20", "h": "ab" * 32, "a": answers_json})
            connection.execute(sa.text(
                "INSERT INTO revision (discussion_id, number, created_at, author, reason, answers_json, "
                "content_version, content_hash) VALUES (:id, 1, :t, 'Dr Early', 'Discussion finished', :a, "
                "'2026.1', :h)"),
                {"id": discussion_id.hex if db.engine.dialect.name == "sqlite" else discussion_id,
                 "t": "2026-11-20 10:05:00", "h": "ab" * 32, "a": answers_json})

        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            row = connection.execute(sa.text(
                "SELECT d.answers_json, d.lock_version, c.name, u.active FROM discussion d "
                "JOIN clinic c ON c.id = d.clinic_id JOIN user_account u ON u.id = d.created_by_id")).one()
            revision = connection.execute(sa.text("SELECT answers_json, author_id FROM revision")).one()
    assert row.answers_json == answers_json and revision.answers_json == answers_json  # byte for byte
    assert row.lock_version == 3
    assert row.name == "Discussions saved before accounts" and row.active is False or row.active == 0
    assert revision.author_id is not None
    assert schema_differences(empty_app) == []

    # An admin created for that clinic finds and reads the old discussion in the app.
    result = empty_app.test_cli_runner().invoke(
        args=["create-user", "--email", "keeper@old.example", "--clinic", "Discussions saved before accounts",
              "--role", "admin"], input="correct horse battery staple\n")
    assert result.exit_code == 0, result.output
    client = signed_in_client(empty_app, "keeper@old.example")
    found = client.post("/discussions/search", data={"patient_ref": "old"}).get_data(as_text=True)
    assert "OLD-001" in found
    review = client.get(f"/discussions/{discussion_id}").get_data(as_text=True)
    assert "Saved before accounts existed" in review
    pdf = client.get(f"/discussions/{discussion_id}/revisions/1.pdf")
    assert pdf.status_code == 200


def test_the_placeholder_owner_can_never_sign_in(empty_app):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0001")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO discussion (id, created_at, updated_at, status, current_step, clinician, "
                "clinician_key, discussion_date, content_version, content_hash, answers_json, lock_version) "
                "VALUES (:id, :t, :t, 'in_progress', 'situation', 'X', 'x', :d, '2026.1', :h, '{}', 1)"),
                {"id": uuid.uuid4().hex if db.engine.dialect.name == "sqlite" else uuid.uuid4(),
                 "t": "2026-11-20 10:00:00", "d": "2026-11-20", "h": "ab" * 32})
        upgrade(directory=MIGRATIONS_DIR)
    response = empty_app.test_client().post("/login", data={"email": "legacy-owner@invalid", "password": "!"})
    assert response.status_code in (401, 422)


def _unkeyed_chain(connection, count: int, edit: int | None = None) -> None:
    """Audit entries as the app wrote them before the chain had a key (plain SHA-256)."""
    import datetime as dt
    import hashlib
    prev = "0" * 64
    for entry_id in range(1, count + 1):
        at = dt.datetime(2026, 11, 20, 10, 0, entry_id, 123456)
        fields = [prev, str(entry_id), at.isoformat(timespec="microseconds"), "1", "1", "view", "discussion",
                  "d-1", ""]
        digest = hashlib.sha256("\x1f".join(fields).encode()).hexdigest()
        connection.execute(sa.text(
            "INSERT INTO audit_entry (id, at, user_id, clinic_id, action, object_type, object_id, prev_hash, "
            "entry_hash) VALUES (:id, :at, 1, 1, :action, 'discussion', 'd-1', :prev, :digest)"),
            {"id": entry_id, "at": at, "action": "print" if entry_id == edit else "view", "prev": prev,
             "digest": digest})
        prev = digest
    connection.execute(sa.text("UPDATE audit_head SET last_id = :n, last_hash = :h"), {"n": count, "h": prev})


def test_audit_entries_written_before_the_key_are_sealed_with_it_on_upgrade(empty_app):
    from decision_aid.audit.log import record, verify
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0003")
        with db.engine.begin() as connection:
            _unkeyed_chain(connection, 5)
        upgrade(directory=MIGRATIONS_DIR)
        assert verify(db.session) == []
        record(db.session, "view", user_id=1, clinic_id=1, object_type="discussion", object_id="d-1")
        db.session.commit()
        assert verify(db.session) == []
        db.session.rollback()  # SQLite: let go of the write lock (BEGIN IMMEDIATE) before the raw edit
        # Re-sealed with the key: recomputing an old entry without it no longer matches.
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER audit_entry_no_update" if db.engine.dialect.name == "sqlite"
                                       else "DROP TRIGGER audit_entry_append_only ON audit_entry")
            connection.exec_driver_sql("UPDATE audit_entry SET action = 'print' WHERE id = 2")
        assert "entry 2 has been edited" in verify(db.session)


def test_the_upgrade_will_not_seal_an_unkeyed_chain_that_was_already_edited(empty_app, caplog):
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0003")
        with db.engine.begin() as connection:
            _unkeyed_chain(connection, 4, edit=3)
        with pytest.raises(SystemExit):  # flask_migrate logs the RuntimeError and exits 1
            upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            # The sealing migration did not run. PostgreSQL rolls the whole upgrade back (DDL is
            # transactional); SQLite keeps the migrations before it.
            before_sealing = ScriptDirectory(MIGRATIONS_DIR).get_revision("0006").down_revision
            expected = "0003" if db.engine.dialect.name == "postgresql" else before_sealing
            assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == expected
            assert connection.exec_driver_sql("SELECT action FROM audit_entry WHERE id = 3").scalar() == "print"
        assert "object_digest" not in {c["name"] for c in sa.inspect(db.engine).get_columns("audit_entry")}
    assert "not sealed with the key: entry 3 has been edited" in caplog.text


def test_0007_copies_decision_and_follow_up_out_of_saved_answers_and_gives_clinics_a_time_zone(empty_app):
    """The saved list reads these columns, so discussions saved before 0007 must have them too."""
    answers = {"finished": {"start": START, "decision": {"choice": "prp", "follow_up_date": "2026-12-24"}},
               "undecided": {"start": START, "decision": {"choice": "undecided", "follow_up_date": ""}},
               "early": {"start": START, "situation": {"pain_now": "4"}}}
    with empty_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0003")
        sqlite = db.engine.dialect.name == "sqlite"
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO clinic (id, name, created_at) VALUES (1, 'Old clinic', :t)"),
                               {"t": "2026-11-20 10:00:00"})
            connection.execute(sa.text(
                "INSERT INTO user_account (id, clinic_id, email, name, role, password_hash, active, created_at, "
                "password_changed_at) VALUES (1, 1, 'o@old.example', 'Dr Old', 'clinician', '!', :yes, :t, :t)"),
                {"t": "2026-11-20 10:00:00", "yes": True})
            for label, saved in answers.items():
                connection.execute(sa.text(
                    "INSERT INTO discussion (id, clinic_id, created_by_id, created_at, updated_at, status, "
                    "current_step, patient_ref, patient_ref_key, clinician, clinician_key, discussion_date, "
                    "content_version, content_hash, answers_json, lock_version) VALUES (:id, 1, 1, :t, :t, "
                    "'in_progress', 'summary', :ref, :ref, 'Dr Old', 'dr old', :d, '2026.1', :h, :a, 1)"),
                    {"id": uuid.uuid4().hex if sqlite else uuid.uuid4(), "t": "2026-11-20 10:00:00", "ref": label,
                     "d": "2026-11-20", "h": "ab" * 32, "a": json.dumps(saved)})
        upgrade(directory=MIGRATIONS_DIR)
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text("SELECT patient_ref, decision, follow_up_date FROM discussion")).all()
            zone = connection.execute(sa.text("SELECT time_zone FROM clinic")).scalar_one()
    found = {ref: (decision, str(follow_up) if follow_up else None) for ref, decision, follow_up in rows}
    assert found == {"finished": ("prp", "2026-12-24"), "undecided": ("undecided", None), "early": (None, None)}
    assert zone == "Europe/London"
    assert schema_differences(empty_app) == []
