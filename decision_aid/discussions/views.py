"""Saved discussions: the list and search, the read-only review, revisions, reprints, amendments."""
from __future__ import annotations

import hashlib
import uuid

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from ..consultation import operations, summary
from ..consultation.forms import error_summary, hidden_number
from ..consultation.views import audit_view, load_discussion
from ..extensions import db
from ..library import content_for_record
from ..models import STATUS_COMPLETE, STATUS_LABELS, Discussion, Revision
from ..pdf import cached_template_pdf, pdf_response, render_template_pdf
from . import queries
from .forms import AMEND_FIELDS, SearchForm, build_amend_form

bp = Blueprint("discussions", __name__, url_prefix="/discussions")


@bp.app_template_filter("status_label")
def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@bp.get("/")
def index():
    page = request.args.get("page", 1, type=int)
    form = SearchForm(formdata=None)
    results = queries.search(db.session, current_user.clinic_id, queries.Criteria(), page)
    return render_template("discussions/index.html", form=form, results=results, searched=False, errors=[])


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
    page = int(form.page.data) if (form.page.data or "").isdigit() and len(form.page.data) < 7 else 1
    results = queries.search(db.session, current_user.clinic_id, criteria, page)
    # The criteria travel with the page buttons as hidden fields, never in the URL.
    as_fields = {"patient_ref": criteria.patient_ref, "clinician": criteria.clinician,
                 "date_from": criteria.date_from.isoformat() if criteria.date_from else "",
                 "date_to": criteria.date_to.isoformat() if criteria.date_to else "",
                 "status": criteria.status}
    return render_template("discussions/index.html", form=form, results=results, searched=True,
                           errors=[], criteria=as_fields)


def _revision_meta(revision: Revision, count: int) -> dict:
    return {"number": revision.number, "of": count, "created_at": revision.created_at,
            "author": revision.author, "reason": revision.reason}


def _revision(discussion: Discussion, number: int) -> Revision:
    for revision in discussion.revisions:
        if revision.number == number:
            return revision
    abort(404)


@bp.get("/<uuid:discussion_id>")
def review(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    audit_view(discussion)
    latest = discussion.latest_revision
    if latest is None:
        content = content_for_record(discussion.content_version, discussion.content_hash)
        view = summary.build(discussion.answers, content, status=discussion.status)
    else:
        content = content_for_record(latest.content_version, latest.content_hash)
        view = summary.build(latest.answers, content, status=discussion.status,
                             revision=_revision_meta(latest, len(discussion.revisions)))
    return render_template("discussions/review.html", discussion=discussion, summary=view,
                           finished=request.args.get("finished") == "1",
                           amended=request.args.get("amended") == "1", paused=request.args.get("paused") == "1")


@bp.get("/<uuid:discussion_id>/revisions/<int:number>")
def revision_page(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    revision = _revision(discussion, number)
    audit_view(discussion, detail=f"revision {number}")
    content = content_for_record(revision.content_version, revision.content_hash)
    view = summary.build(revision.answers, content, status=discussion.status,
                         revision=_revision_meta(revision, len(discussion.revisions)))
    return render_template("discussions/revision.html", discussion=discussion, summary=view,
                           revision=revision)


def _revision_pdf(discussion: Discussion, revision: Revision):
    content = content_for_record(revision.content_version, revision.content_hash)
    view = summary.build(revision.answers, content, status=discussion.status,
                         revision=_revision_meta(revision, revision.number), id_prefix="pdf")
    # A revision never changes, so its PDF is rendered once and then served from the cache.
    answers_hash = hashlib.sha256(revision.answers_json.encode()).hexdigest()
    key = ("revision", str(discussion.id), str(revision.number), answers_hash, revision.content_hash)
    audit_view(discussion, "print", detail=f"revision {revision.number}")  # commits: no lock held while rendering
    pdf = cached_template_pdf(key, "pdf/summary.html", summary=view, meta=view["meta"])
    return pdf_response(pdf, f"runners-knee-discussion-revision-{revision.number}.pdf")


@bp.get("/<uuid:discussion_id>/revisions/<int:number>.pdf")
def revision_pdf(discussion_id: uuid.UUID, number: int):
    discussion = load_discussion(discussion_id)
    return _revision_pdf(discussion, _revision(discussion, number))


@bp.get("/<uuid:discussion_id>/summary.pdf")
def summary_pdf(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    if discussion.latest_revision is not None:
        return _revision_pdf(discussion, discussion.latest_revision)
    content = content_for_record(discussion.content_version, discussion.content_hash)
    view = summary.build(discussion.answers, content, status=discussion.status, id_prefix="pdf")
    audit_view(discussion, "print", detail="draft")
    pdf = render_template_pdf("pdf/summary.html", summary=view, meta=view["meta"])
    return pdf_response(pdf, "runners-knee-discussion-draft.pdf")


@bp.route("/<uuid:discussion_id>/amend", methods=["GET", "POST"])
def amend(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    latest = discussion.latest_revision
    if discussion.status != STATUS_COMPLETE or latest is None:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    content = content_for_record(latest.content_version, latest.content_hash)
    reference_date = discussion.discussion_date
    if request.method == "GET":
        form = build_amend_form(content, data=latest.answers.get("decision", {}), reference_date=reference_date)
        form.expected_revision.data = str(latest.number)
        return render_template("discussions/amend.html", discussion=discussion, form=form, latest=latest)

    form = build_amend_form(content, reference_date=reference_date)
    if not form.validate_on_submit():
        return render_template("discussions/amend.html", discussion=discussion, form=form,
                               latest=latest, errors=error_summary(form)), 422
    answers = form.answers()
    decision = {name: value for name, value in answers.items() if name not in AMEND_FIELDS}
    try:
        operations.amend(db.session, discussion, decision, answers["note"], answers["reason"],
                         hidden_number(form.expected_revision.data), user_id=current_user.id,
                         user_name=current_user.name)
    except operations.Conflict:
        db.session.rollback()
        discussion = load_discussion(discussion_id)
        latest = discussion.latest_revision
        form.expected_revision.data = str(latest.number)
        return render_template("discussions/amend.html", discussion=discussion, form=form, latest=latest,
                               conflict=True, errors=[]), 409
    db.session.commit()
    return redirect(url_for("discussions.review", discussion_id=discussion.id, amended=1))
