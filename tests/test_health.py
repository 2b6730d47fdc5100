"""The load balancer's health check, and the one-line-per-request log."""
import json
import logging

import pytest

from conftest import START


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


def test_each_request_is_one_json_log_line_without_patient_data(client, caplog):
    caplog.set_level(logging.INFO, logger="decision_aid.requests")
    response = client.post("/discussions/new", data={**START, "patient_ref": "LOGREF99", "action": "next"})
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "decision_aid.requests"]
    assert lines[-1]["endpoint"] == "consultation.start_new" and lines[-1]["status"] == 302
    assert lines[-1]["user_id"] is not None and lines[-1]["ms"] >= 0
    assert response.headers["X-Request-Id"] == lines[-1]["request_id"]
    assert "LOGREF99" not in caplog.text and START["clinician"] not in caplog.text
