"""The patient's link: /p/<token> opens it, /p/steps/<part> are its pages before the visit
(after_views.py has the pages after it). No account, no session.

The token is taken from the address once: the first request puts it in a cookie scoped to
/p/ (HttpOnly, SameSite=Lax, Secure over HTTPS, gone when the browser closes) and redirects
to an address without it, so it is not left in the address bar, nor sent as a Referer, nor
written in any access log. SameSite=Lax rather than Strict: a Strict cookie set while following
a link from another site (a web mail) is not sent on the redirect that follows, so the patient
would see "link not valid"; Lax still keeps it off every cross-site POST, and each form carries
its CSRF token too. Every page checks the link again (its kind, withdrawn, expired, discussion
finished), counts against the rate limit, and is audited (gate.py).
"""
from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for

from .. import clinic_time
from ..accounts.models import Clinic
from ..extensions import db
from . import gate, operations, pages, parts
from .gate import COOKIE, COOKIE_PATH
from .models import PURPOSE_COLLABORATE, PURPOSE_FOLLOW_UP, PURPOSE_PREPARE
from .operations import Refused

bp = Blueprint("patient", __name__, url_prefix="/p")
# Where each kind of link leads once opened: its one part.
FIRST_PAGE = {PURPOSE_PREPARE: ("patient.page", {"part": parts.ABOUT}),
              PURPOSE_COLLABORATE: ("patient_after.collaborate", {}),
              PURPOSE_FOLLOW_UP: ("patient_after.follow_up", {})}


def _part_url(part: str) -> str:
    return url_for("patient.page", part=part)


def _expires(link) -> str:
    zone = db.session.get(Clinic, link.clinic_id).time_zone
    return clinic_time.local(link.expires_at, zone).date()  # the page writes it in its language


@bp.get("/<token>")
def open_link(token: str):
    found, refusal = gate.use(token, "patient_link_open")
    if refusal is not None:
        return refusal
    endpoint, values = FIRST_PAGE[found[0].purpose]
    response = redirect(url_for(endpoint, **values), code=303)
    response.set_cookie(COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="Lax", secure=request.is_secure)
    return response


@bp.route("/steps/<part>", methods=["GET", "POST"])
def page(part: str):
    if part not in parts.PARTS:
        abort(404)
    found, refusal = gate.from_cookie("patient_link_view", part, PURPOSE_PREPARE)
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
        return gate.refusal(Refused(error.reason, link))
