"""Handouts and discussion summaries are accessible, archivable PDFs (PDF/UA-1 as WeasyPrint tags it).

Checked with the tools a reviewer would use: ``pdfinfo`` (tagged, title), ``pdfinfo -struct-text``
(the structure tree: headings, tables with header cells), ``qpdf --check`` (file structure), and
pypdf for what poppler does not print: each Figure's /Alt text, /Lang and the XMP PDF/UA id.

Found while writing these: WeasyPrint 70 does give an inline SVG's <title> as the Figure's /Alt
(weasyprint/pdf/tags.py looks for a direct <title> child of <svg>; aria-label is ignored), but
``pdfinfo -struct`` of poppler 22 does not print /Alt at all, so /Alt is read with pypdf here.
"""
from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import IndirectObject

from conftest import START, in_order
from decision_aid import presenting
from decision_aid.library import current_content

pytestmark = pytest.mark.skipif(
    not (shutil.which("pdfinfo") and shutil.which("qpdf")),
    reason="pdfinfo (Debian poppler-utils) and qpdf are needed to check the PDFs' structure")

KINDS = ("all-options", "conservative", "summary")
TITLES = {"all-options": "Runner's knee: the four options compared",
          "conservative": "Runner's knee: Conservative care: exercise, load and running changes",
          "summary": "Runner's knee: summary of our discussion"}
_RENDERED: dict[str, bytes] = {}
_STRUCTURES: dict[tuple[str, bool], "Node"] = {}


@pytest.fixture
def pdf(request, app, client, consultation):
    """The PDF of one kind, fetched from the app's own route (rendered once per test run)."""
    kind = request.param
    if kind not in _RENDERED:
        if kind == "summary":
            visit = consultation().start().fill_all(app)
            visit.finish()
            url = f"{visit.url}/summary.pdf"
        else:
            url = f"/handouts/{kind}.pdf"
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        _RENDERED[kind] = response.data
    return kind, _RENDERED[kind]


def _alt(chance: dict) -> str:
    # An icon array's text alternative is its sentence; a same-size no-number panel says so.
    return chance["sentence"] if chance.get("svg") else presenting.NO_NUMBER


def expected_alts(app, kind: str) -> list[str]:
    """The sentences under the icon arrays of that PDF, a "No number available" for each panel
    drawn in their place (and the drawings' descriptions)."""
    with app.app_context():
        content = current_content()
        if kind == "conservative":
            detail = presenting.option_detail(content, "conservative")
            alts = [_alt(o["chance"]) for o in detail["outcomes"]]
            alts += [_alt(o["overall"]) for o in detail["outcomes"] if o["overall"]]
            alts += [exercise.drawing_alt for exercise in content.home_programme.exercises]
            return alts
        outcomes = presenting.outcomes(content)
        alts = ([_alt(c) for o in outcomes for c in o["chances"]]
                + [_alt(o["overall"]) for o in outcomes if o["overall"]])
        if kind == "all-options" and presenting.programme_with_every_option(content):
            alts += [exercise.drawing_alt for exercise in content.home_programme.exercises]
        return alts


def run(*command: str, ok_codes=(0,)) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode in ok_codes, (command, result.returncode, result.stderr[-2000:])
    return result.stdout


def on_disk(data: bytes) -> Path:
    handle = tempfile.NamedTemporaryFile(suffix=".pdf", delete=False)
    handle.write(data)
    handle.close()
    return Path(handle.name)


# --- The structure tree, as pdfinfo -struct-text prints it -----------------------------------

@dataclass
class Node:
    kind: str
    id: str | None = None
    headers: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    children: list["Node"] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def text(self) -> str:
        return " ".join(" ".join(node.texts) for node in self.walk()).strip()


def structure(kind: str, data: bytes, *, text: bool = False) -> Node:
    """Parse ``pdfinfo -struct`` (or ``-struct-text``): indented element names, ``/Headers [...]``
    attributes and, with text, the quoted text. ``-struct`` takes 0.05 s; ``-struct-text``
    extracts all the text and takes ~5 s on a 14-page PDF here, so it is used once, for the
    summary, where the header cells' words matter. Parsed once per PDF and option."""
    key = (kind, text)
    if key in _STRUCTURES:
        return _STRUCTURES[key]
    path = on_disk(data)
    try:
        output = run("pdfinfo", "-struct-text" if text else "-struct", str(path))
    finally:
        path.unlink()
    root, stack = Node("Root"), []
    for line in output.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else root
        if body.startswith('"'):
            parent.texts.append(body.strip('"'))
        elif body.startswith("/Headers"):
            parent.headers = re.findall(r"\(([^)]*)\)", body)
        elif body.startswith("/"):
            continue  # other attributes: /BBox, /ColSpan ...
        else:
            match = re.match(r"(\w+)(?::)?(?:\s+<([^>]+)>)?", body)
            node = Node(match.group(1), match.group(2))
            parent.children.append(node)
            stack.append((indent, node))
    _STRUCTURES[key] = root
    return root


def struct_elements(data: bytes) -> list[dict]:
    """Every structure element with its /S type and /Alt, read from the PDF's StructTreeRoot."""
    reader = PdfReader(io.BytesIO(data))
    found, todo, seen = [], [reader.trailer["/Root"]["/StructTreeRoot"]], set()
    while todo:
        item = todo.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:
                continue
            seen.add(item.idnum)
            item = item.get_object()
        if isinstance(item, list):
            todo.extend(reversed(item))
            continue
        if not hasattr(item, "get"):
            continue  # a marked-content id
        if item.get("/S") is not None:
            found.append({"S": str(item["/S"]), "Alt": str(item.get("/Alt", "")) or None})
        if "/K" in item:
            kids = item["/K"]
            todo.extend(reversed(kids) if isinstance(kids, list) else [kids])
    return found


# --- Tests ------------------------------------------------------------------------------------

@pytest.mark.parametrize("pdf", KINDS, indirect=True)
def test_tagged_pdf_ua_with_title_language_and_a_sound_file(pdf):
    kind, data = pdf
    path = on_disk(data)
    try:
        info = dict(line.split(":", 1) for line in run("pdfinfo", str(path)).splitlines() if ":" in line)
        assert info["Tagged"].strip() == "yes"
        assert info["Title"].strip() == TITLES[kind]
        # Exit code 0: no errors and no warnings (2 is errors, 3 is warnings only).
        checked = run("qpdf", "--check", str(path))
        assert "No syntax or stream encoding errors found" in checked
    finally:
        path.unlink()
    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    assert str(catalog["/Lang"]) == "en"
    assert catalog["/MarkInfo"]["/Marked"] in (True, "true")
    assert str(catalog["/ViewerPreferences"]["/DisplayDocTitle"]) in ("True", "true")
    xmp = catalog["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"pdfuaid:part\s*(=\s*\"1\"|>\s*1\s*<)", xmp), "no PDF/UA-1 identifier in the XMP"


@pytest.mark.parametrize("pdf", KINDS, indirect=True)
def test_real_headings_in_order(pdf):
    kind, data = pdf
    levels = [int(n.kind[1]) for n in structure(kind, data).walk() if re.fullmatch(r"H[1-6]", n.kind)]
    assert levels[0] == 1 and levels.count(1) == 1, "the document starts with its one H1"
    assert 2 in levels
    for previous, level in zip(levels, levels[1:]):
        assert level <= previous + 1, f"a heading level is skipped: {levels}"
    if kind == "summary":
        words = [n.text() for n in structure(kind, data, text=True).walk() if re.fullmatch(r"H[1-6]", n.kind)]
        assert words[0] == "Summary of our discussion"
        assert all(words), "an empty heading"
        # The patient's 2-page summary, in the order: the full comparison is the handout.
        assert in_order(" | ".join(words), ["What was decided", "Next steps", "What mattered most to you",
                                            "Points we talked about", "The four options", "Sources"])


@pytest.mark.parametrize("pdf", ["all-options", "summary"], indirect=True)
def test_tables_have_header_cells_and_each_cell_names_its_own_headers(pdf, option_names):
    kind, data = pdf
    tree = structure(kind, data)
    tables = [n for n in tree.walk() if n.kind == "Table"]
    assert tables
    # A table split over pages is one Table element per page; a cell may name headers of
    # the part on the page before, so header ids are looked up document-wide.
    headers = {n.id for n in tree.walk() if n.kind == "TH"}
    cells = [n for n in tree.walk() if n.kind == "TD"]
    assert headers and cells
    for cell in cells:
        assert cell.headers, "a table cell without headers"
        assert set(cell.headers) <= headers
        rows = [h.rsplit("-", 2)[1] for h in cell.headers]
        # A row header and a column header at most: never two headers from one row.
        assert len(rows) == len(set(rows)), f"a cell tied to two headers of one row: {cell.headers}"
    if kind == "summary":
        worded = structure(kind, data, text=True)
        names = {n.id: n.text() for n in worded.walk() if n.kind == "TH"}
        cell = next(n for n in worded.walk() if n.kind == "TD" and START["patient_ref"] in n.text())
        assert [names[h] for h in cell.headers] == ["Patient reference"]
        return
    heads = [n for n in tree.walk() if n.kind == "THead"]
    assert any(len([n for n in head.walk() if n.kind == "TH"]) == 5 for head in heads), \
        "the comparison grid: a question column and one column per option"
    worded = structure(kind, data, text=True)
    head = next(n for n in worded.walk() if n.kind == "THead" and "Question" in n.text())
    assert [n.text() for n in head.walk() if n.kind == "TH"] == \
        ["Question"] + [short for short, _ in option_names]


HANDOUTS = tuple(kind for kind in KINDS if kind != "summary")  # the summary gives chances in words


@pytest.mark.parametrize("pdf", HANDOUTS, indirect=True)
def test_every_figure_has_a_text_alternative_with_the_numbers(pdf, app):
    kind, data = pdf
    figures = [e for e in struct_elements(data) if e["S"] == "/Figure"]
    assert figures
    assert all(f["Alt"] for f in figures), "a Figure without /Alt"
    alts = [f["Alt"] for f in figures]
    expected = expected_alts(app, kind)
    assert sorted(alts) == sorted(expected)
    for alt in alts:
        if "out of" in alt:
            assert re.search(r"\b\d+ out of 100 (people|injections)\b", alt)


@pytest.mark.parametrize("pdf", HANDOUTS, indirect=True)
def test_pdfinfo_sees_figures_and_captions(pdf):
    """The icon arrays are Figures with their Caption beside them in the structure tree."""
    kind, data = pdf
    kinds = [n.kind for n in structure(kind, data).walk()]
    assert "Figure" in kinds and "Caption" in kinds
    assert "L" in kinds and "LI" in kinds  # lists stay lists
