"""One form per step, built from the content's questions by a small factory.

Answers are stored as plain JSON values (dates as ISO strings), so ``answers_from`` and
``form_data_from`` convert between a form and what is saved.
"""
from __future__ import annotations

import datetime as dt

from flask import abort
from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, DateField, HiddenField, IntegerField, RadioField, SelectMultipleField,
                     StringField, TextAreaField, widgets)
from wtforms.fields.choices import SelectChoice
from wtforms.fields.core import UnboundField
from wtforms.validators import (DataRequired, InputRequired, Length, NumberRange, Optional, Regexp,
                                StopValidation, ValidationError)

from ..clinic_time import clinic_today
from ..content import Content
from ..inputs import AppForm
from ..models import MAX_CLINICIAN, MAX_PATIENT_REF
from . import assessment as gate
from .choices import (OTHER_CHOICES, QUIZ_PREFIX, SURE_PREFIX, TRUE_FALSE, VALUE_PREFIX, YES_NO,
                      YES_NO_UNSURE)
from .health_form import HealthQuestions, health_fields

SHORT_TEXT = 500
LONG_TEXT = 5000


def long_text(label: str, description: str = "", *, clinician: bool = False) -> TextAreaField:
    """A free-text answer; a ``clinician``'s own field keeps the clinician's language (English) on
    a page in the patient's."""
    message = f"Please keep this under {LONG_TEXT:,} characters." if clinician else \
        _l("Please keep this under %(count)s characters.", count=f"{LONG_TEXT:,}")
    return TextAreaField(label, description=description, validators=[Optional(), Length(max=LONG_TEXT, message=message)])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class StepForm(AppForm):
    """Every step carries the version of the discussion it was opened at (optimistic locking)."""

    lock_version = HiddenField()
    # The discussion's own date, for rules such as "follow-up after the discussion".
    reference_date: dt.date | None = None

    def answers(self) -> dict:
        values = {}
        for field in self:
            if field.name in ("csrf_token", "lock_version"):
                continue
            value = field.data
            if isinstance(value, dt.date):
                value = value.isoformat()
            elif isinstance(value, str):
                value = value.strip()
            values[field.name] = value
        return values


def _not_future(form, field) -> None:
    if field.data and field.data > clinic_today():
        raise ValidationError("The date of the discussion cannot be in the future.")
    if field.data and field.data < clinic_today() - dt.timedelta(days=366):
        raise ValidationError("Enter a date within the last year.")


def _race_date(form, field) -> None:
    if not field.data:
        return
    if field.data < clinic_today():
        raise ValidationError(_l("The race date is in the past. Leave it empty if there is no race."))
    if field.data > clinic_today() + dt.timedelta(days=3 * 366):
        raise ValidationError(_l("Enter a race date within the next 3 years."))


def _follow_up(form, field) -> None:
    if not field.data:
        return
    start = form.reference_date or clinic_today()
    if field.data < start:
        raise ValidationError(_l("The follow-up date must be on or after the date of the discussion."))
    if field.data > start + dt.timedelta(days=2 * 366):
        raise ValidationError(_l("Enter a follow-up date within 2 years of the discussion."))


def _other_needs_text(form, field) -> None:
    if form.choice.data == "other" and not (field.data or "").strip():
        raise ValidationError(_l("Please say what the patient chose."))


class AgeField(IntegerField):
    """Whole years only, with a message a clinician understands (not "Not a valid integer value")."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            if not (text.isascii() and text.isdigit() and len(text) <= 3):
                raise ValueError("Enter the age in whole years, as a number such as 16.")
            self.data = int(text)


def _flag_answered(form, field) -> None:
    """Each red flag is answered, unless "none of these" is ticked; the two must agree."""
    if field.data in (None, ""):
        field.errors[:] = []
        if not form.no_red_flags.data:
            raise StopValidation("Answer yes, no or not sure, or tick \"None of these\".")
        raise StopValidation()
    if form.no_red_flags.data and field.data in gate.HOLDS:
        raise ValidationError("\"None of these\" is ticked, but this is not answered No. Change one of them.")


def _companion_if_under_18(form, field) -> None:
    if field.data in (None, ""):
        field.errors[:] = []
        if isinstance(form.age.data, int) and form.age.data < gate.ADULT_AGE:
            raise StopValidation("The patient is under 18: say who is with them.")
        raise StopValidation()


class AssessmentForm(StepForm):
    """"Is this runner's knee?": its fields are made in page order by ``_assessment_fields``."""

    def answers(self) -> dict:
        values = super().answers()
        if values.get("no_red_flags"):  # the shortcut records every flag as No
            for name in values:
                if name.startswith(gate.FLAG_PREFIX) and not values[name]:
                    values[name] = "no"
        if not (isinstance(values.get("age"), int) and values["age"] < gate.ADULT_AGE):
            values["companion"] = None
        return values


def _assessment_fields(a) -> dict:
    """In the order of the page, so the error summary lists problems in that order too."""
    fields: dict = {"diagnosis": RadioField(a.diagnosis_question, description=a.diagnosis_hint,
        choices=select(gate.DIAGNOSIS_CHOICES), validators=[InputRequired(message="Choose yes, not sure or no.")])}
    fields["no_red_flags"] = BooleanField("None of these: I have checked each one")
    for flag in a.red_flags:
        fields[f"{gate.FLAG_PREFIX}{flag.id}"] = RadioField(flag.clinician, choices=select(YES_NO_UNSURE),
            validators=[_flag_answered])
    fields["age"] = AgeField("The patient's age, in whole years", validators=[
        InputRequired(message="Enter the patient's age in whole years."),
        NumberRange(min=gate.MIN_AGE, max=gate.MAX_AGE,
                    message=f"Enter an age from {gate.MIN_AGE} to {gate.MAX_AGE} years.")])
    fields["companion"] = RadioField("Under 18: who is with them today?", choices=select(gate.COMPANION_CHOICES),
        description="Only needed when the patient is under 18.", validators=[_companion_if_under_18])
    return fields


def _choices(items) -> list[SelectChoice]:
    return [SelectChoice(item.id, item.label) for item in items]


def select(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


_FORM_CLASSES: dict[tuple[str, str], type[StepForm]] = {}


def form_class(step_id: str, content: Content) -> type[StepForm]:
    key = (step_id, content.content_hash)
    if key not in _FORM_CLASSES:
        _FORM_CLASSES[key] = _make_form_class(step_id, content)
    return _FORM_CLASSES[key]


def _make_form_class(step_id: str, content: Content) -> type[StepForm]:
    c = content.consultation
    fields: dict = {}
    if step_id == "assessment":
        a = content.assessment
        if a is None:
            raise KeyError(step_id)
        return type("AssessmentStepForm", (AssessmentForm,), _assessment_fields(a))
    if step_id == "start":
        fields["patient_ref"] = StringField(
            "Patient reference (optional)",
            description="Your clinic's own reference for this patient. Not a name.",
            validators=[Optional(), Length(max=MAX_PATIENT_REF, message=f"Use at most {MAX_PATIENT_REF} characters."),
                        Regexp(r"^[A-Za-z0-9][A-Za-z0-9 ._/-]*$",
                               message="Use letters, numbers, spaces and . _ / - only.")])
        fields["clinician"] = StringField("Clinician's name", validators=[
            DataRequired(message="Enter the clinician's name."),
            Length(max=MAX_CLINICIAN, message=f"Use at most {MAX_CLINICIAN} characters.")])
        fields["discussion_date"] = DateField("Date of the discussion", default=clinic_today,
            validators=[InputRequired(message="Enter the date of the discussion."), _not_future])
        fields["knees"] = RadioField("Which knee?", choices=_choices(c.knees),
            validators=[InputRequired(message="Choose which knee.")])
    elif step_id == "situation":  # the patient's own questions (their link's pages): lazy, in their language
        fields["duration"] = RadioField(_l("How long have you had the pain?"), choices=_choices(c.durations),
            validators=[InputRequired(message=_l("Choose how long the pain has lasted."))])
        fields["activities"] = MultiCheckboxField(_l("Which activities hurt?"), choices=_choices(c.activities),
            validators=[Optional()])
        fields["pain_now"] = RadioField(_l("How bad is the pain now? (0 = no pain, 10 = worst pain)"),
            choices=[SelectChoice(str(n)) for n in range(11)],
            validators=[InputRequired(message=_l("Choose a number from 0 to 10."))])
        fields["tried"] = MultiCheckboxField(_l("What have you tried already?"), choices=_choices(c.tried),
            validators=[Optional()])
        fields["tried_other"] = StringField(_l("Anything else you have tried"), validators=[
            Optional(), Length(max=SHORT_TEXT, message=_l("Please keep this under %(count)s characters.",
                                                          count=str(SHORT_TEXT)))])
        fields["running_goals"] = long_text(_l("Your running goals"), _l("For example, a race you are training for."))
        fields["race_date"] = DateField(_l("Date of your next race (optional)"), validators=[Optional(), _race_date])
        return type("SituationForm", (HealthQuestions, StepForm), {**fields, **health_fields(c.safety_questions)})
    elif step_id == "options":
        fields["option_notes"] = long_text(_l("Questions or notes about the options (optional)"))
    elif step_id == "values":
        for factor in c.values_factors:
            fields[f"{VALUE_PREFIX}{factor.id}"] = RadioField(factor.label, description=factor.help,
                choices=_choices(c.values_scale), validators=[Optional()])
        fields["own_factors"] = long_text(_l("Anything else that matters to you (optional)"))
    elif step_id == "check":
        for item in c.quiz:
            fields[f"{QUIZ_PREFIX}{item.id}"] = RadioField(item.statement, choices=select(TRUE_FALSE), validators=[Optional()])
    elif step_id == "ready":
        for question in c.sure.questions:
            fields[f"{SURE_PREFIX}{question.id}"] = RadioField(question.text, choices=select(YES_NO),
                validators=[InputRequired(message=_l("Please answer yes or no."))])
    elif step_id == "decision":  # read with the patient, in their language; the notes are the clinician's
        choices = [SelectChoice(o.id, o.name) for o in content.options] + select(OTHER_CHOICES)
        fields["choice"] = RadioField(_l("What did the patient choose after the discussion?"), choices=choices,
            validators=[InputRequired(message=_l("Choose one, or “Not decided yet”."))])
        fields["other_text"] = StringField(_l("If something else, what?"), validators=[
            _other_needs_text,
            Length(max=SHORT_TEXT, message=_l("Please keep this under %(count)s characters.", count=str(SHORT_TEXT)))])
        fields["reasons"] = long_text(_l("The reasons, in the patient's own words"))
        fields["open_questions"] = long_text(_l("Questions still open"))
        fields["next_steps"] = long_text(_l("Next steps"))
        fields["follow_up_date"] = DateField(_l("Follow-up date (optional)"), validators=[Optional(), _follow_up])
        fields["clinician_notes"] = long_text("Clinician's notes", clinician=True)
    else:
        raise KeyError(step_id)
    return type(f"{step_id.title()}Form", (StepForm,), fields)


def page_form_class(parts: tuple[str, ...], content: Content) -> type[StepForm]:
    """One form for a page that asks several steps' questions (``steps.parts_of``), the fields
    in the steps' order; a page of one step has that step's own form."""
    if len(parts) == 1:
        return form_class(parts[0], content)
    key = ("+".join(parts), content.content_hash)
    if key not in _FORM_CLASSES:
        fields: dict = {}
        for part in parts:  # made afresh in page order: WTForms orders fields by creation
            fields.update({name: value for name, value in vars(_make_form_class(part, content)).items()
                           if isinstance(value, UnboundField)})
        _FORM_CLASSES[key] = type("".join(p.title() for p in parts) + "Form", (StepForm,), fields)
    return _FORM_CLASSES[key]


def split_answers(form: StepForm, parts: tuple[str, ...], content: Content) -> dict[str, dict]:
    """A page's answers per step, each with only that step's own fields."""
    answers = form.answers()
    if len(parts) == 1:
        return {parts[0]: answers}
    return {part: {name: answers[name] for name in vars(form_class(part, content))
                   if name in answers and name != "lock_version"} for part in parts}


def build_form(step_id: str, content: Content, *, data: dict | None = None,
               reference_date: dt.date | None = None, parts: tuple[str, ...] | None = None,
               **kwargs) -> StepForm:
    """The form for a step, or for a page of several ``parts``; ``data`` are saved answers
    (request data wins on POST)."""
    form = page_form_class(parts or (step_id,), content)(data=form_data_from(data or {}), **kwargs)
    form.reference_date = reference_date
    return form


def hidden_number(value: str | None) -> int:
    """A hidden counter sent back by a form (lock_version, expected_revision); 400 if tampered with."""
    if value is None or not str(value).isdigit() or len(str(value)) > 9:
        abort(400)
    return int(value)


def error_summary(form) -> list[tuple[str, str, str]]:
    """(field id, label, first message) per field in error, for the summary at the top of a page."""
    return [(form[name].id, form[name].label.text, messages[0])
            for name, messages in form.errors.items() if name in form._fields and name != "csrf_token"]


def form_data_from(answers: dict) -> dict:
    """Saved answers as form data: ISO date strings back to dates."""
    data = {}
    for name, value in answers.items():
        if name.endswith("_date") and isinstance(value, str) and value:
            value = dt.date.fromisoformat(value)
        data[name] = value
    return data
