"""The app factory and its configuration."""
from pathlib import Path

import pytest

from decision_aid import create_app
from decision_aid.content import ContentError


def test_secret_key_is_generated_once_and_kept_in_the_instance_folder(make_app):
    first = make_app()
    second = make_app()
    key_file = Path(first.instance_path) / "secret_key"
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o077 == 0  # readable by the app's user only


def test_audit_key_is_its_own_key_kept_in_the_instance_folder(make_app, monkeypatch):
    first, second = make_app(), make_app()
    assert len(first.config["AUDIT_KEY"]) >= 32 and first.config["AUDIT_KEY"] == second.config["AUDIT_KEY"]
    assert first.config["AUDIT_KEY"] != first.config["SECRET_KEY"]
    assert (Path(first.instance_path) / "audit_key").read_text().strip() == first.config["AUDIT_KEY"]
    monkeypatch.setenv("AUDIT_KEY", "audit-key-from-the-environment")
    assert make_app().config["AUDIT_KEY"] == "audit-key-from-the-environment"


def test_secret_key_from_the_environment_wins(make_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert make_app().config["SECRET_KEY"] == "from-the-environment"


def test_default_database_is_a_sqlite_file_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/decision_aid.sqlite3"


def test_database_url_overrides_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite3")
    assert create_app().config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/other.sqlite3"


def test_init_db_creates_the_database_file(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app()
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert (Path(app.instance_path) / "decision_aid.sqlite3").is_file()
    assert app.test_cli_runner().invoke(args=["init-db"]).exit_code == 0  # safe to run again


def test_broken_content_stops_start_up_naming_the_file_and_field(make_app, content_copy):
    options_file = content_copy / "2026.1" / "options.yaml"
    options_file.write_text(options_file.read_text().replace("summary:", "summery:", 1))
    with pytest.raises(ContentError) as error:
        make_app(CONTENT_DIR=str(content_copy))
    assert "options.yaml" in str(error.value)
    assert "summary" in str(error.value)


def test_unknown_content_version_stops_start_up(make_app):
    with pytest.raises(ContentError, match="1999.1"):
        make_app(CONTENT_VERSION="1999.1")


def test_check_content_command_reports_the_current_version(runner, app):
    result = runner.invoke(args=["check-content"])
    assert result.exit_code == 0
    assert app.config["CONTENT_VERSION"] in result.output


def test_in_the_tests_a_template_that_reads_a_missing_field_fails(app):
    """StrictUndefined in the test app: a section's field read under a wrong name is an error in
    the tests, not an empty place on the page (an optional flag a view leaves unset, and the
    form's csrf_token, off in the tests, read as empty)."""
    import jinja2
    from flask import render_template_string

    with app.test_request_context():
        with pytest.raises(jinja2.UndefinedError):
            render_template_string("{{ summary.decison }}", summary=object())
        with pytest.raises(jinja2.UndefinedError):
            render_template_string("{% if item.source_label %}x{% endif %}", item={"kind": "practical"})
        with pytest.raises(jinja2.UndefinedError):
            render_template_string("{{ notes.text }}")  # an attribute of an unset name
        assert render_template_string("[{% if withdrawn %}x{% endif %}]") == "[]"
        assert render_template_string("[{{ form.csrf_token }}]", form=object()) == "[]"
