"""Saved discussions: the list and search, the read-only review, revisions, reprints, amendments."""
from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from .. import clinic_time
from ..clinic_details.views import discussion_details
from ..consultation import operations, summary
from ..consultation.sections import Recorded
from ..consultation.forms import OTHER_CHOICES, error_summary, hidden_number
from ..consultation import assessment as gate
from ..consultation.steps import ASSESSMENT, FORM_STEP_IDS, STEPS, step, steps_for
from ..consultation.views import audit_view, load_discussion
from ..extensions import db
from ..followup.views import on_review
from ..inputs import page_number
from ..library import content_for_record, current_content
from ..models import STATUS_COMPLETE, STATUS_LABELS, Discussion, Revision
from ..patient_link.operations import answered_by_patient
from ..pdf import cached_template_pdf, pdf_response, render_template_pdf
from . import changes, printing, queries
from .forms import AMEND_FIELDS, SearchForm, build_amend_form

bp = Blueprint("discussions", __name__, url_prefix="/discussions")


def _list_labels() -> dict:
    """Words for the saved list's decision and step columns (ids are stable across versions)."""
    content = current_content()
    decision = {option.id: option.short_name for option in content.options} | dict(OTHER_CHOICES)
    return {"decision": decision, "step": {s.id: s.title for s in STEPS}}


@bp.app_template_filter("status_label")
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@bp.get("/")
def index():
    page = page_number(request.args.get("page"))
    form = SearchForm(formdata=None)
    results = queries.search(db.session, current_user.clinic_id, queries.Criteria(), page)
    return render_template("discussions/index.html", form=form, results=results, searched=False, errors=[],
                           labels=_list_labels())


@bp.post("/search")
def search():
    form = SearchForm()
    if not form.validate():
        return render_template("discussions/index.html", form=form, results=None, searched=True,
                               errors=error_summary(form)), 422
    criteria = queries.Criteria(patient_ref=(form.patient_ref.data or "").strip(),
                                clinician=(form.clinician.data or "").strip(),
                                date_from=form.date_from.data, date_to=form.date_to.data,
                                status=form.status.data or "")
    page = page_number(form.page.data)
    results = queries.search(db.session, current_user.clinic_id, criteria, page)
    # The criteria travel with the page buttons as hidden fields, never in the URL.
    as_fields = {"patient_ref": criteria.patient_ref, "clinician": criteria.clinician,
                 "date_from": criteria.date_from.isoformat() if criteria.date_from else "",
                 "date_to": criteria.date_to.isoformat() if criteria.date_to else "",
                 "status": criteria.status}
    return render_template("discussions/index.html", form=form, results=results, searched=True,
                           errors=[], criteria=as_fields, labels=_list_labels())


def _recorded(revision: Revision, count: int) -> Recorded:
    return printing.recorded(revision, count, current_user.clinic.time_zone)


def _download_name(kind: str, day: dt.date, revision: int | None = None) -> str:
    """What the file is, never whose: e.g. runners-knee-summary-2026-12-01-rev1.pdf. A patient
    reference or name in a file name ends up in download folders, e-mail and print queues."""
    return f"runners-knee-{kind}-{day.isoformat()}-{f'rev{revision}' if revision else 'draft'}.pdf"


def _revision(discussion: Discussion, number: int) -> Revision:
    for revision in discussion.revisions:
        if revision.number == number:
            return revision
    abort(404)


def _changes_by_revision(discussion: Discussion) -> dict[int, list]:
    """Each revision against the one before, in the words of the later revision's content."""
    found, before = {}, None
    for revision in discussion.revisions:
        if before is not None:
            content = content_for_record(revision.content_version, revision.content_hash)
            found[revision.number] = changes.compare(before.answers, revision.answers, content)
        before = revision
    return found


@bp.get("/<uuid:discussion_id>")
def review(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    audit_view(discussion)
    latest = discussion.latest_revision
    if latest is None:
        content = content_for_record(discussion.content_version, discussion.content_hash)
        view = summary.build(discussion.answers, content)
    else:
        content = content_for_record(latest.content_version, latest.content_hash)
        view = summary.build(latest.answers, content, recorded=_recorded(latest, len(discussion.revisions)))
    return render_template("discussions/review.html", discussion=discussion, summary=view,
                           clinic=discussion_details(discussion, content),
                           changed=_changes_by_revision(discussion),
                           amend_steps=[s for s in steps_for(content) if s.id in FORM_STEP_IDS],
                           finished=request.args.get("finished") == "1",
                           amended=request.args.get("amended") == "1", paused=request.args.get("paused") == "1",
                           after_visit=on_review(discussion), followed_up=request.args.get("followed_up") == "1",
                           patient_answered=[(step(s).title, at) for s, at in
                                             answered_by_patient(db.session, discussion.id).items()])


@bp.get("/<uuid:discussion_id>/revisions/<int:number>")
def revision_page(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    revision = _revision(discussion, number)
    audit_view(discussion, detail=f"revision {number}")
    content = content_for_record(revision.content_version, revision.content_hash)
    view = summary.build(revision.answers, content, recorded=_recorded(revision, len(discussion.revisions)))
    return render_template("discussions/revision.html", discussion=discussion, summary=view,
                           revision=revision, clinic=discussion_details(discussion, content))


def _revision_pdf(discussion: Discussion, revision: Revision, kind: str = "summary"):
    audit_view(discussion, "print", detail=f"{kind} revision {revision.number}")  # commits: no lock held while rendering
    pdf = printing.revision_pdf(discussion, revision, kind, current_user.clinic.time_zone)
    created = printing.recorded(revision, revision.number, current_user.clinic.time_zone).created_at
    return pdf_response(pdf, _download_name(kind, created.date(), revision.number))


def _draft_pdf(discussion: Discussion, kind: str):
    content = content_for_record(discussion.content_version, discussion.content_hash)
    view = summary.build(discussion.answers, content, id_prefix="pdf")
    name = _download_name(kind, clinic_time.today(current_user.clinic.time_zone))
    audit_view(discussion, "print", detail=f"{kind} draft")
    pdf = render_template_pdf(printing.template(kind, content), clinic=discussion_details(discussion, content),
                              **printing.render_args(kind, content, view))
    return pdf_response(pdf, name)


@bp.get("/<uuid:discussion_id>/revisions/<int:number>.pdf")
def revision_pdf(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    return _revision_pdf(discussion, _revision(discussion, number))


@bp.get("/<uuid:discussion_id>/revisions/<int:number>/clinical-record.pdf")
def revision_clinical_record_pdf(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    return _revision_pdf(discussion, _revision(discussion, number), "clinical-record")


@bp.get("/<uuid:discussion_id>/summary.pdf")
def summary_pdf(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    if discussion.latest_revision is not None:
        return _revision_pdf(discussion, discussion.latest_revision)
    return _draft_pdf(discussion, "summary")


@bp.get("/<uuid:discussion_id>/clinical-record.pdf")
def clinical_record_pdf(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    if discussion.latest_revision is not None:
        return _revision_pdf(discussion, discussion.latest_revision, "clinical-record")
    return _draft_pdf(discussion, "clinical-record")


def _amend_page(discussion, form, latest, step_id, status=200, **extra):
    extra = {"held": [], "conflict": False, "conflict_rows": [], **extra}  # the page reads each one
    return render_template("discussions/amend.html", discussion=discussion, form=form, latest=latest,
                           amend_step=step(step_id), errors=extra.pop("errors", error_summary(form)),
                           **extra), status


@bp.route("/<uuid:discussion_id>/amend", methods=["GET", "POST"])
@bp.route("/<uuid:discussion_id>/amend/<step_id>", methods=["GET", "POST"])
def amend(discussion_id: uuid.UUID, step_id: str = "decision"):
    discussion = load_discussion(discussion_id)
    latest = discussion.latest_revision
    if discussion.status != STATUS_COMPLETE or latest is None:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    content = content_for_record(latest.content_version, latest.content_hash)
    if step_id not in {s.id for s in steps_for(content)} or step_id not in FORM_STEP_IDS:
        abort(404)
    reference_date = discussion.discussion_date
    if request.method == "GET":
        form = build_amend_form(content, data=latest.answers.get(step_id, {}), reference_date=reference_date,
                                step_id=step_id)
        form.expected_revision.data = str(latest.number)
        return _amend_page(discussion, form, latest, step_id, errors=[])

    form = build_amend_form(content, reference_date=reference_date, step_id=step_id)
    if not form.validate_on_submit():
        return _amend_page(discussion, form, latest, step_id, status=422)
    answers = form.answers()
    typed = {name: value for name, value in answers.items() if name not in AMEND_FIELDS}
    # After a two-tab conflict: per differing answer, the one the clinician chose to keep.
    typed = changes.resolve(step_id, content, typed, latest.answers.get(step_id, {}), request.form)
    held = gate.hold_reasons(typed, content.assessment) if step_id == ASSESSMENT else []
    if held:
        # A finished discussion showed the options: an amendment that would have held it before
        # them is refused with the reasons, not recorded as if the options still applied.
        return _amend_page(discussion, form, latest, step_id, status=422, held=held, errors=[])
    try:
        operations.amend(db.session, discussion, typed, answers.get("note") or "", answers["reason"],
                         hidden_number(form.expected_revision.data), user_id=current_user.id,
                         user_name=current_user.name, step_id=step_id)
    except operations.Conflict:
        db.session.rollback()
        discussion = load_discussion(discussion_id)
        latest = discussion.latest_revision
        form.expected_revision.data = str(latest.number)
        rows = changes.conflict_rows(step_id, content, latest.answers.get(step_id, {}), typed)
        return _amend_page(discussion, form, latest, step_id, status=409, conflict=True, conflict_rows=rows,
                           errors=[])
    db.session.commit()
    printing.prerender(current_app._get_current_object(), discussion.id, current_user.clinic.time_zone)
    return redirect(url_for("discussions.review", discussion_id=discussion.id, amended=1))
