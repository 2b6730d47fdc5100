"""Who may reach what, and the headers every response carries."""
from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user

from .audit.log import record
from .audit.tally import Tally
from .extensions import db

# Everything else needs a signed-in clinician.
PUBLIC_ENDPOINTS = frozenset({"accounts.login", "accounts.first_run", "static", "health.healthz",
                              # the patient's own link: the token is the key (patient_link/views.py)
                              "patient.open_link", "patient.page",
                              "patient_after.collaborate", "patient_after.follow_up"})
# While an admin-set password waits to be replaced by its owner's own, only these stay open.
WHILE_PASSWORD_DUE = frozenset({"accounts.change_password", "accounts.logout", "accounts.keep_alive",
                                "accounts.idle_end"})

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")


def anonymous_detail(reason: str) -> str | None:
    """The audit detail for a refusal of a request nobody signed in for, or None when this one
    is only counted (at most one entry per address and reason per window: audit/tally.py)."""
    held = current_app.extensions["decision_aid.anonymous_tally"].admit((request.remote_addr or "", reason))
    if held is None:
        return None
    return f"{reason} {request.endpoint}" + (f"; {held} more from this address not written" if held else "")


def audit_denied(reason: str, object_type: str | None = None, object_id: str | None = None) -> None:
    user = current_user if current_user.is_authenticated else None
    db.session.rollback()
    detail = f"{reason} {request.endpoint}" if user else anonymous_detail(reason)
    if detail is None:
        return
    record(db.session, "denied", user_id=user.id if user else None, clinic_id=user.clinic_id if user else None,
           object_type=object_type, object_id=object_id, detail=detail[:200])
    db.session.commit()


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            audit_denied("403")
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def init_app(app: Flask) -> None:
    app.extensions["decision_aid.anonymous_tally"] = Tally()

    @app.before_request
    def require_sign_in():
        if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
            return None
        if current_user.is_authenticated:
            password_due = current_user.must_change_password
            db.session.commit()  # end the session check's transaction before the view's work
            if password_due and request.endpoint not in WHILE_PASSWORD_DUE:
                return redirect(url_for("accounts.change_password"))
            return None
        audit_denied("401")
        if request.method == "GET":
            reason = g.get("session_ended")
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?"), ended=reason))
        abort(401)

    @app.after_request
    def headers(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # The page's own address goes only to this same site (over HTTPS, Flask-WTF's CSRF check
        # refuses a form without a same-site Referer); other sites, such as a cited source, get none.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if request.is_secure:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            # Pages and PDFs may hold patient data: never keep them in any cache.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
