from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from ..clinic_time import time_zones


def _known_zone(form, field) -> None:
    if field.data not in time_zones():
        raise ValidationError("Choose a time zone from the list.")


class ClinicSettingsForm(FlaskForm):
    """The clinic's own settings (only the time zone so far; name, address and logo come later)."""

    time_zone = SelectField(
        "Time zone", description="Times on pages, PDFs and the audit log are shown on this clock. "
        "They are stored in UTC, so changing it changes only how they are shown.",
        choices=[SelectChoice(name, name.replace("_", " ")) for name in time_zones()], validate_choice=False,
        validators=[_known_zone])

    # The FHIR export names the patient only by the clinic's reference under this system.
    patient_identifier_system = StringField(
        "Patient identifier system (for the FHIR export)",
        description="The URI under which your patient references are issued, for example "
        "https://records.your-clinic.example/patient-id or urn:oid:1.2.3.4. Ask whoever runs your "
        "patient record. Exports are refused until it is set.",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Optional(), Length(max=255, message="Use at most 255 characters."),
                    Regexp(r"^(https?://[^\s/]+\S*|urn:[A-Za-z0-9][A-Za-z0-9-]*:\S+)$",
                           message="Enter an absolute URI: one starting https:// (or http://) or urn:.")])
    # How long a patient's own link stays open (patient_link/); a shorter time is safer.
    patient_link_days = IntegerField(
        "Days a patient's link stays open", description="From 1 to 30 days. A link also closes when the "
        "discussion is finished or the clinician withdraws it.",
        validators=[Optional(),  # left empty: the clinic's current number stays
                    NumberRange(min=1, max=30, message="Enter a number of days from 1 to 30.")])
