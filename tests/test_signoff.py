"""Clinical sign-off (issue #10 item 13): the draft banner shows on every page and PDF of a
content version nobody has signed off, and goes once a clinical reviewer signs it off."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conftest import Consultation, pdf_text
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.signoff import ContentSignoff

BANNER = "Draft: awaiting clinical review."
PAGES = ["/", "/comparison", "/options/prp", "/about", "/handouts/"]
SIGN = ["sign-off-content", "2026.2", "--name", "Dr Jo Reviewer", "--role", "Clinical lead, sports medicine",
        "--date", "2026-12-01"]


def flat(text: str) -> str:
    return " ".join(text.split())


def _rows(app) -> list[ContentSignoff]:
    with app.app_context():
        return list(db.session.scalars(sa.select(ContentSignoff)))


def test_unsigned_content_shows_the_draft_banner_on_pages_and_pdfs(client, app, runner):
    assert app.config["CONTENT_VERSION"] == "2026.2"
    assert "Not signed off yet" in runner.invoke(args=["check-content"]).output
    for path in PAGES:
        assert BANNER in client.get(path).get_data(as_text=True), path
    for path in ("/handouts/all-options.pdf", "/handouts/corticosteroid.pdf"):
        assert BANNER in flat(pdf_text(client.get(path).data)), path
    visit = Consultation(client).start().fill_all(app)
    assert BANNER in flat(pdf_text(client.get(f"{visit.url}/summary.pdf").data))


def test_sign_off_records_reviewer_audits_it_and_removes_the_banner(client, app, runner):
    handout_before = flat(pdf_text(client.get("/handouts/prp.pdf").data))  # now in the PDF cache
    assert BANNER in handout_before

    result = runner.invoke(args=SIGN)
    assert result.exit_code == 0, result.output
    assert "Content 2026.2" in result.output and "Dr Jo Reviewer" in result.output
    [row] = _rows(app)
    content = app.extensions["decision_aid.content"]["2026.2"]
    assert (row.content_version, row.content_hash) == ("2026.2", content.content_hash)
    assert (row.reviewer_name, row.reviewer_role, row.signed_on.isoformat()) == (
        "Dr Jo Reviewer", "Clinical lead, sports medicine", "2026-12-01")
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.object_type, entry.object_id) == ("content_signoff", "content", "2026.2")
    assert "Audit log intact" in runner.invoke(args=["verify-audit"]).output
    assert "Signed off by Dr Jo Reviewer (Clinical lead, sports medicine) on 2026-12-01." in \
        runner.invoke(args=["check-content"]).output

    for path in PAGES:
        assert BANNER not in client.get(path).get_data(as_text=True), path
    about = flat(client.get("/about").get_data(as_text=True))
    assert "Signed off by Dr Jo Reviewer (Clinical lead, sports medicine) on 1 December 2026" in about
    handout_after = flat(pdf_text(client.get("/handouts/prp.pdf").data))  # not the cached draft
    assert BANNER not in handout_after
    assert "signed off by Dr Jo Reviewer (Clinical lead, sports medicine) on 1 December 2026" in handout_after


def test_signing_off_an_older_version_leaves_the_current_one_a_draft(client, app, runner):
    result = runner.invoke(args=["sign-off-content", "2026.1", "--name", "Dr Jo Reviewer", "--role", "Clinical lead"])
    assert result.exit_code == 0, result.output
    assert BANNER in client.get("/").get_data(as_text=True)


def test_a_sign_off_is_for_the_exact_files_it_reviewed(client, app):
    with app.app_context():
        db.session.add(ContentSignoff(content_version="2026.2", content_hash="0" * 64, reviewer_name="Dr Old",
                                      reviewer_role="Clinical lead", signed_on=dt.date(2026, 1, 1)))
        db.session.commit()
    assert BANNER in client.get("/").get_data(as_text=True)


def test_sign_off_refuses_bad_input_and_writes_nothing(app, runner):
    cases = [
        (["sign-off-content", "2099.1", "--name", "Dr A", "--role", "Lead"], "no content version '2099.1'"),
        (["sign-off-content", "2026.2", "--name", "   ", "--role", "Lead"], "give the reviewer's name and role"),
        (["sign-off-content", "2026.2", "--name", "Dr A", "--role", "Lead", "--date", "2999-01-01"],
         "cannot be in the future"),
        (["sign-off-content", "2026.2", "--name", "Dr A", "--role", "Lead", "--date", "1/12/2026"],
         "does not match the format '%Y-%m-%d'"),
        (["sign-off-content", "2026.2", "--role", "Lead"], "Missing option '--name'"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, (args, result.output)
    assert _rows(app) == []
