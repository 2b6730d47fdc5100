"""The PDF engine and the handouts, checked by the text a reader would see in them."""
import io
import re
import socket
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader

from pdf_glyphs import glyphs_drawn
from conftest import DECISION, in_order, pdf_text
from decision_aid.pdf import StaticOnlyFetcher, render_pdf

STATIC = Path(__file__).resolve().parents[1] / "static"
HANDOUTS = ["/handouts/all-options.pdf", "/handouts/conservative.pdf", "/handouts/corticosteroid.pdf",
            "/handouts/prp.pdf", "/handouts/hyaluronic_acid.pdf"]


@pytest.fixture
def content(app):
    return app.extensions["decision_aid.content"][app.config["CONTENT_VERSION"]]


@pytest.mark.parametrize("url", HANDOUTS)
def test_handout_is_a_valid_a4_pdf_with_sources_certainty_and_version(client, content, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.data
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = pdf_text(pdf)
    assert f"Content version {content.version}" in text
    assert re.search(r"Certainty: (high|moderate|low|very low)", text)
    assert "References" in text
    assert content.meta.no_recommendation.split(".")[0] in " ".join(text.split())
    pages = len(reader.pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text


def test_all_options_handout_shows_the_four_options_in_order(client, option_names):
    text = pdf_text(client.get("/handouts/all-options.pdf").data)
    assert in_order(text, option_names)
    assert "out of 100 people" in text


@pytest.mark.parametrize("option_id", ["conservative", "corticosteroid", "prp", "hyaluronic_acid"])
def test_option_handout_is_about_that_option(client, content, option_id):
    text = " ".join(pdf_text(client.get(f"/handouts/{option_id}.pdf").data).split())
    assert content.option(option_id).name in text


def test_conservative_handout_is_a_home_programme(client, content):
    text = " ".join(pdf_text(client.get("/handouts/conservative.pdf").data).split())
    for exercise in content.home_programme.exercises:
        assert exercise.name in text
        assert exercise.starting_dose.split(",")[0] in text
    for heading in ("How much pain is OK?", "step rate", "Shoes and insoles",
                    "Keeping fit while you run less", "Getting back to running"):
        assert heading in text


def test_handout_metadata_names_title_language_and_content(client, content):
    reader = PdfReader(io.BytesIO(client.get("/handouts/all-options.pdf").data))
    info = reader.metadata
    assert info.title == "Runner's knee: the four options compared"
    # WeasyPrint stores <meta name="content-version"> as /contentversion
    assert info["/contentversion"] == content.version
    assert info["/contenthash"] == content.content_hash
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_handout_embeds_the_fonts_shipped_with_the_app(app):
    from flask import render_template

    from decision_aid import presenting
    from decision_aid.library import current_content
    with app.test_request_context():
        html = render_template("pdf/handout_option.html", static_url=lambda p: p,
                               detail=presenting.option_detail(current_content(), "prp"),
                               meta=presenting.meta(current_content()), clinic=None, signoff=None)
    fetcher = StaticOnlyFetcher(STATIC)
    reader = PdfReader(io.BytesIO(render_pdf(html, STATIC, fetcher=fetcher)))
    served = {Path(url).name for url in fetcher.served}
    assert {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"} <= served
    fonts = {str(font.get_object()["/BaseFont"]).split("+")[-1]
             for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts == {"DejaVu-Sans", "DejaVu-Sans-Bold"}  # embedded, real bold, nothing else


def test_handout_is_rendered_once_then_served_from_the_cache(client, app):
    first = client.get("/handouts/prp.pdf").data
    cached = list(Path(app.config["PDF_CACHE_DIR"]).rglob("*.pdf"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    second = client.get("/handouts/prp.pdf").data
    assert second == first
    assert cached[0].stat().st_mtime_ns == stamp  # not written again


@pytest.fixture
def listening_socket():
    """A local server that counts every connection made to it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []
    stop = threading.Event()

    def accept():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (socket.timeout, OSError):
                continue
            connections.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], connections
    stop.set()
    thread.join()
    server.close()


def test_pdf_engine_fetches_nothing_but_static_files(listening_socket, tmp_path):
    port, connections = listening_socket
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    outside = [f"http://127.0.0.1:{port}/img.png", f"https://127.0.0.1:{port}/style.css",
               f"ftp://127.0.0.1:{port}/file", f"file://{secret}", "../../etc/passwd",
               f"//127.0.0.1:{port}/protocol-relative.png"]
    html = f"""<!doctype html><html lang="en"><head><title>t</title>
      <link rel="stylesheet" href="{outside[1]}">
      <style>@import url("http://127.0.0.1:{port}/import.css");
             body {{ background: url("http://127.0.0.1:{port}/bg.png") }}</style>
      <link rel="attachment" href="http://127.0.0.1:{port}/attach.bin"></head>
      <body><p>Hello</p>{"".join(f'<img src="{u}" alt="x">' for u in outside)}</body></html>"""
    fetcher = StaticOnlyFetcher(STATIC)
    from weasyprint import HTML
    HTML(string=html, base_url=STATIC.as_uri() + "/", url_fetcher=fetcher).write_pdf()
    assert connections == []
    assert any(u.startswith("http://") for u in fetcher.refused)
    assert any(u.startswith("file://") and "secret.css" in u for u in fetcher.refused)
    assert any(u.startswith("ftp://") for u in fetcher.refused)
    assert any(u.endswith("/etc/passwd") for u in fetcher.refused)
    # render_pdf uses the same fetcher: the document still renders, with no attachment
    pdf = render_pdf(html, STATIC)
    assert connections == []
    assert b"/EmbeddedFiles" not in pdf


def test_fetcher_serves_files_inside_static(tmp_path):
    fetcher = StaticOnlyFetcher(STATIC)
    response = fetcher((STATIC / "css" / "pdf.css").as_uri())
    assert b"@page" in response.read()
    assert fetcher.refused == []


@pytest.mark.renders_afresh
def test_pdfs_are_rendered_in_a_helper_process_that_is_replaced(client):
    """WeasyPrint's native libraries keep memory per render; the web worker must not."""
    import os

    from decision_aid import pdf
    client.get("/handouts/prp.pdf")
    helpers = set(pdf._renderer()._processes or {})
    assert helpers and os.getpid() not in helpers
    # Force the helper to be replaced, as it is after RENDERS_PER_PROCESS renders.
    for _ in range(pdf.RENDERS_PER_PROCESS):
        pdf._renderer().submit(abs, 1).result()
    text = pdf_text(client.get("/handouts/corticosteroid.pdf").data)
    assert "Steroid" in text  # still rendering, in a fresh helper
    assert set(pdf._renderer()._processes or {}) != helpers


def test_renders_queued_while_the_helper_is_replaced_all_finish():
    """A busy moment (a background pre-render, downloads) queues renders while the helper reaches
    its limit. Python 3.11's own per-child limit then stops for good (CPython gh-115634): every
    later PDF would wait its full timeout. Each queued job must finish."""
    from decision_aid import pdf
    jobs = [pdf._renderer().submit(abs, -number) for number in range(2 * pdf.RENDERS_PER_PROCESS + 5)]
    assert [job.result(timeout=60) for job in jobs] == list(range(2 * pdf.RENDERS_PER_PROCESS + 5))


# --- Every script a patient may type ----------------------------------------------------------

# Names and words in the scripts of the people a clinic sees, and emoji (a woman running: four
# code points joined by a zero-width joiner, as phones send it).
PATIENT_WORDS = {"Chinese": "王小明", "Japanese": "山田太郎", "Korean": "김민준", "Arabic": "محمد",
                 "Hebrew": "שלום", "Hindi": "नमस्ते", "emoji": "🏃\u200d♀\ufe0f👍"}


def test_names_in_every_script_print_in_the_summary_with_no_missing_glyph_box(app, client, consultation):
    typed = ", ".join(PATIENT_WORDS.values())
    visit = consultation().start().fill_all(app, decision={
        **DECISION, "reasons": f"Names: {typed}", "next_steps": f"Call {PATIENT_WORDS['Arabic']} back"})
    visit.finish()
    pdf = client.get(f"{visit.url}/summary.pdf").data
    text = pdf_text(pdf)
    # Each word comes out whole and in the order it was typed (right-to-left ones too: the PDF
    # holds logical order; only the punctuation around them may move, as bidi places it).
    assert [script for script, word in PATIENT_WORDS.items() if word not in text] == []
    drawn = glyphs_drawn(pdf)
    assert [font for font, glyphs in drawn.items() if 0 in glyphs] == []
    # The script fonts from the Debian packages are the ones embedded, beside the app's DejaVu.
    assert {"DejaVu-Sans", "WenQuanYi-Micro-Hei", "Lohit-Devanagari", "Noto-Color-Emoji"} <= set(drawn)
