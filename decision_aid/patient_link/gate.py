"""The door every page under /p/ goes through: the rate limit, the link's checks, the audit
entry and, when a link does not open, the page that says why (in plain words: the patient
reads it). Shared by the pages before the visit (views.py) and after it (after_views.py).
"""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import lazy_gettext as _l

from .. import i18n
from ..audit.log import record
from ..extensions import db
from ..models import Discussion
from ..security import anonymous_detail
from . import operations, ratelimit
from .operations import Refused

COOKIE = "patient_link"
COOKIE_PATH = "/p/"
# Each refusal's page: status, heading, message.
REFUSALS = {
    operations.UNKNOWN: (404, _l("This link does not work"), _l("This link is not valid. Check that you typed it "
                         "exactly, or ask your clinic for a new one.")),
    operations.EXPIRED: (410, _l("This link has expired"), _l("This link was open for a set number of days, and that "
                         "time is over. Ask your clinic for a new link if you still need one.")),
    operations.WITHDRAWN: (410, _l("This link has been closed"), _l("Your clinic has closed this link. Ask them for a "
                           "new one if you still need it.")),
    operations.FINISHED: (410, _l("Your visit is finished"), _l("Your clinician has finished the discussion this link "
                          "was for, so it cannot be changed here any more. Your clinic can give you the summary.")),
    operations.ON_HOLD: (409, _l("This link is not open just now"), _l("Your clinician wants to talk with you before "
                         "you carry on. Please contact your clinic.")),
    operations.SPENT: (410, _l("This link has been used"), _l("Your answers were sent, so this link does not open "
                       "again. Thank you.")),
    operations.OTHER_PART: (404, _l("This page is not part of your link"), _l("Your link opens one page only. Open "
                            "the link your clinic gave you again to get back to it.")),
}


def _address() -> str:
    return request.remote_addr or "unknown"


def _too_many():
    detail = anonymous_detail("rate-limited")
    if detail is not None:
        record(db.session, "denied", detail=detail[:200])
    db.session.commit()
    return render_template("patient/closed.html", heading=_l("Please wait a few minutes"),
                           message=_l("There have been too many requests with this link in a short time. "
                                      "Wait 15 minutes, then try again.")), 429


def refusal(error: Refused):
    """The page for a link that does not open (audited on the link's row when there is one)."""
    if error.link is not None:
        operations.refused(db.session, error.link, error.reason)
    else:
        detail = anonymous_detail("404 patient link")  # guesses are counted, not each written
        if detail is not None:
            record(db.session, "denied", detail=detail[:200])
    db.session.commit()
    status, heading, message = REFUSALS[error.reason]
    if error.link is not None:  # the link's own discussion: its patient's language
        _use_link_language(error.link)
    return render_template("patient/closed.html", heading=heading, message=message), status


def _use_link_language(link) -> None:
    discussion = db.session.get(Discussion, link.discussion_id)
    if discussion is not None:
        i18n.use_language(discussion.language)


def use(token: str | None, action: str, detail: str = "", *, purpose: str | None = None):
    """(link, discussion) or a refusal response, after the rate limit has counted the request.
    ``purpose``: the kind of link this page belongs to (None: any, when a link is first opened)."""
    link = operations.find(db.session, token)
    link_id = link.id if link else None
    if not ratelimit.allowed(db.session, _address(), link_id, current_app.config.get("PATIENT_LINK_LIMITS", {})):
        return None, _too_many()
    ratelimit.note(db.session, _address(), link_id)
    try:
        link, discussion = operations.use(db.session, token, action, detail, purpose=purpose)
    except Refused as error:
        return None, refusal(error)
    db.session.commit()
    return (link, discussion), None


def from_cookie(action: str, detail: str, purpose: str):
    """``use`` with the token the link's first request put in the cookie."""
    return use(request.cookies.get(COOKIE), action, detail, purpose=purpose)
