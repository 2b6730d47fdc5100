"""How rules-2 content is shown (issue #10 items 2, 3, 6, 8): source labels, units, the overall
yardstick, same-size pictures, row yardsticks, the home programme with every option, the rubric.

The pages are rendered from 2026.1 given the rules-2 shape (tests/rules2.py), so these tests do
not depend on the wording of the current version. 2026.1 itself must look as it always did.
"""
from __future__ import annotations

import re
import shutil
from html import unescape

import pytest
from flask import render_template

from conftest import Consultation, pdf_text, signed_in_client
from decision_aid import presenting
from rules2 import OVERALL_LABEL, PRICE_SENTENCE, YARDSTICK, as_rules_2

OPTION_IDS = ("conservative", "corticosteroid", "prp", "hyaluronic_acid")
EXERCISES = ("Leg press", "Squat", "Lunge", "Clamshell", "Glute bridge", "Side-lying hip abduction")


def flat(text: str) -> str:
    return " ".join(unescape(text).split())


@pytest.fixture
def rules2_app(make_app, content_copy, tmp_path):
    shutil.rmtree(content_copy / "2026.2")
    as_rules_2(content_copy / "2026.2", "2026.2")
    return make_app(CONTENT_DIR=str(content_copy), PDF_CACHE_DIR=str(tmp_path / "rules2-cache"))


@pytest.fixture
def rules2(rules2_app):
    return signed_in_client(rules2_app)


@pytest.fixture
def only_2026_1(make_app, content_copy, tmp_path):
    shutil.rmtree(content_copy / "2026.2")
    return signed_in_client(make_app(CONTENT_DIR=str(content_copy), PDF_CACHE_DIR=str(tmp_path / "old-cache")))


def _outcome_section(html: str, outcome_id: str) -> str:
    return html.split(f'aria-labelledby="outcome-{outcome_id}"')[1].split("</section>")[0]


def _sizes(fragment: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<svg[^>]*class="(icon-array[^"]*)"[^>]*width="(\d+)" height="(\d+)"', fragment)


def test_practical_statement_shows_its_kind_of_source_not_a_certainty(rules2):
    html = rules2.get("/options/conservative").get_data(as_text=True)
    statement = next(p for p in re.findall(r'<p class="statement">(.*?)</p>', html, re.S) if PRICE_SENTENCE in p)
    assert '<span class="badge source">Source: clinic web page</span>' in statement
    assert "Certainty" not in statement


def test_counts_per_injection_are_named_as_such(rules2):
    html = flat(rules2.get("/comparison").get_data(as_text=True))
    assert "(in the days after treatment, out of 100 injections)" in html
    assert re.search(r"Up to 2 out of 100 injections had a flare", html)
    assert "(12 months after seeking care, out of 100 people)" in html


def test_overall_yardstick_is_drawn_first_and_not_as_conservative_cares_result(rules2):
    html = rules2.get("/comparison").get_data(as_text=True)
    row = _outcome_section(html, "recovered_12_months")
    assert row.index(OVERALL_LABEL) < row.index('class="chance-grid"')
    overall = row.split('class="chance-grid"')[0]
    assert "About 60 out of 100 people had recovered well" in overall
    conservative = row.split('class="chance-grid"')[1].split("</li>")[0]
    assert "No number available." in conservative and "60 out of 100" not in conservative


@pytest.mark.parametrize("path", ["/options/conservative", "/handouts/conservative.pdf"])
def test_option_page_and_handout_draw_the_yardstick_before_the_options_own_chance(rules2, path):
    response = rules2.get(path)
    text = flat(pdf_text(response.data) if path.endswith(".pdf") else re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    row = text.split("Recovered well at 12 months")[1]
    assert row.index(OVERALL_LABEL) < row.index("About 60 out of 100 people had recovered well") < row.index(
        "Conservative care") < row.index("No number available.")
    assert "(in the days after treatment, out of 100 injections)" in text


@pytest.mark.parametrize("where", ["page", "pdf"])
def test_every_option_in_a_chance_row_has_a_picture_of_the_same_size(rules2, rules2_app, where):
    if where == "page":
        html = rules2.get("/comparison").get_data(as_text=True)
    else:  # the HTML the all-options handout is rendered from
        with rules2_app.test_request_context():
            content = rules2_app.extensions["decision_aid.content"]["2026.2"]
            html = render_template("pdf/handout_all.html", static_url=lambda p: p,
                                   **presenting.all_options_handout(content))
    for outcome_id in ("recovered_12_months", "flare_after_treatment"):
        cells = _outcome_section(html, outcome_id).split('class="chance-grid"')[1].split("</li>")[:4]
        sizes = [_sizes(cell) for cell in cells]
        assert all(len(s) == 1 for s in sizes), f"{outcome_id}: each option needs exactly one picture"
        assert len({(w, h) for s in sizes for _, w, h in s}) == 1, f"{outcome_id}: pictures differ in size"
        assert any("no-number-panel" in s[0][0] for s in sizes)  # panels, not only arrays


def test_row_yardstick_is_shown_once_under_the_question(rules2):
    html = rules2.get("/comparison").get_data(as_text=True)
    row = html.split('id="row-pain_function"')[1].split("</tr>")[0]
    question = row.split("</th>")[0]
    assert YARDSTICK in question and "yardstick" in question
    assert flat(html).count(YARDSTICK) == 1


@pytest.mark.parametrize("option_id", OPTION_IDS)
def test_home_programme_goes_with_every_option_page_and_handout(rules2, option_id):
    page = flat(rules2.get(f"/options/{option_id}").get_data(as_text=True))
    handout = flat(pdf_text(rules2.get(f"/handouts/{option_id}.pdf").data))
    for text in (page, handout):
        assert all(name in text for name in EXERCISES)
        assert "See your clinician if" in text
        if option_id == "conservative":
            assert "Your home programme" in text
        else:
            assert "Exercise-based care with this option" in text


def test_all_options_handout_and_consultation_offer_the_programme_once(rules2, rules2_app):
    handout = flat(pdf_text(rules2.get("/handouts/all-options.pdf").data))
    assert handout.count("Exercise-based care: a home programme for every option") == 1
    assert all(name in handout for name in EXERCISES)
    visit = Consultation(rules2).start()
    options = visit.page("options").get_data(as_text=True)
    assert options.count('id="programme"') == 1
    assert options.count('href="#programme"') == 3  # from each injection's details
    assert all(name in options for name in EXERCISES)
    cited = set(re.findall(r'href="#ref-(\d+)"', options))
    assert cited <= set(re.findall(r'<li id="ref-(\d+)"', options))  # the programme's sources too


def test_about_page_gives_the_rubric_the_method_and_the_testing(rules2, rules2_app):
    html = flat(re.sub(r"<[^>]+>", "", rules2.get("/about").get_data(as_text=True)))
    assert "trials, reviews of trials and studies: up to Certainty: high" in html
    assert "guidelines: up to Certainty: moderate" in html
    assert "expert advice, patient leaflets, clinic and company web pages, questionnaires: up to Certainty: very low" in html
    assert "If none of its sources studied runner's knee, the label goes down one level." in html
    content = rules2_app.extensions["decision_aid.content"]["2026.2"]
    assert content.meta.evidence_method in html and content.meta.user_testing in html
    assert "No clinical lead has signed off this version yet." in html
    assert 'href="/about/ipdas"' in rules2.get("/about").get_data(as_text=True)


def test_every_ipdas_place_exists_on_rules_2_content(rules2, rules2_app):
    content = rules2_app.extensions["decision_aid.content"]["2026.2"]
    for criterion in content.ipdas.criteria:
        for place in criterion.where:
            path, _, fragment = place.partition("#")
            response = rules2.get(path)
            assert response.status_code == 200, place
            assert not fragment or f'id="{fragment}"' in response.get_data(as_text=True), place


def test_summary_and_decision_statements_show_their_sources(rules2):
    option = rules2.get("/options/prp").get_data(as_text=True)
    lead = option.split('<div class="lead">')[1].split("</div>")[0]
    assert "Certainty: very low" in lead or "Certainty: low" in lead
    assert 'href="#ref-1"' in lead
    start = rules2.get("/").get_data(as_text=True)
    decision = start.split('id="decision-heading"')[1].split("</section>")[0]
    assert 'class="statement"' in decision and "Certainty:" in decision


@pytest.mark.parametrize("path", ["/options/corticosteroid", "/options/prp", "/options/hyaluronic_acid"])
def test_2026_1_injection_pages_are_as_before(only_2026_1, path):
    html = only_2026_1.get(path).get_data(as_text=True)
    assert "Leg press" not in html and "Exercise-based care" not in html
    assert "Source:" not in html and 'class="yardstick"' not in html


def test_2026_1_comparison_has_no_new_labels(only_2026_1):
    html = flat(only_2026_1.get("/comparison").get_data(as_text=True))
    assert "out of 100 injections" not in html and "chance-overall" not in html and "Source:" not in html
    assert "(12 months after seeking care, out of 100 people)" in html
    assert "How we choose a label" not in flat(only_2026_1.get("/about").get_data(as_text=True))


@pytest.mark.parametrize("path", ["/about", "/about/ipdas", "/comparison", "/options/prp", "/options/conservative"])
def test_template_text_of_rules_2_pages_is_grade_8_or_below(rules2, rules2_app, path):
    from test_plain_language import assert_plain, content_strings, typed_strings

    response = rules2.get(path)
    assert response.status_code == 200
    assert_plain(response.get_data(as_text=True), content_strings(rules2_app) + typed_strings(), path)
