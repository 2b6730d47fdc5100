"""The situation step's health questions, as saved and as read back (no Flask, no database).

Three rules, each from the content rather than from code: a question may have a "does not
apply" answer (pregnancy: the clinician picks it, nothing is guessed); a "Yes" may ask details
(which injection, roughly when) that can raise points of their own (``detail_prompts``); and
"None of these apply", once the clinician confirms it, records every question left blank as No.
"""
from __future__ import annotations

from .choices import (ASKS_DETAILS, NONE_APPLY, NONE_CONFIRMED, NOT_APPLICABLE, RAISES_PROMPTS, YES_NO_UNSURE,
                      detail_field, safety_field)


def none_apply_confirmed(values: dict) -> bool:
    return bool(values.get(NONE_APPLY)) and bool(values.get(NONE_CONFIRMED))


def tidy(values: dict, questions) -> dict:
    """The step's answers as saved: blanks recorded as No under a confirmed "None of these apply",
    details kept only after a "Yes" (hidden or stale ones are dropped), and the confirmation only
    with the box it confirms."""
    tidied = dict(values)
    confirmed = none_apply_confirmed(tidied)
    tidied[NONE_CONFIRMED] = confirmed
    for question in questions:
        name = safety_field(question)
        if confirmed and not tidied.get(name):
            tidied[name] = "no"
        if tidied.get(name) != ASKS_DETAILS:
            for detail in question.details:
                tidied[detail_field(question, detail.id)] = None
    return tidied


def _label(choices, value) -> str | None:
    """As plain words of the current language (Yes, No, Not sure are translated lazily)."""
    return next((str(label) for choice_id, label in choices if choice_id == value), None)


def answer_label(question, situation: dict) -> str | None:
    value = situation.get(safety_field(question))
    if value == NOT_APPLICABLE:
        return question.not_applicable
    return _label(YES_NO_UNSURE, value)


def details_in_words(question, situation: dict) -> list[dict]:
    """Each detail's question and answer, after a "Yes" only."""
    if situation.get(safety_field(question)) != ASKS_DETAILS:
        return []
    return [{"question": d.question,
             "answer": _label([(c.id, c.label) for c in d.choices], situation.get(detail_field(question, d.id)))}
            for d in question.details]


def raises_prompts(question, situation: dict) -> bool:
    return situation.get(safety_field(question)) in RAISES_PROMPTS


def detail_prompts(question, situation: dict) -> list:
    """The question's detail-tied points whose every condition the saved details meet."""
    if situation.get(safety_field(question)) != ASKS_DETAILS:
        return []
    return [prompt for prompt in question.detail_prompts
            if all(situation.get(detail_field(question, detail_id)) in answers
                   for detail_id, answers in prompt.when.items())]


def answer_with_details(question, situation: dict) -> str | None:
    """"Yes (A steroid injection; in the last 3 months)": how a detail-tied point quotes the answer."""
    given = [d["answer"] for d in details_in_words(question, situation) if d["answer"]]
    label = answer_label(question, situation)
    return f"{label} ({'; '.join(given)})" if given and label else label
