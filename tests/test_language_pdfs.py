"""Handouts in Polish and Arabic (issue #14), read back from the PDF as a patient's reader would."""
import io
import re
import unicodedata
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from conftest import pdf_text
from pdf_glyphs import glyphs_drawn

AMIRI = Path("/usr/share/fonts/opentype/fonts-hosny-amiri/Amiri-Regular.ttf")


def pdf_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/pdf"
    return response.data


def test_the_polish_handout_is_in_polish_with_its_language_and_page_numbers(client):
    pdf = pdf_of(client, "/handouts/all-options.pdf?lang=pl")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "pl"
    text = pdf_text(pdf)
    assert "Kolano biegacza: porównanie czterech możliwości" in text
    assert "Tłumaczenie czeka na sprawdzenie przez wykwalifikowanego tłumacza medycznego" in text
    assert f"Strona 1 z {len(reader.pages)}" in text
    assert "Page 1 of" not in text
    # meta.yaml's sentences in the colophon and the boxed note, and the kinds of source.
    flat = " ".join(text.split())
    assert "Nie mówi, którą metodę leczenia wybrać." in flat and "It does not tell you" not in flat
    assert "Wersja robocza — jeszcze niesprawdzona przez lekarza recenzenta" in flat
    assert "Źródło: ulotka dla pacjentów" in flat and "Source:" not in flat
    assert [font for font, glyphs in glyphs_drawn(pdf).items() if 0 in glyphs] == []


def test_the_file_name_and_cache_follow_the_language(client):
    english = client.get("/handouts/prp.pdf")
    polish = client.get("/handouts/prp.pdf?lang=pl")
    assert english.headers["Content-Disposition"].endswith('runners-knee-prp-2026.2.pdf"') or "2026" in english.headers["Content-Disposition"]
    assert "-pl.pdf" in polish.headers["Content-Disposition"]
    assert "-pl.pdf" not in english.headers["Content-Disposition"]
    # One cache entry per language: the English handout is not served for Polish, nor back.
    assert "Kolano biegacza" in pdf_text(polish.data)
    assert "Kolano biegacza" not in pdf_text(client.get("/handouts/prp.pdf").data)


@pytest.fixture(scope="module")
def amiri_glyph_names():
    if not AMIRI.exists():
        pytest.skip("fonts-hosny-amiri is not installed (make install)")
    return TTFont(AMIRI).getGlyphOrder()


def test_the_arabic_handout_is_shaped_right_to_left_with_numbers_intact(client, amiri_glyph_names):
    pdf = pdf_of(client, "/handouts/conservative.pdf?lang=ar")
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    text = unicodedata.normalize("NFKC", pdf_text(pdf))
    # Whole Arabic words in reading (logical) order, as the catalog has them.
    for words in ("برنامجك المنزلي", "تمارين التقوية", "الترجمة بانتظار المراجعة من مترجم طبي مؤهل",
                  "ولا تقول لك أي خيار تختار", "المصدر:"):  # meta.yaml's line; a kind of source
        assert words in text, words
    assert "It does not tell you" not in text and "Source:" not in text
    # Numbers stay Western digits and left-to-right: the content version and the page count.
    # (A line of mixed text comes out in visual order, so each part is looked for on its line.)
    assert any("إصدار المحتوى" in line and "2026.2" in line for line in text.splitlines())
    for number, page in enumerate(reader.pages, start=1):
        footer = [line for line in page.extract_text().splitlines() if "الصفحة" in line]
        assert footer and sorted(re.findall(r"\d+", footer[0])) == sorted([str(number), str(len(reader.pages))])
    drawn = glyphs_drawn(pdf)
    assert [font for font, glyphs in drawn.items() if 0 in glyphs] == []  # no missing-glyph box
    amiri = [glyphs for font, glyphs in drawn.items() if font.startswith("Amiri")]
    assert amiri, f"Arabic is not set in Amiri: {sorted(drawn)}"
    # Shaped: letters drawn in their joined forms (initial, medial, final), not one by one.
    names = {amiri_glyph_names[gid] for glyphs in amiri for gid in glyphs}
    joined = {name for name in names if re.search(r"\.(init|medi|fina)", name)}
    assert len(joined) > 20, sorted(names)[:40]


def test_the_arabic_handout_starts_its_lines_at_the_right(client):
    """Right-to-left layout: the title (heading and running header) sits at the right, not the left."""
    pdf = pdf_of(client, "/handouts/prp.pdf?lang=ar")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width = float(page.mediabox.width)
    spans = []

    def visit(text, cm, tm, font, size):
        # The title, "Runner's knee: <option>" (the body's sentences name runner's knee too).
        if (text or "").strip().startswith("ركبة العدّاء:"):
            spans.append((tm[4] * cm[0] + cm[4], text))
    page.extract_text(visitor_text=visit)
    assert len(spans) >= 2
    # Laid out left-to-right, the heading and the running header would both start exactly at
    # the left margin (16 mm); right-to-left, shorter than the line, they end at the right one.
    left_margin = 16 / 25.4 * 72
    assert all(x > left_margin + 20 for x, _ in spans), (spans, width)
