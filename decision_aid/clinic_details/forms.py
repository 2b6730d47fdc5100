"""The clinic's printed details: fixed fields declared here, one group of local facts per option."""
from __future__ import annotations

import re

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..content import Content
from ..inputs import AppForm
from . import logo as logo_check
from .models import MAX_CONTACT, MAX_NAME, MAX_PHONE, MAX_TEXT
from .operations import FACT_FIELDS, NOT_OFFERED, OFFERED

PHONE = re.compile(r"^\+?[0-9 ()\-]{5,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
WEB = re.compile(r"^(https?://)?[a-z0-9-]+(\.[a-z0-9-]+)+(/\S*)?$", re.IGNORECASE)
MAX_FACT = 200


def _phone(form, field) -> None:
    if field.data and not PHONE.match(field.data.strip()):
        raise ValidationError("Give the number with digits and spaces only, for example 020 7946 0000.")


def _contact(form, field) -> None:
    value = (field.data or "").strip()
    if value and not (EMAIL.match(value) or WEB.match(value)):
        raise ValidationError("Give an e-mail address (name@clinic.example) or a web address (www.clinic.example).")


class ClinicDetailsForm(AppForm):
    printed_name = StringField("Clinic name as printed", validators=[DataRequired("Give the clinic's name."),
                                                                      Length(max=MAX_NAME)])
    address = TextAreaField("Address", description="One line per line of the address.",
                            validators=[Optional(), Length(max=MAX_TEXT)])
    phone = StringField("Phone number", description="Printed under “If your knee gets worse”.",
                        validators=[Optional(), Length(max=MAX_PHONE), _phone])
    contact = StringField("E-mail or web address", validators=[Optional(), Length(max=MAX_CONTACT), _contact])
    opening_hours = TextAreaField("Opening hours", description="For example: Monday to Friday, 8am to 6pm.",
                                  validators=[Optional(), Length(max=MAX_TEXT)])
    logo = FileField("Logo", description=f"A PNG or SVG file of at most {logo_check.MAX_BYTES // 1024} kB. "
                     "Leave empty to keep the logo there is.")
    remove_logo = BooleanField("Remove the logo")

    def fact_fields(self, option_id: str) -> list:
        return [self[f"{name}_{option_id}"] for name in FACT_FIELDS]

    def facts(self, option_ids) -> dict[str, dict]:
        return {option_id: {name: (self[f"{name}_{option_id}"].data or "").strip() for name in FACT_FIELDS}
                for option_id in option_ids}


def details_form(content: Content, **kwargs) -> ClinicDetailsForm:
    """The form with each option's local facts, labelled with the option's name, in the fixed order."""

    class Form(ClinicDetailsForm):
        pass

    for option in content.options:
        name = option.short_name
        setattr(Form, f"offered_{option.id}", SelectField(
            f"Is {name} offered at this clinic?", choices=[SelectChoice("", "Not said"), SelectChoice(OFFERED, "Yes, offered here"),
                                                           SelectChoice(NOT_OFFERED, "No, not offered here")],
            validators=[Optional()]))
        setattr(Form, f"price_{option.id}", StringField(
            f"Price of {name} here", description="As the patient would pay it, for example £320 per injection.",
            validators=[Optional(), Length(max=MAX_FACT)]))
        setattr(Form, f"booking_{option.id}", StringField(
            f"How to book {name}", validators=[Optional(), Length(max=MAX_FACT)]))
        setattr(Form, f"waiting_{option.id}", StringField(
            f"Typical wait for {name}", description="For example: about 2 weeks.",
            validators=[Optional(), Length(max=MAX_FACT)]))
    return Form(**kwargs)
