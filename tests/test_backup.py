"""Backups an operator can trust: consistent copies, careful restores, and a database that survives a kill."""
import getpass
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import Consultation, signed_in_client

pytestmark = pytest.mark.sqlite_only  # SQLite's own files; PostgreSQL uses pg_dump (see the README)

WRITER = Path(__file__).with_name("_writer.py")


def live_path(app) -> Path:
    return Path(sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database)


def query(path: Path, sql: str) -> list:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def integrity(path: Path) -> str:
    return query(path, "PRAGMA integrity_check")[0][0]


def refs(path: Path) -> list[str]:
    return [ref for (ref,) in query(path, "SELECT patient_ref FROM discussion ORDER BY patient_ref")]


def audit_chain_is_whole(path: Path) -> bool:
    """The head row names the newest entry, and no entry is missing before it."""
    (last_id,), = query(path, "SELECT last_id FROM audit_head")
    (count, newest), = query(path, "SELECT count(*), coalesce(max(id), 0) FROM audit_entry")
    return last_id == newest == count


def state(path: Path) -> tuple:
    return (refs(path), query(path, "SELECT count(*) FROM audit_entry"), query(path, "SELECT count(*) FROM revision"))


@pytest.fixture
def finished(app, client):
    visit = Consultation(client).start(patient_ref="KEEP-1").fill_all(app)
    visit.finish()
    return visit


def test_backup_then_restore_brings_back_exactly_what_was_saved(app, client, runner, finished, tmp_path):
    target = tmp_path / "backups" / "monday.sqlite3"
    target.parent.mkdir()
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "1 discussion" in result.output and "1 revision" in result.output and "4 user_account" in result.output
    assert integrity(target) == "ok"
    assert refs(target) == ["KEEP-1"] and audit_chain_is_whole(target)

    Consultation(client).start(patient_ref="EXTRA-2")
    assert refs(live_path(app)) == ["EXTRA-2", "KEEP-1"]

    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    assert "Restored. Audit chain verified." in result.output
    assert refs(live_path(app)) == ["KEEP-1"]
    verified = runner.invoke(args=["verify-audit"])
    assert verified.exit_code == 0, verified.output
    assert "chain verified" in verified.output
    # the running app carries on with the restored data
    assert client.get(f"/discussions/{finished.id}").status_code == 200
    assert "EXTRA-2" not in client.get("/discussions/").get_data(as_text=True)


def _garbage(path: Path, backup: Path) -> None:
    path.write_bytes(b"this is not a database\n" * 500)


def _damaged_backup(path: Path, backup: Path) -> None:
    data = bytearray(backup.read_bytes())
    data[4096:4096 * 3] = bytes(range(256)) * 32  # pages 2 and 3 overwritten, the header intact
    path.write_bytes(bytes(data))


def _another_database(path: Path, backup: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE clinic (id INTEGER PRIMARY KEY, name TEXT)")
    connection.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, title TEXT)")
    connection.commit()
    connection.close()


@pytest.mark.parametrize("make_bad, messages", [
    (_garbage, ("is not a readable SQLite database",)),
    (_damaged_backup, ("is not a readable SQLite database", "failed the integrity check")),
    (_another_database, ("is not a decision aid database",)),
])
def test_restore_refuses_a_bad_file_and_changes_nothing(app, runner, finished, tmp_path, make_bad, messages):
    good = tmp_path / "good.sqlite3"
    assert runner.invoke(args=["backup", str(good)]).exit_code == 0
    bad = tmp_path / "bad.sqlite3"
    make_bad(bad, good)
    before = state(live_path(app))

    result = runner.invoke(args=["restore", "--yes", str(bad)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception  # a message, not a traceback
    assert result.output.startswith("Error: ") and str(bad) in result.output
    assert any(message in result.output for message in messages), result.output
    assert "Restored" not in result.output
    assert state(live_path(app)) == before and integrity(live_path(app)) == "ok"


def test_backup_never_overwrites_an_existing_file(app, runner, finished, tmp_path):
    target = tmp_path / "precious.sqlite3"
    target.write_bytes(b"last week's backup")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert target.read_bytes() == b"last week's backup"


def test_backup_while_the_app_is_saving_is_a_consistent_copy(app, client, runner, tmp_path):
    visit = Consultation(client).start(patient_ref="BUSY-1")
    writer = Consultation(signed_in_client(app))
    writer.url = visit.url
    stop, saved, problems = threading.Event(), [], []

    def keep_saving():
        number = 0
        while not stop.is_set():
            number += 1
            response = writer.post("options", {"option_notes": f"save {number} " + "x" * 3000}, action="later")
            if response.status_code != 302:
                problems.append(response.status_code)
                return
            saved.append(time.monotonic())

    thread = threading.Thread(target=keep_saving)
    thread.start()
    copies = []
    try:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            target = tmp_path / f"copy-{len(copies)}.sqlite3"
            began = time.monotonic()
            result = runner.invoke(args=["backup", str(target)])
            assert result.exit_code == 0, result.output
            copies.append((target, began, time.monotonic()))
    finally:
        stop.set()
        thread.join()
    assert problems == []
    assert any(began <= at <= ended for at in saved for _, began, ended in copies), "no save overlapped a backup"
    for target, _, _ in copies:
        assert integrity(target) == "ok"
        assert audit_chain_is_whole(target)  # each copy is one moment: every save with its audit entry
        (answers,), = query(target, "SELECT answers_json FROM discussion")
        json.loads(answers)


def test_a_killed_process_leaves_the_last_committed_save_intact(app, tmp_path):
    errors = tmp_path / "writer.err"
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "INSTANCE_PATH": app.instance_path}
    with open(errors, "wb") as stderr:
        process = subprocess.Popen([sys.executable, str(WRITER)], stdout=subprocess.PIPE, stderr=stderr, env=env,
                                   cwd=Path(__file__).resolve().parents[1])
        try:
            lines = [process.stdout.readline() for _ in range(40)]
            assert all(lines), errors.read_text()
            process.send_signal(signal.SIGKILL)  # mid-loop: the writer never stops on its own
            rest = process.stdout.read()
        finally:
            process.kill()
            process.wait(timeout=30)
            process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    printed = [line.split() for line in (b"".join(lines) + rest).decode().splitlines() if line.strip()]
    last_lock, last_number = map(int, printed[-1])

    path = live_path(app)
    assert integrity(path) == "ok"
    (lock, answers), = query(path, "SELECT lock_version, answers_json FROM discussion WHERE patient_ref = 'KILL-1'")
    assert lock >= last_lock  # nothing that was committed is lost
    saved_number = int(json.loads(answers)["options"]["option_notes"].split()[1])
    assert saved_number >= last_number and lock == saved_number + 1  # the row is one whole save
    assert audit_chain_is_whole(path)
    (updates,), = query(path, "SELECT count(*) FROM audit_entry WHERE action = 'update'")
    assert updates == saved_number  # every save committed together with its audit entry


def mode(path: Path) -> str:
    return oct(path.stat().st_mode & 0o777)


def test_database_wal_backup_and_key_files_are_readable_by_the_owner_only(make_app, database_url, tmp_path):
    old_umask = os.umask(0o022)  # the usual umask: files would be world-readable by default
    try:
        path = Path(sa.engine.make_url(database_url).database)
        path.chmod(0o644)  # as a database made before this check would be
        app = make_app()
        client = signed_in_client(app)
        Consultation(client).start(patient_ref="MODE-1").fill_all(app)
        target = tmp_path / "backup.sqlite3"
        assert app.test_cli_runner().invoke(args=["backup", str(target)]).exit_code == 0
        instance = Path(app.instance_path)
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), target, instance / "audit_key",
                 instance / "audit-head.log"]
        assert all(f.exists() for f in files), [f for f in files if not f.exists()]
        assert {str(f): mode(f) for f in files} == {str(f): "0o600" for f in files}
    finally:
        os.umask(old_umask)


def test_restore_says_what_it_rolls_back_and_records_itself(app, client, runner, finished, tmp_path):
    target = tmp_path / "tuesday.sqlite3"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    (at_backup,), = query(target, "SELECT count(*) FROM audit_entry")
    Consultation(client).start(patient_ref="LATER-3").fill_all(app)
    (live,), = query(live_path(app), "SELECT count(*) FROM audit_entry")
    later = live - at_backup
    assert later > 0

    result = runner.invoke(args=["restore", "--yes", "--by", "Night operator", str(target)])
    assert result.exit_code == 0, result.output
    assert f"{later} audit entries written after this backup will be rolled back" in result.output
    entries = query(live_path(app), "SELECT id, action, object_type, object_id, detail FROM audit_entry ORDER BY id")
    assert len(entries) == at_backup + 1
    _, action, object_type, object_id, detail = entries[-1]
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    assert (action, object_type, object_id) == ("restore", "backup", digest)
    assert "Night operator" in detail and f"rolled back {later}" in detail and "LATER-3" not in detail
    verified = runner.invoke(args=["verify-audit"])  # against the head file too: the restore entry is the head
    assert verified.exit_code == 0, verified.output


def test_restore_without_by_names_the_operating_system_user(app, runner, finished, tmp_path):
    target = tmp_path / "same.sqlite3"
    assert runner.invoke(args=["backup", str(target)]).exit_code == 0
    result = runner.invoke(args=["restore", "--yes", str(target)])
    assert result.exit_code == 0, result.output
    assert "0 audit entries written after this backup will be rolled back" in result.output
    (detail,), = query(live_path(app), "SELECT detail FROM audit_entry ORDER BY id DESC LIMIT 1")
    assert f"by {getpass.getuser()} (operating system user)" in detail


def test_restore_warns_when_the_backup_is_not_an_earlier_state_of_the_log(app, client, runner, finished, tmp_path):
    first, second = tmp_path / "first.sqlite3", tmp_path / "second.sqlite3"
    assert runner.invoke(args=["backup", str(first)]).exit_code == 0
    Consultation(client).start(patient_ref="LATER-4")
    assert runner.invoke(args=["backup", str(second)]).exit_code == 0
    assert runner.invoke(args=["restore", "--yes", str(first)]).exit_code == 0  # the log now parts from second's
    result = runner.invoke(args=["restore", "--yes", str(second)])
    assert result.exit_code == 0, result.output
    assert "this backup's audit log is not an earlier state of the current one" in result.output
    assert refs(live_path(app)) == ["KEEP-1", "LATER-4"]


def test_a_backup_from_an_older_release_is_upgraded_and_sealed_when_restored(app, runner, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from decision_aid import create_app
    from decision_aid.database import MIGRATIONS_DIR
    from decision_aid.extensions import db
    old = tmp_path / "old-release.sqlite3"
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "old-instance"))
    old_app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{old}", "PDF_CACHE_DIR": str(tmp_path / "c")})
    with old_app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0003")  # the schema before the sealed chain
        db.engine.dispose()
    result = runner.invoke(args=["restore", "--yes", str(old)])
    assert result.exit_code == 0, result.output
    assert "Restored. Audit chain verified." in result.output
    assert query(live_path(app), "SELECT action FROM audit_entry") == [("restore",)]
