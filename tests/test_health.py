"""The load balancer's health check, and the one-line-per-request log."""
import contextlib
import json
import logging
import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from conftest import POSTGRES, START
from decision_aid.extensions import db


def test_healthz_answers_without_sign_in_when_the_database_is_reachable(anon_client):
    response = anon_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.sqlite_only
def test_healthz_says_503_when_the_database_is_unreachable(make_app, tmp_path):
    app = make_app()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}
    with app.app_context():
        from decision_aid.extensions import db
        db.engine.dispose()
    (tmp_path / "instance" / "decision_aid.sqlite3").unlink()
    (tmp_path / "instance" / "decision_aid.sqlite3").mkdir()  # a folder where the database should be
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@contextlib.contextmanager
def read_only_file(path):
    """The database file made read-only. Root ignores file modes, so as root it is made immutable."""
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not possible here (needed to make a file read-only for root)")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def fresh_connections(app) -> None:
    with app.app_context():
        db.engine.dispose()


def healthz(app):
    response = app.test_client().get("/healthz")
    return response.status_code, response.get_json()


@pytest.mark.sqlite_only
def test_healthz_says_503_when_the_database_takes_reads_but_not_writes(app, tmp_path):
    database = tmp_path / "instance" / "decision_aid.sqlite3"
    assert healthz(app)[0] == 200
    fresh_connections(app)
    with read_only_file(database):
        status, body = healthz(app)
        fresh_connections(app)
    assert status == 503
    assert body == {"status": "unavailable", "database": "writes fail"}
    assert healthz(app) == (200, {"status": "ok", "database": "ok"})


@contextlib.contextmanager
def small_disk(folder):
    """A real 2 MB file system (tmpfs) at ``folder``; needs root (or CAP_SYS_ADMIN) to mount it."""
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): " + mounted.stderr.decode().strip())
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.mark.sqlite_only
def test_healthz_says_503_while_the_disk_is_full(make_app, tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        shutil.copyfile(tmp_path / "instance" / "decision_aid.sqlite3", disk / "decision_aid.sqlite3")
        app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{disk / 'decision_aid.sqlite3'}")
        try:
            assert healthz(app)[0] == 200
            with contextlib.suppress(OSError), open(disk / "filler", "wb") as filler:  # until the disk is full
                while filler.write(b"\0" * 65536):
                    pass
            assert healthz(app) == (503, {"status": "unavailable", "database": "writes fail"})
            (disk / "filler").unlink()
            assert healthz(app) == (200, {"status": "ok", "database": "ok"})
        finally:
            fresh_connections(app)


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL pass only")
def test_healthz_says_503_when_postgresql_refuses_writes(app):
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:  # what a standby or a full-disk guard makes of it
            connection.exec_driver_sql(f"ALTER DATABASE {url.database} SET default_transaction_read_only = on")
        fresh_connections(app)
        assert healthz(app) == (503, {"status": "unavailable", "database": "writes fail"})
        with admin.connect() as connection:
            connection.exec_driver_sql(f"ALTER DATABASE {url.database} RESET default_transaction_read_only")
        fresh_connections(app)
        assert healthz(app) == (200, {"status": "ok", "database": "ok"})
    finally:
        admin.dispose()


def test_each_request_is_one_json_log_line_without_patient_data(client, caplog):
    caplog.set_level(logging.INFO, logger="decision_aid.requests")
    response = client.post("/discussions/new", data={**START, "patient_ref": "LOGREF99", "action": "next"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "decision_aid.requests"]
    assert lines[-1]["endpoint"] == "consultation.start_new" and lines[-1]["status"] == 302
    assert lines[-1]["user_id"] is not None and lines[-1]["ms"] >= 0
    assert response.headers["X-Request-Id"] == lines[-1]["request_id"]
    assert "LOGREF99" not in caplog.text and START["clinician"] not in caplog.text
