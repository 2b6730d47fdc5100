"""The overview's short answers (issue #11 item 1): one per cell of the comparison, written from
that cell's own statements. They are patient text like the cells: plain words, no recommending,
balanced across the four options, and no figure the cell's cited statements do not give."""
from __future__ import annotations

import re
from html import unescape

import pytest
from pydantic import ValidationError

from conftest import SITUATION
from decision_aid.content import load_all
from decision_aid.content.checks import cell_text, grade, patient_texts, words
from decision_aid.content.schema import OPTION_IDS, Row, Statement
from decision_aid.presenting import cell_labels
from neutrality import recommending_phrases


@pytest.fixture(scope="module")
def current():
    return list(load_all().values())[-1]


def _rows(current):
    return {row.id: row for row in current.comparison.rows}


def test_every_cell_of_the_current_version_has_a_short_answer(current):
    for row in current.comparison.rows:
        assert list(row.short) == list(OPTION_IDS), row.id
        assert all(row.short.values()), row.id


def test_short_answers_in_a_row_are_balanced(current):
    for row in current.comparison.rows:
        counts = {o: words(text) for o, text in row.short.items()}
        assert max(counts.values()) <= 1.5 * min(counts.values()), (row.id, counts)


def test_short_answers_are_checked_as_patient_text_and_read_plainly(current):
    texts = dict(patient_texts(current))
    for row in current.comparison.rows:
        for option_id, text in row.short.items():
            assert texts[f"comparison.{row.id}.{option_id}.short"] == text
            assert grade(text) <= 8, (row.id, option_id, round(grade(text), 1))
            assert recommending_phrases(text) == [], (row.id, option_id)


def test_short_answers_give_no_figure_their_cell_does_not(current):
    for row in current.comparison.rows:
        for option_id, text in row.short.items():
            cell = cell_text(row.cells[option_id])
            for number in re.findall(r"\d+(?:[.,]\d+)?", text):
                assert re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d,]|\.\d)", cell), (row.id, option_id, number)


def test_a_row_gives_short_answers_for_every_option_or_none():
    cells = {o: [{"text": "No trials.", "kind": "gap"}] for o in OPTION_IDS}
    Row(id="x", question="Q?", cells=cells)  # none: the overview falls back to the full cells
    with pytest.raises(ValidationError, match="short must be given for all"):
        Row(id="x", question="Q?", cells=cells, short={"prp": "No trials."})


def test_the_badge_is_the_least_sure_statement_or_what_the_cell_has_instead():
    low = Statement(text="a", refs=[1], certainty="low")
    moderate = Statement(text="b", refs=[1], certainty="moderate")
    gap = Statement(text="c", kind="gap")
    def shown(labels):  # what a badge says (every badge carries each key the macro reads)
        return [{key: value for key, value in label.items() if value not in (None, False)} for label in labels]

    assert shown(cell_labels([moderate, low, gap])) == [{"kind": "evidence", "certainty": "low"}]
    assert shown(cell_labels([gap])) == [{"kind": "gap"}]
    unchecked = Statement(text="d", refs=[1], certainty="moderate", unverified=True)
    assert shown(cell_labels([unchecked, moderate])) == [{"kind": "evidence", "certainty": "moderate", "unverified": True}]


def test_options_step_shows_each_short_answer_opening_to_its_cited_cell(app, consultation, current):
    visit = consultation().start()
    visit.save("situation", SITUATION)
    html = unescape(visit.page("options").get_data(as_text=True))
    row = _rows(current)["side_effects"]
    cell = html.split('id="cell-side_effects-corticosteroid"')[1].split("</details>")[0]
    summary, full = cell.split("</summary>")
    assert row.short["corticosteroid"] in summary
    assert "Certainty: very low" in summary  # the lowest of very low and moderate
    for statement in row.cells["corticosteroid"]:
        assert " ".join(statement.text.split()) in " ".join(full.split())
    assert 'href="#ref-17"' in full
    # Every cell of the grid is a <details>, and the references are folded at the end.
    assert html.count('<details class="cell" id="cell-') == len(current.comparison.rows) * 4
    assert html.index('class="option-more references-fold"') > html.index('id="cell-cost_availability-hyaluronic_acid"')
