"""The guided steps. Each POST validates one form and saves it in one transaction."""
from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from .. import presenting
from ..audit.log import record
from ..extensions import db
from ..library import content_for_record, current_content
from ..models import STATUS_IN_PROGRESS, Discussion
from ..security import audit_denied
from . import operations, summary
from .forms import build_form, error_summary, hidden_number
from .steps import FORM_STEP_IDS, STEP_IDS, STEPS, next_step, previous_step, step

bp = Blueprint("consultation", __name__, url_prefix="/discussions")

CONFLICT_MESSAGE = ("This discussion was changed by someone else after you opened this page. "
                    "Nothing you typed here has been saved yet. Check your answers below, then "
                    "save again to keep them.")


def load_discussion(discussion_id: uuid.UUID) -> Discussion:
    """The discussion if it belongs to the signed-in user's clinic; otherwise 404, whether it
    exists elsewhere or not (another clinic's attempt is recorded as a denied request)."""
    discussion = db.session.get(Discussion, discussion_id)
    if discussion is None:
        abort(404)
    if discussion.clinic_id != current_user.clinic_id:
        audit_denied("404", "discussion", str(discussion_id))
        abort(404)
    return discussion


def audit_view(discussion: Discussion, action: str = "view", detail: str | None = None) -> None:
    record(db.session, action, user_id=current_user.id, clinic_id=current_user.clinic_id,
           object_type="discussion", object_id=str(discussion.id), detail=detail)
    db.session.commit()


def _render_step(step_id: str, form, discussion: Discussion | None, *, status: int = 200,
                 conflict: bool = False):
    content = content_for_record(discussion.content_version, discussion.content_hash) if discussion \
        else current_content()
    answers = discussion.answers if discussion else {}
    extra = {}
    if step_id == "options":
        extra["comparison"] = presenting.comparison(content)
        extra["prompts"] = summary.prompts_by_option(content, answers.get("situation", {}))
        extra["details"] = [presenting.option_detail(content, o.id) for o in content.options]
        # Every source the page cites: the grid, the options' details and the points to discuss.
        extra["references"] = presenting.cited_references(
            content, content.comparison, content.outcomes, list(content.options),
            content.home_programme if presenting.programme_with_every_option(content) else [],
            [item for group in extra["prompts"] for item in group["items"]])
    if step_id == "check":
        extra["quiz"] = presenting.quiz_feedback(content.consultation.quiz, answers.get("check", {}))
        extra["checked"] = "check" in answers
        extra["references"] = presenting.cited_references(content, content.consultation.quiz)
    if step_id == "ready":
        extra["sure"] = content.consultation.sure
        extra["references"] = presenting.cited_references(content, content.consultation.sure)
    visited = set(answers) | ({discussion.current_step} if discussion else set())
    return render_template(f"consultation/{step_id}.html", form=form, discussion=discussion,
                           step=step(step_id), steps=STEPS, visited=visited, conflict=conflict,
                           errors=error_summary(form), **extra), status


def _go_to(step_id: str, action: str) -> str:
    """The step a button leads to: back, next, stay, or a step picked in the progress bar."""
    if action == "back":
        return previous_step(step_id) or step_id
    if action in ("later", "check"):
        return step_id
    if action.startswith("goto:") and action[5:] in STEP_IDS:
        return action[5:]
    return next_step(step_id) or step_id


def _destination(discussion: Discussion, step_id: str, action: str) -> str:
    if action == "later":
        return url_for("discussions.review", discussion_id=discussion.id)
    target = _go_to(step_id, action)
    url = url_for("consultation.step_page", discussion_id=discussion.id, step_id=target)
    return url + "#feedback" if action == "check" else url


@bp.route("/new", methods=["GET", "POST"])
def start_new():
    content = current_content()
    form = build_form("start", content, data={"discussion_date": dt.date.today().isoformat(),
                                              "clinician": current_user.name})
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render_step("start", form, None, status=422)
        discussion = operations.create_discussion(db.session, form.answers(), content, next_step("start"),
                                                  clinic_id=current_user.clinic_id, user_id=current_user.id)
        db.session.commit()
        return redirect(_destination(discussion, "start", request.form.get("action", "next")))
    return _render_step("start", form, None)


@bp.route("/<uuid:discussion_id>/steps/<step_id>", methods=["GET", "POST"])
def step_page(discussion_id: uuid.UUID, step_id: str):
    if step_id not in STEP_IDS:
        abort(404)
    discussion = load_discussion(discussion_id)
    if discussion.status != STATUS_IN_PROGRESS:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    if step_id == "summary":
        return summary_page(discussion)
    content = content_for_record(discussion.content_version, discussion.content_hash)
    reference_date = discussion.discussion_date
    if request.method == "GET":
        form = build_form(step_id, content, data=discussion.answers.get(step_id, {}),
                          reference_date=reference_date, formdata=None)
        form.lock_version.data = str(discussion.lock_version)
        return _render_step(step_id, form, discussion)

    form = build_form(step_id, content, reference_date=reference_date)
    if not form.validate_on_submit():
        return _render_step(step_id, form, discussion, status=422)
    action = request.form.get("action", "next")
    try:
        expected = hidden_number(form.lock_version.data)
        operations.save_step(db.session, discussion, step_id, form.answers(), expected, _go_to(step_id, action),
                             user_id=current_user.id)
    except operations.Conflict:
        db.session.rollback()
        discussion = load_discussion(discussion_id)
        form.lock_version.data = str(discussion.lock_version)  # saving again keeps what was typed
        return _render_step(step_id, form, discussion, status=409, conflict=True)
    db.session.commit()
    return redirect(_destination(discussion, step_id, action))


def summary_page(discussion: Discussion):
    audit_view(discussion)
    content = content_for_record(discussion.content_version, discussion.content_hash)
    view = summary.build(discussion.answers, content, status=discussion.status)
    missing = [s for s in STEPS if s.id in FORM_STEP_IDS and s.id not in discussion.answers]
    return render_template("consultation/summary.html", discussion=discussion, summary=view,
                           step=step("summary"), steps=STEPS, visited=set(discussion.answers) | {"summary"},
                           missing=missing, conflict=request.args.get("conflict") == "1")


@bp.post("/<uuid:discussion_id>/finish")
def finish(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    if discussion.status != STATUS_IN_PROGRESS:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    # CSRFProtect has already checked the form's token before this view runs.
    try:
        operations.finish(db.session, discussion, hidden_number(request.form.get("lock_version")),
                          user_id=current_user.id, user_name=current_user.name)
    except operations.Conflict:
        db.session.rollback()
        return redirect(url_for("consultation.step_page", discussion_id=discussion_id,
                                step_id="summary", conflict=1))
    db.session.commit()
    return redirect(url_for("discussions.review", discussion_id=discussion.id, finished=1))
