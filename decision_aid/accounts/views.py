"""Sign-in, sign-out, the first-run page, and changing one's own password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..audit.log import record
from ..consultation.forms import error_summary
from ..extensions import db
from ..models import utcnow
from . import operations, sessions, throttle
from .forms import FirstRunForm, LoginForm, PasswordChangeForm
from .passwords import hash_password, needs_rehash, verify_nobody, verify_password

bp = Blueprint("accounts", __name__)

SIGN_IN_FAILED = "The e-mail address or password is not right."
ENDED_MESSAGES = {
    "idle": "You were signed out after a time without activity. Sign in to carry on.",
    "absolute": "You were signed out because the session reached its time limit. Sign in to carry on.",
    "disabled": "This account has been disabled. Ask your clinic admin.",
    "signed_out": "You have signed out.",
}


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send someone on to another site after sign-in."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc \
            and "\\" not in target:
        return target
    return url_for("guide.start")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if not operations.any_user(db.session):
        return redirect(url_for("accounts.first_run"))
    form = LoginForm()
    message = ENDED_MESSAGES.get(request.args.get("ended", ""))
    if request.method == "GET" or not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("accounts/login.html", form=form, message=message,
                               errors=error_summary(form)), status

    address = request.remote_addr or "unknown"
    email = form.email.data
    wait = throttle.wait_seconds(db.session, email, address)
    if wait:
        record(db.session, "sign_in_refused", detail="throttled")
        db.session.commit()
        return render_template("accounts/login.html", form=form, errors=[], throttled=wait), 429

    user = operations.find_user(db.session, email)
    ok = verify_password(user.password_hash, form.password.data) if user else verify_nobody(form.password.data)
    if not ok or not user.active:
        throttle.note_attempt(db.session, email, address, success=False)
        record(db.session, "sign_in_failure", user_id=user.id if user else None,
               clinic_id=user.clinic_id if user else None)
        db.session.commit()
        return render_template("accounts/login.html", form=form, errors=[], failed=SIGN_IN_FAILED), 401

    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(form.password.data)
    throttle.note_attempt(db.session, email, address, success=True)
    sessions.start(user)
    record(db.session, "sign_in", user_id=user.id, clinic_id=user.clinic_id)
    db.session.commit()
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    record(db.session, "sign_out", user_id=current_user.id, clinic_id=current_user.clinic_id)
    sessions.end("signed_out")
    db.session.commit()
    return redirect(url_for("accounts.login", ended="signed_out"))


@bp.post("/session/keep-alive")
def keep_alive():
    """Any signed-in request counts as activity; this one exists for the "Stay signed in" button."""
    return "", 204


@bp.route("/setup", methods=["GET", "POST"])
def first_run():
    """Create the clinic and its first admin. Exists only while there is no account at all."""
    if operations.any_user(db.session):
        abort(404)
    form = FirstRunForm()
    if form.validate_on_submit():
        user = operations.create_user(db.session, email=form.email.data, name=form.name.data,
                                      clinic_name=form.clinic.data.strip(), role="admin",
                                      password=form.password.data)
        record(db.session, "first_run", user_id=user.id, clinic_id=user.clinic_id)
        sessions.start(user)
        record(db.session, "sign_in", user_id=user.id, clinic_id=user.clinic_id)
        db.session.commit()
        return redirect(url_for("accounts.what_next"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/first_run.html", form=form, errors=error_summary(form)), status


@bp.get("/setup/next")
def what_next():
    """Where a new clinic goes after set-up: add clinicians, start a discussion, print handouts."""
    return render_template("accounts/what_next.html")


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current.data):
            form.current.errors.append("This is not your current password.")
        else:
            current_user.password_hash = hash_password(form.password.data)
            current_user.password_changed_at = utcnow()
            record(db.session, "password_change", user_id=current_user.id, clinic_id=current_user.clinic_id,
                   object_type="user", object_id=str(current_user.id))
            db.session.commit()
            return render_template("accounts/password.html", form=PasswordChangeForm(formdata=None),
                                   errors=[], changed=True)
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form, errors=error_summary(form)), status


def init_app(app) -> None:
    sessions.login_manager.init_app(app)
    # Sessions are checked against the database on every request (sessions.load_user);
    # Flask-Login's own IP/user-agent "protection" would add nothing but false sign-outs.
    sessions.login_manager.session_protection = None
