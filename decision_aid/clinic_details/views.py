"""The clinic's printed details page (admins), and the glue that gives pages and PDFs the details."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import clinic_time
from ..accounts.models import Clinic
from ..consultation.forms import error_summary
from ..content import Content
from ..extensions import db
from ..library import current_content
from ..models import Discussion
from ..security import admin_required
from . import operations
from .forms import details_form
from .logo import MAX_BYTES, LogoRefused, check_logo

bp = Blueprint("clinic_details", __name__, url_prefix="/admin/clinic")


def signed_in_details(content: Content) -> dict:
    """The signed-in clinic's details as they are now."""
    return operations.for_clinic(db.session, current_user.clinic, content)


def discussion_details(discussion: Discussion, content: Content) -> dict:
    """The details the discussion was held under (never the newer ones)."""
    return operations.for_discussion(db.session, discussion_clinic(discussion), discussion.clinic_details_version,
                                     content)


def discussion_clinic(discussion: Discussion) -> Clinic:
    return db.session.get(Clinic, discussion.clinic_id)


def _saved_data(details) -> dict:
    if details is None:
        return {"printed_name": current_user.clinic.name}
    data = {name: getattr(details, name) for name in operations.TEXT_FIELDS}
    for option_id, fact in details.local_facts.items():
        data.update({f"{name}_{option_id}": fact.get(name, "") for name in operations.FACT_FIELDS})
    return data


def _uploaded_logo(form):
    upload = form.logo.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return check_logo(upload.stream.read(MAX_BYTES + 1))


@bp.route("/details", methods=["GET", "POST"])
@admin_required
def edit():
    content = current_content()
    clinic = current_user.clinic
    saved = operations.latest(db.session, clinic.id)
    form = details_form(content, data=_saved_data(saved)) if request.method == "GET" else details_form(content)
    if request.method == "POST" and form.validate_on_submit():
        try:
            logo = _uploaded_logo(form)
        except LogoRefused as refusal:
            form.logo.errors = [str(refusal)]
        else:
            try:
                operations.save_details(
                    db.session, clinic, text={name: form[name].data or "" for name in operations.TEXT_FIELDS},
                    facts=form.facts(o.id for o in content.options), logo=logo,
                    remove_logo=bool(form.remove_logo.data), by=current_user,
                    today=clinic_time.today(clinic.time_zone))
                db.session.commit()
                return redirect(url_for("clinic_details.edit", saved=1))
            except IntegrityError:  # another admin saved the same version number a moment before
                db.session.rollback()
                form.printed_name.errors = ["Someone else saved the details just now. Check them and save again."]
    status = 422 if request.method == "POST" else 200
    return render_template("clinic_details/edit.html", form=form, clinic=clinic, content=content,
                           current=operations.printed(clinic, saved, content), saved_row=saved,
                           errors=error_summary(form), saved=request.args.get("saved") == "1"), status
