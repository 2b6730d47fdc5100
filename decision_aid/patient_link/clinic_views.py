"""The clinician's side: making and withdrawing a patient's link, and the tablet's patient view.

The patient view is held on the server-side session row (``accounts/sessions.py``), not in the
cookie, so putting back an older copy of the cookie cannot end it. It is checked on every request
(``keep_to_patient_view``): while it is held only the patient's pages of that one discussion open,
whatever is typed into the address bar; the way back is the clinician's password, checked and
throttled as at sign-in.
"""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import i18n
from ..accounts import sessions, throttle
from ..accounts.passwords import Busy, check_slot, verify_password
from ..audit.log import record
from ..consultation.forms import error_summary
from ..consultation.views import load_discussion
from ..extensions import db
from ..models import STATUS_IN_PROGRESS
from ..security import audit_denied
from . import operations, pages, parts
from .forms import UnlockForm
from .models import PURPOSE_PREPARE
from .qr import qr_svg

bp = Blueprint("patient_clinic", __name__, url_prefix="/discussions")
# Open while the patient holds the tablet (the idle countdown's requests keep working).
PATIENT_VIEW_ENDPOINTS = frozenset({"static", "patient_clinic.tablet_page", "patient_clinic.tablet_end",
                                    "accounts.keep_alive", "accounts.idle_end"})


def _link_page(discussion, *, token: str | None = None, status: int = 200, **extra):
    links = operations.live_links(db.session, discussion.id, purpose=PURPOSE_PREPARE)
    url = url_for("patient.open_link", token=token, _external=True) if token else None
    return render_template("patient/link.html", discussion=discussion, link=links[-1] if links else None,
                           url=url, qr=qr_svg(url, "QR code of the patient's link") if url else None,
                           answered=operations.answered_by_patient(db.session, discussion.id),
                           titles=parts.TITLES, **extra), status


@bp.get("/<uuid:discussion_id>/patient-link")
def link_page(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    return _link_page(discussion, withdrawn=request.args.get("withdrawn") == "1")


@bp.post("/<uuid:discussion_id>/patient-link")
def make_link(discussion_id: uuid.UUID):
    """The link is shown once, in this response: only its hash is kept, so it cannot be shown again."""
    discussion = load_discussion(discussion_id)
    if discussion.status != STATUS_IN_PROGRESS:
        return _link_page(discussion, status=409, not_open=True)
    link, token = operations.create_link(db.session, discussion, user_id=current_user.id)
    db.session.commit()
    return _link_page(discussion, token=token)


@bp.post("/<uuid:discussion_id>/patient-link/withdraw")
def withdraw_link(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    for link in operations.live_links(db.session, discussion.id, purpose=PURPOSE_PREPARE):  # not the links after
        operations.withdraw(db.session, link, user_id=current_user.id)
    db.session.commit()
    return redirect(url_for("patient_clinic.link_page", discussion_id=discussion.id, withdrawn=1))


def _tablet_url(discussion_id: uuid.UUID):
    return lambda part: url_for("patient_clinic.tablet_page", discussion_id=discussion_id, part=part)


@bp.post("/<uuid:discussion_id>/patient-view")
def start_patient_view(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    if discussion.status != STATUS_IN_PROGRESS:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    sessions.set_patient_view(discussion.id)
    record(db.session, "patient_view_start", user_id=current_user.id, clinic_id=current_user.clinic_id,
           object_type="discussion", object_id=str(discussion.id))
    db.session.commit()
    return redirect(_tablet_url(discussion.id)(parts.ABOUT), code=303)


def _in_patient_view(discussion_id: uuid.UUID) -> bool:
    return sessions.patient_view() == discussion_id


@bp.route("/<uuid:discussion_id>/patient-view/<part>", methods=["GET", "POST"])
def tablet_page(discussion_id: uuid.UUID, part: str):
    discussion = load_discussion(discussion_id)
    if not _in_patient_view(discussion_id):
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    if part not in parts.PARTS:
        abort(404)
    tablet = {"end_url": url_for("patient_clinic.tablet_end", discussion_id=discussion.id)}
    if discussion.status != STATUS_IN_PROGRESS:
        i18n.use_language(discussion.language)
        return render_template("patient/closed.html", heading=_l("This discussion is not open"),
                               message=_l("Please give the tablet back to your clinician."), tablet=tablet), 409
    if request.method == "GET" or part not in parts.FORM_PARTS:
        return pages.render_part(part, discussion, _tablet_url(discussion.id), tablet=tablet)

    def save(step_id: str, answers: dict, expected: int) -> None:
        operations.save_patient_step(db.session, discussion, step_id, answers, expected, user_id=current_user.id)
        db.session.commit()

    return pages.post_part(part, discussion, _tablet_url(discussion.id), save, tablet=tablet)


@bp.route("/<uuid:discussion_id>/patient-view/end", methods=["GET", "POST"])
def tablet_end(discussion_id: uuid.UUID):
    """Back to the clinician's view: the signed-in clinician's password, throttled like sign-in."""
    discussion = load_discussion(discussion_id)
    if not _in_patient_view(discussion_id):
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    form, status = UnlockForm(), 200
    if form.validate_on_submit():
        address = request.remote_addr or "unknown"
        wait = throttle.wait_seconds(db.session, current_user.email, address)
        db.session.commit()  # no transaction stays open while the password is checked
        try:
            with check_slot():
                ok = not wait and verify_password(current_user.password_hash, form.password.data)
        except Busy:
            ok, wait = False, 2
        if wait:
            form.password.errors.append(f"Too many wrong tries. Wait {wait} seconds and try again.")
            status = 429
        elif not ok:
            throttle.note_attempt(db.session, current_user.email, address, success=False)
            record(db.session, "sign_in_failure", user_id=current_user.id, clinic_id=current_user.clinic_id,
                   object_type="discussion", object_id=str(discussion.id), detail="password at patient view end")
            db.session.commit()
            form.password.errors.append("This is not the password of the clinician signed in.")
            status = 422
        else:
            sessions.set_patient_view(None)
            record(db.session, "patient_view_end", user_id=current_user.id, clinic_id=current_user.clinic_id,
                   object_type="discussion", object_id=str(discussion.id))
            db.session.commit()
            step_id = discussion.current_step if discussion.status == STATUS_IN_PROGRESS else None
            return redirect(url_for("consultation.step_page", discussion_id=discussion.id, step_id=step_id)
                            if step_id else url_for("discussions.review", discussion_id=discussion.id), code=303)
    elif request.method == "POST":
        status = 422
    tablet = {"end_url": url_for("patient_clinic.tablet_end", discussion_id=discussion.id)}
    # The password box and its errors are the clinician's: in the clinic's language, whole.
    errors = error_summary(form)
    clinician_part = i18n.clinician_part("patient/_unlock_form.html", form=form, errors=errors)
    i18n.use_language(discussion.language)  # the patient holds the tablet
    return render_template("patient/unlock.html", clinician_part=clinician_part, tablet=tablet,
                           errors=errors, back_url=_tablet_url(discussion.id)(parts.ABOUT)), status


@bp.before_app_request
def keep_to_patient_view():
    """While the tablet shows the patient view, nothing else opens (checked here, not by hiding links)."""
    if not current_user.is_authenticated:  # this loads the session row that holds the view
        return None
    held = sessions.patient_view()
    if held is None:
        return None
    view_args = request.view_args or {}
    if request.endpoint in PATIENT_VIEW_ENDPOINTS and view_args.get("discussion_id", held) == held:
        return None
    audit_denied("patient view")
    if request.method == "GET":
        return redirect(url_for("patient_clinic.tablet_page", discussion_id=held, part=parts.ABOUT))
    abort(403)
