"""The options step as an overview on a 768x1024 tablet (issue #11 item 1): about two screens
with every cell closed, column headers that stay in view, cells that open (by keyboard too) to
their full cited text, and a print that carries the full text."""
from __future__ import annotations

import pytest

from .conftest import CLINICIAN
from .helpers import Keyboard

sync_api = pytest.importorskip("playwright.sync_api", reason="Python Playwright is not installed",
                               exc_type=ImportError)
expect = sync_api.expect

TABLET = {"width": 768, "height": 1024}
TWO_SCREENS = 2100
# The whole step (site header, progress, points to discuss, overview, folds, notes field, footer)
# was 9,400 px on a tablet before the overview, ~3,800 with the seeded answers' points; with the
# "More about" folds side by side and tighter cells it measured 3,347 (2,740 with no points:
# benchmarks/visit.py); with shorter short answers, a two-line site header, a one-line banner and
# no second "no recommendation" line (the footer's), 3,038 (2,426 with none). The bound is that
# plus a margin.
WHOLE_STEP = 3200


@pytest.fixture(scope="module")
def options_step(live_server):
    return live_server.seed_discussion(CLINICIAN[0], finish=False, patient_ref="OVERVIEW-1") + "/steps/options"


@pytest.fixture
def tablet(new_context, options_step):
    page = new_context(viewport=TABLET).new_page()
    page.goto(options_step)
    return page


def test_closed_overview_fits_about_two_tablet_screens(tablet, artifacts):
    assert tablet.locator("table.overview td > details.cell").count() == 36
    assert tablet.evaluate("Array.from(document.querySelectorAll('details')).every(d => !d.open)")
    tablet.screenshot(path=str(artifacts / "options-overview-tablet-768x1024.png"), full_page=True)
    # The comparison itself, from its legend to the folded references: about two screens.
    overview = tablet.evaluate("""() => document.querySelector('.references-fold').getBoundingClientRect().bottom
        - document.querySelector('.overview-legend').getBoundingClientRect().top""")
    assert overview <= TWO_SCREENS, overview
    # Without the clinic's own prices and services, shown once a clinic has set them (issue 15).
    height = tablet.evaluate("""() => document.documentElement.scrollHeight
        - (document.querySelector('.local-facts')?.getBoundingClientRect().height || 0)""")
    assert height <= WHOLE_STEP, height
    # The four options side by side, with no sideways scrolling.
    assert tablet.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_column_headers_stay_in_view_while_the_grid_scrolls(tablet):
    header = tablet.locator("table.overview thead th#col-prp")
    last_row = tablet.locator("#row-cost_availability")
    last_row.scroll_into_view_if_needed()
    tablet.evaluate("window.scrollBy(0, -100)")
    grid = tablet.locator("table.overview").bounding_box()
    assert grid["y"] < 0, "the grid's top has scrolled out of the window"
    box = header.bounding_box()
    assert 0 <= box["y"] <= 2, box
    # It stays above the rows, not under them: the topmost element there is the header.
    at_header = tablet.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('th')?.id",
                                [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert at_header == "col-prp"


def test_opening_a_cell_shows_its_full_text_and_references(tablet):
    cell = tablet.locator("#cell-side_effects-corticosteroid")
    full = cell.locator(".cell-full")
    expect(full).to_be_hidden()
    expect(cell.locator("summary")).to_contain_text("Certainty: very low")
    cell.locator("summary").click()
    expect(full).to_be_visible()
    expect(full).to_contain_text("repeated injections led to more loss of cartilage")
    expect(full).to_contain_text("Certainty: moderate")
    link = full.get_by_role("link", name="Reference 17")
    expect(link).to_be_visible()
    # The reference it points to is folded at the end; following the link opens it there.
    link.click()
    expect(tablet.locator("#ref-17")).to_be_visible()


def test_keyboard_opens_a_cell(tablet):
    keys = Keyboard(tablet)
    keys.tab_to(lambda f: f["tag"] == "summary" and f["text"].startswith("Exercises and advice"),
                "the first cell's short answer")
    assert keys.focused[-1]["visible"], "focus is drawn on the summary"
    cell = tablet.locator("#cell-what_is_it-conservative")
    expect(cell.locator(".cell-full")).to_be_hidden()
    tablet.keyboard.press("Enter")
    expect(cell.locator(".cell-full")).to_be_visible()
    expect(cell.locator(".cell-full")).to_contain_text("A physio usually guides you.")


def test_print_carries_every_cells_full_text(tablet):
    shown = """() => Array.from(document.querySelectorAll('table.overview .cell-full, #ref-17'))
        .filter(el => el.checkVisibility()).length"""
    assert tablet.evaluate(shown) == 0  # on screen every cell starts closed
    tablet.emulate_media(media="print")
    assert tablet.evaluate(shown) == 36 + 1  # in print every cell's full text, and the references


def test_more_about_folds_sit_side_by_side_and_an_open_one_takes_the_whole_row(tablet):
    folds = tablet.locator(".folds > details.option-more")
    first, second = folds.nth(0), folds.nth(1)
    assert first.bounding_box()["y"] == second.bounding_box()["y"], "the first two folds share a row"
    second.locator("summary").click()
    opened, row = second.bounding_box(), tablet.locator(".folds").first.bounding_box()
    assert opened["width"] == pytest.approx(row["width"], abs=1), "an open fold takes the whole row"
    assert opened["y"] > first.bounding_box()["y"], "below the closed ones, not squeezed beside them"
    expect(second).to_contain_text("Source")  # its full cited text is there to read


def test_a_steps_sources_are_folded_and_a_citation_still_reaches_them(new_context, options_step):
    """Not only the options: every step folds its list of sources at the end (fewer words on screen)."""
    page = new_context(viewport=TABLET).new_page()
    page.goto(options_step.replace("/steps/options", "/steps/ready"))  # now asked on the check page
    assert page.url.endswith("/steps/check")
    fold = page.locator("details.references-fold")
    expect(fold.locator("summary")).to_have_text("The sources cited on this page")
    expect(fold.get_by_role("heading", name="Sources")).to_be_hidden()
    page.locator("#sure .refs a").first.click()  # the SURE test's citation
    expect(fold.get_by_role("heading", name="Sources")).to_be_visible()
    assert fold.evaluate("d => d.open")
