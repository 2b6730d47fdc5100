"""Bad input gets a clear answer, never a server error: NUL bytes and out-of-range numbers.

PostgreSQL cannot store a NUL byte in text (SQLite can, so it slipped by there), and no person
types one: every form of the app is an ``AppForm``, which puts a message next to a visible field
holding one and refuses a tampered hidden field with a 400 before anything is read or saved.
"""
from __future__ import annotations

from flask import abort
from flask_wtf import FlaskForm

NUL_MESSAGE = "This holds a character that cannot be saved (a NUL byte). Delete it and try again."
MAX_PAGE_DIGITS = 6  # more pages than anyone could browse; longer numbers mean page 1
MAX_ID = 2**31 - 1  # the largest id a database integer column holds


class AppForm(FlaskForm):
    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if not any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ()):
                continue
            if field.type in ("HiddenField", "CSRFTokenField"):
                abort(400)  # no one types into a hidden field
            field.errors = [NUL_MESSAGE, *field.errors]  # the cause of any other message
            valid = False
        return valid


def page_number(value: str | None, last: int | None = None) -> int:
    """A page number from a query string or form: anything odd means page 1, past the end the last."""
    page = int(value) if value and value.isdigit() and len(value) <= MAX_PAGE_DIGITS else 1
    return max(1, min(page, last)) if last else max(1, page)
