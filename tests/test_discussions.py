"""Saved discussions as a clinician meets them: the list, search, review, revisions and reprints."""
import datetime as dt
import random
import re
import uuid
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from conftest import DECISION, SITUATION, START, VALUES, pdf_text
from decision_aid.accounts.models import User
from decision_aid.consultation import operations
from decision_aid.extensions import db
from decision_aid.library import current_content
from decision_aid.models import Discussion, Revision

BASE = dt.datetime(2025, 3, 1, 9, 0)


def add(app, specs, email="clinician@a.example"):
    """Discussions straight into the database, by that clinician (clinic A by default).
    A spec's ``minute`` sets created_at (default: its index)."""
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        for i, spec in enumerate(specs):
            spec = dict(spec)
            minute, status = spec.pop("minute", i), spec.pop("status", "in_progress")
            discussion = operations.create_discussion(
                db.session, {**START, "discussion_date": "2025-03-01", **spec}, current_content(), "situation",
                clinic_id=user.clinic_id, user_id=user.id)
            discussion.created_at, discussion.status = BASE + dt.timedelta(minutes=minute), status
        db.session.commit()


LIST_COLUMNS = ["Date", "Patient reference", "Clinician", "Status", "Step reached", "Decision", "Follow-up", "Open"]


def listed(html):
    """The saved-discussions table's rows, top to bottom, as {column: text}."""
    rows = Parsed(html).rows
    if not rows or rows[0] != LIST_COLUMNS:
        return []
    return [dict(zip(LIST_COLUMNS, row)) for row in rows[1:]]


def refs(html):
    """The patient reference column of the saved-discussions table, top to bottom."""
    return [row["Patient reference"] for row in listed(html)]


def page_of(html):
    match = re.search(r"page (\d+) of (\d+)", html)
    return match and (int(match.group(1)), int(match.group(2)))


def html_of(client, url):
    return client.get(url).get_data(as_text=True)


class Parsed(HTMLParser):
    """Every URL in attributes, every link (text: href), every form (method, action, named inputs,
    text), every form control, and every table row as its cells' text."""

    def __init__(self, html):
        super().__init__()
        self.urls, self.forms, self.controls, self.rows, self.links = [], [], [], [], {}
        self._open = self._cell = self._link = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.urls += [attrs[a] for a in ("href", "action", "src", "formaction") if attrs.get(a)]
        if tag == "a":
            self._link, self._text = attrs.get("href"), ""
        elif tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th") and self.rows:
            self.rows[-1].append("")
            self._cell = True
        elif tag == "form":
            self.forms.append({"method": attrs.get("method", "get"), "action": attrs.get("action"),
                               "inputs": {}, "text": ""})
            self._open = True
        elif tag in ("input", "textarea", "select"):
            self.controls.append(attrs)
            if self._open and attrs.get("name"):
                self.forms[-1]["inputs"][attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "a" and self._link:
            self.links[" ".join(self._text.split())], self._link = self._link, False
        self._open = self._open and tag != "form"
        self._cell = self._cell and tag not in ("td", "th")

    def handle_data(self, data):
        self._text = self._text + data if self._link else ""
        if self._open:
            self.forms[-1]["text"] += data
        if self._cell:
            self.rows[-1][-1] = " ".join((self.rows[-1][-1] + data).split())

    def form(self, text):
        return [f for f in self.forms if text in f["text"] or f["action"] == text]


def main(html):
    """The page's own content, without the header (which has a sign-out form) and footer."""
    return html[html.index("<main"):html.index("</main>")]


def amend_form(client, url):
    return Parsed(main(html_of(client, f"{url}/amend"))).form(f"{url}/amend")[0]["inputs"]


def revisions(app, discussion_id):
    with app.app_context():
        return db.session.execute(sa.select(Revision.number, Revision.author, Revision.answers_json)
                                  .where(Revision.discussion_id == uuid.UUID(discussion_id))
                                  .order_by(Revision.number)).all()


@pytest.fixture
def finished(consultation, app):
    visit = consultation().start().fill_all(app)
    visit.finish()
    return visit


def search(client, **criteria):
    data = {"patient_ref": "", "clinician": "", "date_from": "", "date_to": "", "status": "", "page": "1"}
    return client.post("/discussions/search", data={**data, **criteria})


# --- The saved list ---------------------------------------------------------------------------

@pytest.fixture
def forty_five(app):
    """RK-0001 (oldest) to RK-0045 (newest) in clinic A, inserted in a shuffled order."""
    numbers = random.Random(7).sample(range(1, 46), 45)
    add(app, [{"patient_ref": f"RK-{n:04d}", "minute": n} for n in numbers])
    add(app, [{"patient_ref": "RK-0046", "minute": 46}], email="clinician@b.example")  # another clinic's


def newest(first, last):
    return [f"RK-{n:04d}" for n in range(first, last - 1, -1)]


def test_saved_list_is_newest_first_twenty_a_page_with_page_links(client, forty_five):
    html = html_of(client, "/discussions/")
    assert refs(html) == newest(45, 26) and "45 discussions, page 1 of 3" in html
    links = Parsed(html).links
    assert links["Next page"] == "/discussions/?page=2" and "Previous page" not in links
    html = html_of(client, links["Next page"])
    assert refs(html) == newest(25, 6) and page_of(html) == (2, 3)
    links = Parsed(html).links
    assert links["Previous page"] == "/discussions/?page=1" and links["Next page"] == "/discussions/?page=3"
    html = html_of(client, links["Next page"])
    assert refs(html) == newest(5, 1) and page_of(html) == (3, 3)
    links = Parsed(html).links
    assert links["Previous page"] == "/discussions/?page=2" and "Next page" not in links


@pytest.mark.parametrize("page, shown", [("99", (3, 3)), ("4", (3, 3)), ("0", (1, 3)), ("-2", (1, 3))])
def test_a_page_outside_the_list_shows_the_nearest_page(client, forty_five, page, shown):
    html = html_of(client, f"/discussions/?page={page}")
    assert page_of(html) == shown
    assert refs(html) == (newest(5, 1) if shown[0] == 3 else newest(45, 26))


def test_past_the_browsable_limit_the_list_says_so_and_points_to_search(client, forty_five, monkeypatch):
    from decision_aid.discussions import queries
    monkeypatch.setattr(queries, "BROWSABLE", 30)  # as if there were more than 1,000
    html = html_of(client, "/discussions/?page=9")
    assert "More than 30 discussions, newest first; page 2 of the newest 2" in html
    assert "search by reference, clinician or date" in html
    assert refs(html) == newest(25, 16)  # the last browsable page: RK-0025 to RK-0016
    assert "Next page" not in Parsed(html).links


def test_empty_database_says_nothing_is_saved_yet(client):
    html = html_of(client, "/discussions/")
    assert "No discussions saved yet" in html and "0 discussions." in html
    assert refs(html) == [] and "Next page" not in html


def test_the_list_shows_decision_step_reached_and_follow_up_without_reading_any_answers(client, app, consultation,
                                                                                       option_names):
    finished = consultation().start(patient_ref="RK-DONE").fill_all(app)
    finished.finish()
    halfway = consultation().start(patient_ref="RK-HALF")
    halfway.save("situation", SITUATION)
    halfway.save("options", {"option_notes": ""})
    consultation().start(patient_ref="RK-UNSURE").fill_all(
        app, decision={**DECISION, "choice": "undecided", "follow_up_date": ""})
    statements = []
    with app.app_context():
        listen = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listen)
        try:
            html = html_of(client, "/discussions/")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listen)
    follow_up = dt.date.fromisoformat(DECISION["follow_up_date"]).strftime("%-d %b %Y")
    shown = [{k: row[k] for k in ("Patient reference", "Status", "Step reached", "Decision", "Follow-up")}
             for row in listed(html)]
    assert shown == [
        {"Patient reference": "RK-UNSURE", "Status": "In progress", "Step reached": "Summary",
         "Decision": "Not decided yet", "Follow-up": "–"},
        {"Patient reference": "RK-HALF", "Status": "In progress", "Step reached": "What matters to you",
         "Decision": "–", "Follow-up": "–"},
        {"Patient reference": "RK-DONE", "Status": "Complete", "Step reached": "All steps",
         "Decision": option_names[0][0], "Follow-up": follow_up}]
    # answers_json is deferred: the list is built from the columns copied out at save time.
    assert statements and not [s for s in statements if "answers_json" in s]

    amended = {**AMEND, "follow_up_date": (dt.date.fromisoformat(DECISION["follow_up_date"])
                                           + dt.timedelta(days=7)).isoformat()}
    assert client.post(f"{finished.url}/amend", data=amended).status_code == 302
    [row] = [r for r in listed(html_of(client, "/discussions/")) if r["Patient reference"] == "RK-DONE"]
    assert row["Decision"] == option_names[2][0]  # PRP, as amended
    assert row["Follow-up"] == dt.date.fromisoformat(amended["follow_up_date"]).strftime("%-d %b %Y")


# --- Search -----------------------------------------------------------------------------------

def spec(ref, clinician, date, status):
    return {"patient_ref": ref, "clinician": clinician, "discussion_date": date, "status": status}


@pytest.fixture
def five(app):
    add(app, [spec("RK-1001", "Dr Ada Lovelace", "2025-01-10", "complete"),
              spec("rk-1002", "dr alan turing", "2025-01-15", "in_progress"),
              spec("RK-2001", "Dr Grace Hopper", "2025-01-31", "complete"),
              spec("XRK-1003", "Ada Byron", "2025-02-01", "in_progress"),
              spec("", "DR ADAM SMITH", "2025-01-14", "complete")])
    # Another clinic's discussion matches most searches below, and must never be found.
    add(app, [spec("RK-1009", "Dr Ada Lovelace", "2025-01-15", "complete")], email="clinician@b.example")


@pytest.mark.parametrize("criteria, found", [
    ({"patient_ref": "rk-10"}, ["XRK-1003", "rk-1002", "RK-1001"]),  # any part, either case
    ({"patient_ref": "RK-1001"}, ["RK-1001"]),
    ({"patient_ref": "  Rk-2 "}, ["RK-2001"]),
    ({"patient_ref": "100"}, ["XRK-1003", "rk-1002", "RK-1001"]),  # the middle of a reference
    ({"patient_ref": "03"}, ["XRK-1003"]),  # its end
    ({"patient_ref": "RK_1"}, []), ({"patient_ref": "RK%"}, []),  # _ and % are characters, not wildcards
    ({"clinician": "DR A"}, ["–", "rk-1002", "RK-1001"]),
    ({"clinician": "ada"}, ["–", "XRK-1003", "RK-1001"]),  # Ada Lovelace, Ada Byron, and ADAm Smith
    ({"clinician": " Ada B "}, ["XRK-1003"]),  # spaces around are trimmed, the one inside kept
    ({"clinician": "HOPPER"}, ["RK-2001"]),  # a surname, any case
    ({"clinician": "tur"}, ["rk-1002"]),
    ({"date_from": "2025-01-14", "date_to": "2025-01-31"}, ["–", "RK-2001", "rk-1002"]),  # both ends kept
    ({"date_from": "2025-01-31"}, ["XRK-1003", "RK-2001"]),
    ({"date_to": "2025-01-10"}, ["RK-1001"]),
    ({"status": "in_progress"}, ["XRK-1003", "rk-1002"]),
    ({"status": "complete"}, ["–", "RK-2001", "RK-1001"]),
    ({"clinician": "dr", "status": "complete", "date_from": "2025-01-11"}, ["–", "RK-2001"]),
    ({"patient_ref": "RK-1", "clinician": "Dr Al", "date_to": "2025-01-15"}, ["rk-1002"]),
    ({"patient_ref": "RK-1", "status": "in_progress", "date_from": "2025-01-16"}, ["XRK-1003"]),
    ({"patient_ref": "RK-1", "status": "complete", "date_from": "2025-01-16"}, []),
])
def test_search_finds_exactly_the_matching_discussions_newest_first(client, five, criteria, found):
    response = search(client, **criteria)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and refs(html) == found
    assert f"{len(found)} discussion" in html
    assert ("No saved discussion matches" in html) == (not found)


def test_date_to_before_date_from_is_refused_next_to_the_field(client, five):
    response = search(client, date_from="2025-02-01", date_to="2025-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    label, error, box = html.find('for="date_to"'), html.find('id="date_to-error"'), html.find('id="date_to"')
    assert -1 < label < error < box and "This date must be on or after the first date." in html[error:box]
    assert re.search(r'<input[^>]*aria-describedby="date_to-error"[^>]*id="date_to"', html)
    assert 'href="#date_to"' in html and refs(html) == []  # the summary at the top links to the field


def test_search_pages_by_post_and_keeps_the_patient_reference_out_of_every_url(client, app):
    add(app, [{"patient_ref": f"RK-5{n:03d}", "minute": n} for n in range(25)]
        + [{"patient_ref": f"RK-6{n:03d}", "minute": 100 + n} for n in range(3)])
    html = search(client, patient_ref="rk-5").get_data(as_text=True)
    assert refs(html) == [f"RK-5{n:03d}" for n in range(24, 4, -1)] and page_of(html) == (1, 2)
    parsed = Parsed(html)
    assert parsed.form("Search") and all(f["method"].lower() == "post" for f in parsed.forms)
    assert not [url for url in parsed.urls if "rk-5" in unescape(url).lower()]
    [pager] = parsed.form("Next page")
    assert pager["action"] == "/discussions/search" and not parsed.form("Previous page")
    assert pager["inputs"]["patient_ref"] == "rk-5" and pager["inputs"]["page"] == "2"

    html = client.post(pager["action"], data=pager["inputs"]).get_data(as_text=True)
    assert refs(html) == [f"RK-5{n:03d}" for n in range(4, -1, -1)] and page_of(html) == (2, 2)
    parsed = Parsed(html)
    assert not [url for url in parsed.urls if "rk-5" in unescape(url).lower()]
    [previous] = parsed.form("Previous page")
    assert previous["inputs"]["page"] == "1" and not parsed.form("Next page")
    html = search(client, patient_ref="rk-5", page="9").get_data(as_text=True)  # beyond the end: the last page
    assert page_of(html) == (2, 2) and refs(html) == [f"RK-5{n:03d}" for n in range(4, -1, -1)]


# --- Routes that take a discussion id ---------------------------------------------------------

def sweep(app, client, discussion_id):
    """GET, and POST where the rule takes it, on every route with a discussion id: all 404."""
    values = {"discussion_id": discussion_id, "step_id": "situation", "number": "1", "part": "situation"}
    swept = set()
    for rule in app.url_map.iter_rules():
        if "discussion_id" not in rule.arguments:
            continue
        url = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: values[m.group(1)], rule.rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(url, method=method, data={"lock_version": "1", "expected_revision": "1"})
            html = response.get_data(as_text=True)
            assert response.status_code == 404, (method, url, response.status_code)
            assert "Page not found" in html and "Traceback" not in html, (method, url)
            swept.add((rule.endpoint, method))
    assert {("discussions.review", "GET"), ("discussions.amend", "POST"), ("consultation.finish", "POST"),
            ("consultation.step_page", "POST"), ("discussions.revision_pdf", "GET"),
            ("discussions.summary_pdf", "GET"), ("discussions.revision_page", "GET")} <= swept


# Fixed ids (not uuid4()): every pytest-xdist worker must collect the same test names.
@pytest.mark.parametrize("discussion_id", ["9b1f5c2e-4d7a-4e8b-a0c3-5f6e7d8c9b0a", str(uuid.UUID(int=0)),
                                           "3c4d5e6f7a8b4c9d8e0f1a2b3c4d5e6f", "not-a-uuid", "123"])
def test_every_discussion_route_gives_the_friendly_404_for_an_unknown_or_malformed_id(app, client, discussion_id):
    sweep(app, client, discussion_id)


def test_another_clinics_discussion_is_a_404_on_every_route(app, finished, sign_in, db_rows):
    before = db_rows()
    sweep(app, sign_in("clinician@b.example"), finished.id)
    assert db_rows() == before


def test_a_revision_that_does_not_exist_is_a_404(client, finished):
    for url in (f"{finished.url}/revisions/2", f"{finished.url}/revisions/2.pdf", f"{finished.url}/revisions/0"):
        assert client.get(url).status_code == 404


# --- Review and resume ------------------------------------------------------------------------

def test_finished_discussion_is_read_only_with_an_amend_button(client, finished):
    html = html_of(client, finished.url)
    parsed = Parsed(main(html))
    assert parsed.forms == [] and parsed.controls == []
    links = Parsed(main(html)).links
    assert [href for text, href in links.items() if text.startswith("Amend")] == [f"{finished.url}/amend"]
    assert not [text for text in links if "Resume" in text]
    assert DECISION["reasons"] in unescape(html)
    response = client.get(f"{finished.url}/steps/decision")  # no step form any more: back to the review
    assert response.status_code == 302 and response.headers["Location"].endswith(finished.url)


def test_resume_goes_to_the_step_where_it_was_left_with_the_answers_kept(client, consultation):
    visit = consultation().start()
    visit.save("situation", SITUATION)
    visit.save("options", {"option_notes": ""})
    assert visit.save("values", VALUES, action="later").headers["Location"].endswith(visit.url)
    html = html_of(client, visit.url)
    links = Parsed(main(html)).links
    assert links["Resume where you left off"] == f"{visit.url}/steps/values" and "Amend" not in html
    step = html_of(client, links["Resume where you left off"])
    checked = {a["name"]: a["value"] for a in Parsed(step).controls if a.get("type") == "radio" and "checked" in a}
    assert checked == {k: v for k, v in VALUES.items() if k.startswith("value_")}
    assert VALUES["own_factors"] in unescape(step)


# --- Revisions and amendments -----------------------------------------------------------------

AMEND = {**DECISION, "choice": "prp", "reasons": "My club mates had PRP and I want to try it",
         "reason": "Patient phoned to change the decision", "note": "Phoned on Monday", "expected_revision": "1"}


def test_amendment_adds_revision_2_and_leaves_revision_1_as_it_was(client, app, finished, sign_in, option_names):
    [(_, author, before_json)] = revisions(app, finished.id)
    assert author == "Dr Ada Lovelace"
    before_pdf = pdf_text(client.get(f"{finished.url}/revisions/1.pdf").data)
    colleague = sign_in("admin@a.example")  # Alan Admin, same clinic
    assert amend_form(colleague, finished.url)["expected_revision"] == "1"
    response = colleague.post(f"{finished.url}/amend", data=AMEND)
    assert response.status_code == 302
    table = [row[:1] + row[2:4] for row in Parsed(html_of(client, response.headers["Location"])).rows
             if len(row) == 5 and row[0].isdigit()]
    assert table == [["1", "Dr Ada Lovelace", "Discussion finished"],
                     ["2", "Alan Admin", "Patient phoned to change the decision"]]

    after = revisions(app, finished.id)
    assert [r.number for r in after] == [1, 2] and after[0].answers_json == before_json
    for cached in Path(app.config["PDF_CACHE_DIR"]).rglob("*.pdf"):
        cached.unlink()  # revision 1's PDF is rendered again from what is stored
    assert pdf_text(client.get(f"{finished.url}/revisions/1.pdf").data) == before_pdf
    assert "Revision 2" not in " ".join(before_pdf.split())

    text = " ".join(pdf_text(client.get(f"{finished.url}/revisions/2.pdf").data).split())
    prp_name = option_names[2][1]  # the fixed order: conservative, steroid, PRP, HA
    assert "PRP" in prp_name and "Revision 2" in text and "Patient phoned to change the decision" in text
    assert re.search(r"What was decided\s+" + re.escape(prp_name), text)


def test_amendment_without_a_reason_is_refused_and_writes_nothing(client, app, finished, db_rows):
    before = db_rows()
    with app.app_context():
        answers_before = db.session.get(Discussion, uuid.UUID(finished.id)).answers_json
    response = client.post(f"{finished.url}/amend", data={**AMEND, "reason": "  "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say why this is being changed." in html and 'href="#reason"' in html
    assert db_rows() == before
    with app.app_context():
        assert db.session.get(Discussion, uuid.UUID(finished.id)).answers_json == answers_before


def test_second_of_two_amendments_from_revision_1_gets_a_conflict_and_keeps_its_text(client, app, finished,
                                                                                    sign_in):
    colleague = sign_in("admin@a.example")
    first, second = amend_form(colleague, finished.url), amend_form(client, finished.url)
    assert first["expected_revision"] == second["expected_revision"] == "1"
    assert colleague.post(f"{finished.url}/amend", data={**first, **AMEND}).status_code == 302

    typed = {**AMEND, "choice": "hyaluronic_acid", "reasons": "Typed in the second tab",
             "reason": "Second reason typed", "note": "Second note typed",
             "expected_revision": second["expected_revision"]}
    response = client.post(f"{finished.url}/amend", data=typed)
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 409 and "changed by someone else" in html.lower()
    for text in ("Typed in the second tab", "Second reason typed", "Second note typed"):
        assert text in html
    assert re.search(r'<input checked[^>]*name="choice"[^>]*value="hyaluronic_acid"', html)
    assert [(r.number, r.author) for r in revisions(app, finished.id)] == [(1, "Dr Ada Lovelace"), (2, "Alan Admin")]
    [kept] = Parsed(main(html)).form(f"{finished.url}/amend")
    assert kept["inputs"]["expected_revision"] == "2"  # saving the kept form again builds on revision 2


# --- The summary PDF --------------------------------------------------------------------------

def download_name(response) -> str:
    return re.fullmatch(r'attachment; filename="([^"]+)"', response.headers["Content-Disposition"]).group(1)


def test_pdf_file_names_say_kind_date_and_revision_and_never_whose(client, consultation, app):
    draft = consultation().start()
    visit = consultation().start().fill_all(app)
    visit.finish()
    today = dt.datetime.now(ZoneInfo("Europe/London")).date().isoformat()  # the clinic's day, not UTC's
    names = [download_name(client.get(url)) for url in (f"{draft.url}/summary.pdf", f"{visit.url}/summary.pdf",
                                                        f"{visit.url}/revisions/1.pdf")]
    assert client.post(f"{visit.url}/amend", data=AMEND).status_code == 302
    names += [download_name(client.get(url)) for url in (f"{visit.url}/summary.pdf", f"{visit.url}/revisions/2.pdf")]
    assert names == [f"runners-knee-summary-{today}-draft.pdf"] + [f"runners-knee-summary-{today}-rev1.pdf"] * 2 \
        + [f"runners-knee-summary-{today}-rev2.pdf"] * 2
    forbidden = [START["patient_ref"], START["patient_ref"].replace("-", ""), "0042", "ada", "lovelace"]
    assert not [word for name in names for word in forbidden if word.lower() in name.lower()]


def test_summary_pdf_is_private_and_is_served_from_the_cache(client, app, finished):
    response = client.get(f"{finished.url}/summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"

    cached = list(Path(app.config["PDF_CACHE_DIR"]).rglob("*.pdf"))
    assert len(cached) == 1
    stamp = (cached[0].stat().st_ino, cached[0].stat().st_mtime_ns)
    for url in (f"{finished.url}/summary.pdf", f"{finished.url}/revisions/1.pdf"):
        again = client.get(url)
        assert again.data == response.data and again.headers["Cache-Control"] == "no-store"
    assert list(Path(app.config["PDF_CACHE_DIR"]).rglob("*.pdf")) == cached
    assert (cached[0].stat().st_ino, cached[0].stat().st_mtime_ns) == stamp  # not written again

