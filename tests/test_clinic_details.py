"""The clinic's printed details: set by its admins as append-only versions, printed on every
page of its handouts, summaries and clinical records, and kept as they were for a reprint."""
import io
import re

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from conftest import in_order, pdf_text
from decision_aid.audit.models import AuditEntry
from decision_aid.clinic_details.models import ClinicDetails
from decision_aid.extensions import db
from test_clinic_logo import CLEAN_SVG, png

DETAILS_A = {"printed_name": "Riverside Knee Clinic", "address": "1 River Lane\nLeeds LS1 1AA",
             "phone": "0113 496 0000", "contact": "www.riverside.example", "opening_hours": "Mon to Fri, 8am to 6pm",
             "offered_prp": "yes", "price_prp": "£380 per injection", "booking_prp": "Ask at reception",
             "waiting_prp": "About 2 weeks", "offered_hyaluronic_acid": "no"}
DETAILS_B = {"printed_name": "Hilltop Sports Medicine", "phone": "0161 496 0999", "contact": "desk@hilltop.example",
             "offered_prp": "yes", "price_prp": "£250 a course", "booking_prp": "Book online",
             "waiting_prp": "About 6 weeks"}


def save(admin, details: dict, logo: tuple[bytes, str] | None = None, expect: int = 302):
    data = dict(details)
    if logo:
        data["logo"] = (io.BytesIO(logo[0]), logo[1])
    response = admin.post("/admin/clinic/details", data=data, content_type="multipart/form-data")
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return response


def flat(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def versions(app, clinic_name: str = "Clinic A") -> list[ClinicDetails]:
    from decision_aid.accounts.models import Clinic
    with app.app_context():
        clinic_id = db.session.scalar(sa.select(Clinic.id).where(Clinic.name == clinic_name))
        return db.session.scalars(sa.select(ClinicDetails).where(ClinicDetails.clinic_id == clinic_id)
                                  .order_by(ClinicDetails.version)).all()


def test_an_admin_saves_the_details_as_a_new_audited_version_each_time(app, sign_in):
    admin = sign_in("admin@a.example")
    assert "Printed details" in admin.get("/admin/clinic").get_data(as_text=True)  # linked from the settings
    response = save(admin, DETAILS_A)
    assert "The printed details are saved." in admin.get(response.headers["Location"]).get_data(as_text=True)
    save(admin, DETAILS_A)  # nothing changed: no new version
    save(admin, {**DETAILS_A, "phone": "0113 496 1111"})
    rows = versions(app)
    assert [(r.version, r.phone) for r in rows] == [(1, "0113 496 0000"), (2, "0113 496 1111")]
    assert versions(app, "Clinic B") == []  # only the admin's own clinic
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.object_type == "clinic_details")
                                     .order_by(AuditEntry.id)).all()
        assert [(e.action, e.object_id, e.detail) for e in entries] == [
            ("clinic_update", "1", "printed_name address phone contact opening_hours local_facts"),
            ("clinic_update", "2", "phone")]  # names of what changed, never the values
        # Append-only: the database itself refuses to change an old version.
        with pytest.raises(sa.exc.DBAPIError):
            db.session.execute(sa.update(ClinicDetails).values(phone="999"))
        db.session.rollback()


def test_only_admins_reach_the_details_page(client):
    assert client.get("/admin/clinic/details").status_code == 403
    assert client.post("/admin/clinic/details", data=DETAILS_A).status_code == 403


@pytest.mark.parametrize("field, value, message", [
    ("printed_name", "", "Give the clinic's name."),
    ("phone", "call us!", "digits and spaces"),
    ("contact", "not an address", "e-mail address"),
    ("price_prp", "£" * 201, "200 characters"),
])
def test_bad_details_get_a_message_by_the_field_and_nothing_is_saved(app, sign_in, field, value, message):
    response = save(sign_in("admin@a.example"), {**DETAILS_A, field: value}, expect=422)
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and message in html.replace("&#39;", "'")
    assert versions(app) == []


@pytest.mark.parametrize("logo, message", [
    ((b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg"), "event handler"),
    ((b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"), "a script"),
    ((b'<svg xmlns="http://www.w3.org/2000/svg"><use href="http://evil.example/a#b"/></svg>', "x.svg"),
     "web address"),
    ((b"GIF89a" + b"\0" * 20, "x.gif"), "PNG or SVG"),
    ((png() + b"\0" * (200 * 1024), "big.png"), "at most 200 kB"),
])
def test_an_unsafe_logo_is_refused_by_its_field_and_nothing_is_saved(app, sign_in, logo, message):
    html = save(sign_in("admin@a.example"), DETAILS_A, logo=logo, expect=422).get_data(as_text=True)
    assert 'id="logo-error"' in html and message in html
    assert versions(app) == []


def test_a_clean_svg_logo_is_stored_sanitised_and_printed(app, sign_in, client):
    admin = sign_in("admin@a.example")
    save(admin, DETAILS_A, logo=(CLEAN_SVG, "logo.svg"))
    [row] = versions(app)
    assert row.logo_type == "image/svg+xml" and b"inkscape" not in row.logo
    assert 'alt="Logo of Riverside Knee Clinic"' in admin.get("/admin/clinic/details").get_data(as_text=True)
    text = flat(client.get("/handouts/prp.pdf").data)
    assert "Knee Clinic" in text.replace("Riverside Knee Clinic", "")  # the logo's own text, drawn from the SVG
    save(admin, {**DETAILS_A, "phone": "0113 496 2222"})  # no new file: the logo is kept
    assert versions(app)[-1].logo == row.logo


def test_a_png_logo_is_printed_as_a_picture(app, sign_in, client):
    save(sign_in("admin@a.example"), DETAILS_A, logo=(png(40, 20), "logo.png"))
    reader = PdfReader(io.BytesIO(client.get("/handouts/conservative.pdf").data))
    images = [name for page in reader.pages[:1] for name in page.images.keys()] if reader.pages else []
    assert images, "the first page carries the logo"


def test_every_printed_page_names_the_clinic_and_its_number_if_the_knee_gets_worse(app, sign_in, client):
    save(sign_in("admin@a.example"), DETAILS_A)
    worse = "If your knee gets worse, call Riverside Knee Clinic on 0113 496 0000."
    for url in ("/handouts/all-options.pdf", "/handouts/prp.pdf"):
        reader = PdfReader(io.BytesIO(client.get(url).data))
        for page in reader.pages:
            assert worse in " ".join(page.extract_text().split())
        first = " ".join(reader.pages[0].extract_text().split())
        assert "1 River Lane, Leeds LS1 1AA" in first and "www.riverside.example" in first
        assert "Mon to Fri, 8am to 6pm" in first


def test_local_facts_are_shown_as_the_clinics_own_and_dated_apart_from_the_evidence(app, sign_in, client):
    save(sign_in("admin@a.example"), DETAILS_A)
    label = "Information from Riverside Knee Clinic, not evidence."
    page = client.get("/options/prp").get_data(as_text=True)
    section = page.split('id="local-facts"')[1].split("</section>")[0]
    assert label in section and "£380 per injection" in section and "About 2 weeks" in section
    assert "Certainty" not in section  # not graded like the evidence
    assert re.search(r"\d{1,2} \w+ 20\d\d", section)  # the date it was set
    grid = client.get("/comparison").get_data(as_text=True)
    facts = grid.split('id="local-facts"')[1].split("</section>")[0]
    rows = re.findall(r'data-local-option="([a-z_]+)"', facts)
    assert rows == ["conservative", "corticosteroid", "prp", "hyaluronic_acid"]  # every option, fixed order
    assert "Not offered at this clinic." in facts.split('data-local-option="hyaluronic_acid"')[1]
    text = flat(client.get("/handouts/hyaluronic_acid.pdf").data)
    assert label in text and "Not offered at this clinic." in text


def test_two_clinics_print_the_same_handout_with_their_own_details_and_prices(app, sign_in):
    save(sign_in("admin@a.example"), DETAILS_A)
    save(sign_in("admin@b.example"), DETAILS_B)
    text_a = flat(sign_in("clinician@a.example").get("/handouts/all-options.pdf").data)
    text_b = flat(sign_in("clinician@b.example").get("/handouts/all-options.pdf").data)
    assert "Riverside Knee Clinic" in text_a and "£380 per injection" in text_a and "0113 496 0000" in text_a
    assert "Hilltop Sports Medicine" in text_b and "£250 a course" in text_b and "0161 496 0999" in text_b
    assert "Hilltop" not in text_a and "Riverside" not in text_b
    # The evidence is the same in both: only the clinic's own parts (its footer, its box) differ.
    evidence = []
    for text, name, phone in ((text_a, "Riverside Knee Clinic", "0113 496 0000"),
                              (text_b, "Hilltop Sports Medicine", "0161 496 0999")):
        text = text.replace(f"{name} · If your knee gets worse, call {name} on {phone}.", "")
        evidence.append(text.split("Questions people ask")[1].split("Price, booking and waiting times at")[0])
    assert evidence[0] == evidence[1] and "Certainty" in evidence[0]


def test_a_changed_phone_number_is_on_the_next_handout_never_a_stale_one(app, sign_in, client):
    admin = sign_in("admin@a.example")
    save(admin, DETAILS_A)
    assert "0113 496 0000" in flat(client.get("/handouts/prp.pdf").data)
    save(admin, {**DETAILS_A, "phone": "0113 496 7777"})
    text = flat(client.get("/handouts/prp.pdf").data)
    assert "0113 496 7777" in text and "0113 496 0000" not in text


# --- Discussions: held under one version of the details, reprinted with it ---------------------

def test_a_discussion_prints_the_details_it_was_held_under_never_newer_ones(app, sign_in, client, consultation):
    admin = sign_in("admin@a.example")
    save(admin, DETAILS_A)
    visit = consultation().start()
    visit.fill_all(app)
    visit.finish()
    review = client.get(visit.url).get_data(as_text=True)
    assert "£380 per injection" in review and "Information from Riverside Knee Clinic, not evidence." in review
    first = {kind: flat(client.get(f"{visit.url}/revisions/1{path}").data)
             for kind, path in (("summary", ".pdf"), ("record", "/clinical-record.pdf"))}
    for text in first.values():
        assert "If your knee gets worse, call Riverside Knee Clinic on 0113 496 0000." in text
    assert "£380 per injection" in first["summary"]  # the local price beside the options
    assert "Information from Riverside Knee Clinic, not evidence." in first["summary"]
    summary_pdf = client.get(f"{visit.url}/revisions/1.pdf").data
    assert len(PdfReader(io.BytesIO(summary_pdf)).pages) == 2  # still the 2-page summary
    # The clinic's lines name every option in the fixed order, whatever it said about each.
    facts = first["summary"].split("Information from Riverside Knee Clinic, not evidence.")[1].split("The four options")[0]
    assert in_order(facts, ["Conservative care: no information given", "Steroid injection: no information given",
                            "PRP injection: £380", "Hyaluronic acid injection: not offered"]), facts
    # The clinic changes its number and price: the reprint keeps the ones the visit was held under...
    save(admin, {**DETAILS_A, "phone": "0113 496 7777", "price_prp": "£420 per injection"})
    for kind, path in (("summary", ".pdf"), ("record", "/clinical-record.pdf")):
        again = flat(client.get(f"{visit.url}/revisions/1{path}").data)
        assert "0113 496 0000" in again and "0113 496 7777" not in again
    assert "£420" not in flat(client.get(f"{visit.url}/revisions/1.pdf").data)
    # ...and a discussion begun now prints the new ones, in its draft summary too.
    later = consultation().start()
    later.fill_all(app)
    draft = flat(client.get(f"{later.url}/summary.pdf").data)
    assert "0113 496 7777" in draft and "£420 per injection" in draft
    assert "£420 per injection" in later.page("options").get_data(as_text=True)


def test_a_discussion_held_before_any_details_prints_only_the_clinic_name(app, sign_in, client, consultation):
    visit = consultation().start()
    visit.fill_all(app)
    visit.finish()
    save(sign_in("admin@a.example"), DETAILS_A)
    text = flat(client.get(f"{visit.url}/revisions/1.pdf").data)
    assert "If your knee gets worse, contact Clinic A." in text
    assert "Riverside" not in text and "£380" not in text


def test_the_words_printed_about_the_clinic_read_at_grade_8(app, sign_in, client):
    """The template's own words around the clinic's facts (the facts are the clinic's, as typed)."""
    from decision_aid.content.checks import SECTION_GRADE, grade
    save(sign_in("admin@a.example"), {"printed_name": "Riverside", "phone": "0113 496 0000", "offered_prp": "yes",
                                      "offered_hyaluronic_acid": "no"})
    html = client.get("/comparison").get_data(as_text=True).split('id="local-facts"')[1].split("</section>")[0]
    fragments = [f.strip() for f in re.split(r"<[^>]+>", html.split(">", 1)[1])]
    fragments = [re.sub(r"\d{1,2} \w+ 20\d\d|0113 496 0000", "", f).strip() for f in fragments]  # dates, number
    passage = " ".join(f if f.endswith(".") else f + "." for f in fragments if f.strip(" ."))
    passage += " If your knee gets worse, call Riverside on the phone."
    assert grade(passage) <= SECTION_GRADE, (grade(passage), passage)
