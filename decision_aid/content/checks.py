"""Small pure helpers for checking the clinical content's wording.

Used by the content tests, and by the app for its own checks. Nothing here changes the
content: the functions only measure it or walk it.

``patient_texts`` yields every text a patient reads. Left out on purpose: reference
citations (published titles), the safety prompts (written for the clinician), authors,
dates and ids.
"""
from __future__ import annotations

from typing import Iterable, Iterator

import textstat

from .loader import Content
from .schema import Choice, Statement


def words(text: str) -> int:
    """The number of words in ``text`` (runs of characters between spaces)."""
    return len(text.split())


def grade(text: str) -> float:
    """The Flesch-Kincaid grade level of ``text`` (textstat's formula)."""
    return float(textstat.flesch_kincaid_grade(text))


def cell_text(statements: Iterable[Statement]) -> str:
    """The text of a list of statements, joined as one passage."""
    return " ".join(statement.text for statement in statements)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!", ":")) else text + "."


def _labels(choices: Iterable[Choice]) -> str:
    """Short labels read as a list: each becomes its own sentence."""
    return " ".join(_sentence(choice.label) for choice in choices)


def _chance_sentence(count: int, out_of: int, event: str, time_frame: str, qualifier: str) -> str:
    # The same words the app shows under an icon array (see decision_aid.pictograph).
    lead = "" if qualifier == "Exactly" else f"{qualifier} "
    sentence = f"{lead}{count} out of {out_of} people {event} {time_frame}".strip()
    return sentence[0].upper() + sentence[1:] + "."


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

    condition = content.condition
    for name in ("what_it_is", "causes", "symptoms", "diagnosis", "rule_out"):
        yield f"condition.{name}", cell_text(getattr(condition, name))
    yield "condition.rule_out_intro", condition.rule_out_intro
    for index, paragraph in enumerate(condition.decision):
        yield f"condition.decision.{index}", paragraph
    course = condition.natural_course
    yield "condition.natural_course.statements", cell_text(course.statements)
    for index, chance in enumerate(course.chances):
        if chance.count is not None:
            yield (f"condition.natural_course.chances.{index}.sentence",
                   _chance_sentence(chance.count, chance.out_of, course.event, chance.time_frame,
                                    chance.qualifier))
        for field in ("note", "no_number"):
            if getattr(chance, field):
                yield f"condition.natural_course.chances.{index}.{field}", getattr(chance, field)
    yield "condition.about_aid.is", " ".join(_sentence(t) for t in condition.about_aid.is_)
    yield "condition.about_aid.is_not", " ".join(_sentence(t) for t in condition.about_aid.is_not)

    for option in content.options:
        yield f"options.{option.id}.summary", option.summary
        yield f"options.{option.id}.evidence_base", option.evidence_base.text
        for index, section in enumerate(option.sections):
            yield f"options.{option.id}.sections.{index} ({section.heading})", cell_text(section.statements)

    for row in content.comparison.rows:
        yield f"comparison.{row.id}.question", row.question
        for option_id, statements in row.cells.items():
            yield f"comparison.{row.id}.{option_id}", cell_text(statements)

    for outcome in content.outcomes.outcomes:
        yield f"outcomes.{outcome.id}.label", outcome.label
        for option_id, chance in outcome.chances.items():
            where = f"outcomes.{outcome.id}.{option_id}"
            if chance.count is not None:
                yield (f"{where}.sentence", _chance_sentence(chance.count, chance.out_of, outcome.event,
                                                             chance.time_frame, chance.qualifier))
            for field in ("note", "no_number"):
                if getattr(chance, field):
                    yield f"{where}.{field}", getattr(chance, field)

    home = content.home_programme
    yield "home_programme.intro", cell_text(home.intro)
    for exercise in home.exercises:
        where = f"home_programme.exercises.{exercise.id}"
        yield f"{where}.drawing_alt", exercise.drawing_alt
        yield f"{where}.steps", " ".join(_sentence(step) for step in exercise.steps)
        yield f"{where}.starting_dose", exercise.starting_dose
        yield f"{where}.take_care", exercise.take_care
    yield "home_programme.dose_note", home.dose_note.text
    for name in ("pain_rule", "cadence", "footwear", "cross_training", "return_to_running"):
        yield f"home_programme.{name}", cell_text(getattr(home, name))
    yield "home_programme.see_clinician_if", " ".join(_sentence(t) for t in home.see_clinician_if)

    consult = content.consultation
    for name in ("durations", "activities", "tried", "knees", "values_scale"):
        yield f"consultation.{name}", _labels(getattr(consult, name))
    for question in consult.safety_questions:
        yield f"consultation.safety_questions.{question.id}", question.question
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
