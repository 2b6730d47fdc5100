"""Tests of the clinical content rules.

Self-contained: loads the real content with ``load_all()`` and, for the "broken copy" tests,
copies the version folder to a temporary folder and breaks one thing at a time.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from pydantic import BaseModel

from decision_aid.content import ContentError, OPTION_IDS, load_all, load_version
from decision_aid.content.checks import cell_text, grade, patient_texts, words
from decision_aid.content.loader import VERSIONS_DIR
from decision_aid.content.schema import Chance, Prompt, Statement

VERSION = "2026.1"
FOLDER = VERSIONS_DIR / VERSION

ROW_IDS = [
    "what_is_it", "how_done", "how_soon", "pain_function", "return_to_running",
    "side_effects", "who_should_not", "time_off_running", "cost_availability",
]


@pytest.fixture(scope="module")
def content():
    return load_all()[VERSION]


def _walk(value: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (path, object) for every pydantic model, list item and dict value in the tree."""
    yield where, value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), f"{where}.{name}" if where else name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, f"{where}.{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{where}.{key}")


def _documents(content) -> dict[str, Any]:
    return {
        "meta": content.meta, "references": list(content.references.values()),
        "condition": content.condition, "options": list(content.options),
        "comparison": content.comparison, "outcomes": content.outcomes,
        "home_programme": content.home_programme, "consultation": content.consultation,
    }


def _all_of(content, kind: type) -> list[tuple[str, Any]]:
    found = []
    for name, document in _documents(content).items():
        found += [(f"{name}:{where}", obj) for where, obj in _walk(document) if isinstance(obj, kind)]
    return found


def _strings(value: Any, inside_unverified: bool = False) -> Iterator[tuple[str, bool]]:
    """Every string in the tree, with whether it sits inside an ``unverified: true`` item."""
    if isinstance(value, BaseModel):
        inside_unverified = inside_unverified or bool(getattr(value, "unverified", False))
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name), inside_unverified)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, inside_unverified)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, inside_unverified)
            yield from _strings(item, inside_unverified)
    elif isinstance(value, str):
        yield value, inside_unverified


# --- 1. The real files load -------------------------------------------------------------------

def test_real_content_loads_with_four_options_in_order(content):
    assert VERSION in load_all()
    assert content.version == VERSION
    assert [o.id for o in content.options] == ["conservative", "corticosteroid", "prp", "hyaluronic_acid"]
    assert tuple(o.id for o in content.options) == OPTION_IDS
    assert [o.short_name for o in content.options] == [
        "Conservative care", "Steroid injection", "PRP injection", "Hyaluronic acid injection"]


# --- 2. Broken copies are rejected with a message naming the file and the field ---------------

def _delete_next_review(data):
    del data["next_review"]


def _unknown_reference(data):
    data["what_it_is"][0]["refs"] = [999]


def _empty_cell(data):
    data["rows"][0]["cells"]["prp"] = []


def _missing_cell(data):
    del data["rows"][1]["cells"]["hyaluronic_acid"]


def _other_denominator(data):
    data["outcomes"][0]["chances"]["corticosteroid"]["out_of"] = 50


def _other_time_frame(data):
    data["outcomes"][0]["chances"]["prp"]["time_frame"] = "after 3 months"


def _no_certainty(data):
    del data["options"][0]["evidence_base"]["certainty"]


def _options_out_of_order(data):
    data["options"][1], data["options"][2] = data["options"][2], data["options"][1]


def _no_refs(data):
    data["intro"][0]["refs"] = []


def _count_over_denominator(data):
    data["outcomes"][0]["chances"]["conservative"]["count"] = 101


def _number_without_reason(data):
    del data["outcomes"][0]["chances"]["prp"]["no_number"]


def _unknown_field(data):
    data["summary_typo"] = "x"


BREAKAGES = [
    ("meta.yaml", _delete_next_review, "next_review"),
    ("condition.yaml", _unknown_reference, "what_it_is.0.refs"),
    ("comparison.yaml", _empty_cell, "rows.0.cells"),
    ("comparison.yaml", _missing_cell, "rows.1.cells"),
    ("outcomes.yaml", _other_denominator, "out_of"),
    ("outcomes.yaml", _other_time_frame, "time_frame"),
    ("options.yaml", _no_certainty, "certainty"),
    ("options.yaml", _options_out_of_order, "options"),
    ("home_programme.yaml", _no_refs, "intro.0"),
    ("outcomes.yaml", _count_over_denominator, "chances.conservative"),
    ("outcomes.yaml", _number_without_reason, "chances.prp"),
    ("consultation.yaml", _unknown_field, "summary_typo"),
]


@pytest.mark.parametrize("file_name, breaker, field", BREAKAGES,
                         ids=[f"{f}-{b.__name__.strip('_')}" for f, b, _ in BREAKAGES])
def test_broken_copy_is_rejected_naming_file_and_field(tmp_path, file_name, breaker, field):
    folder = tmp_path / VERSION
    shutil.copytree(FOLDER, folder)
    path = folder / file_name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    breaker(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_version(folder)
    message = str(caught.value)
    assert file_name in message
    assert field in message


def test_unbroken_copy_loads(tmp_path):
    folder = tmp_path / VERSION
    shutil.copytree(FOLDER, folder)
    assert load_version(folder).version == VERSION


# --- 3. Every evidence statement is sourced and graded -----------------------------------------

def test_every_evidence_statement_has_known_refs_and_a_certainty(content):
    statements = _all_of(content, Statement)
    assert len(statements) > 100  # the walk really reaches the statements
    problems = []
    for where, statement in statements:
        unknown = set(statement.refs) - set(content.references)
        if unknown:
            problems.append(f"{where}: unknown refs {sorted(unknown)}")
        if statement.kind == "evidence" and (not statement.refs or statement.certainty is None):
            problems.append(f"{where}: evidence statement without refs or certainty")
    for where, chance in _all_of(content, Chance):
        if chance.count is not None and (not chance.refs or chance.certainty is None):
            problems.append(f"{where}: a number without refs or certainty")
        if set(chance.refs) - set(content.references):
            problems.append(f"{where}: unknown refs")
    for where, prompt in _all_of(content, Prompt):
        if set(prompt.refs) - set(content.references):
            problems.append(f"{where}: unknown refs")
    assert problems == []


# --- 4. Chances share a denominator and a time frame --------------------------------------------

def test_chances_are_consistent_within_each_outcome(content):
    assert 2 <= len(content.outcomes.outcomes) <= 3
    for outcome in content.outcomes.outcomes:
        assert list(outcome.chances) == list(OPTION_IDS)
        for option_id, chance in outcome.chances.items():
            assert chance.out_of == outcome.out_of == 100, (outcome.id, option_id)
            assert chance.time_frame == outcome.time_frame, (outcome.id, option_id)
            if chance.count is None:
                assert chance.no_number, (outcome.id, option_id)
            else:
                assert 0 <= chance.count <= chance.out_of, (outcome.id, option_id)
    course = content.condition.natural_course
    for chance in course.chances:
        assert chance.out_of == course.out_of
        assert chance.count is not None and 0 <= chance.count <= chance.out_of


# --- 5. Option summaries are easy to read --------------------------------------------------------

@pytest.mark.parametrize("option_id", OPTION_IDS)
def test_option_summary_reads_at_grade_8_or_below(content, option_id):
    summary = content.option(option_id).summary
    assert grade(summary) <= 8, f"{option_id}: grade {grade(summary):.1f}"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", summary) if s]
    assert 3 <= len(sentences) <= 5, f"{option_id}: {len(sentences)} sentences"


# --- 6. and 7. The comparison table ------------------------------------------------------------

def test_comparison_rows_are_the_fixed_questions_in_order(content):
    assert [row.id for row in content.comparison.rows] == ROW_IDS
    for row in content.comparison.rows:
        assert list(row.cells) == list(OPTION_IDS)
        assert all(row.cells[o] for o in OPTION_IDS)


@pytest.mark.parametrize("row_id", ROW_IDS)
def test_comparison_cells_in_a_row_are_balanced(content, row_id):
    row = next(r for r in content.comparison.rows if r.id == row_id)
    counts = {option_id: words(cell_text(statements)) for option_id, statements in row.cells.items()}
    assert max(counts.values()) <= 1.5 * min(counts.values()), counts


# --- 8. "(verify)" facts only where marked unverified ----------------------------------------

# Tell-tale strings of facts the evidence file tags "(verify)". They may only appear in a
# statement (or chance) marked ``unverified: true``. "1.5" stands for the recalled risk ratio
# for hyaluronic acid's serious adverse events; the content writes the (found) exercise effect
# as "one and a half points" so that this check stays strict.
VERIFY_TELL_TALES = [
    "£250–£600", "£250-£600", "£100–£300", "£100-£300", "1.5", "-2.39", "−2.39",
    "no serious harms", "no serious harm", "rarely offered", "serious adverse",
    "never mention", "do not mention", "no advice on", "not addressed", "OARSI",
    "low to very low quality", "low-quality evidence",
]


@pytest.mark.parametrize("tell_tale", VERIFY_TELL_TALES)
def test_verify_items_appear_only_when_marked_unverified(content, tell_tale):
    offenders = []
    for name, document in _documents(content).items():
        if name == "references":
            continue  # citations are published titles, not claims
        for text, unverified in _strings(document):
            if tell_tale.lower() in text.lower() and not unverified:
                offenders.append(f"{name}: {text[:80]}")
    assert offenders == []


# --- 9. No recommending language ----------------------------------------------------------------

RECOMMENDING = ["we recommend", "recommended for you", "best option", "you should choose",
                "most suitable", "our recommendation", "better choice", "recommend"]


def _raw_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():  # keys are field names (e.g. no_recommendation)
            yield from _raw_strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _raw_strings(item, f"{path}.{index}")
    elif isinstance(value, str):
        yield path, value


@pytest.mark.parametrize("file_name", sorted(p.name for p in FOLDER.glob("*.yaml")))
def test_no_recommending_language(file_name):
    data = yaml.safe_load((FOLDER / file_name).read_text(encoding="utf-8"))
    offenders = []
    for path, text in _raw_strings(data):
        # Exempt: the published title of reference 1 ("... part 2: recommended physical
        # interventions"). A citation must quote the title as published; it is not advice.
        if file_name == "references.yaml" and path.endswith(".citation"):
            continue
        for phrase in RECOMMENDING:
            if phrase in text.lower():
                offenders.append(f"{path}: '{phrase}' in {text[:80]!r}")
    assert offenders == []


def test_scan_catches_recommending_language():
    data = {"a": ["This is the best option for you.", {"b": "We Recommend it."}]}
    hits = [(p, t) for p, t in _raw_strings(data) if any(x in t.lower() for x in RECOMMENDING)]
    assert [p for p, _ in hits] == ["a.0", "a.1.b"]


# --- 10. References: every cited id exists, and every reference is cited --------------------

# References kept in references.yaml but deliberately not cited in the text:
UNCITED_ON_PURPOSE = {
    # OARSI 2019: the evidence file tags its injection positions "(verify)" (only the
    # guideline's opening summary was seen), so no statement relies on it.
    27: "OARSI positions not verified",
    # The three-talk model describes the consultation's structure (option talk, decision talk).
    # The consultation schema has no field for references on its steps, only on SURE.
    46: "process reference with no refs field to attach it to",
}


def _cited_ids(content) -> set[int]:
    ids: set[int] = set()
    for name, document in _documents(content).items():
        if name == "references":
            continue
        for _where, obj in _walk(document):
            refs = getattr(obj, "refs", None) if isinstance(obj, BaseModel) else None
            if isinstance(refs, list):
                ids.update(refs)
    return ids


def test_every_cited_reference_exists(content):
    assert _cited_ids(content) <= set(content.references)


def test_no_orphan_references(content):
    orphans = set(content.references) - _cited_ids(content) - set(UNCITED_ON_PURPOSE)
    assert orphans == set()
    # The exemptions are real references that are indeed uncited; no stale entries.
    assert set(UNCITED_ON_PURPOSE) <= set(content.references)
    assert not set(UNCITED_ON_PURPOSE) & _cited_ids(content)


def test_reference_list_matches_the_evidence_file(content):
    expected = {1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14} | set(range(16, 48))
    assert set(content.references) == expected


# --- Extra content rules a reader would notice --------------------------------------------------

def test_cadence_advice_is_relative_not_a_universal_target(content):
    text = cell_text(content.home_programme.cadence)
    assert "5 to 10%" in text
    assert "your own" in text
    assert "180" not in text


def test_home_programme_exercises_and_drawings(content):
    expected = {
        "leg_press": ("Leg press", "img/exercises/leg-press.svg"),
        "squat": ("Squat", "img/exercises/squat.svg"),
        "lunge": ("Lunge", "img/exercises/lunge.svg"),
        "clamshell": ("Clamshell", "img/exercises/clamshell.svg"),
        "glute_bridge": ("Glute bridge", "img/exercises/glute-bridge.svg"),
        "hip_abduction": ("Side-lying hip abduction", "img/exercises/hip-abduction.svg"),
    }
    exercises = content.home_programme.exercises
    assert [e.id for e in exercises] == list(expected)
    for exercise in exercises:
        assert (exercise.name, exercise.drawing) == expected[exercise.id]
        assert 2 <= len(exercise.steps) <= 5


def test_safety_prompts_never_rule_out_or_point_to_an_option(content):
    ids = [q.id for q in content.consultation.safety_questions]
    assert ids == ["infection", "bleeding", "diabetes", "pregnancy", "allergy", "recent_injection"]
    banned = ["ruled out", "rule out", "not suitable", "unsuitable", "choose", "instead", "prefer"]
    for question in content.consultation.safety_questions:
        for prompt in question.prompts:
            assert prompt.options and "conservative" not in prompt.options
            assert not [w for w in banned if w in prompt.text.lower()], prompt.text


def test_quiz_explanations_agree_with_answers(content):
    for item in content.consultation.quiz:
        expected = "True." if item.answer else "False."
        assert item.explanation.text.startswith(expected), item.id


def test_patient_texts_cover_the_content(content):
    places = [where for where, _ in patient_texts(content)]
    assert len(places) == len(set(places))
    for must in ["meta.no_recommendation", "options.prp.summary", "comparison.how_soon.prp",
                 "home_programme.pain_rule", "consultation.sure.sure",
                 "consultation.quiz.cadence_target.explanation"]:
        assert must in places
    # Clinician-facing prompts and citations are not patient text.
    texts = " ".join(t for _, t in patient_texts(content))
    prompt = content.consultation.safety_questions[0].prompts[0].text
    assert prompt not in texts
    assert content.references[1].citation not in texts


def test_all_patient_text_reads_at_grade_8_or_below(content):
    over = {where: round(grade(text), 1) for where, text in patient_texts(content) if grade(text) > 8}
    assert over == {}
