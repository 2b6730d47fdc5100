"""Desktop, tablet and phone layouts, and the browser's own print of a summary.

Screenshots of the comparison and a summary at 1280x800, 768x1024 and 375x667 go to
test-artifacts/screenshots/ (git-ignored) for a person to look at; the README's picture is made
only by scripts/screenshots.py.
"""
from __future__ import annotations

import pytest

from .conftest import CLINICIAN
from .helpers import assert_no_axe_violations, pdf_text

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

SIZES = {"desktop": (1280, 800), "tablet": (768, 1024), "phone": (375, 667)}


@pytest.fixture(scope="module")
def finished(live_server):
    return live_server.seed_discussion(CLINICIAN[0], patient_ref="LAYOUT-1")


@pytest.mark.parametrize("device", SIZES)
def test_screenshots_and_grid_layout(new_context, artifacts, finished, device):
    width, height = SIZES[device]
    page = new_context(viewport={"width": width, "height": height}).new_page()
    page.goto("/comparison")
    first_cell = page.locator("table.grid tbody td").first
    display = first_cell.evaluate("td => getComputedStyle(td).display")
    # Desktop and tablet keep the options side by side; a phone shows one block per question.
    assert display == ("block" if device == "phone" else "table-cell")
    if device == "phone":
        # Each answer then carries its option's name, so nothing depends on the lost columns.
        label = first_cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Conservative care"'
    page.screenshot(path=str(artifacts / f"comparison-{device}-{width}x{height}.png"), full_page=True)
    page.goto(finished)
    page.screenshot(path=str(artifacts / f"summary-{device}-{width}x{height}.png"), full_page=True)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner


@pytest.mark.parametrize("path", ["/comparison", "summary"])
def test_axe_on_a_phone(new_context, live_server, finished, path):
    page = new_context(viewport={"width": 375, "height": 667}).new_page()
    page.goto(finished if path == "summary" else path)
    assert_no_axe_violations(page, f"{path} at 375 px")


def test_print_of_the_summary_is_content_only(new_context, live_server, artifacts):
    """The browser's own print (Ctrl+P) of the summary step: no navigation, no buttons, no
    idle warning; the summary itself is all there."""
    visit = live_server.seed_discussion(CLINICIAN[0], finish=False, patient_ref="PRINT-1")
    page = new_context().new_page()
    page.goto(f"{visit}/steps/summary")
    page.evaluate("document.getElementById('idle-warning').hidden = false")  # even if it is showing
    page.emulate_media(media="print")
    for locator, what in ((page.get_by_role("navigation"), "navigation"),
                          (page.get_by_role("button"), "button"),
                          (page.locator("a.button"), "button-styled link"),
                          (page.locator("#idle-warning"), "idle warning"),
                          (page.get_by_role("link", name="Skip to main content"), "skip link")):
        for index in range(locator.count()):
            expect(locator.nth(index), f"a {what} shows in print").to_be_hidden()
    expect(page.get_by_role("heading", level=1)).to_have_text("Summary")
    expect(page.get_by_role("heading", name="What was decided")).to_be_visible()
    expect(page.get_by_text("PRINT-1")).to_be_visible()
    pdf = page.pdf(format="A4", print_background=False)
    assert pdf.startswith(b"%PDF")
    (artifacts / "summary-browser-print.pdf").write_bytes(pdf)
    text = pdf_text(pdf)
    assert "PRINT-1" in text and "What was decided" in text
    for absent in ("Finish", "Sign out", "Stay signed in", "Skip to main content", "Print PDF",
                   "not yet visited", "New discussion", "Step 8 of 8"):
        assert absent not in text, absent
