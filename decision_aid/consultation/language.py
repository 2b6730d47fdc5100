"""The patient's language for a discussion (issue #14): chosen on the Start step, changed later
on the patient's link page. A discussion keeps it; each revision keeps the one it was shown in.

It is a property of the discussion, not an answer: it is not in the step's answers, nor in the
FHIR questionnaire built from the step forms.
"""
from __future__ import annotations

import uuid

import sqlalchemy.orm as so
from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user
from wtforms import SelectField

from .. import i18n
from ..audit.log import record
from ..extensions import db
from ..inputs import AppForm
from ..models import Discussion

bp = Blueprint("discussion_language", __name__, url_prefix="/discussions")


class LanguageForm(AppForm):
    class Meta:
        csrf = False  # always part of a form that carries the CSRF token (the Start step's, the link page's)

    language = SelectField(
        "The patient's language",
        description="The patient's pages, handouts and summary are in this language. "
                    "Your own pages and the clinical record stay in English.",
        default="en")  # left out of a post (an older form, a script): English, as before languages

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language by its own name ("Polski", "العربية"), English first.
        self.language.choices = [(language.code, language.name) for language in i18n.languages()]


def set_language(session: so.Session, discussion: Discussion, code: str, *, user_id: int) -> None:
    """Change the patient's language; saved revisions keep the language they were shown in."""
    if code not in i18n.language_codes():
        raise ValueError(f"unknown language {code!r}")
    if code == discussion.language:
        return
    discussion.language = code
    session.flush()
    record(session, "update", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
           object_id=str(discussion.id), detail=f"language {code}")


@bp.app_template_global()
def language_form_for(discussion: Discussion) -> LanguageForm:
    """The link page's select, showing the discussion's language (the page is link-after's)."""
    return LanguageForm(formdata=None, data={"language": discussion.language})


@bp.post("/<uuid:discussion_id>/language")
def change(discussion_id: uuid.UUID):
    from .views import load_discussion  # the clinic's own discussions only, as every discussion page
    discussion = load_discussion(discussion_id)
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)  # a select of fixed choices: anything else was not chosen on the page
    set_language(db.session, discussion, form.language.data, user_id=current_user.id)
    db.session.commit()
    return redirect(url_for("patient_clinic.link_page", discussion_id=discussion.id), code=303)
