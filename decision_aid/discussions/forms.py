from __future__ import annotations

import datetime as dt

from wtforms import DateField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..consultation.forms import LONG_TEXT, StepForm, form_class, form_data_from, long_text
from ..content import Content
from ..inputs import AppForm
from ..models import MAX_CLINICIAN, MAX_PATIENT_REF, STATUS_COMPLETE, STATUS_IN_PROGRESS, STATUS_LABELS, STATUS_PAUSED

STATUS_CHOICES = [SelectChoice("", "Any"), SelectChoice(STATUS_IN_PROGRESS, "In progress"),
                  SelectChoice(STATUS_COMPLETE, "Complete"),
                  SelectChoice(STATUS_PAUSED, STATUS_LABELS[STATUS_PAUSED])]


class SearchForm(AppForm):
    """Sent by POST, so a patient reference never appears in a URL or an access log."""

    patient_ref = StringField("Patient reference (or any part of it)", validators=[
        Optional(), Length(max=MAX_PATIENT_REF, message=f"Use at most {MAX_PATIENT_REF} characters.")])
    clinician = StringField("Clinician's name (or any part of it)", validators=[
        Optional(), Length(max=MAX_CLINICIAN, message=f"Use at most {MAX_CLINICIAN} characters.")])
    date_from = DateField("Discussed on or after", validators=[Optional()])
    date_to = DateField("Discussed on or before", validators=[Optional()])
    status = RadioField("Status", choices=STATUS_CHOICES, default="", validators=[Optional()])
    page = HiddenField(default="1")  # read by views.search; anything odd means page 1

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError("This date must be on or after the first date.")


AMEND_FIELDS = ("note", "reason", "expected_revision")


def build_amend_form(content: Content, *, data: dict | None = None,
                     reference_date: dt.date | None = None, step_id: str = "decision") -> StepForm:
    """A step's questions (the decision's by default), plus why it is changed (who is the
    signed-in user); the decision step also takes a follow-up note."""
    extra = {"note": long_text("Follow-up note (optional)", "Added to the record with your name and today's date.")} \
        if step_id == "decision" else {}
    amend_form = type("AmendForm", (form_class(step_id, content),), {
        **extra,
        "reason": TextAreaField("Why is this being changed?", validators=[
            DataRequired(message="Say why this is being changed."),
            Length(max=LONG_TEXT, message=f"Please keep this under {LONG_TEXT:,} characters.")]),
        "expected_revision": HiddenField(),
    })
    form = amend_form(data=form_data_from(data or {}))
    form.reference_date = reference_date
    return form
