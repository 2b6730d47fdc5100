"""The follow-up list: nobody whose decision was left open, or whose follow-up is due, is forgotten."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import STATUS_COMPLETE, Discussion
from .models import FollowUp

OPEN_DECISIONS = ("undecided", "wait_and_see")
LIMIT = 200


@dataclass(frozen=True)
class Row:
    discussion_id: uuid.UUID
    patient_ref: str | None
    clinician: str
    discussion_date: dt.date
    decision: str | None
    follow_up_date: dt.date | None
    state: str  # "overdue", "due" (today), "open" (decision left open, follow-up not due yet)


def _state(follow_up_date: dt.date | None, today: dt.date) -> str:
    if follow_up_date is not None and follow_up_date < today:
        return "overdue"
    if follow_up_date == today:
        return "due"
    return "open"


def follow_up_list(session: so.Session, clinic_id: int, today: dt.date, *,
                   created_by: int | None = None) -> list[Row]:
    """Finished discussions with no follow-up recorded yet whose decision was "Not decided yet" or
    "Wait and see for now", or whose follow-up date is today or past (``today`` is the clinic's).
    Overdue first (longest waiting first), then due today, then the open decisions."""
    recorded = sa.select(FollowUp.id).where(FollowUp.discussion_id == Discussion.id).exists()
    query = (sa.select(Discussion.id, Discussion.patient_ref, Discussion.clinician, Discussion.discussion_date,
                       Discussion.decision, Discussion.follow_up_date)
             .where(Discussion.clinic_id == clinic_id, Discussion.status == STATUS_COMPLETE, ~recorded,
                    sa.or_(Discussion.decision.in_(OPEN_DECISIONS), Discussion.follow_up_date <= today)))
    if created_by is not None:
        query = query.where(Discussion.created_by_id == created_by)
    rows = [Row(*found, state=_state(found.follow_up_date, today)) for found in session.execute(
        query.order_by(Discussion.follow_up_date.is_(None), Discussion.follow_up_date, Discussion.discussion_date)
        .limit(LIMIT))]
    order = {"overdue": 0, "due": 1, "open": 2}
    return sorted(rows, key=lambda row: order[row.state])  # stable: the date order stays within each


@dataclass(frozen=True)
class Answered:
    discussion_id: uuid.UUID
    patient_ref: str | None
    clinician: str
    discussion_date: dt.date
    answered_at: dt.datetime


def answered_by_patients(session: so.Session, clinic_id: int, since: dt.datetime, *,
                         created_by: int | None = None) -> list[Answered]:
    """Follow-ups the patients answered through their own link since ``since`` (newest first):
    done, so off the list above, but the clinician should know they came in."""
    query = (sa.select(Discussion.id, Discussion.patient_ref, Discussion.clinician, Discussion.discussion_date,
                       FollowUp.created_at)
             .join(FollowUp, FollowUp.discussion_id == Discussion.id)
             .where(FollowUp.clinic_id == clinic_id, FollowUp.answered_by == "patient", FollowUp.created_at >= since))
    if created_by is not None:
        query = query.where(Discussion.created_by_id == created_by)
    return [Answered(*found) for found in session.execute(query.order_by(FollowUp.created_at.desc()).limit(LIMIT))]
