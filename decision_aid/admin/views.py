"""Admins manage the accounts of their own clinic and read its audit log."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts import operations, throttle
from ..accounts.forms import NewUserForm, PasswordResetForm
from ..accounts.models import User
from ..audit.models import AuditEntry
from ..consultation.forms import error_summary
from ..extensions import db
from ..inputs import MAX_ID, page_number
from ..record import settings as record_settings
from ..security import admin_required, audit_denied
from .forms import ClinicSettingsForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PER_PAGE = 50


def _own_user(user_id: int) -> User:
    user = db.session.get(User, user_id) if user_id <= MAX_ID else None
    if user is None or user.clinic_id != current_user.clinic_id:
        audit_denied("404", "user", str(user_id))
        abort(404)
    return user


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    form = NewUserForm()
    created = None
    if request.method == "POST" and form.validate_on_submit():
        try:
            created = operations.create_user(
                db.session, email=form.email.data, name=form.name.data, clinic=current_user.clinic,
                role=form.role.data, password=form.password.data, by=current_user)
            db.session.commit()
            form = NewUserForm(formdata=None)
        except operations.AccountError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
    people = db.session.scalars(sa.select(User).where(User.clinic_id == current_user.clinic_id)
                                .order_by(User.name)).all()
    failures = throttle.recent_failures(db.session, [person.email for person in people])
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("admin/users.html", form=form, people=people, created=created, failures=failures,
                           errors=error_summary(form)), status


@bp.post("/users/<int:user_id>/disable")
@admin_required
def disable_user(user_id: int):
    user = _own_user(user_id)
    if user.id == current_user.id:
        abort(400)  # an admin cannot lock themselves out
    operations.set_active(db.session, user, False, current_user)
    db.session.commit()
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/enable")
@admin_required
def enable_user(user_id: int):
    operations.set_active(db.session, _own_user(user_id), True, current_user)
    db.session.commit()
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_password(user_id: int):
    """Set a first password for someone who has forgotten theirs: their sessions end, and they
    must choose their own at the next sign-in. Your own password is changed from your name."""
    person = _own_user(user_id)
    if person.id == current_user.id:
        abort(400)
    form = PasswordResetForm(user=person)
    ended = None
    if form.validate_on_submit():
        try:
            ended = operations.reset_password(db.session, person, form.password.data, by=current_user)
            db.session.commit()
            form = PasswordResetForm(formdata=None, user=person)
        except operations.AccountError as error:
            db.session.rollback()
            form.password.errors.append(str(error))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("admin/reset_password.html", form=form, person=person, ended=ended,
                           errors=error_summary(form)), status


@bp.post("/users/<int:user_id>/unlock")
@admin_required
def unlock_user(user_id: int):
    operations.clear_sign_in_failures(db.session, _own_user(user_id), current_user)
    db.session.commit()
    return redirect(url_for("admin.users"))


@bp.get("/audit")
@admin_required
def audit():
    query = sa.select(AuditEntry).where(AuditEntry.clinic_id == current_user.clinic_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    page = page_number(request.args.get("page"), last=max(1, -(-total // AUDIT_PER_PAGE)))
    entries = db.session.scalars(query.order_by(AuditEntry.id.desc())
                                 .limit(AUDIT_PER_PAGE).offset((page - 1) * AUDIT_PER_PAGE)).all()
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.clinic_id == current_user.clinic_id)).all())
    pages = max(1, -(-total // AUDIT_PER_PAGE))
    return render_template("admin/audit.html", entries=entries, names=names, page=page, pages=pages, total=total)


@bp.route("/clinic", methods=["GET", "POST"])
@admin_required
def clinic_settings():
    clinic = current_user.clinic
    form = ClinicSettingsForm(obj=clinic)
    if request.method == "POST" and form.validate_on_submit():
        operations.update_clinic_settings(db.session, clinic, time_zone=form.time_zone.data, by=current_user,
                                          patient_link_days=form.patient_link_days.data)
        record_settings.set_patient_identifier_system(db.session, clinic, form.patient_identifier_system.data,
                                                      by=current_user)
        db.session.commit()
        return redirect(url_for("admin.clinic_settings", saved=1))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/clinic.html", form=form, clinic=clinic, errors=error_summary(form),
                           saved=request.args.get("saved") == "1"), status
