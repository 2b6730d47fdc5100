"""What the patient answers through a link after the visit: CollaboRATE, and the follow-up.

No Flask here, and the caller commits. The answers are recorded by the follow-up's own
operations (``answered_by="patient"``, no user), so they are kept exactly as the tablet's and
the clinician's: CollaboRATE apart from the discussion, a follow-up as its own row. The link's
entry in the audit log names the link and the part, never what was answered.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..followup import operations as followup
from ..followup.models import FollowUp
from ..models import Discussion, utcnow
from .models import PURPOSE_COLLABORATE, PURPOSE_FOLLOW_UP, PatientLink
from .operations import SPENT, Refused, audit_link

# Who a follow-up answered through the patient's link names as its author.
PATIENT_AUTHOR = "The patient, through their own link"


def answer_collaborate(session: so.Session, link: PatientLink, discussion: Discussion,
                       answers: dict[str, int] | None, *, today: dt.date) -> None:
    """The patient's three answers, or ``None`` for a skip; either spends the link. Raises
    followup.operations.AlreadyOffered if the visit was asked already (the tablet, another tab)."""
    if link.purpose != PURPOSE_COLLABORATE:
        raise ValueError("not a CollaboRATE link")
    followup.record_collaborate(session, discussion, answers, answered_by="patient", today=today, user_id=None)
    link.last_used_at = utcnow()
    audit_link(session, "patient_link_save", link, "collaborate")


def answer_follow_up(session: so.Session, link: PatientLink, discussion: Discussion, answers: dict, *,
                     today: dt.date) -> FollowUp:
    """A follow-up answered by the patient; it spends the link. Raises followup.operations.NotYet
    before the follow-up date, Refused(SPENT) if the link was spent meanwhile (another tab)."""
    if link.purpose != PURPOSE_FOLLOW_UP:
        raise ValueError("not a follow-up link")
    now = utcnow()
    # Spent first, in one conditional UPDATE: two tabs sending at once save one follow-up.
    taken = session.execute(sa.update(PatientLink).where(PatientLink.id == link.id,
                                                         PatientLink.answered_at.is_(None))
                            .values(answered_at=now, last_used_at=now).execution_options(synchronize_session=False))
    if taken.rowcount != 1:
        raise Refused(SPENT, link)
    session.expire(link, ["answered_at", "last_used_at"])
    follow_up = followup.record_follow_up(session, discussion, answers, answered_by="patient", today=today,
                                          user_id=None, author=PATIENT_AUTHOR)
    audit_link(session, "patient_link_save", link, f"follow-up {follow_up.id}")
    return follow_up

