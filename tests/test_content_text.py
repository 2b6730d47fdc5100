"""The clinical text of the newest content version, checked against the December 2026 review.

``test_content.py`` keeps its checks on 2026.1 (a saved discussion reprints with it). This file
checks what a patient and clinician read in the newest version, by what they would notice:
balanced rows, no recommending words, "(verify)" facts only where marked, every reference
cited, sentences short enough, and the review's corrections really made (the 60 in 100 never
in conservative care's column, the flare row split, the steroid race rules present, and so on).
"""
from __future__ import annotations

import re
from typing import Any, Iterator

import pytest
import yaml
from pydantic import BaseModel

from decision_aid.content import OPTION_IDS, load_all
from decision_aid.content.checks import cell_text, grade, words
from decision_aid.content.loader import VERSIONS_DIR
from decision_aid.content.schema import Statement

MAX_SECTION_GRADE = 8
MAX_SENTENCE_GRADE = 10


@pytest.fixture(scope="module")
def content():
    versions = load_all()
    return versions[list(versions)[-1]]


@pytest.fixture(scope="module")
def folder(content):
    return VERSIONS_DIR / content.version


def _statements(value: Any) -> Iterator[Statement]:
    if isinstance(value, Statement):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _statements(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _statements(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _statements(item)


def _documents(content) -> list[Any]:
    return [content.condition, list(content.options), content.comparison, content.outcomes,
            content.home_programme, content.consultation]


def _patient_statements(content) -> Iterator[tuple[str, Statement]]:
    for document in _documents(content):
        for statement in _statements(document):
            yield type(document).__name__, statement


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s.split()) >= 3]


def _text(value) -> str:
    return value if isinstance(value, str) else cell_text(value)


def _raw_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _raw_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _raw_strings(item, f"{path}.{index}")
    elif isinstance(value, str):
        yield path, value


# --- Plain language ------------------------------------------------------------------------------

def test_no_patient_sentence_is_above_grade_10(content):
    too_hard = {}
    for where, statement in _patient_statements(content):
        for sentence in _sentences(statement.text):
            if grade(sentence) > MAX_SENTENCE_GRADE:
                too_hard[sentence] = round(grade(sentence), 1)
    assert too_hard == {}


def test_option_summaries_and_sections_read_at_grade_8(content):
    too_hard = {}
    for option in content.options:
        passages = {"summary": _text(option.summary), "evidence_base": option.evidence_base.text}
        passages |= {section.heading: cell_text(section.statements) for section in option.sections}
        for name, text in passages.items():
            if grade(text) > MAX_SECTION_GRADE:
                too_hard[f"{option.id}.{name}"] = round(grade(text), 1)
    assert too_hard == {}


def test_one_word_for_the_placebo_injection(content):
    texts = " ".join(s.text for _, s in _patient_statements(content)).lower()
    assert "dummy injection" in texts
    assert "salt-water" not in texts and "saltwater" not in texts


# --- Balance and neutrality ----------------------------------------------------------------------

def test_comparison_rows_stay_word_balanced(content):
    unbalanced = {}
    for row in content.comparison.rows:
        counts = {o: words(cell_text(row.cells[o])) for o in OPTION_IDS}
        if max(counts.values()) > 1.5 * min(counts.values()):
            unbalanced[row.id] = counts
    assert unbalanced == {}


RECOMMENDING = ["we recommend", "recommended for you", "best option", "you should choose",
                "most suitable", "our recommendation", "better choice", "recommend",
                "put first", "puts first", "strong medicine", "calms swelling", "no needles."]


def test_no_recommending_or_loaded_words_in_the_files(folder):
    offenders = []
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for where, text in _raw_strings(data):
            if path.name == "references.yaml" and where.endswith(".citation"):
                continue  # a published title ("recommended physical interventions") is not advice
            offenders += [f"{path.name}:{where}: {p!r}" for p in RECOMMENDING if p in text.lower()]
    assert offenders == []


def test_every_option_is_exercise_based_care_alone_or_with_an_injection(content):
    decision = " ".join(_text(p) if not isinstance(p, Statement) else p.text
                        for p in content.condition.decision)
    assert "exercise-based care alone, or with an injection added" in decision
    for option in content.options[1:]:
        assert "added to exercise-based care" in _text(option.summary), option.id
    assert [o.id for o in content.options] == list(OPTION_IDS)


# --- "(verify)" facts only where marked ---------------------------------------------------------

VERIFY_TELL_TALES = ["£100", "£250–£600", "1.12", "1.98", "−2.39", "-2.39", "31 trials",
                     "1,690", "375 people", "no serious harm", "rarely offered", "OARSI",
                     "bone stress"]


def test_verify_facts_appear_only_when_marked_unverified(content):
    offenders = []
    for _where, statement in _patient_statements(content):
        for tell_tale in VERIFY_TELL_TALES:
            if tell_tale.lower() in statement.text.lower() and not statement.unverified:
                offenders.append(statement.text[:80])
    assert offenders == []
    # and the marker is used where the addendum keeps a fact unverified
    exercise = [s for _, s in _patient_statements(content) if "375 people" in s.text]
    assert exercise and all(s.unverified for s in exercise)


# --- The review's corrections ---------------------------------------------------------------------

def test_the_60_in_100_is_the_yardstick_never_conservative_cares_cell(content):
    recovered = next(o for o in content.outcomes.outcomes if o.id == "recovered_12_months")
    assert recovered.overall is not None and recovered.overall.count == 60
    assert "whatever care" in recovered.overall_label
    assert recovered.chances["conservative"].count is None
    assert recovered.chances["conservative"].no_number


def test_each_outcome_row_is_one_event_with_its_own_unit(content):
    rows = {o.id: o for o in content.outcomes.outcomes}
    assert rows["pain_flare"].unit == "people"
    assert rows["severe_reaction"].unit == "injections"
    for outcome in content.outcomes.outcomes:
        for option_id, chance in outcome.chances.items():
            assert (chance.count is None) == bool(chance.no_number), (outcome.id, option_id)


def test_pain_row_has_the_yardstick_and_every_effect_in_points_out_of_10(content):
    row = next(r for r in content.comparison.rows if r.id == "pain_function")
    yardstick = cell_text(row.yardstick)
    assert "2 points" in yardstick and "1.2 points" in yardstick
    assert {45, 46} <= {ref for s in row.yardstick for ref in s.refs}
    for option_id in OPTION_IDS:
        effects = [s for s in row.cells[option_id] if s.kind != "gap" and "pain" in s.text]
        assert any("out of 10" in s.text for s in effects), option_id


def test_steroid_page_gives_the_anti_doping_rules(content):
    steroid = content.option("corticosteroid")
    section = next(s for s in steroid.sections if "anti-doping" in s.heading)
    text = cell_text(section.statements)
    for fact in ("since 2022", "3 days", "10 days", "triamcinolone", "any level", "TUE", "record"):
        assert fact.lower() in text.lower(), fact
    assert {47, 48, 49, 50} <= {ref for s in section.statements for ref in s.refs}
    assert all(s.kind == "practical" for s in section.statements)


def test_harms_the_review_found_missing_are_shown(content):
    def page(option_id):
        return " ".join(s.text for s in _statements(content.option(option_id)))
    assert "joint damage" in page("corticosteroid") and "rare and uncertain" in page("corticosteroid")
    assert "serious harms" in page("hyaluronic_acid")
    assert "not checked its counts" in page("prp")
    assert "repairs tissue" in page("prp") and "cartilage changed by the same" in page("prp")
    assert "lubricate" in page("hyaluronic_acid")


def test_prices_name_their_source_and_say_check_locally(content):
    row = next(r for r in content.comparison.rows if r.id == "cost_availability")
    for option_id in OPTION_IDS:
        assert "check locally" in cell_text(row.cells[option_id]), option_id
    cited = {ref for o in OPTION_IDS for s in row.cells[o] for ref in s.refs}
    assert {31, 55, 56, 57} <= cited


def test_red_flags_are_a_shared_check_not_conservative_cares_exclusion(content):
    row = next(r for r in content.comparison.rows if r.id == "who_should_not")
    conservative = cell_text(row.cells["conservative"]).lower()
    assert "locks" not in conservative and "every option" in conservative
    assert {54} <= {ref for s in content.condition.rule_out for ref in s.refs}


def test_quiz_asks_about_each_option_and_a_harm(content):
    quiz = content.consultation.quiz
    text = " ".join(item.statement for item in quiz).lower()
    for word in ("cadence", "steroid", "prp", "ha ", "infection"):
        assert word in text, word
    assert len(quiz) <= 5


def test_values_factors_name_each_options_main_burden(content):
    ids = {factor.id for factor in content.consultation.values_factors}
    assert {"exercise_effort", "avoid_needles", "cost", "few_visits", "racing_soon",
            "strong_evidence"} <= ids


# --- References ---------------------------------------------------------------------------------

# Kept in references.yaml but not cited in the text, on purpose:
UNCITED_ON_PURPOSE = {
    27: "OARSI positions not verified",
    60: "CollaboRATE: a process measure, for the IPDAS/process side",
    61: "Decision Regret Scale: a process measure, for the IPDAS/process side",
    63: "three-talk model: no refs field on the consultation steps",
}


def test_every_reference_has_kind_and_population_and_the_addendum_numbering(content):
    refs = content.references
    assert set(refs) == {1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14} | set(range(16, 65))
    assert all(r.kind and r.population for r in refs.values())
    assert "Crossley" in refs[45].citation and "Piva" in refs[46].citation
    assert "Winters" in refs[53].citation and "Brehaut" in refs[61].citation
    assert "SURE" in refs[62].citation


def test_no_orphan_references(content):
    cited = set()
    for document in _documents(content):
        stack = [document]
        while stack:
            value = stack.pop()
            if isinstance(value, BaseModel):
                refs = getattr(value, "refs", None)
                if isinstance(refs, list):
                    cited.update(refs)
                stack += [getattr(value, n) for n in type(value).model_fields]
            elif isinstance(value, (list, tuple)):
                stack += list(value)
            elif isinstance(value, dict):
                stack += list(value.values())
    assert cited <= set(content.references)
    orphans = set(content.references) - cited - set(UNCITED_ON_PURPOSE)
    assert orphans == set()
