from __future__ import annotations

from wtforms import PasswordField
from wtforms.validators import DataRequired

from ..inputs import AppForm


class UnlockForm(AppForm):
    """Back from the patient view: the signed-in clinician's own password, typed again."""

    password = PasswordField("Your password", render_kw={"autocomplete": "current-password"},
                             validators=[DataRequired(message="Enter your password.")])
