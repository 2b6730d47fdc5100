"""The situation step's form: its fixed questions are declared by ``forms``; this module adds the
health questions from the content, with their details and "None of these apply".
The questions are the patient's (in the page's language); "None of these apply" and its
confirmation are the clinician's, in English.

Checked on the server whatever the browser does: "None of these apply" needs the clinician's
confirmation (a message next to it otherwise) and cannot stand beside a Yes or Not sure; a
detail is asked only after a "Yes" and is dropped on save otherwise.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from . import health
from .choices import (ASKS_DETAILS, NONE_APPLY, NONE_CONFIRMED, RAISES_PROMPTS, detail_field, is_health_field,
                      safety_choices, safety_field)

# The clinician's confirmation: in the clinician's language on every page (English).
NONE_APPLY_LABEL = "None of these apply"
NONE_CONFIRMED_LABEL = "I have asked each of these and the answer is No"


class HealthQuestions:
    """Mixed into the situation step's form (before ``StepForm``, whose ``answers`` it tidies)."""

    questions: tuple = ()  # the content's health questions, set by ``health_fields``
    is_health_field = staticmethod(is_health_field)

    def answers(self) -> dict:
        return health.tidy(super().answers(), self.questions)

    def health_questions(self) -> list[tuple]:
        """(question field, its detail fields) in page order, for the templates."""
        return [(self[safety_field(q)], [self[detail_field(q, d.id)] for d in q.details]) for q in self.questions]


def _please_answer(question):
    """The message for a question left blank, in the page's language (lazy: made once per form)."""
    if question.not_applicable:
        return _l("Please answer yes, no, not sure or “%(other)s”.", other=question.not_applicable)
    return _l("Please answer yes, no or not sure.")


def _answered(question):
    message = _please_answer(question)

    def check(form, field) -> None:
        if field.data in (None, ""):
            field.errors[:] = []
            if form[NONE_APPLY].data:  # the confirmation carries the one message
                raise StopValidation()
            raise StopValidation(message)
        if form[NONE_APPLY].data and field.data in RAISES_PROMPTS:
            # Beside the patient's question, in the page's language; the box it names is the clinician's.
            raise ValidationError(_l("“%(box)s” is ticked, but this is not answered No. Change one of them.",
                                     box=NONE_APPLY_LABEL))
    return check


def _after_yes(question_name: str):
    def check(form, field) -> None:
        field.errors[:] = []  # a detail left blank, or sent while not asked, says nothing by itself
        if form[question_name].data != ASKS_DETAILS:
            raise StopValidation()  # not asked (hidden until "Yes"): dropped on save
        if field.data in (None, ""):
            raise StopValidation(_l("Choose one, or “Not sure”."))
        if field.data not in {c.value for c in field.choices}:
            raise StopValidation(_l("Choose one of the answers given."))
    return check


def _confirmed(form, field) -> None:
    if form[NONE_APPLY].data and not field.data:
        raise StopValidation("Tick this to confirm, or answer each question below.")


def health_fields(questions) -> dict:
    """The health questions in page order ("None of these apply" first), to follow the step's
    fixed questions; with ``questions`` for ``HealthQuestions``."""
    fields: dict = {NONE_APPLY: BooleanField(NONE_APPLY_LABEL),
                    NONE_CONFIRMED: BooleanField(NONE_CONFIRMED_LABEL, validators=[_confirmed])}
    for question in questions:
        fields[safety_field(question)] = RadioField(question.question, description=question.hint or "",
            choices=[SelectChoice(v, label) for v, label in safety_choices(question)], validators=[_answered(question)])
        for detail in question.details:
            fields[detail_field(question, detail.id)] = RadioField(detail.question,
                choices=[SelectChoice(c.id, c.label) for c in detail.choices],
                validators=[_after_yes(safety_field(question))], validate_choice=False)
    return {**fields, "questions": tuple(questions)}
