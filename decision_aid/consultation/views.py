"""The guided steps. Each POST validates one form and saves it in one transaction."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from .. import presenting
from ..audit.log import record
from ..clinic_details.views import discussion_details
from ..clinic_time import clinic_today
from ..discussions import printing
from ..extensions import db
from ..i18n import clinic_language
from ..library import content_for_record, current_content
from ..models import STATUS_COMPLETE, STATUS_IN_PROGRESS, STATUS_PAUSED, Discussion
from ..patient_link.operations import answered_by_patient
from ..patient_link.pages import patient_content
from ..security import audit_denied
from . import assessment as gate
from ..discussions import changes
from . import operations, partial, summary
from .folds import folds
from .forms import build_form, error_summary, hidden_number, split_answers
from .language import LanguageForm
from .steps import (ASSESSMENT, PATIENT_PAGES, after_assessment, next_step, page_of, pages_for, parts_of,
                    previous_step, step, steps_for)

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


def clinicians_content(discussion: Discussion):
    """The discussion's content in the clinician's language (English): the clinician's parts."""
    return content_for_record(discussion.content_version, discussion.content_hash)


def page_content(discussion: Discussion, page_id: str):
    """The content a step's page is drawn in: a page the patient reads beside the clinician is in
    the patient's language (and the rest of the request with it); Start and "Is this runner's
    knee?" are the clinician's, in the clinician's."""
    return patient_content(discussion) if page_id in PATIENT_PAGES else clinicians_content(discussion)


def _render_step(step_id: str, form, discussion: Discussion | None, content, *, status: int = 200,
                 conflict: bool = False, held: list[str] | None = None, conflict_rows: list | None = None,
                 language_form=None):
    # The points to discuss are the clinician's (their clinical wording): in the clinician's language.
    clinicians = clinicians_content(discussion) if discussion else content
    answers = discussion.answers if discussion else {}
    parts = parts_of(step_id, content)
    extra = {"language_form": language_form}  # the Start step of a new discussion only
    if step_id == ASSESSMENT:
        extra["assessment"] = content.assessment
        extra["held"] = held or []
        # Only what this page cites: the other causes and the red flags (not the later points).
        extra["references"] = presenting.cited_references(content, content.assessment.other_causes,
                                                          content.assessment.red_flags)
    if step_id == "situation":
        # Only the age-shaped points here: the health answers are being given on this page.
        with clinic_language():  # an answer it quotes in the clinician's words too
            extra["prompts"] = summary.prompts_by_option(clinicians, {}, answers.get(ASSESSMENT, {}))
        points = [item.source for group in extra["prompts"] for item in group.items]
        extra["references"] = presenting.cited_references(content, points) if points else []
    if step_id == "options":
        extra["comparison"] = presenting.comparison(content)
        with clinic_language():
            extra["prompts"] = summary.prompts_by_option(clinicians, answers.get("situation", {}),
                                                         answers.get(ASSESSMENT, {}))
        extra["details"] = [presenting.option_detail(content, o.id) for o in content.options]
        extra["clinic"] = discussion_details(discussion, content)  # the local facts it was begun with
        # Every source the page cites: the grid, the options' details and the points to discuss.
        extra["references"] = presenting.cited_references(
            content, content.comparison, content.outcomes, list(content.options),
            content.home_programme if presenting.programme_with_every_option(content) else [],
            [item.source for group in extra["prompts"] for item in group.items])
    if step_id == "check":
        extra["quiz"] = presenting.quiz_feedback(content.consultation.quiz, answers.get("check", {}))
        extra["checked"] = "check" in answers
    if "ready" in parts:  # its own page, or asked on the check page (rules 2 content)
        extra["sure"] = content.consultation.sure
    if step_id in ("check", "ready"):
        extra["references"] = presenting.cited_references(
            content, *([content.consultation.quiz] if "check" in parts else []),
            *([content.consultation.sure] if "ready" in parts else []))
    visited = {page_of(s, content) for s in answers} | ({discussion.current_step} if discussion else set())
    # "Answered by the patient on ...": their own link's answers, gone over in the visit.
    extra["patient_answered"] = answered_by_patient(db.session, discussion.id).get(step_id) if discussion else None
    return render_template(f"consultation/{step_id}.html", form=form, discussion=discussion,
                           step=step(step_id), steps=pages_for(content), visited=visited, conflict=conflict,
                           conflict_rows=conflict_rows,
                           errors=error_summary(form), **extra), status


def _go_to(step_id: str, action: str, steps) -> str:
    """The step a button leads to: back, next, stay, or a step picked in the progress bar."""
    if action == "back":
        return previous_step(step_id, steps) or step_id
    if action in ("later", "check", "pause"):
        return step_id
    if action.startswith("goto:") and action[5:] in {s.id for s in steps}:
        return action[5:]
    return next_step(step_id, steps) or step_id


def _destination(discussion: Discussion, step_id: str, action: str, steps) -> str:
    if action == "pause":
        return url_for("discussions.review", discussion_id=discussion.id, paused=1)
    if action == "later":
        return url_for("discussions.review", discussion_id=discussion.id)
    target = _go_to(step_id, action, steps)
    url = url_for("consultation.step_page", discussion_id=discussion.id, step_id=target)
    return url + "#feedback" if action == "check" else url


@bp.route("/new", methods=["GET", "POST"])
def start_new():
    content = current_content()
    form = build_form("start", content, data={"discussion_date": clinic_today().isoformat(),
                                              "clinician": current_user.name})
    language_form = LanguageForm()
    if request.method == "POST":
        if not (form.validate_on_submit() & language_form.validate_on_submit()):  # both report their errors
            return _render_step("start", form, None, content, status=422, language_form=language_form)
        steps = pages_for(content)
        discussion = operations.create_discussion(db.session, form.answers(), content, next_step("start", steps),
                                                  clinic_id=current_user.clinic_id, user_id=current_user.id,
                                                  language=language_form.language.data)
        db.session.commit()
        return redirect(_destination(discussion, "start", request.form.get("action", "next"), steps))
    return _render_step("start", form, None, content, language_form=language_form)


@bp.route("/<uuid:discussion_id>/steps/<step_id>", methods=["GET", "POST"])
def step_page(discussion_id: uuid.UUID, step_id: str):
    discussion = load_discussion(discussion_id)
    content = content_for_record(discussion.content_version, discussion.content_hash)
    # A discussion keeps the steps of the content it was begun with.
    if step_id not in {s.id for s in steps_for(content)}:
        abort(404)
    pages = pages_for(content)
    page_id = page_of(step_id, content)  # the page that asks this step's questions
    if discussion.status == STATUS_COMPLETE:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    if discussion.status == STATUS_PAUSED and after_assessment(step_id):
        # Held at "Is this runner's knee?": nothing after it is shown until the answers change.
        return redirect(url_for("consultation.step_page", discussion_id=discussion.id, step_id=ASSESSMENT))
    if step_id == "summary":
        return summary_page(discussion)
    clinicians = content
    content = page_content(discussion, page_id)  # the same ids and answers in every language
    if request.method == "GET" and page_id != step_id:
        # Saved at "Ready to decide?" before it joined the check page, or a link to it.
        return redirect(url_for("consultation.step_page", discussion_id=discussion.id, step_id=page_id))
    # A POST to a joined step (a tab opened before the pages joined) saves that step alone.
    parts = parts_of(step_id, content) if page_id == step_id else (step_id,)
    reference_date = discussion.discussion_date
    if request.method == "GET":
        saved = {name: value for part in parts for name, value in discussion.answers.get(part, {}).items()}
        form = build_form(step_id, content, data=saved, reference_date=reference_date, formdata=None,
                          parts=parts)
        form.lock_version.data = str(discussion.lock_version)
        held = gate.hold_reasons(saved, content.assessment) if step_id == ASSESSMENT and saved else None
        return _render_step(step_id, form, discussion, content, held=held)

    form = build_form(step_id, content, reference_date=reference_date, parts=parts)
    action = request.form.get("action", "next")
    # Back, "finish later" and the step bar save what is well formed, without the required checks.
    valid = partial.validate_partial(form) if partial.keeps_partial(action) else form.validate_on_submit()
    if not valid:
        return _render_step(step_id, form, discussion, content, status=422)
    # After a two-tab conflict: per differing answer, the one the clinician chose to keep.
    saving = {part: changes.resolve(part, clinicians, answers, discussion.answers.get(part, {}), request.form)
              for part, answers in split_answers(form, parts, content).items()}
    answers = saving[step_id]
    paused = None
    if step_id == ASSESSMENT:
        held = gate.hold_reasons(answers, content.assessment)
        paused = bool(held)
        if held and (action == "next" or (action.startswith("goto:") and after_assessment(action[5:]))):
            # Not onwards: say why, and offer to save it as paused (nothing is saved yet).
            return _render_step(step_id, form, discussion, content, held=held)
    try:
        expected = hidden_number(form.lock_version.data)
        operations.save_page(db.session, discussion, saving, expected, _go_to(page_id, action, pages),
                             user_id=current_user.id, paused=paused)
    except operations.Conflict:
        db.session.rollback()
        discussion = load_discussion(discussion_id)
        form.lock_version.data = str(discussion.lock_version)  # saving again keeps what was typed
        # The two-tab conflict is the clinician's to settle: its rows in the clinician's words.
        with clinic_language():
            rows = [row for part, mine in saving.items()
                    for row in changes.conflict_rows(part, clinicians, discussion.answers.get(part, {}), mine)]
        return _render_step(step_id, form, discussion, content, status=409, conflict=True, conflict_rows=rows)
    db.session.commit()
    return redirect(_destination(discussion, page_id, action, pages))


def summary_page(discussion: Discussion):
    audit_view(discussion)
    content = page_content(discussion, "summary")
    view = summary.build(discussion.answers, content)
    if content.language != current_app.config["CLINIC_LANGUAGE"]:
        with clinic_language():  # the fixed choices' words too
            theirs = summary.build(discussion.answers, clinicians_content(discussion))
        view = summary.with_clinicians_parts(view, theirs)
    missing = partial.missing_steps(steps_for(content), content, discussion.answers)
    return render_template("consultation/summary.html", discussion=discussion, summary=view,
                           step=step("summary"), steps=pages_for(content),
                           visited={page_of(s, content) for s in discussion.answers} | {"summary"},
                           missing=missing, folds=folds(view.patient, view.clinical, content, missing),
                           conflict=request.args.get("conflict") == "1",
                           clinic=discussion_details(discussion, content))


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
    printing.prerender(current_app._get_current_object(), discussion.id, current_user.clinic.time_zone)
    return redirect(url_for("discussions.review", discussion_id=discussion.id, finished=1))
