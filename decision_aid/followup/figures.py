"""The clinic's decision-quality figures for a date range: counts only, never a patient.

Every figure is a count over the clinic's own rows; the recorded choices are listed in the fixed
option order, never sorted by how often they were chosen.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import clinic_time
from ..models import STATUS_COMPLETE, Discussion
from ..patient_link.operations import prepared_by_patient
from .instruments import COLLABORATE_MIN_ANSWERS, COLLABORATE_TOP, regret_score
from .models import CollaborateResponse, FollowUp

TOO_FEW = f"fewer than {COLLABORATE_MIN_ANSWERS} answers"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    shown: str  # what the page and the CSV say: a number, a share, or why there is none
    count: int | None = None
    of: int | None = None

    @property
    def share(self) -> float | None:
        return self.count / self.of if self.count is not None and self.of else None


@dataclass(frozen=True)
class Figures:
    date_from: dt.date
    date_to: dt.date
    process: list[Figure] = field(default_factory=list)
    choices: list[Figure] = field(default_factory=list)


def utc_bounds(date_from: dt.date, date_to: dt.date, zone_name: str) -> tuple[dt.datetime, dt.datetime]:
    """The clinic's days from ``date_from`` to ``date_to`` (whole days) as naive UTC times."""
    zone = clinic_time.zone(zone_name)

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.timezone.utc).replace(tzinfo=None)
    return midnight(date_from), midnight(date_to + dt.timedelta(days=1))


def _percent(count: int, of: int) -> str:
    return f"{round(100 * count / of)}% ({count} of {of})" if of else "no discussions"


def _sure_all_yes(answers_json: str) -> bool:
    ready = json.loads(answers_json).get("ready", {})
    sure = [value for name, value in ready.items() if name.startswith("sure_")]
    return bool(sure) and all(value == "yes" for value in sure)


def _collaborate(session: so.Session, clinic_id: int, date_from: dt.date, date_to: dt.date) -> Figure:
    rows = session.execute(sa.select(CollaborateResponse.collaborate_1, CollaborateResponse.collaborate_2,
                                     CollaborateResponse.collaborate_3)
                           .where(CollaborateResponse.clinic_id == clinic_id,
                                  CollaborateResponse.answered_on.between(date_from, date_to))).all()
    top = sum(1 for row in rows if all(value == COLLABORATE_TOP for value in row))
    label = "CollaboRATE top score (9 on all three questions)"
    if len(rows) < COLLABORATE_MIN_ANSWERS:
        return Figure("collaborate_top", label, f"{TOO_FEW} ({len(rows)} so far)", None, len(rows))
    return Figure("collaborate_top", label, _percent(top, len(rows)), top, len(rows))


def _regret(session: so.Session, clinic_id: int, start: dt.datetime, end: dt.datetime) -> Figure:
    rows = session.scalars(sa.select(FollowUp).where(FollowUp.clinic_id == clinic_id,
                                                     FollowUp.created_at >= start, FollowUp.created_at < end))
    scores = [s for s in (regret_score(row.regret_answers()) for row in rows) if s is not None]
    label = "Median decision regret (0 none to 100 high)"
    if not scores:
        return Figure("regret_median", label, "no scored follow-ups", None, 0)
    return Figure("regret_median", label, f"{statistics.median(scores):g} (from {len(scores)} scored follow-ups)",
                  None, len(scores))


def _follow_ups(session: so.Session, clinic_id: int, date_from: dt.date, date_to: dt.date,
                today: dt.date) -> list[Figure]:
    last = min(date_to, today)
    recorded = sa.select(FollowUp.id).where(FollowUp.discussion_id == Discussion.id).exists()
    due = (sa.select(sa.func.count(), sa.func.count().filter(recorded))
           .where(Discussion.clinic_id == clinic_id, Discussion.status == STATUS_COMPLETE,
                  Discussion.follow_up_date.between(date_from, last)))
    due_count, done = session.execute(due).one() if date_from <= last else (0, 0)
    return [Figure("follow_ups_due", "Follow-ups due in these dates (up to today)", str(due_count), due_count),
            Figure("follow_ups_done", "Of those, follow-ups recorded", _percent(done, due_count), done, due_count)]


def clinic_figures(session: so.Session, clinic_id: int, date_from: dt.date, date_to: dt.date, *,
                   zone_name: str, today: dt.date, choices: Sequence[tuple[str, str]]) -> Figures:
    """``choices`` are (id, label) in the fixed order: the four options, then the other answers."""
    start, end = utc_bounds(date_from, date_to, zone_name)
    in_clinic = Discussion.clinic_id == clinic_id
    started = session.scalar(sa.select(sa.func.count()).where(
        in_clinic, Discussion.created_at >= start, Discussion.created_at < end))
    finished_rows = session.execute(sa.select(Discussion.id, Discussion.decision, Discussion.answers_json).where(
        in_clinic, Discussion.status == STATUS_COMPLETE, Discussion.finished_at >= start,
        Discussion.finished_at < end)).all()
    finished = len(finished_rows)
    sure = sum(1 for row in finished_rows if _sure_all_yes(row.answers_json))
    # Of the discussions finished, those the patient had answered through their own link.
    prepared = len(prepared_by_patient(session, [row.id for row in finished_rows]))
    prepared_figure = Figure("prepared_by_patient", "Prepared by the patient beforehand",
                             _percent(prepared, finished), prepared, finished)
    process = [
        Figure("started", "Discussions started", str(started), started),
        Figure("finished", "Discussions finished", str(finished), finished),
        prepared_figure,
        Figure("sure_all_yes", "Finished with SURE all \"yes\"", _percent(sure, finished), sure, finished),
        _collaborate(session, clinic_id, date_from, date_to),
        _regret(session, clinic_id, start, end),
        *_follow_ups(session, clinic_id, date_from, date_to, today),
    ]
    counted = {choice_id: 0 for choice_id, _ in choices}
    for row in finished_rows:
        if row.decision in counted:
            counted[row.decision] += 1
    recorded = [Figure(f"choice_{choice_id}", label, str(counted[choice_id]), counted[choice_id], finished)
                for choice_id, label in choices]
    return Figures(date_from, date_to, process, recorded)


def as_csv(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["from", "to", "section", "figure", "shown", "count", "of"])
    for section, items in (("decision process", figures.process), ("recorded choices", figures.choices)):
        for item in items:
            writer.writerow([figures.date_from.isoformat(), figures.date_to.isoformat(), section, item.label,
                             item.shown, "" if item.count is None else item.count, "" if item.of is None else item.of])
    return out.getvalue()
