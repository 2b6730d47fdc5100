"""The forms after the visit: CollaboRATE, the follow-up, and the clinic figures' date range."""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..consultation.forms import select
from ..inputs import AppForm
from .instruments import (COLLABORATE_ANCHORS, COLLABORATE_ITEMS, COLLABORATE_SCALE, REGRET_ITEMS,
                          REGRET_SCALE)
from .models import MAX_DONE_SINCE

MAX_RANGE_DAYS = 5 * 366


def _scale_choices() -> list:
    return select([(n, f"{n} – {COLLABORATE_ANCHORS[n]}" if n in COLLABORATE_ANCHORS else str(n))
            for n in COLLABORATE_SCALE])


class CollaborateForm(AppForm):
    pass


for _item in COLLABORATE_ITEMS:
    setattr(CollaborateForm, _item.id, RadioField(_item.text, coerce=int, choices=_scale_choices(), validators=[
        InputRequired(_l("Choose a number from 0 to 9, or skip the questions."))]))


class FollowUpForm(AppForm):
    done_since = TextAreaField("What has been done since the visit?", validators=[
        Optional(), Length(max=MAX_DONE_SINCE, message=f"Please keep this under {MAX_DONE_SINCE:,} characters.")])
    option_tried = RadioField("Which of the options was tried, if any?", validators=[Optional()])
    pain_now = RadioField("Pain now, from 0 (no pain) to 10 (worst pain imaginable)", coerce=int,
                          choices=select((n, str(n)) for n in range(0, 11)),
                          validators=[InputRequired("Choose the pain now, from 0 to 10.")])

    def __init__(self, *args, options: Sequence[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        # The four options in the fixed order, then "none of them".
        self.option_tried.choices = select([*options, ("none", _l("None of them"))])

    def answers(self) -> dict:
        return {"done_since": self.done_since.data or "", "option_tried": self.option_tried.data or None,
                "pain_now": self.pain_now.data,
                **{item.id: getattr(self, item.id).data for item in REGRET_ITEMS}}


for _item in REGRET_ITEMS:
    setattr(FollowUpForm, _item.id, RadioField(_item.text, coerce=int, choices=select(REGRET_SCALE),
                                               validators=[Optional()]))


class PatientFollowUpForm(FollowUpForm):
    """The same follow-up, asked of the patient on their own link: the same fields and the same
    Decision Regret Scale, with the questions put to them."""

    # In the patient's language (lazy: drawn in the request's locale); the scale's own items stay English.
    done_since = TextAreaField(_l("What have you done for your knee since your visit?"), validators=[
        Optional(), Length(max=MAX_DONE_SINCE, message=_l("Please keep this under %(count)s characters.",
                                                          count=f"{MAX_DONE_SINCE:,}"))])
    option_tried = RadioField(_l("Which of the four options have you tried, if any?"), validators=[Optional()])
    pain_now = RadioField(_l("How bad is your knee pain now? 0 is no pain, 10 is the worst pain you can imagine."),
                          coerce=int, choices=select((n, str(n)) for n in range(0, 11)),
                          validators=[InputRequired(_l("Choose a number from 0 to 10 for your pain now."))])


def collaborate_answers(form: CollaborateForm) -> dict[str, int]:
    return {item.id: getattr(form, item.id).data for item in COLLABORATE_ITEMS}


class DateRangeForm(AppForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    date_from = DateField("From", validators=[InputRequired("Enter the first day, for example 2026-01-31.")])
    date_to = DateField("To", validators=[InputRequired("Enter the last day, for example 2026-12-31.")])

    def validate_date_to(self, field) -> None:
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("The last day is before the first day.")
        if self.date_from.data and field.data and (field.data - self.date_from.data).days > MAX_RANGE_DAYS:
            raise ValidationError("Choose at most 5 years.")

    @staticmethod
    def default_range(today: dt.date) -> dict:
        return {"date_from": (today - dt.timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
