"""The patient's pages after the visit, each opened by its own kind of link (gate.py checks
which): /p/after/collaborate (the 3 CollaboRATE questions) and /p/after/follow-up (how it went
since, from the follow-up date on). No account; the token is in the /p/ cookie, never here.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from .. import clinic_time, i18n
from ..accounts.models import Clinic
from ..consultation.choices import OTHER_CHOICES
from ..consultation.forms import error_summary
from ..extensions import db
from ..followup import instruments
from ..followup.forms import CollaborateForm, PatientFollowUpForm, collaborate_answers
from ..followup.operations import AlreadyOffered, follow_up_open
from ..models import Discussion
from . import after, gate
from .pages import patient_content
from .models import PURPOSE_COLLABORATE, PURPOSE_FOLLOW_UP
from .operations import SPENT, Refused

bp = Blueprint("patient_after", __name__, url_prefix="/p/after")


def _today(discussion: Discussion):
    return clinic_time.today(db.session.get(Clinic, discussion.clinic_id).time_zone)


def decided(discussion: Discussion, content) -> dict:
    """What was decided at the visit, in the patient's words (never the clinician's notes)."""
    answers = discussion.answers.get("decision", {})
    names = {o.id: o.name for o in content.options} | dict(OTHER_CHOICES)
    choice = discussion.decision
    if choice in {o.id for o in content.options}:  # the option's name from the patient's content
        words = _("You chose %(option)s.", option=names[choice])
    elif choice == "wait_and_see":
        words = _("You chose to wait and see for now.")
    elif choice == "undecided":
        words = _("You had not decided yet.")
    elif choice == "other" and answers.get("other_text"):
        words = _("You chose something else: %(text)s", text=answers["other_text"])
    elif choice == "other":
        words = _("You chose something else.")
    else:
        words = _("No choice was written down.")
    return {"words": words, "next_steps": answers.get("next_steps") or "", "on": discussion.discussion_date}


@bp.route("/collaborate", methods=["GET", "POST"])
def collaborate():
    found, refusal = gate.from_cookie("patient_link_view", "collaborate", PURPOSE_COLLABORATE)
    if refusal is not None:
        return refusal
    link, discussion = found
    i18n.use_language(discussion.language)
    form, status, sent = CollaborateForm(), 200, None
    if request.method == "POST":
        skip = request.form.get("action") == "skip"
        if skip or form.validate_on_submit():
            try:
                after.answer_collaborate(db.session, link, discussion, None if skip else collaborate_answers(form),
                                         today=_today(discussion))
                db.session.commit()
                sent = "skipped" if skip else "answered"
            except AlreadyOffered:  # answered on the tablet, or in another tab, a moment before
                db.session.rollback()
                return gate.refusal(Refused(SPENT, link))
        else:
            status = 422
    return render_template("patient/collaborate.html", form=form, sent=sent, instruments=instruments,
                           errors=error_summary(form)), status


@bp.route("/follow-up", methods=["GET", "POST"])
def follow_up():
    found, refusal = gate.from_cookie("patient_link_view", "follow-up", PURPOSE_FOLLOW_UP)
    if refusal is not None:
        return refusal
    link, discussion = found
    content = patient_content(discussion)
    form = PatientFollowUpForm(options=[(o.id, o.name) for o in content.options])
    today, status = _today(discussion), 200
    is_open = follow_up_open(discussion, today)
    if request.method == "POST":
        status = 409 if not is_open else 422
        if is_open and form.validate_on_submit():
            try:
                after.answer_follow_up(db.session, link, discussion, form.answers(), today=today)
            except Refused:  # spent in another tab a moment before
                db.session.rollback()
                return gate.refusal(Refused(SPENT, link))
            db.session.commit()
            return render_template("patient/follow_up.html", sent=True, decided=decided(discussion, content))
    return render_template("patient/follow_up.html", form=form, sent=False, is_open=is_open,
                           opens_on=discussion.follow_up_date, decided=decided(discussion, content),
                           instruments=instruments, errors=error_summary(form)), status
