from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

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
