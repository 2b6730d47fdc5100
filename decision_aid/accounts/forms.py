from __future__ import annotations

from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp, ValidationError

from ..inputs import AppForm
from .models import ROLE_ADMIN, ROLE_CLINICIAN
from .passwords import MAX_LENGTH, password_problem

EMAIL = [DataRequired(message="Enter an e-mail address."), Length(max=254, message="Use at most 254 characters."),
         Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Enter an e-mail address like name@clinic.org.")]
NAME = [DataRequired(message="Enter a name."), Length(max=120, message="Use at most 120 characters.")]


class LoginForm(AppForm):
    email = StringField("E-mail address", render_kw={"autocomplete": "username"},
                        validators=[DataRequired(message="Enter your e-mail address."), Length(max=254)])
    password = PasswordField("Password", render_kw={"autocomplete": "current-password"},
                             validators=[DataRequired(message="Enter your password."), Length(max=MAX_LENGTH)])


class NewPasswordMixin:
    # The account's own e-mail address and name, for forms that do not ask for them (a change).
    account_email = account_name = ""

    def validate_password(self, field) -> None:
        email = self.email.data if "email" in self._fields else self.account_email
        name = self.name.data if "name" in self._fields else self.account_name
        problem = password_problem(field.data or "", email=email or "", name=name or "")
        if problem:
            raise ValidationError(problem)


def _password_fields(label: str = "Password"):
    return (PasswordField(label, description="At least 12 characters. A few unrelated words work well.",
                          render_kw={"autocomplete": "new-password"},
                          validators=[DataRequired(message="Enter a password.")]),
            PasswordField("Type the password again", render_kw={"autocomplete": "new-password"}, validators=[
                DataRequired(message="Type the password again."),
                EqualTo("password", message="The two passwords are not the same.")]))


class FirstRunForm(NewPasswordMixin, AppForm):
    clinic = StringField("Clinic name", validators=NAME)
    name = StringField("Your name", validators=NAME)
    email = StringField("Your e-mail address", validators=EMAIL)
    password, confirm = _password_fields()


class NewUserForm(NewPasswordMixin, AppForm):
    name = StringField("Name", validators=NAME)
    email = StringField("E-mail address", validators=EMAIL)
    role = RadioField("Role", default=ROLE_CLINICIAN, validators=[DataRequired(message="Choose a role.")],
                      choices=[SelectChoice(ROLE_CLINICIAN, "Clinician"),
                               SelectChoice(ROLE_ADMIN, "Clinic admin (can manage accounts)")])
    password, confirm = _password_fields("First password (tell the clinician; they can change it)")


class PasswordChangeForm(NewPasswordMixin, AppForm):
    current = PasswordField("Current password", render_kw={"autocomplete": "current-password"}, validators=[DataRequired(message="Enter your current password.")])
    password, confirm = _password_fields("New password")

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.account_email, self.account_name = user.email, user.name

    def validate_password(self, field) -> None:
        if field.data and field.data == self.current.data:
            raise ValidationError("Choose a password different from your current one.")
        super().validate_password(field)


class PasswordResetForm(NewPasswordMixin, AppForm):
    password, confirm = _password_fields("New first password (tell them; they choose their own at next sign-in)")

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            self.account_email, self.account_name = user.email, user.name
