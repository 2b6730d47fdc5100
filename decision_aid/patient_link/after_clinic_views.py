"""The clinician's side of the links after the visit: a CollaboRATE link (the 3 questions on the
patient's phone instead of the tablet) and a follow-up link, each made, shown once and withdrawn
from its own page under the finished discussion."""
from __future__ import annotations

import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from ..consultation.views import load_discussion
from ..extensions import db
from ..followup.operations import collaborate_offered
from ..models import STATUS_COMPLETE, Discussion
from . import operations
from .models import PURPOSE_COLLABORATE, PURPOSE_FOLLOW_UP
from .qr import qr_svg

bp = Blueprint("patient_after_clinic", __name__, url_prefix="/discussions")
ENDPOINTS = {PURPOSE_COLLABORATE: "collaborate", PURPOSE_FOLLOW_UP: "follow_up"}
TITLES = {PURPOSE_COLLABORATE: "The questions about this visit, on the patient's phone",
          PURPOSE_FOLLOW_UP: "The follow-up, on the patient's phone"}


def _why_not(discussion: Discussion, purpose: str) -> str | None:
    """Why no link of this kind can be made now, in the clinician's words (None: it can)."""
    if discussion.status != STATUS_COMPLETE:
        return "A link after the visit can be made once the discussion is finished."
    if purpose == PURPOSE_COLLABORATE and collaborate_offered(db.session, discussion) is not None:
        return "The patient has been asked the questions about this visit already (they are asked once)."
    return None


def _page(discussion: Discussion, purpose: str, *, token: str | None = None, status: int = 200, **extra):
    links = operations.live_links(db.session, discussion.id, purpose=purpose)
    link = links[-1] if links else None
    url = url_for("patient.open_link", token=token, _external=True) if token else None
    name = ENDPOINTS[purpose]
    return render_template("patient/after_link.html", discussion=discussion, purpose=purpose, title=TITLES[purpose],
                           link=link,
                           spent=bool(link) and operations.is_spent(db.session, link), url=url,
                           qr=qr_svg(url, "QR code of the patient's link") if url else None,
                           why_not=_why_not(discussion, purpose),
                           make_url=url_for(f".make_{name}", discussion_id=discussion.id),
                           withdraw_url=url_for(f".withdraw_{name}", discussion_id=discussion.id),
                           withdrawn=request.args.get("withdrawn") == "1", **extra), status


def _make(discussion_id: uuid.UUID, purpose: str):
    """The link is shown once, in this response: only its hash is kept."""
    discussion = load_discussion(discussion_id)
    if _why_not(discussion, purpose):
        return _page(discussion, purpose, status=409)
    _link, token = operations.create_link(db.session, discussion, user_id=current_user.id, purpose=purpose)
    db.session.commit()
    return _page(discussion, purpose, token=token)


def _withdraw(discussion_id: uuid.UUID, purpose: str):
    discussion = load_discussion(discussion_id)
    for link in operations.live_links(db.session, discussion.id, purpose=purpose):
        operations.withdraw(db.session, link, user_id=current_user.id)
    db.session.commit()
    return redirect(url_for(f".{ENDPOINTS[purpose]}_page", discussion_id=discussion.id, withdrawn=1))


@bp.get("/<uuid:discussion_id>/collaborate-link")
def collaborate_page(discussion_id: uuid.UUID):
    return _page(load_discussion(discussion_id), PURPOSE_COLLABORATE)


@bp.post("/<uuid:discussion_id>/collaborate-link")
def make_collaborate(discussion_id: uuid.UUID):
    return _make(discussion_id, PURPOSE_COLLABORATE)


@bp.post("/<uuid:discussion_id>/collaborate-link/withdraw")
def withdraw_collaborate(discussion_id: uuid.UUID):
    return _withdraw(discussion_id, PURPOSE_COLLABORATE)


@bp.get("/<uuid:discussion_id>/follow-up-link")
def follow_up_page(discussion_id: uuid.UUID):
    return _page(load_discussion(discussion_id), PURPOSE_FOLLOW_UP)


@bp.post("/<uuid:discussion_id>/follow-up-link")
def make_follow_up(discussion_id: uuid.UUID):
    return _make(discussion_id, PURPOSE_FOLLOW_UP)


@bp.post("/<uuid:discussion_id>/follow-up-link/withdraw")
def withdraw_follow_up(discussion_id: uuid.UUID):
    return _withdraw(discussion_id, PURPOSE_FOLLOW_UP)
