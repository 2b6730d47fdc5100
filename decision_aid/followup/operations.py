"""What records the measures after a visit. The caller commits; each function is one whole change.

``answered_by`` says who held the form: "clinician", or "patient" (the tablet handed over, or
later the patient's own link). Nothing here knows about requests.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..audit.log import record
from ..models import STATUS_COMPLETE, Discussion
from .instruments import COLLABORATE_ITEMS, COLLABORATE_SCALE
from .models import (ANSWERED_BY, MAX_DONE_SINCE, OFFER_ANSWERED, OFFER_SKIPPED, CollaborateOffer,
                     CollaborateResponse, FollowUp)


class NotYet(Exception):
    """The discussion is not finished, or its follow-up date has not come."""


class AlreadyOffered(Exception):
    """CollaboRATE is asked once per discussion."""


def _check_who(answered_by: str) -> None:
    if answered_by not in ANSWERED_BY:
        raise ValueError(f"answered_by is one of {ANSWERED_BY}, not {answered_by!r}")


def collaborate_offered(session: so.Session, discussion: Discussion) -> str | None:
    offer = session.get(CollaborateOffer, discussion.id)
    return offer.outcome if offer else None


def record_collaborate(session: so.Session, discussion: Discussion, answers: dict[str, int] | None, *,
                       answered_by: str, today: dt.date, user_id: int | None) -> None:
    """The patient's three answers, or ``None`` when they chose to skip.

    The answers go in a row of their own that names only the clinic and the day; the offer row
    says that this discussion was asked, and never what was answered. The audit entry says the
    same as the offer row.
    """
    _check_who(answered_by)
    if discussion.status != STATUS_COMPLETE:
        raise NotYet
    if collaborate_offered(session, discussion) is not None:
        raise AlreadyOffered
    if answers is not None:
        values = {item.id: answers[item.id] for item in COLLABORATE_ITEMS}
        if any(value not in COLLABORATE_SCALE for value in values.values()):
            raise ValueError("CollaboRATE answers are 0 to 9")
        session.add(CollaborateResponse(clinic_id=discussion.clinic_id, answered_on=today,
                                        answered_by=answered_by, **values))
    outcome = OFFER_SKIPPED if answers is None else OFFER_ANSWERED
    session.add(CollaborateOffer(discussion_id=discussion.id, outcome=outcome))
    try:
        session.flush()
    except sa.exc.IntegrityError:
        session.rollback()  # two tabs answered at once: the first one counts
        raise AlreadyOffered from None
    record(session, "collaborate", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
           object_id=str(discussion.id), detail=f"{outcome} by {answered_by}")


def follow_up_open(discussion: Discussion, today: dt.date) -> bool:
    """A follow-up can be recorded once the discussion is finished and its follow-up date (if
    any) has come, on the clinic's calendar."""
    return discussion.status == STATUS_COMPLETE and (
        discussion.follow_up_date is None or discussion.follow_up_date <= today)


def record_follow_up(session: so.Session, discussion: Discussion, answers: dict, *, answered_by: str,
                     today: dt.date, user_id: int | None, author: str) -> FollowUp:
    """A new follow-up row; the discussion and its revisions are not touched."""
    _check_who(answered_by)
    if not follow_up_open(discussion, today):
        raise NotYet
    done_since = (answers.get("done_since") or "").strip()
    if len(done_since) > MAX_DONE_SINCE:
        raise ValueError("done_since is too long")
    pain = answers["pain_now"]
    if pain not in range(0, 11):
        raise ValueError("pain_now is 0 to 10")
    regret = {f"regret_{n}": answers.get(f"regret_{n}") for n in range(1, 6)}
    if any(value not in (None, 1, 2, 3, 4, 5) for value in regret.values()):
        raise ValueError("Decision Regret Scale answers are 1 to 5")
    follow_up = FollowUp(discussion_id=discussion.id, clinic_id=discussion.clinic_id, author_id=user_id,
                         author=author, answered_by=answered_by, done_since=done_since,
                         option_tried=answers.get("option_tried") or None, pain_now=pain, **regret)
    session.add(follow_up)
    session.flush()
    record(session, "follow_up", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
           object_id=str(discussion.id), detail=f"follow-up {follow_up.id} by {answered_by}")
    return follow_up


def follow_ups_of(session: so.Session, discussion: Discussion) -> list[FollowUp]:
    return list(session.scalars(sa.select(FollowUp).where(FollowUp.discussion_id == discussion.id)
                                .order_by(FollowUp.created_at, FollowUp.id)))
