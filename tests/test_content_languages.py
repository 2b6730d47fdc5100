"""Content per language in the app (issue #14 items 2 and 4): translations loaded at start-up
beside the English, the library's API, reprints in the recorded language, and a translation's
review status (its sign-off by a qualified medical translator, audited like the content's)."""
from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_migrate import upgrade

from conftest import POSTGRES, pdf_text
from decision_aid import create_app, presenting
from decision_aid.accounts.models import Clinic
from decision_aid.audit.models import AuditEntry
from decision_aid.clinic_details import operations as clinic_details
from decision_aid.config import from_environment
from decision_aid.content import ContentError
from decision_aid.content.translations import ENGLISH, PSEUDO, Language, StaleTranslation
from decision_aid.database import MIGRATIONS_DIR
from decision_aid.extensions import db
from decision_aid.library import content_for_record, content_version, current_content, languages
from decision_aid.pdf import cached_template_pdf
from decision_aid.signoff import AWAITING_REVIEW, ContentSignoff, signoffs, translation_notice, translation_status
from translation_folders import VERSION, edit, english_copy, make_translation

SIGN_PL = ["sign-off-translation", VERSION, "pl", "--reviewer", "Anna Nowak", "--role",
           "Medical translator (Polish)", "--date", "2026-12-01"]
NOTICE = '{% from "_macros/translation.html" import translation_notice_banner %}' \
         '{{ translation_notice_banner(translation_notice(content), pdf=pdf) }}'


@pytest.fixture
def translated_dir(tmp_path):
    english = english_copy(tmp_path)
    make_translation(english, "pl")
    make_translation(english, "ar", "rtl")
    return english.parent


@pytest.fixture
def app(make_app, translated_dir):
    return make_app(CONTENT_DIR=str(translated_dir))


def test_start_up_loads_each_translation_beside_the_english(app):
    with app.app_context():
        assert languages() == [ENGLISH, Language("ar", "Polski", "Polish", "rtl"), Language("pl", "Polski", "Polish", "ltr")]
        assert languages(VERSION) == languages()
        english, polish = current_content(), current_content("pl")
        assert (english.language, english.direction) == ("en", "ltr")
        assert (polish.language, polish.direction, polish.version) == ("pl", "ltr", VERSION)
        assert content_version(VERSION, "ar").direction == "rtl"
        assert content_version(VERSION) is english and content_version(VERSION, "en") is english
        assert polish.consultation.durations[0].label == "Mniej niż 6 tygodni"
        assert english.consultation.durations[0].label == "Less than 6 weeks"
        assert polish.english_hash == english.content_hash != polish.content_hash
        with pytest.raises(KeyError, match="has no translation 'de'"):
            content_version(VERSION, "de")
        assert PSEUDO not in [language.code for language in languages()]


def test_a_broken_translation_stops_start_up_naming_file_and_field(make_app, translated_dir):
    edit(translated_dir / VERSION / "translations" / "ar", "outcomes.yaml",
         lambda data: data["outcomes"][0]["chances"]["prp"].update(refs=[1]))
    with pytest.raises(ContentError, match=r"translations/ar/outcomes.yaml: field 'outcomes\.0\.chances\.prp\.refs"):
        make_app(CONTENT_DIR=str(translated_dir))


def test_a_stale_translation_stops_start_up_except_where_refusal_is_off(make_app, translated_dir, caplog):
    edit(translated_dir / VERSION / "translations" / "pl", "translation.yaml",
         lambda meta: meta.update(translated_from_hash="ab" * 32))
    with pytest.raises(StaleTranslation, match="the English changed after translating"):
        make_app(CONTENT_DIR=str(translated_dir))
    with caplog.at_level(logging.WARNING, logger="decision_aid.content.translations"):
        app = make_app(CONTENT_DIR=str(translated_dir), REFUSE_STALE_TRANSLATIONS=False)
    assert caplog.text.count("Stale translation, not offered for new discussions or pages") == 1
    with app.app_context():
        assert current_content("pl").language == "pl"


def test_a_stale_translation_is_not_offered_but_its_discussions_keep_it(make_app, translated_dir, caplog):
    """Production (refusal off): the stale Polish is offered for no new discussion or page; a
    discussion already held in it still shows and reprints it."""
    from decision_aid import i18n
    edit(translated_dir / VERSION / "translations" / "pl", "translation.yaml",
         lambda meta: meta.update(translated_from_hash="ab" * 32))
    app = make_app(CONTENT_DIR=str(translated_dir), REFUSE_STALE_TRANSLATIONS=False)
    with app.app_context():
        polish = current_content("pl")
        assert polish.stale and not current_content("ar").stale
        assert [language.code for language in languages()] == ["en", "ar"]
        assert [language.code for language in languages(with_stale=True)] == ["en", "ar", "pl"]
        caplog.clear()
        with caplog.at_level(logging.WARNING):
            assert content_for_record(VERSION, polish.content_hash, "pl") is polish  # a reprint
        assert caplog.text == ""  # logged once, at start-up
    from conftest import signed_in_client
    client = signed_in_client(app)
    assert client.get("/?lang=pl").status_code == 404 and client.get("/?lang=ar").status_code == 200
    assert 'hreflang="pl"' not in client.get("/handouts/").get_data(as_text=True)
    with app.test_request_context("/"):
        assert "pl" not in i18n.language_codes()  # the start step's and the link page's choices
        i18n.use_language("pl")  # a discussion held in Polish: its pages stay Polish
        assert i18n.page_language() == "pl"
    result = app.test_cli_runner().invoke(args=["check-content"])
    assert "Translation pl (Polish): awaiting review by a qualified medical translator. Stale" in result.output


def test_stale_translations_are_refused_except_in_production(tmp_path, monkeypatch):
    monkeypatch.delenv("DECISION_AID_ENV", raising=False)
    assert from_environment(tmp_path)["REFUSE_STALE_TRANSLATIONS"] is True
    monkeypatch.setenv("DECISION_AID_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("AUDIT_KEY", "a" * 40)
    assert from_environment(tmp_path)["REFUSE_STALE_TRANSLATIONS"] is False


def test_a_record_gets_the_language_and_text_it_was_shown(app, caplog):
    with app.app_context():
        polish, english = current_content("pl"), current_content()
        with caplog.at_level(logging.ERROR):
            assert content_for_record(VERSION, polish.content_hash, "pl") is polish
            assert content_for_record(VERSION, english.content_hash) is english
            # The clinical record of a discussion held in Polish is in English: the Polish hash
            # covers the English files, so they are unchanged.
            assert content_for_record(VERSION, polish.content_hash, "en") is english
            # A discussion records the English hash it was begun under (its patient's language
            # can change later): its Polish pages are the Polish of that English, no error.
            assert content_for_record(VERSION, english.content_hash, "pl") is polish
        assert caplog.text == ""
        assert content_for_record(VERSION, "0" * 64, "pl") is polish
        assert "Content version 2026.2 (pl) has changed since a discussion was saved" in caplog.text
        caplog.clear()
        assert content_for_record(VERSION, polish.content_hash, "de") is english
        assert "has no de translation any more" in caplog.text
        with pytest.raises(KeyError):
            content_for_record("2099.1", polish.content_hash, "pl")


def test_the_pseudo_translation_loads_only_with_its_flag(make_app, translated_dir):
    app = make_app(CONTENT_DIR=str(translated_dir), PSEUDO_TRANSLATION=True)
    with app.app_context():
        assert [language.code for language in languages()] == ["en", "ar", "pl", PSEUDO]
        pseudo = current_content(PSEUDO)
        assert pseudo.condition.name == "⟦Runner's knee⟧" and pseudo.options[0].id == "conservative"
        assert translation_notice(pseudo) is not None


def _status(app, language="pl"):
    with app.app_context():
        return translation_status(VERSION, language)


def _notice_html(app, content, pdf=False) -> str:
    with app.test_request_context():
        return render_template_string(NOTICE, content=content, pdf=pdf)


def test_a_translation_awaits_review_until_a_translator_signs_it_off(app, runner):
    with app.app_context():
        polish, english = current_content("pl"), current_content()
        assert translation_status(VERSION, "en") is None and translation_notice(english) is None
    status = _status(app)
    assert (status.signed_off, status.content_hash, status.reviewer_name) == (False, polish.content_hash, None)
    notice = _notice_html(app, polish)
    assert AWAITING_REVIEW == "Translation awaiting review by a qualified medical translator"
    assert f'<strong lang="pl" dir="ltr">{AWAITING_REVIEW}</strong>' in notice and 'role="note"' in notice
    assert 'lang="ar" dir="rtl"' in _notice_html(app, content_version_in(app, "ar"))
    assert 'class="draft-banner translation-notice"' in _notice_html(app, presenting.meta(polish), pdf=True)
    assert _notice_html(app, english).strip() == ""
    assert "Translation pl (Polish): awaiting review by a qualified medical translator." in \
        runner.invoke(args=["check-content"]).output

    result = runner.invoke(args=SIGN_PL)
    assert result.exit_code == 0, result.output
    assert "Translation pl of content 2026.2" in result.output and "Anna Nowak" in result.output
    with app.app_context():
        [row] = db.session.scalars(sa.select(ContentSignoff)).all()
        assert (row.content_version, row.language, row.content_hash) == (VERSION, "pl", polish.content_hash)
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.object_type, entry.object_id) == ("translation_signoff", "translation", "2026.2/pl")
        assert signoffs(db.session, VERSION, polish.content_hash) == []  # not the English content's sign-off
    assert "Audit log intact" in runner.invoke(args=["verify-audit"]).output
    status = _status(app)
    assert (status.signed_off, status.reviewer_name, status.reviewer_role, status.signed_on) == (
        True, "Anna Nowak", "Medical translator (Polish)", dt.date(2026, 12, 1))
    assert _notice_html(app, polish).strip() == "" and _notice_html(app, presenting.meta(polish), True).strip() == ""
    assert _status(app, "ar").signed_off is False  # each translation is signed off on its own
    output = runner.invoke(args=["check-content"]).output
    assert "Translation pl (Polish): signed off by Anna Nowak (Medical translator (Polish)) on 2026-12-01." in output
    assert "Not signed off yet: every page and PDF shows the draft banner." in output  # the content still a draft


def test_the_notice_is_in_the_pages_language_from_the_catalog_with_the_english_beside_it(app):
    # The interface catalog (Flask-Babel in the i18n-ui branch) installs Jinja's i18n "_"; here
    # Jinja's own extension with a one-entry Polish catalog stands in for it.
    polish_catalog = {AWAITING_REVIEW: "Tłumaczenie czeka na sprawdzenie przez wykwalifikowanego tłumacza medycznego"}
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(lambda text: polish_catalog.get(text, text),
                                            lambda one, many, n: one if n == 1 else many, newstyle=True)
    with app.app_context():
        polish = current_content("pl")
        assert str(translation_notice(polish)) == AWAITING_REVIEW
    html = " ".join(_notice_html(app, polish).split())
    assert ('<strong lang="pl" dir="ltr">Tłumaczenie czeka na sprawdzenie przez wykwalifikowanego tłumacza '
            f'medycznego</strong> <span lang="en" dir="ltr">({AWAITING_REVIEW})</span>') in html
    pdf_html = _notice_html(app, presenting.meta(polish), pdf=True)
    assert f'<span lang="en" dir="ltr">({AWAITING_REVIEW})</span></p>' in pdf_html


def content_version_in(app, language):
    with app.app_context():
        return content_version(VERSION, language)


def test_a_translation_sign_off_is_for_its_exact_files_not_the_contents(app, runner):
    with app.app_context():
        db.session.add(ContentSignoff(content_version=VERSION, content_hash="0" * 64, language="pl",
                                      reviewer_name="Old", reviewer_role="Translator", signed_on=dt.date(2026, 1, 1)))
        db.session.commit()
    assert _status(app).signed_off is False
    result = runner.invoke(args=["sign-off-content", VERSION, "--name", "Dr Jo Reviewer", "--role", "Clinical lead"])
    assert result.exit_code == 0, result.output
    assert _status(app).signed_off is False  # the clinical sign-off is not the translator's


def test_sign_off_translation_refuses_bad_input_and_writes_nothing(app, runner):
    cases = [
        (["sign-off-translation", "2099.1", "pl", "--reviewer", "A", "--role", "T"], "no content version '2099.1'"),
        (["sign-off-translation", VERSION, "en", "--reviewer", "A", "--role", "T"], "use sign-off-content"),
        (["sign-off-translation", VERSION, "de", "--reviewer", "A", "--role", "T"],
         "has no translation 'de'; it has ['ar', 'pl']"),
        (["sign-off-translation", VERSION, "pl", "--reviewer", "  ", "--role", "T"], "give the reviewer's name and role"),
        (SIGN_PL[:-1] + ["2999-01-01"], "cannot be in the future"),
        (["sign-off-translation", VERSION, "pl", "--role", "T"], "Missing option '--reviewer'"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    with app.app_context():
        assert db.session.scalars(sa.select(ContentSignoff)).all() == []


def test_a_translated_pdf_carries_the_contents_sign_off_and_is_cached_per_review_state(app, runner, tmp_path):
    def handout() -> str:
        with app.test_request_context(), app.app_context():
            polish = current_content("pl")
            clinic = clinic_details.for_clinic(db.session, db.session.scalars(sa.select(Clinic)).first(), polish)
            return " ".join(pdf_text(cached_template_pdf(
                ("option", "prp", polish.version, polish.content_hash, clinic["cache_key"]), "pdf/handout_option.html",
                detail=presenting.option_detail(polish, "prp"), meta=presenting.meta(polish), clinic=clinic)).split())

    cache = tmp_path / "pdf-cache"
    assert "Draft: awaiting clinical review." in handout()
    assert runner.invoke(args=["sign-off-content", VERSION, "--name", "Dr Jo Reviewer", "--role", "Clinical lead",
                               "--date", "2026-12-01"]).exit_code == 0
    signed = handout()  # the clinical sign-off is of the English files the translation covers
    assert "Draft: awaiting clinical review." not in signed and "signed off by Dr Jo Reviewer" in signed
    cached = set(cache.rglob("*.pdf"))
    assert runner.invoke(args=SIGN_PL).exit_code == 0
    handout()
    assert len(set(cache.rglob("*.pdf")) - cached) == 1  # a new file: not the one printed awaiting review


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


def test_a_sign_off_from_before_translations_stays_the_contents(empty_database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url, "TESTING": True,
                      "PDF_CACHE_DIR": str(tmp_path / "cache")})
    with app.app_context():
        upgrade(directory=MIGRATIONS_DIR, revision="0024")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO content_signoff (content_version, content_hash, reviewer_name, reviewer_role, "
                "signed_on, recorded_at) VALUES ('2026.2', :h, 'Dr Early', 'Clinical lead', :d, :t)"),
                {"h": current_content().content_hash, "d": "2026-11-30", "t": "2026-11-30 10:00:00"})
        upgrade(directory=MIGRATIONS_DIR)
        [row] = db.session.scalars(sa.select(ContentSignoff)).all()
        assert row.language == "en"
        assert signoffs(db.session, "2026.2", current_content().content_hash) == [row]
    with app.app_context():  # after the session's connection went back to the pool
        db.engine.dispose()
