"""One form per step, built from the content's questions by a small factory.

Answers are stored as plain JSON values (dates as ISO strings), so ``answers_from`` and
``form_data_from`` convert between a form and what is saved.
"""
from __future__ import annotations

import datetime as dt

from flask import abort
from wtforms import (DateField, HiddenField, RadioField, SelectMultipleField, StringField,
                     TextAreaField, widgets)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..content import Content
from ..inputs import AppForm
from ..models import MAX_CLINICIAN, MAX_PATIENT_REF

SHORT_TEXT = 500
LONG_TEXT = 5000
YES_NO = [("yes", "Yes"), ("no", "No")]
YES_NO_UNSURE = [("yes", "Yes"), ("no", "No"), ("unsure", "Not sure")]
TRUE_FALSE = [("true", "True"), ("false", "False"), ("unsure", "Not sure")]
OTHER_CHOICES = [("undecided", "Not decided yet"), ("other", "Something else")]


def long_text(label: str, description: str = "") -> TextAreaField:
    return TextAreaField(label, description=description, validators=[
        Optional(), Length(max=LONG_TEXT, message=f"Please keep this under {LONG_TEXT:,} characters.")])


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
    if field.data and field.data > dt.date.today():
        raise ValidationError("The date of the discussion cannot be in the future.")
    if field.data and field.data < dt.date.today() - dt.timedelta(days=366):
        raise ValidationError("Enter a date within the last year.")


def _race_date(form, field) -> None:
    if not field.data:
        return
    if field.data < dt.date.today():
        raise ValidationError("The race date is in the past. Leave it empty if there is no race.")
    if field.data > dt.date.today() + dt.timedelta(days=3 * 366):
        raise ValidationError("Enter a race date within the next 3 years.")


def _follow_up(form, field) -> None:
    if not field.data:
        return
    start = form.reference_date or dt.date.today()
    if field.data < start:
        raise ValidationError("The follow-up date must be on or after the date of the discussion.")
    if field.data > start + dt.timedelta(days=2 * 366):
        raise ValidationError("Enter a follow-up date within 2 years of the discussion.")


def _other_needs_text(form, field) -> None:
    if form.choice.data == "other" and not (field.data or "").strip():
        raise ValidationError("Please say what the patient chose.")


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
        fields["discussion_date"] = DateField("Date of the discussion", default=dt.date.today,
            validators=[InputRequired(message="Enter the date of the discussion."), _not_future])
        fields["knees"] = RadioField("Which knee?", choices=_choices(c.knees),
            validators=[InputRequired(message="Choose which knee.")])
    elif step_id == "situation":
        fields["duration"] = RadioField("How long have you had the pain?", choices=_choices(c.durations),
            validators=[InputRequired(message="Choose how long the pain has lasted.")])
        fields["activities"] = MultiCheckboxField("Which activities hurt?", choices=_choices(c.activities),
            validators=[Optional()])
        fields["pain_now"] = RadioField("How bad is the pain now? (0 = no pain, 10 = worst pain)",
            choices=[SelectChoice(str(n)) for n in range(11)],
            validators=[InputRequired(message="Choose a number from 0 to 10.")])
        fields["tried"] = MultiCheckboxField("What have you tried already?", choices=_choices(c.tried),
            validators=[Optional()])
        fields["tried_other"] = StringField("Anything else you have tried", validators=[
            Optional(), Length(max=SHORT_TEXT, message=f"Please keep this under {SHORT_TEXT} characters.")])
        fields["running_goals"] = long_text("Your running goals", "For example, a race you are training for.")
        fields["race_date"] = DateField("Date of your next race (optional)", validators=[Optional(), _race_date])
        for question in c.safety_questions:
            fields[f"safety_{question.id}"] = RadioField(question.question, choices=select(YES_NO_UNSURE),
                validators=[InputRequired(message="Please answer yes, no or not sure.")])
    elif step_id == "options":
        fields["option_notes"] = long_text("Questions or notes about the options (optional)")
    elif step_id == "values":
        for factor in c.values_factors:
            fields[f"value_{factor.id}"] = RadioField(factor.label, description=factor.help,
                choices=_choices(c.values_scale), validators=[Optional()])
        fields["own_factors"] = long_text("Anything else that matters to you (optional)")
    elif step_id == "check":
        for item in c.quiz:
            fields[f"quiz_{item.id}"] = RadioField(item.statement, choices=select(TRUE_FALSE), validators=[Optional()])
    elif step_id == "ready":
        for question in c.sure.questions:
            fields[f"sure_{question.id}"] = RadioField(question.text, choices=select(YES_NO),
                validators=[InputRequired(message="Please answer yes or no.")])
    elif step_id == "decision":
        choices = [SelectChoice(o.id, o.name) for o in content.options] + select(OTHER_CHOICES)
        fields["choice"] = RadioField("What did the patient choose after the discussion?", choices=choices,
            validators=[InputRequired(message="Choose one, or \"Not decided yet\".")])
        fields["other_text"] = StringField("If something else, what?", validators=[
            _other_needs_text,
            Length(max=SHORT_TEXT, message=f"Please keep this under {SHORT_TEXT} characters.")])
        fields["reasons"] = long_text("The reasons, in the patient's own words")
        fields["open_questions"] = long_text("Questions still open")
        fields["next_steps"] = long_text("Next steps")
        fields["follow_up_date"] = DateField("Follow-up date (optional)", validators=[Optional(), _follow_up])
        fields["clinician_notes"] = long_text("Clinician's notes")
    else:
        raise KeyError(step_id)
    return type(f"{step_id.title()}Form", (StepForm,), fields)


def build_form(step_id: str, content: Content, *, data: dict | None = None,
               reference_date: dt.date | None = None, **kwargs) -> StepForm:
    """The form for a step; ``data`` are saved answers (request data wins on POST)."""
    form = form_class(step_id, content)(data=form_data_from(data or {}), **kwargs)
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
