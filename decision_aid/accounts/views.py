"""Sign-in, sign-out, the first-run page, and changing one's own password."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..audit.log import record
from ..consultation.forms import error_summary
from ..extensions import db
from ..models import utcnow
from ..security import anonymous_detail
from . import operations, sessions, throttle
from .forms import FirstRunForm, LoginForm, PasswordChangeForm
from .passwords import Busy, check_slot, hash_password, needs_rehash, verify_nobody, verify_password

bp = Blueprint("accounts", __name__)
# The page's countdown ends a second before the limit; its own page load may have come a moment
# after the server last saw the session. More time left than this means another tab was used.
IDLE_END_SLACK_SECONDS = 5

SIGN_IN_FAILED = "The e-mail address or password is not right."
BUSY_WAIT = 2  # seconds, when too many password checks are running at once
ENDED_MESSAGES = {
    "idle": "You were signed out after a time without activity. Sign in to carry on.",
    "absolute": "You were signed out because the session reached its time limit. Sign in to carry on.",
    "disabled": "This account has been disabled. Ask your clinic admin.",
    "signed_out": "You have signed out.",
    "password_change": "You were signed out because this account's password was changed. Sign in with the new one.",
    "password_reset": "Your clinic admin has set a new password for this account. Sign in with the one they gave you.",
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
    # Read, then end the transaction before the password check: on SQLite every transaction
    # holds the write lock (database.py) and argon2 takes ~0.1 s of CPU, so checking inside one
    # made every other request queue behind a burst of failing sign-ins.
    wait = throttle.wait_seconds(db.session, email, address)
    user = None if wait else operations.find_user(db.session, email)
    db.session.commit()
    checked = not wait
    if checked:
        try:
            with check_slot():
                ok = verify_password(user.password_hash, form.password.data) if user \
                    else verify_nobody(form.password.data)
                rehashed = hash_password(form.password.data) if ok and needs_rehash(user.password_hash) else None
        except Busy:  # nothing was checked, so nothing is counted or audited
            return render_template("accounts/login.html", form=form, errors=[], throttled=BUSY_WAIT), 429
        # The outcome in one short write. Counted again under the lock: guesses sent in parallel,
        # past the limit, get "too many tries" and never learn whether they were right.
        wait = throttle.wait_seconds(db.session, email, address)
    if wait:
        if checked:  # a guess that was checked counts, whether or not it is answered
            throttle.note_attempt(db.session, email, address, success=False)
        detail = anonymous_detail("throttled")  # refusals cost nothing: they must not flood the log
        if detail:
            record(db.session, "sign_in_refused", detail=detail)
        db.session.commit()
        return render_template("accounts/login.html", form=form, errors=[], throttled=wait), 429
    if not ok or not user.active:
        throttle.note_attempt(db.session, email, address, success=False)
        record(db.session, "sign_in_failure", user_id=user.id if user else None,
               clinic_id=user.clinic_id if user else None)
        db.session.commit()
        return render_template("accounts/login.html", form=form, errors=[], failed=SIGN_IN_FAILED), 401

    if rehashed:
        user.password_hash = rehashed
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


@bp.post("/session/idle-end")
def idle_end():
    """The page's idle countdown ran out: end the session here and now (the page then goes to the
    sign-in page), unless the clinician was active in another tab since; then say how long is left."""
    left = sessions.idle_seconds_left()
    if left > IDLE_END_SLACK_SECONDS:
        return jsonify(seconds_left=left)
    record(db.session, "session_end", user_id=current_user.id, clinic_id=current_user.clinic_id, detail="idle")
    sessions.end("idle")
    db.session.commit()
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
    form = PasswordChangeForm(user=current_user)
    due = current_user.must_change_password  # an admin reset it: the only page open until done
    status = 422
    if form.validate_on_submit():
        # Wrong current passwords are throttled like sign-ins (same account and address counts),
        # and, as there, no transaction is open while the password is checked.
        address = request.remote_addr or "unknown"
        wait = throttle.wait_seconds(db.session, current_user.email, address)
        db.session.commit()
        if wait:
            form.current.errors.append(f"Too many wrong tries. Wait {wait} seconds and try again.")
            status = 429
        elif not verify_password(current_user.password_hash, form.current.data):
            throttle.note_attempt(db.session, current_user.email, address, success=False)
            record(db.session, "sign_in_failure", user_id=current_user.id, clinic_id=current_user.clinic_id,
                   detail="current password at password change")
            db.session.commit()
            form.current.errors.append("This is not your current password.")
        else:
            ended = operations.change_password(db.session, current_user, form.password.data,
                                               keep_session=sessions.current_id())
            db.session.commit()
            return render_template("accounts/password.html", form=PasswordChangeForm(formdata=None, user=current_user),
                                   errors=[], changed=True, others_ended=ended, was_due=due)
    status = status if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form, errors=error_summary(form), due=due), status


def init_app(app) -> None:
    sessions.login_manager.init_app(app)
    # Sessions are checked against the database on every request (sessions.load_user);
    # Flask-Login's own IP/user-agent "protection" would add nothing but false sign-outs.
    sessions.login_manager.session_protection = None
    app.add_template_global(sessions.typing_owner, "typing_owner")
