"""Pages after the visit: CollaboRATE on the tablet, the follow-up, the follow-up list and the
clinic's figures. Thin: forms in, domain operations out."""
from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import clinic_time
from ..audit.log import record
from ..consultation.forms import OTHER_CHOICES, error_summary
from ..consultation.views import audit_view, load_discussion
from ..extensions import db
from ..library import content_for_record, current_content
from ..models import STATUS_COMPLETE, Discussion, utcnow
from ..security import admin_required
from . import charts, figures, instruments, operations, queries
from .forms import CollaborateForm, DateRangeForm, FollowUpForm, collaborate_answers

bp = Blueprint("followup", __name__)
# The follow-up list also shows the follow-ups patients answered through their link this recently.
ANSWERED_DAYS = dt.timedelta(days=30)


def _today():
    return clinic_time.today(current_user.clinic.time_zone)


def _options(discussion: Discussion | None = None) -> list[tuple[str, str]]:
    content = content_for_record(discussion.content_version, discussion.content_hash) if discussion \
        else current_content()
    return [(option.id, option.name) for option in content.options]


def on_review(discussion: Discussion) -> dict:
    """What the review page shows under the discussion: its follow-ups and what can be done next."""
    follow_ups = operations.follow_ups_of(db.session, discussion)
    return {"follow_ups": follow_ups, "labels": dict(_options(discussion)) | {"none": "None of them"},
            "scores": {f.id: instruments.regret_score(f.regret_answers()) for f in follow_ups},
            "open": operations.follow_up_open(discussion, _today()),
            "collaborate": operations.collaborate_offered(db.session, discussion),
            "regret_items": instruments.REGRET_ITEMS, "regret_scale": dict(instruments.REGRET_SCALE)}


@bp.route("/discussions/<uuid:discussion_id>/collaborate", methods=["GET", "POST"])
def collaborate(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    if discussion.status != STATUS_COMPLETE:
        return redirect(url_for("discussions.review", discussion_id=discussion.id))
    offered = operations.collaborate_offered(db.session, discussion)
    form = CollaborateForm()
    status = 200
    if request.method == "POST" and offered is None:
        skip = request.form.get("action") == "skip"
        if skip or form.validate_on_submit():
            try:
                operations.record_collaborate(db.session, discussion, None if skip else collaborate_answers(form),
                                              answered_by="patient", today=_today(), user_id=current_user.id)
                db.session.commit()
            except operations.AlreadyOffered:
                db.session.rollback()
            return redirect(url_for("followup.collaborate", discussion_id=discussion.id, done=1))
        status = 422
    return render_template("followup/collaborate.html", discussion=discussion, form=form, offered=offered,
                           done=request.args.get("done") == "1", instruments=instruments,
                           errors=error_summary(form)), status


@bp.route("/discussions/<uuid:discussion_id>/follow-up", methods=["GET", "POST"])
def follow_up(discussion_id: uuid.UUID):
    discussion = load_discussion(discussion_id)
    form = FollowUpForm(options=_options(discussion))
    today = _today()
    status = 200
    if request.method == "POST" and operations.follow_up_open(discussion, today):
        if form.validate_on_submit():
            operations.record_follow_up(db.session, discussion, form.answers(), answered_by="clinician",
                                        today=today, user_id=current_user.id, author=current_user.name)
            db.session.commit()
            return redirect(url_for("discussions.review", discussion_id=discussion.id, followed_up=1)
                            + "#follow-ups-heading")
        status = 422
    else:
        audit_view(discussion, detail="follow-up form")
    return render_template("followup/record.html", discussion=discussion, form=form, today=today,
                           open=operations.follow_up_open(discussion, today), instruments=instruments,
                           errors=error_summary(form)), status


@bp.get("/follow-ups/")
def index():
    whose = "clinic" if request.args.get("whose") == "clinic" else "mine"
    rows = queries.follow_up_list(db.session, current_user.clinic_id, _today(),
                                  created_by=current_user.id if whose == "mine" else None)
    labels = dict(_options()) | dict(OTHER_CHOICES)
    answered = queries.answered_by_patients(db.session, current_user.clinic_id, utcnow() - ANSWERED_DAYS,
                                            created_by=current_user.id if whose == "mine" else None)
    return render_template("followup/list.html", rows=rows, whose=whose, labels=labels, limit=queries.LIMIT,
                           answered=answered, answered_days=ANSWERED_DAYS.days)


def _figures(form: DateRangeForm) -> figures.Figures:
    choices = [*_options(), *[(i, label) for i, label in OTHER_CHOICES if i in queries.OPEN_DECISIONS]]
    return figures.clinic_figures(db.session, current_user.clinic_id, form.date_from.data, form.date_to.data,
                                  zone_name=current_user.clinic.time_zone, today=_today(), choices=choices)


def _range_form() -> DateRangeForm:
    given = request.args if request.args.get("date_from") or request.args.get("date_to") else \
        MultiDict(DateRangeForm.default_range(_today()))
    return DateRangeForm(formdata=given)


@bp.get("/admin/figures")
@admin_required
def clinic_view():
    form = _range_form()
    if not form.validate():
        return render_template("followup/figures.html", form=form, found=None, errors=error_summary(form)), 422
    found = _figures(form)
    return render_template("followup/figures.html", form=form, found=found, errors=[],
                           plots=_plots(found))


def _plots(found: figures.Figures) -> list:
    most = max([f.count or 0 for f in found.choices] + [1])
    # The chart's labels have ~250 px: an option's short name fits, its full name was cut off.
    short = {option.name: option.short_name for option in current_content().options}
    choices = charts.bar_chart("chart-choices", "Recorded choices, in the fixed order of the options",
                               [(short.get(f.label, f.label), f.count or 0, f.shown) for f in found.choices],
                               scale_max=most)
    shares = [f for f in found.process if f.of is not None and f.share is not None]
    process = charts.bar_chart("chart-shares", "Shares of the decision process, in percent",
                               [(f.label, 100 * f.share, f.shown) for f in shares], scale_max=100) if shares else None
    return [chart for chart in (process, choices) if chart]


@bp.get("/admin/figures.csv")
@admin_required
def clinic_view_csv():
    form = _range_form()
    if not form.validate():
        return render_template("followup/figures.html", form=form, found=None, errors=error_summary(form)), 422
    record(db.session, "export", user_id=current_user.id, clinic_id=current_user.clinic_id,
           object_type="clinic", object_id=str(current_user.clinic_id), detail="clinic figures csv")
    db.session.commit()
    name = f"clinic-figures-{form.date_from.data.isoformat()}-to-{form.date_to.data.isoformat()}.csv"
    return Response(figures.as_csv(_figures(form)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
