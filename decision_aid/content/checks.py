"""Small pure helpers for checking the clinical content's wording and pictures.

Used by the content tests (``make test``), and by the app for its own checks. Nothing here
changes the content: the functions only measure it or walk it. Each ``*_problems`` function
returns a list of "where: what is wrong" strings, empty when the content passes.

``patient_texts`` yields every text a patient reads. Left out on purpose: reference
citations (published titles), the safety prompts (written for the clinician), authors,
dates and ids.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

import textstat

from ..pictograph import chance_sentence
from . import rules
from .loader import Content
from .schema import Choice, Statement

SENTENCE_GRADE = 10  # no single sentence above this (Flesch-Kincaid, textstat 0.7.8)
SECTION_GRADE = 8    # no section (a statement list, a cell, a paragraph) above this
# The formula means nothing on a fragment: "Usually none." scores grade 14.7. As in the December
# 2026 review's method, sentences of fewer words are graded only as part of their section.
SENTENCE_MIN_WORDS = 5


def words(text: str) -> int:
    """The number of words in ``text`` (runs of characters between spaces)."""
    return len(text.split())


def grade(text: str) -> float:
    """The Flesch-Kincaid grade level of ``text`` (textstat's formula)."""
    return float(textstat.flesch_kincaid_grade(text))


def cell_text(statements: Iterable[Statement | str]) -> str:
    """The text of a list of statements (or, in rules 1 content, plain strings), as one passage."""
    return " ".join(s if isinstance(s, str) else s.text for s in statements)


def _items_text(items: Iterable[Statement | str]) -> str:
    """A list read item by item (such as "see your clinician if"): each item its own sentence."""
    return " ".join(_sentence(s if isinstance(s, str) else s.text) for s in items)


def sentences(text: str) -> list[str]:
    """The sentences of ``text``: split after . ? ! or : where a new sentence starts."""
    parts = re.split(r"(?<=[.?!:])\s+(?=[A-Z0-9\"“‘(£])", " ".join(text.split()))
    return [part for part in parts if re.search(r"[A-Za-z]", part)]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!", ":")) else text + "."


def _labels(choices: Iterable[Choice]) -> str:
    """Short labels read as a list: each becomes its own sentence."""
    return " ".join(_sentence(choice.label) for choice in choices)


def _chance_texts(chance, event: str, unit: str, where: str) -> Iterator[tuple[str, str]]:
    # The same words the app shows under an icon array (see decision_aid.pictograph).
    if chance.count is not None:
        yield f"{where}.sentence", chance_sentence(chance.count, chance.out_of, event,
                                                   chance.time_frame, chance.qualifier, unit)
    for field in ("note", "no_number"):
        if getattr(chance, field):
            yield f"{where}.{field}", getattr(chance, field)


def patient_texts(content: Content) -> Iterator[tuple[str, str]]:
    """Yield ``(where, text)`` for every patient-facing text of one content version."""
    meta = content.meta
    yield "meta.title", meta.title
    yield "meta.no_recommendation", meta.no_recommendation
    yield "meta.update_policy", meta.update_policy
    yield "meta.funding", meta.funding
    yield "meta.conflicts_of_interest", meta.conflicts_of_interest
    for level, text in meta.certainty_levels.items():
        yield f"meta.certainty_levels.{level}", text
    for field in ("evidence_method", "user_testing"):
        if getattr(meta, field):
            yield f"meta.{field}", getattr(meta, field)
    for index, review in enumerate(meta.reviews):
        yield f"meta.reviews.{index}", review.summary

    condition = content.condition
    for name in ("what_it_is", "causes", "symptoms", "diagnosis", "rule_out"):
        yield f"condition.{name}", cell_text(getattr(condition, name))
    yield "condition.rule_out_intro", condition.rule_out_intro
    for index, paragraph in enumerate(condition.decision):
        yield f"condition.decision.{index}", cell_text([paragraph])
    course = condition.natural_course
    yield "condition.natural_course.statements", cell_text(course.statements)
    for index, chance in enumerate(course.chances):
        yield from _chance_texts(chance, course.event, "people", f"condition.natural_course.chances.{index}")
    yield "condition.about_aid.is", " ".join(_sentence(t) for t in condition.about_aid.is_)
    yield "condition.about_aid.is_not", " ".join(_sentence(t) for t in condition.about_aid.is_not)

    for option in content.options:
        yield f"options.{option.id}.summary", cell_text([option.summary]) if isinstance(option.summary, str) \
            else cell_text(option.summary)
        yield f"options.{option.id}.evidence_base", option.evidence_base.text
        for index, section in enumerate(option.sections):
            yield f"options.{option.id}.sections.{index} ({section.heading})", cell_text(section.statements)

    for row in content.comparison.rows:
        yield f"comparison.{row.id}.question", row.question
        if row.yardstick:
            yield f"comparison.{row.id}.yardstick", cell_text(row.yardstick)
        for option_id, statements in row.cells.items():
            yield f"comparison.{row.id}.{option_id}", cell_text(statements)
        for option_id, text in row.short.items():
            yield f"comparison.{row.id}.{option_id}.short", text

    for outcome in content.outcomes.outcomes:
        yield f"outcomes.{outcome.id}.label", outcome.label
        if outcome.overall is not None:
            yield f"outcomes.{outcome.id}.overall_label", outcome.overall_label
            yield from _chance_texts(outcome.overall, outcome.event, outcome.unit,
                                     f"outcomes.{outcome.id}.overall")
        for option_id, chance in outcome.chances.items():
            yield from _chance_texts(chance, outcome.event, outcome.unit, f"outcomes.{outcome.id}.{option_id}")

    home = content.home_programme
    yield "home_programme.intro", cell_text(home.intro)
    for exercise in home.exercises:
        where = f"home_programme.exercises.{exercise.id}"
        yield f"{where}.drawing_alt", exercise.drawing_alt
        yield f"{where}.steps", " ".join(_sentence(step) for step in exercise.steps)
        yield f"{where}.starting_dose", exercise.starting_dose
        yield f"{where}.take_care", exercise.take_care
        if exercise.source is not None:
            yield f"{where}.source", exercise.source.text
    yield "home_programme.dose_note", home.dose_note.text
    for name in ("pain_rule", "cadence", "footwear", "cross_training", "return_to_running"):
        yield f"home_programme.{name}", cell_text(getattr(home, name))
    yield "home_programme.see_clinician_if", _items_text(home.see_clinician_if)

    consult = content.consultation
    for name in ("durations", "activities", "tried", "knees", "values_scale"):
        yield f"consultation.{name}", _labels(getattr(consult, name))
    for question in consult.safety_questions:
        where = f"consultation.safety_questions.{question.id}"
        yield where, question.question
        if question.hint:
            yield f"{where}.hint", question.hint
        for detail in question.details:  # asked after a "Yes"; the detail_prompts are the clinician's
            yield f"{where}.details.{detail.id}", f"{detail.question} {_labels(detail.choices)}"
    for factor in consult.values_factors:
        yield f"consultation.values_factors.{factor.id}", f"{_sentence(factor.label)} {factor.help}"
    for item in consult.quiz:
        yield f"consultation.quiz.{item.id}.statement", item.statement
        yield f"consultation.quiz.{item.id}.explanation", item.explanation.text
    for question in consult.sure.questions:
        yield f"consultation.sure.{question.id}", question.text
    yield "consultation.sure.low_score_note", consult.sure.low_score_note

    assessment = content.assessment  # optional file: "Is this runner's knee?" (clinician parts left out)
    if assessment is not None:
        yield "assessment.intro", assessment.intro
        yield "assessment.diagnosis", f"{assessment.diagnosis_question} {assessment.diagnosis_hint}"
        yield "assessment.red_flags.patient", " ".join(_sentence(f.patient) for f in assessment.red_flags)
        stop = assessment.stop
        yield "assessment.stop", " ".join([_sentence(stop.heading), *stop.text, stop.diagnosis_line])
        for name in ("under_18", "older", "race_date"):  # points to discuss, printed for the patient too
            yield f"assessment.{name}", cell_text(getattr(assessment, name))

# --- The checks of issue #10 (run on the current version by the tests) ---------------------------

def hard_sentences(content: Content, limit: float = SENTENCE_GRADE) -> list[str]:
    """Every patient-facing sentence above grade ``limit``: checked one by one, not averaged."""
    found = []
    for where, text in patient_texts(content):
        for sentence in sentences(text):
            if words(sentence) >= SENTENCE_MIN_WORDS and grade(sentence) > limit:
                found.append(f"{where}: grade {grade(sentence):.1f}: {sentence}")
    return found


def hard_sections(content: Content, limit: float = SECTION_GRADE) -> list[str]:
    """Every patient-facing section (a text, a cell, a list of statements) above grade ``limit``."""
    return [f"{where}: grade {grade(text):.1f}" for where, text in patient_texts(content)
            if grade(text) > limit]


def ceiling_problems(content: Content) -> list[str]:
    """Statements graded above what their references allow (the written rubric, rules.ceiling)."""
    found = []
    for name, document in _documents(content).items():
        found += [f"{name}: {where}: {message}"
                  for where, message in rules.ceiling_problems(document, content.references)]
    return found


def citation_problems(content: Content) -> list[str]:
    """Patient-facing clinical texts that are plain strings where a cited statement is needed,
    and references that do not say what kind of source they are."""
    found = [f"{name}: {where}: {message}" for name, where, message
             in rules.shape_problems(content.options, content.condition, content.home_programme)]
    for name, document in _documents(content).items():
        found += [f"{name}: {where}: {message}" for where, message in rules.gap_problems(document)]
    found += [f"references.yaml: {where}: {message}"
              for where, message in rules.reference_problems(content.references)]
    return found


# A chance counted per injection says so; it must then sit in a row that counts injections.
PER_INJECTION = re.compile(r"\b(count(s|ed)? injections|per injection|out of 100 injections|"
                           r"injections,? not people)\b", re.I)


def picture_problems(content: Content) -> list[str]:
    """Rows of chances that would not compare like with like.

    - the course of everyone in the trials shown as one option's own result (the same count
      from the same references as the natural course or the row's overall yardstick);
    - a chance that counts injections in a row that counts people.
    Every cell having an icon array or a same-size no-number panel is checked on the pages.
    """
    course = content.condition.natural_course.chances
    found = []
    for outcome in content.outcomes.outcomes:
        yardsticks = [(c.count, c.out_of, sorted(c.refs)) for c in course]
        if outcome.overall is not None:
            yardsticks.append((outcome.overall.count, outcome.overall.out_of, sorted(outcome.overall.refs)))
        for option_id, chance in outcome.chances.items():
            where = f"outcomes: {outcome.id}.chances.{option_id}"
            if chance.count is not None and (chance.count, chance.out_of, sorted(chance.refs)) in yardsticks:
                found.append(f"{where}: shows the course of everyone in the trials as this option's "
                             f"own result; give it as the row's 'overall' instead")
            said = " ".join(t for t in (chance.note, chance.no_number) if t)
            if outcome.unit == "people" and PER_INJECTION.search(said):
                found.append(f"{where}: counts injections in a row that counts people; "
                             f"give it its own row with 'unit: injections'")
    return found


def _documents(content: Content) -> dict[str, object]:
    return {"condition.yaml": content.condition, "options.yaml": list(content.options),
            "comparison.yaml": content.comparison, "outcomes.yaml": content.outcomes,
            "home_programme.yaml": content.home_programme, "consultation.yaml": content.consultation}
