"""The patient's link: /p/<token> opens it, /p/steps/<part> are its pages. No account, no session.

The token is taken from the address once: the first request puts it in a cookie scoped to
/p/ (HttpOnly, SameSite=Lax, Secure over HTTPS, gone when the browser closes) and redirects
to an address without it, so it is not left in the address bar, nor sent as a Referer, nor
written in any access log. SameSite=Lax rather than Strict: a Strict cookie set while following
a link from another site (a web mail) is not sent on the redirect that follows, so the patient
would see "link not valid"; Lax still keeps it off every cross-site POST, and each form carries
its CSRF token too. Every page checks the link again (withdrawn, expired, discussion finished),
counts against the rate limit, and is audited.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .. import clinic_time
from ..accounts.models import Clinic
from ..extensions import db
from ..security import anonymous_detail
from ..audit.log import record
from . import operations, pages, parts, ratelimit
from .operations import Refused

bp = Blueprint("patient", __name__, url_prefix="/p")
COOKIE = "patient_link"
COOKIE_PATH = "/p/"
# Each refusal's page: status, heading, message (plain words: the patient reads it).
REFUSALS = {
    operations.UNKNOWN: (404, "This link does not work", "This link is not valid. Check that you typed it "
                         "exactly, or ask your clinic for a new one."),
    operations.EXPIRED: (410, "This link has expired", "This link was open for a set number of days, and that "
                         "time is over. Ask your clinic for a new link if you still need one."),
    operations.WITHDRAWN: (410, "This link has been closed", "Your clinic has closed this link. Ask them for a "
                           "new one if you still need it."),
    operations.FINISHED: (410, "Your visit is finished", "Your clinician has finished the discussion this link "
                          "was for, so it cannot be changed here any more. Your clinic can give you the summary."),
    operations.ON_HOLD: (409, "This link is not open just now", "Your clinician wants to talk with you before "
                         "you carry on. Please contact your clinic."),
}


def _address() -> str:
    return request.remote_addr or "unknown"


def _limits() -> dict:
    return current_app.config.get("PATIENT_LINK_LIMITS", {})


def _too_many():
    detail = anonymous_detail("rate-limited")
    if detail is not None:
        record(db.session, "denied", detail=detail[:200])
    db.session.commit()
    return render_template("patient/closed.html", heading="Please wait a few minutes",
                           message="There have been too many requests with this link in a short time. "
                                   "Wait 15 minutes, then try again."), 429


def _refusal(error: Refused):
    if error.link is not None:
        operations.refused(db.session, error.link, error.reason)
    else:
        detail = anonymous_detail("404 patient link")  # guesses are counted, not each written
        if detail is not None:
            record(db.session, "denied", detail=detail[:200])
    db.session.commit()
    status, heading, message = REFUSALS[error.reason]
    return render_template("patient/closed.html", heading=heading, message=message), status


def _use(token: str | None, action: str, detail: str = ""):
    """(link, discussion) or a refusal response, after the rate limit has counted the request."""
    link = operations.find(db.session, token)
    link_id = link.id if link else None
    if not ratelimit.allowed(db.session, _address(), link_id, _limits()):
        return None, _too_many()
    ratelimit.note(db.session, _address(), link_id)
    try:
        link, discussion = operations.use(db.session, token, action, detail)
    except Refused as error:
        return None, _refusal(error)
    db.session.commit()
    return (link, discussion), None


def _part_url(part: str) -> str:
    return url_for("patient.page", part=part)


def _expires(link) -> str:
    zone = db.session.get(Clinic, link.clinic_id).time_zone
    return clinic_time.shown(link.expires_at, zone, "%-d %B %Y")


@bp.get("/<token>")
def open_link(token: str):
    found, refusal = _use(token, "patient_link_open")
    if refusal is not None:
        return refusal
    response = redirect(_part_url(parts.ABOUT), code=303)
    response.set_cookie(COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/steps/<part>", methods=["GET", "POST"])
def page(part: str):
    if part not in parts.PARTS:
        abort(404)
    token = request.cookies.get(COOKIE)
    found, refusal = _use(token, "patient_link_view", part)
    if refusal is not None:
        return refusal
    link, discussion = found
    extra = {"expires": _expires(link)}
    if request.method == "GET" or part not in parts.FORM_PARTS:
        return pages.render_part(part, discussion, _part_url, **extra)

    def save(step_id: str, answers: dict, expected: int) -> None:
        operations.save_patient_step(db.session, discussion, step_id, answers, expected, link=link)
        db.session.commit()

    try:
        return pages.post_part(part, discussion, _part_url, save, **extra)
    except Refused as error:  # finished by the clinician while the patient was typing
        db.session.rollback()
        return _refusal(Refused(error.reason, link))

