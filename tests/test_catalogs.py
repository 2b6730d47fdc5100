"""The interface's gettext catalogs (issue #14): current, complete, and nothing left unmarked.

The pseudo-locale test builds a catalog at test time whose every msgstr is its msgid between
⟦ ⟧, serves it as Polish, and reads the guide, handout and error pages: any visible text that is
neither inside ⟦ ⟧ nor the content's own text escaped the catalog.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "decision_aid" / "translations"
LANGUAGES = ("pl", "ar")
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def msgids(cat: Catalog) -> set:
    """Each entry's key: its msgid (a (singular, plural) pair for ngettext) and msgctxt."""
    return {(m.id, m.context) for m in cat if m.id}


def forms(text) -> tuple[str, ...]:
    """A msgid or msgstr as its forms: one, or each plural form of an ngettext entry."""
    return tuple(text) if isinstance(text, (tuple, list)) else (text,)


def test_the_template_holds_every_marked_string(tmp_path):
    """messages.pot is kept current: `make messages` after marking a string."""
    fresh = tmp_path / "messages.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg", "-k", "N_", "-k", "_l",
                    "--ignore-dirs", ".* .venv __pycache__ build dist", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True)
    committed = msgids(catalog(TRANSLATIONS / "messages.pot"))
    extracted = msgids(catalog(fresh))
    assert sorted(extracted - committed, key=str) == [], "marked but missing from messages.pot: run `make messages`"
    assert sorted(committed - extracted, key=str) == [], "in messages.pot but no longer marked: run `make messages`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders(language):
    template = msgids(catalog(TRANSLATIONS / "messages.pot"))
    cat = catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    entries = {(m.id, m.context): m for m in cat if m.id}
    assert sorted(template - set(entries), key=str) == [], f"missing from the {language} catalog: run `make messages`"
    assert [m.id for m in entries.values() if m.fuzzy] == [], "fuzzy entries are not shown: check and clear them"
    # Every form of a plural entry too (Polish has 3, Arabic 6: the header's Plural-Forms).
    assert [m.id for m in entries.values() if not all(f.strip() for f in forms(m.string))] == []
    assert [m.id for m in entries.values() if len(forms(m.id)) == 2 and len(forms(m.string)) != cat.num_plurals] == []
    # A translation keeps every placeholder (a lost %(phone)s would drop the clinic's number).
    assert [m.id for m in entries.values() for form in forms(m.string)
            if sorted(PLACEHOLDER.findall(forms(m.id)[-1])) != sorted(PLACEHOLDER.findall(form))] == []


def test_the_arabic_catalog_writes_numbers_in_western_digits():
    cat = catalog(TRANSLATIONS / "ar" / "LC_MESSAGES" / "messages.po")
    assert [m.string for m in cat if m.id and any(re.search("[٠-٩۰-۹]", f) for f in forms(m.string))] == []


# --- The pseudo-locale ------------------------------------------------------------------------

def pseudo_catalog(folder: Path) -> Path:
    """Every string of messages.pot as ⟦its English⟧, compiled as the Polish catalog."""
    source = catalog(TRANSLATIONS / "messages.pot")
    pseudo = Catalog(locale="pl")
    for message in source:
        if isinstance(message.id, tuple):  # ngettext: each of Polish's plural forms marked
            one, several = (f"⟦{form}⟧" for form in message.id)
            pseudo.add(message.id, (one, *[several] * (pseudo.num_plurals - 1)), flags=message.flags,
                       context=message.context)
        elif message.id:
            pseudo.add(message.id, f"⟦{message.id}⟧", flags=message.flags, context=message.context)
    target = folder / "pl" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, pseudo)
    return folder


class VisibleText(HTMLParser):
    """Text a person sees or hears: text nodes and the attributes read aloud, outside scripts,
    styles, and any element in another language than the page (the English beside a notice)."""

    SPOKEN = ("aria-label", "alt", "title", "placeholder", "data-label")
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, page_language: str):
        super().__init__(convert_charrefs=True)
        self.page_language = page_language
        self.stack: list[tuple[str, bool]] = []  # (tag, hidden from this check)
        self.texts: list[str] = []

    def _skipped(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        other_language = attributes.get("lang") not in (None, self.page_language)
        # translate="no": HTML's mark for what is never translated (a DOI). A <time> holds a date
        # in words from Babel's data for the locale, not from the catalog.
        skip = tag in ("script", "style", "time") or other_language or attributes.get("translate") == "no"
        if not (skip or self._skipped()):
            self.texts.extend(attributes[a] for a in self.SPOKEN if attributes.get(a))
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        if not self._skipped() and data.strip():
            self.texts.append(data)


def content_strings(content) -> list[str]:
    """Every string of the content (its own text, translated by i18n-content), longest first."""
    found: list[str] = []

    def walk(value):
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)
        elif hasattr(value, "model_dump"):
            walk(value.model_dump())
    walk(content.__dict__)
    return sorted({s.strip() for s in found if s.strip()}, key=len, reverse=True)


def leftovers(texts: list[str], known: list[str]) -> list[str]:
    """What is left once marked strings, known data and what carries no words are taken away.

    The texts are joined first: a marked string with a link in it spans several text nodes, and
    a marked string may hold another (⟦… in ⟦2 minutes⟧ …⟧), so markers go innermost first."""
    rest = "\n".join(texts)
    while True:
        shorter = re.sub(r"⟦[^⟦⟧]*⟧", " ", rest)
        if shorter == rest:
            break
        rest = shorter
    left = []
    for line in rest.split("\n"):
        for item in known:
            if item in line:
                line = line.replace(item, " ")
        if re.search(r"[^\W\d_]", line):  # a letter of any script
            left.append(" ".join(line.split()))
    return left


PSEUDO_PAGES = ["/", "/comparison", "/options/conservative", "/options/corticosteroid", "/handouts/",
                "/about", "/no-such-page", "/options/surgery"]


@pytest.fixture
def pseudo_client(make_app, tmp_path):
    """Polish pages drawn from the pseudo catalog and the pseudo content translation (x-pseudo,
    PSEUDO_TRANSLATION): every string a page shows, from a template or from the content, is ⟦marked⟧."""
    from conftest import signed_in_client
    from decision_aid.content.translations import PSEUDO
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(pseudo_catalog(tmp_path / "pseudo")), PSEUDO_TRANSLATION=True)
    translations = app.extensions["decision_aid.translations"][app.config["CONTENT_VERSION"]]
    # The pseudo content stands in for the Polish (a Babel locale must be a real one: "x-pseudo" is not).
    pseudo = translations.pop(PSEUDO)
    translations["pl"] = dataclasses.replace(pseudo, language="pl", translation=pseudo.translation.model_copy(
        update={"language": "pl", "name": "Polski", "english_name": "Polish"}))
    return app, signed_in_client(app)


def known_text(app) -> list[str]:
    """What a translated page shows untranslated by design: the content's values that are not
    prose (ids, numbers, the references in their own language), each language by its own name,
    and what the clinic and the clinician typed."""
    from conftest import PEOPLE
    from decision_aid.i18n import languages
    with app.app_context():
        names = [language.name for language in languages()]
    pseudo = app.extensions["decision_aid.translations"][app.config["CONTENT_VERSION"]]["pl"]
    return content_strings(pseudo) + names + [n for _email, name, clinic, _role in PEOPLE for n in (name, clinic)]


def visible(html: str) -> list[str]:
    assert "⟦" in html  # the pseudo catalog is the one in use
    parser = VisibleText("pl")
    parser.feed(html)
    return parser.texts


def escaped(app, html: str) -> list[str]:
    return leftovers(visible(html), known_text(app))


@pytest.mark.parametrize("url", PSEUDO_PAGES)
def test_no_visible_string_escapes_the_catalog(pseudo_client, url):
    app, client = pseudo_client
    response = client.get(url + ("&" if "?" in url else "?") + "lang=pl")
    assert response.status_code in (200, 404)
    assert escaped(app, response.get_data(as_text=True)) == []


def _token(html: str) -> str:
    return re.search(r"/p/([A-Za-z0-9_-]+)</a>", html).group(1)


def _phone(app, token: str):
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = "127.0.0.11"
    assert phone.get(f"/p/{token}").status_code == 303
    return phone


def test_no_visible_string_escapes_on_the_patients_link_pages(pseudo_client):
    from conftest import Consultation
    app, client = pseudo_client
    visit = Consultation(client).start(language="pl")
    phone = _phone(app, _token(client.post(f"{visit.url}/patient-link").get_data(as_text=True)))
    pages = {part: phone.get(f"/p/steps/{part}") for part in ("about", "situation", "options", "values", "done")}
    pages["situation, refused"] = phone.post("/p/steps/situation", data={"lock_version": "x", "action": "next"})
    client.post(f"{visit.url}/patient-link/withdraw")
    pages["closed"] = phone.get("/p/steps/about")
    for name, response in pages.items():
        assert response.status_code in (200, 410, 422), name
        left = escaped(app, response.get_data(as_text=True))
        assert left == [], (name, left)


def test_no_visible_string_escapes_after_the_visit_nor_in_the_patients_summary(pseudo_client):
    import datetime as dt

    from conftest import DECISION, OPTIONS, SITUATION, VALUES, Consultation, pdf_text
    app, client = pseudo_client
    visit = Consultation(client).start(language="pl").fill_all(
        app, decision={**DECISION, "follow_up_date": dt.date.today().isoformat()})
    visit.finish()
    follow_up = _phone(app, _token(client.post(f"{visit.url}/follow-up-link").get_data(as_text=True)))
    collaborate = _phone(app, _token(client.post(f"{visit.url}/collaborate-link").get_data(as_text=True)))
    pages = {"follow-up": follow_up.get("/p/after/follow-up"),
             "follow-up, refused": follow_up.post("/p/after/follow-up", data={"done_since": DECISION["next_steps"]}),
             "collaborate": collaborate.get("/p/after/collaborate")}
    typed = [value for answers in (DECISION, SITUATION, OPTIONS, VALUES) for value in answers.values()
             if isinstance(value, str) and " " in value]  # what was typed: known text
    for name, response in pages.items():
        assert response.status_code in (200, 422), name
        left = leftovers(visible(response.get_data(as_text=True)), known_text(app) + typed)
        assert left == [], (name, left)
    # The PDF's text as one line (its lines wrap mid-sentence). Known there too, by design: the
    # English beside the review notice, the patient's reference and the record's reason (the
    # clinic's language), the dates Babel writes in Polish.
    from decision_aid.signoff import AWAITING_REVIEW
    with app.app_context():
        meta = app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]].meta
    dates = [format_date(day, "d MMMM y", locale="pl") for day in (dt.date.today(), meta.produced,
                                                                    meta.evidence_searched, meta.next_review)]
    text = " ".join(pdf_text(client.get(f"{visit.url}/summary.pdf").data).split())
    assert "⟦" in text
    by_design = [AWAITING_REVIEW, "RK-0042", "Discussion finished", *dates]
    known = [" ".join(k.split()) for k in known_text(app) + typed + by_design]
    left = leftovers([text], sorted(set(known), key=len, reverse=True))
    assert left == [], left


def test_no_visible_string_escapes_on_the_patients_consultation_steps(pseudo_client):
    """The steps the patient reads beside the clinician, in a Polish discussion: every string is
    marked, outside the clinician's own parts (marked lang="en", so skipped here as English)."""
    import datetime as dt

    from conftest import DECISION, OPTIONS, SITUATION, START, VALUES, Consultation
    app, client = pseudo_client
    visit = Consultation(client).start(language="pl").fill_all(app)
    pages = {step: visit.page(step) for step in ("situation", "options", "values", "check", "decision", "summary")}
    pages["situation, refused"] = visit.post("situation", {**SITUATION, "duration": "", "safety_infection": "",
                                                           "race_date": "2001-01-01"})
    pages["check, shown"] = visit.post("check", {"quiz_" + "x": ""}, action="check")
    typed = [value for answers in (START, DECISION, SITUATION, OPTIONS, VALUES) for value in answers.values()
             if isinstance(value, str) and " " in value]
    # The dates on the summary, written by Babel in Polish: known by design.
    dates = [format_date(dt.date.fromisoformat(day), "d MMMM y", locale="pl")
             for day in (START["discussion_date"], DECISION["follow_up_date"])]
    for name, response in pages.items():
        if response.status_code == 302:
            response = visit.client.get(response.headers["Location"])
        assert response.status_code in (200, 422), name
        left = leftovers(visible(response.get_data(as_text=True)), known_text(app) + typed + dates + [START["patient_ref"]])
        assert left == [], (name, left)
