"""Into the patient record: the note to paste, the FHIR R4 document of a revision, the bulk NDJSON
export. Every FHIR resource is checked by two independent validators: the fhir.resources R4B
models and the official FHIR R4 JSON Schema (from the npm registry, scripts/fhir-schema.sh)."""
import base64
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import re
import sys
import uuid
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from conftest import DECISION, START, Consultation, in_order, signed_in_client
from decision_aid.audit.models import AuditEntry
from decision_aid.extensions import db
from decision_aid.models import Discussion
from decision_aid.record import note as notes

SYSTEM = "https://records.clinic-a.example/patient-id"
HEADINGS = [heading for _key, heading in notes.HEADINGS]
SCHEMA = Path(sys.prefix) / "share" / "fhir-r4" / "fhir.schema.json"


@functools.lru_cache(maxsize=1)
def schema_validator() -> jsonschema.Draft6Validator:
    assert SCHEMA.exists(), f"{SCHEMA} is missing: run `make install-test` (scripts/fhir-schema.sh)"
    schema = json.loads(SCHEMA.read_text())
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"  # the R4 schema, not another release
    return jsonschema.Draft6Validator(schema)


def schema_errors(resource: dict) -> list[str]:
    """The official schema's errors for one resource (a Bundle's entries are checked inside it)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
            for e in schema_validator().iter_errors(resource)]


def valid_both_ways(resource: dict) -> None:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)  # raises on any error
    assert schema_errors(resource) == []


def set_system(app, value: str = SYSTEM):
    admin = signed_in_client(app, "admin@a.example")
    return admin.post("/admin/clinic", data={"time_zone": "Europe/London", "patient_identifier_system": value})


def finished(app, client, **start) -> Consultation:
    visit = Consultation(client).start(**start).fill_all(app)
    visit.finish()
    return visit


def audit_details(app, action: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEntry.detail).where(AuditEntry.action == action)
                                       .order_by(AuditEntry.id)))


def note_text(client, visit, number: int = 1) -> str:
    response = client.get(f"{visit.url}/revisions/{number}/note")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = re.search(r'<textarea id="note-text"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    return text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")


def test_the_note_has_every_heading_in_order_with_what_was_recorded(app, client, current_content):
    visit = finished(app, client)
    text = note_text(client, visit)
    assert in_order(text, [h.upper() for h in HEADINGS])
    assert "Patient reference: RK-0042" in text and "Clinician: Dr Ada Lovelace" in text
    assert f"Content version: {current_content.version} (content hash {current_content.content_hash[:12]})" in text
    assert in_order(text, ["Conservative", "Steroid", "PRP", "Hyaluronic"])  # the fixed order
    assert "none recommended" in text
    assert f"Reasons, in the patient's words: “{DECISION['reasons']}”" in text
    assert f"Questions still open: {DECISION['open_questions']}" in text
    assert f"Next steps: {DECISION['next_steps']}" in text
    follow_up = dt.date.fromisoformat(DECISION["follow_up_date"]).strftime("%-d %B %Y")
    assert f"Follow-up: {follow_up}" in text
    assert re.search(r"Check of understanding: \d+ of \d+ answered correctly", text)
    assert re.search(r"SURE test: \d of 4", text)
    assert "Red flags: none: all" in text
    assert audit_details(app, "view")[-1] == "note revision 1"


def test_a_heading_with_nothing_recorded_says_not_recorded(app, client):
    visit = Consultation(client).start(patient_ref="").fill_all(app, decision={"choice": "undecided"})
    visit.finish()
    text = note_text(client, visit)
    assert "Decision: Not decided yet" in text
    for line in ("Patient reference", "Reasons, in the patient's words", "Questions still open", "Next steps",
                 "Follow-up", "Clinician's notes"):
        assert f"{line}: not recorded" in text, line
    # Each heading is followed by at least one line: none is left out or left bare.
    for heading in HEADINGS:
        assert re.search(re.escape(heading.upper()) + r"\n- \S", text), heading


def test_a_note_cannot_be_made_without_all_its_headings():
    header = notes.Header("not recorded", "1 December 2026", "Dr A", "revision 1", "content 2026.2")
    sections = tuple(notes.Section(key, heading, (notes.Line("x", "y"),)) for key, heading in notes.HEADINGS)
    assert notes.Note(header, sections).text().count("\n- x: y") == len(HEADINGS)
    with pytest.raises(ValueError):
        notes.Note(header, sections[:-1])
    with pytest.raises(ValueError):
        notes.Note(header, tuple(reversed(sections)))


def test_the_copy_button_is_a_script_file_and_the_note_is_selectable_without_it(app, client):
    visit = finished(app, client)
    html = client.get(f"{visit.url}/revisions/1/note").get_data(as_text=True)
    assert re.search(r"<textarea id=\"note-text\"[^>]*\breadonly\b", html)
    assert re.search(r'<button type="button" class="button" id="copy-note"[^>]*\bhidden\b', html)  # shown by script
    assert '<script src="/static/js/copy-note.js" defer></script>' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # no inline script anywhere
    assert 'data-audience="clinician"' in html
    script = client.get("/static/js/copy-note.js")
    assert script.status_code == 200 and "navigator.clipboard.writeText" in script.get_data(as_text=True)
    script.close()
    # Reachable from the finished discussion and from each revision.
    note_url = f"{visit.url}/revisions/1/note"
    assert note_url in client.get(visit.url).get_data(as_text=True)
    assert note_url in client.get(f"{visit.url}/revisions/1").get_data(as_text=True)


def test_the_export_is_refused_until_an_admin_sets_the_identifier_system(app, client):
    visit = finished(app, client)
    response = client.get(f"{visit.url}/revisions/1/fhir")
    assert response.status_code == 409
    refusal = response.get_data(as_text=True)
    assert "patient identifier system" in refusal and "Clinic settings" in refusal
    assert audit_details(app, "export") == []
    assert "An admin sets it in Clinic settings" in client.get(f"{visit.url}/revisions/1/note").get_data(as_text=True)

    bad = set_system(app, "patient ids")
    assert bad.status_code == 422 and "Enter an absolute URI" in bad.get_data(as_text=True)
    assert client.get(f"{visit.url}/revisions/1/fhir").status_code == 409  # nothing was saved
    assert set_system(app).status_code == 302
    assert "patient_identifier_system" in audit_details(app, "clinic_update")
    assert client.get(f"{visit.url}/revisions/1/fhir").status_code == 200


def _link_ids(items, found=None) -> set[str]:
    found = set() if found is None else found
    for item in items:
        found.add(item["linkId"])
        _link_ids(item.get("item", []), found)
    return found


def _questions(items, found=None) -> dict:
    found = {} if found is None else found
    for item in items:
        found[item["linkId"]] = item
        _questions(item.get("item", []), found)
    return found


def test_the_fhir_document_is_valid_and_carries_the_note_the_answers_the_questions_and_both_pdfs(app, client,
                                                                                                 current_content):
    set_system(app)
    visit = finished(app, client)
    response = client.get(f"{visit.url}/revisions/1/fhir")
    assert response.status_code == 200 and response.mimetype == "application/fhir+json"
    assert "RK-0042" not in response.headers["Content-Disposition"]
    bundle = response.get_json(force=True)
    Bundle.model_validate(bundle)
    assert schema_errors(bundle) == []
    assert audit_details(app, "export") == ["fhir revision 1"]

    assert bundle["type"] == "document" and bundle["identifier"]["value"].startswith("urn:uuid:")
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    assert bundle["entry"][0]["resource"]["resourceType"] == "Composition"
    assert set(resources) == {"Composition", "Practitioner", "QuestionnaireResponse", "Questionnaire",
                              "DocumentReference"}  # no Patient: nothing the clinic did not enter
    full_urls = {e["fullUrl"] for e in bundle["entry"]}
    composition = resources["Composition"]
    assert [s["title"] for s in composition["section"]] == HEADINGS
    assert composition["identifier"]["value"] == f"{visit.id}/revisions/1" and composition["meta"]["versionId"] == "1"
    assert composition["subject"] == {"identifier": {"system": SYSTEM, "value": "RK-0042"}}
    assert composition["author"][0]["reference"] in full_urls
    assert DECISION["reasons"] in composition["section"][4]["text"]["div"]
    assert resources["Practitioner"]["name"] == [{"text": "Dr Ada Lovelace"}]

    questionnaire, answers = resources["Questionnaire"], resources["QuestionnaireResponse"]
    assert answers["questionnaire"] == f"{questionnaire['url']}|{questionnaire['version']}"
    assert questionnaire["version"] == f"{current_content.version}+sha256.{current_content.content_hash}"
    with app.app_context():
        recorded = db.session.get(Discussion, uuid.UUID(visit.id)).latest_revision.answers
    assert questionnaire["identifier"][0]["value"] == current_content.content_hash
    asked, given = _questions(questionnaire["item"]), _questions(answers["item"])
    assert set(given) <= set(asked)
    for step, fields in recorded.items():  # every answer recorded is in the response
        if step == "amendment_notes":
            continue
        for name, value in fields.items():
            if value not in (None, "", []):
                assert f"{step}.{name}" in given, f"{step}.{name}"
    for link, item in given.items():
        for answer in item.get("answer", []):
            if "valueCoding" in answer:
                codes = [o["valueCoding"]["code"] for o in asked[link]["answerOption"]]
                assert answer["valueCoding"]["code"] in codes, link
    assert given["decision.reasons"]["answer"] == [{"valueString": DECISION["reasons"]}]

    pdfs = resources["DocumentReference"]["content"]
    assert [p["attachment"]["contentType"] for p in pdfs] == ["application/pdf"] * 2
    texts = []
    for part in pdfs:
        data = base64.b64decode(part["attachment"]["data"])
        assert part["attachment"]["size"] == len(data)
        assert part["attachment"]["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
        texts.append("".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))
    assert "Clinical record" not in texts[0] and "Clinical record" in texts[1]
    assert resources["DocumentReference"]["context"]["related"][0]["reference"] in full_urls


BREAKAGES = {  # what is broken -> (the change, whether fhir.resources sees it too)
    "no author": (lambda c: c.pop("author"), True),
    "a date that is not one": (lambda c: c.update(date="today"), True),
    "a field FHIR has not got": (lambda c: c.update(colour="red"), True),
    # fhir.resources checks a code's pattern, not its value set: the schema catches this one alone.
    "a status FHIR has not got": (lambda c: c.update(status="signed-by-everyone"), False),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_the_validators_catch_a_broken_document(app, client, breakage):
    """So a passing check means something: the schema refuses each broken document, and
    fhir.resources each one it can see (which is why there are two)."""
    set_system(app)
    bundle = client.get(f"{finished(app, client).url}/revisions/1/fhir").get_json(force=True)
    change, models_see_it = BREAKAGES[breakage]
    change(bundle["entry"][0]["resource"])
    assert schema_errors(bundle)
    if models_see_it:
        with pytest.raises(ValueError):
            Bundle.model_validate(bundle)


def test_an_amendment_exports_as_its_own_revision_and_the_first_stays_as_it_was(app, client):
    set_system(app)
    visit = finished(app, client)
    response = client.post(f"{visit.url}/amend", data={**DECISION, "choice": "prp", "note": "",
                                                       "reason": "Changed at follow-up", "expected_revision": "1"})
    assert response.status_code == 302

    def document(number):
        bundle = client.get(f"{visit.url}/revisions/{number}/fhir").get_json(force=True)
        Bundle.model_validate(bundle)
        return {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}

    first, second = document(1), document(2)
    assert second["Composition"]["status"] == "amended" and second["Composition"]["meta"]["versionId"] == "2"
    assert second["Composition"]["relatesTo"][0]["targetIdentifier"]["value"] == f"{visit.id}/revisions/1"
    assert _questions(first["QuestionnaireResponse"]["item"])["decision.choice"]["answer"][0]["valueCoding"]["code"] \
        == "conservative"
    assert _questions(second["QuestionnaireResponse"]["item"])["decision.choice"]["answer"][0]["valueCoding"]["code"] \
        == "prp"
    assert audit_details(app, "export") == ["fhir revision 1", "fhir revision 2"]


def test_a_discussion_of_an_old_content_version_exports_against_that_versions_questions(make_app):
    old = make_app(CONTENT_VERSION="2026.1")
    visit = finished(old, signed_in_client(old))
    app = make_app()  # today's content, the same database
    set_system(app)
    bundle = signed_in_client(app).get(f"{visit.url}/revisions/1/fhir").get_json(force=True)
    Bundle.model_validate(bundle)
    resources = {e["resource"]["resourceType"]: e["resource"] for e in bundle["entry"]}
    questionnaire = resources["Questionnaire"]
    assert questionnaire["version"].startswith("2026.1+sha256.")
    assert "assessment" not in _link_ids(questionnaire["item"])  # 2026.1 had no "Is this runner's knee?"
    assert "<b>Content version:</b> 2026.1 " in resources["Composition"]["section"][1]["text"]["div"]


def test_another_clinic_gets_404_and_an_anonymous_browser_the_sign_in(app, client, anon_client):
    set_system(app)
    visit = finished(app, client)
    other = signed_in_client(app, "clinician@b.example")
    for url in (f"{visit.url}/revisions/1/note", f"{visit.url}/revisions/1/fhir", f"{visit.url}/revisions/9/note"):
        assert other.get(url).status_code == 404, url
        assert anon_client.get(url).status_code == 302, url
    assert client.get(f"{visit.url}/revisions/9/fhir").status_code == 404
    assert len(audit_details(app, "denied")) >= 3
    assert audit_details(app, "export") == []


def test_the_note_and_the_export_keep_patient_data_out_of_logs_and_urls(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    set_system(app)
    visit = finished(app, client, patient_ref="MARKREF9")
    for url in (f"{visit.url}/revisions/1/note", f"{visit.url}/revisions/1/fhir"):
        response = client.get(url)
        assert response.status_code == 200 and "MARKREF9" in response.get_data(as_text=True)
        assert "MARKREF9" not in url and "MARKREF9" not in response.headers.get("Content-Disposition", "")
    assert "MARKREF9" not in caplog.text


def _export(app, out, *extra, clinic="Clinic A", day=None):
    day = (day or dt.date.today()).isoformat()
    return app.test_cli_runner().invoke(args=["export-fhir", "--clinic", clinic, "--from", day, "--to", day,
                                              "--out", str(out), *extra])


def test_the_bulk_export_writes_valid_ndjson_one_resource_type_per_file(app, client, tmp_path):
    first, second = finished(app, client), finished(app, client, patient_ref="RK-0043")
    Consultation(client).start().fill_all(app)  # in progress: not exported
    finished(app, signed_in_client(app, "clinician@b.example"))  # another clinic's: not exported
    refused = _export(app, tmp_path / "none")
    assert refused.exit_code != 0 and "patient identifier system" in refused.output
    assert not (tmp_path / "none").exists() or not any((tmp_path / "none").iterdir())

    set_system(app)
    result = _export(app, tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Exporting discussions" in result.stderr  # the progress bar goes to stderr
    assert "Exported 2 discussions" in result.stdout
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["Composition.ndjson", "DocumentReference.ndjson", "Practitioner.ndjson",
                     "Questionnaire.ndjson", "QuestionnaireResponse.ndjson"]
    lines = {name: (tmp_path / "out" / name).read_text().splitlines() for name in files}
    assert [len(lines[n]) for n in files] == [2, 2, 1, 1, 2]  # one account, one content version
    ids = set()
    for name, rows in lines.items():
        for row in rows:
            resource = json.loads(row)
            assert resource["resourceType"] == name.removesuffix(".ndjson")
            valid_both_ways(resource)
            ids.add(f"{resource['resourceType']}/{resource['id']}")
    for row in lines["Composition.ndjson"]:  # references resolve within the export
        composition = json.loads(row)
        assert composition["author"][0]["reference"] in ids
        assert composition["section"][0]["entry"][0]["reference"] in ids
    exported = {json.loads(row)["identifier"]["value"] for row in lines["Composition.ndjson"]}
    assert exported == {f"{first.id}/revisions/1", f"{second.id}/revisions/1"}
    assert audit_details(app, "export") == ["fhir bulk revision 1"] * 2
    assert (tmp_path / "out" / "Composition.ndjson").stat().st_mode & 0o077 == 0  # owner-only

    again = _export(app, tmp_path / "out")  # never over an earlier export
    assert again.exit_code != 0 and "already holds an export" in again.output
    nothing = _export(app, tmp_path / "empty", day=dt.date.today() - dt.timedelta(days=3))
    assert nothing.exit_code == 0 and "Exported 0 discussions" in nothing.stdout
    assert _export(app, tmp_path / "x", clinic="No Such Clinic").exit_code != 0


def test_the_example_bundle_in_docs_is_valid_and_made_from_test_data():
    example = json.loads((Path(__file__).parents[1] / "docs" / "example-fhir-bundle.json").read_text())
    valid_both_ways(example)
    assert example["entry"][0]["resource"]["subject"]["identifier"]["value"] == START["patient_ref"]


def test_hostile_text_stays_text_in_the_note_and_in_the_fhir_narrative(app, client):
    set_system(app)
    hostile = '</textarea><script>alert(1)</script><b onclick="x()">'
    visit = Consultation(client).start().fill_all(app, decision={**DECISION, "reasons": hostile})
    visit.finish()
    html = client.get(f"{visit.url}/revisions/1/note").get_data(as_text=True)
    assert "<script>alert" not in html and "</textarea><script>" not in html
    assert hostile in note_text(client, visit).replace("&lt;", "<").replace("&gt;", ">")
    bundle = client.get(f"{visit.url}/revisions/1/fhir").get_json(force=True)
    Bundle.model_validate(bundle)
    div = bundle["entry"][0]["resource"]["section"][4]["text"]["div"]
    assert "<script>" not in div and "&lt;script&gt;alert(1)&lt;/script&gt;" in div


def test_the_note_and_the_fhir_document_of_one_discussion_print_on_the_command_line(app, client):
    visit = finished(app, client)
    runner = app.test_cli_runner()
    printed = runner.invoke(args=["record-note", visit.id])
    assert printed.exit_code == 0, printed.output
    assert printed.output.strip() == note_text(client, visit).strip()  # the same note as the page's
    refused = runner.invoke(args=["record-note", visit.id, "--fhir"])
    assert refused.exit_code != 0 and "patient identifier system" in refused.output
    set_system(app)
    bundle = json.loads(runner.invoke(args=["record-note", visit.id, "--fhir", "--revision", "1"]).output)
    valid_both_ways(bundle)
    assert bundle["type"] == "document"
    assert runner.invoke(args=["record-note", str(uuid.uuid4())]).exit_code != 0
    assert runner.invoke(args=["record-note", visit.id, "--revision", "7"]).exit_code != 0
    assert "note revision 1 (command line)" in audit_details(app, "view")
    assert "fhir revision 1 (command line)" in audit_details(app, "export")
