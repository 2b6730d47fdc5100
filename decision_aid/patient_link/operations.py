"""Making, withdrawing and using a patient's link; saving what the patient answers.

No Flask here: the views pass the session, the token and the clock in. The caller commits;
each function leaves one whole change with its audit entry. The token itself is never stored,
logged or audited: only its SHA-256, and entries name the link by its row id.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from ..accounts.models import Clinic
from ..audit.log import record
from ..consultation.operations import Conflict
from .. import clinic_time
from ..followup.models import CollaborateOffer
from ..models import STATUS_COMPLETE, STATUS_IN_PROGRESS, STATUS_PAUSED, Discussion, utcnow
from .models import PURPOSE_COLLABORATE, PURPOSE_FOLLOW_UP, PURPOSE_PREPARE, PatientLink

TOKEN_BYTES = 32  # 256 bits from the operating system's random source
MAX_TOKEN_LENGTH = 64
# Why a link does not open; each has its own page and status (views.py).
UNKNOWN, EXPIRED, WITHDRAWN, FINISHED, ON_HOLD = "unknown", "expired", "withdrawn", "finished", "on_hold"
# A link after the visit that has done its job; a page that belongs to another kind of link.
SPENT, OTHER_PART = "spent", "other_part"


class Refused(Exception):
    def __init__(self, reason: str, link: PatientLink | None = None):
        super().__init__(reason)
        self.reason, self.link = reason, link


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit_link(session: so.Session, action: str, link: PatientLink, detail: str = "", user_id: int | None = None):
    record(session, action, user_id=user_id, clinic_id=link.clinic_id, object_type="discussion",
           object_id=str(link.discussion_id), detail=f"link {link.id}" + (f" {detail}" if detail else ""))


def live_links(session: so.Session, discussion_id: uuid.UUID, now: dt.datetime | None = None, *,
               purpose: str | None = None) -> list[PatientLink]:
    """The discussion's links not withdrawn and not expired (of one ``purpose``, or of all)."""
    now = now or utcnow()
    query = sa.select(PatientLink).where(PatientLink.discussion_id == discussion_id,
                                         PatientLink.withdrawn_at.is_(None), PatientLink.expires_at > now)
    if purpose is not None:
        query = query.where(PatientLink.purpose == purpose)
    return list(session.scalars(query.order_by(PatientLink.id)))


def opens_at(discussion: Discussion, zone_name: str, purpose: str) -> dt.datetime | None:
    """When a follow-up link starts to take answers: the start of the follow-up date on the
    clinic's calendar (as naive UTC). Other links take answers at once (None)."""
    if purpose != PURPOSE_FOLLOW_UP or discussion.follow_up_date is None:
        return None
    start = dt.datetime.combine(discussion.follow_up_date, dt.time(), clinic_time.zone(zone_name))
    return start.astimezone(dt.timezone.utc).replace(tzinfo=None)


def create_link(session: so.Session, discussion: Discussion, *, user_id: int,
                purpose: str = PURPOSE_PREPARE) -> tuple[PatientLink, str]:
    """A new link for the discussion, open for the clinic's number of days. Returns the link and
    its token, which exists only in this return value: it cannot be shown again later. A link
    made before for the same discussion and purpose is withdrawn, so one link of a kind is open.
    A follow-up link's days count from its follow-up date, when it starts to take answers."""
    if purpose != PURPOSE_PREPARE and discussion.status != STATUS_COMPLETE:
        raise ValueError("a link after the visit is made for a finished discussion")
    now = utcnow()
    for old in live_links(session, discussion.id, now, purpose=purpose):
        withdraw(session, old, user_id=user_id, detail="replaced")
    clinic = session.get(Clinic, discussion.clinic_id)
    days = clinic.patient_link_days
    token = secrets.token_urlsafe(TOKEN_BYTES)
    start = max(now, opens_at(discussion, clinic.time_zone, purpose) or now)
    link = PatientLink(discussion_id=discussion.id, clinic_id=discussion.clinic_id, token_hash=token_hash(token),
                       purpose=purpose, created_by_id=user_id, created_at=now,
                       expires_at=start + dt.timedelta(days=days))
    session.add(link)
    session.flush()
    audit_link(session, "patient_link_create", link, f"{days} days", user_id=user_id)
    return link, token


def withdraw(session: so.Session, link: PatientLink, *, user_id: int, detail: str = "") -> None:
    if link.withdrawn_at is None:
        link.withdrawn_at = utcnow()
        audit_link(session, "patient_link_withdraw", link, detail, user_id=user_id)


def find(session: so.Session, token: str | None) -> PatientLink | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return session.scalar(sa.select(PatientLink).where(PatientLink.token_hash == token_hash(token)))


def check(link: PatientLink | None, discussion: Discussion | None, now: dt.datetime | None = None, *,
          purpose: str | None = None, spent: bool = False) -> None:
    """Raise Refused unless the link may be used now, for a page of ``purpose`` (None: any, as
    when it is first opened). Withdrawn, finished and spent win over expired, so the page says
    the most useful thing."""
    now = now or utcnow()
    if link is None or discussion is None:
        raise Refused(UNKNOWN, link)
    if purpose is not None and link.purpose != purpose:
        raise Refused(OTHER_PART, link)
    if link.withdrawn_at is not None:
        raise Refused(WITHDRAWN, link)
    if link.purpose != PURPOSE_PREPARE:
        # After the visit: made for a finished discussion (which stays finished: an amendment
        # keeps it so), and done with once answered.
        if discussion.status != STATUS_COMPLETE:
            raise Refused(UNKNOWN, link)
        if spent:
            raise Refused(SPENT, link)
        if link.expires_at <= now:
            raise Refused(EXPIRED, link)
        return
    if discussion.status == STATUS_COMPLETE:
        raise Refused(FINISHED, link)
    if link.expires_at <= now:
        raise Refused(EXPIRED, link)
    if discussion.status == STATUS_PAUSED:
        # Held at "Is this runner's knee?": the clinician talks to the patient before anything else.
        raise Refused(ON_HOLD, link)


def is_spent(session: so.Session, link: PatientLink) -> bool:
    """A link after the visit is used once: CollaboRATE once the visit was answered or skipped
    (on this link or on the tablet), a follow-up link once its follow-up is saved."""
    if link.purpose == PURPOSE_COLLABORATE:
        return session.get(CollaborateOffer, link.discussion_id) is not None
    return link.purpose == PURPOSE_FOLLOW_UP and link.answered_at is not None


def use(session: so.Session, token: str | None, action: str = "patient_link_view", detail: str = "", *,
        purpose: str | None = None) -> tuple[PatientLink, Discussion]:
    """The link and its discussion if the token opens them now for a page of ``purpose``
    (audited), else Refused (the caller audits a refusal: an unknown token is counted per
    address, not written each time)."""
    link = find(session, token)
    discussion = session.get(Discussion, link.discussion_id) if link else None
    check(link, discussion, purpose=purpose, spent=bool(link and discussion) and is_spent(session, link))
    link.last_used_at = utcnow()
    audit_link(session, action, link, detail)
    return link, discussion


def refused(session: so.Session, link: PatientLink, reason: str) -> None:
    audit_link(session, "patient_link_refused", link, reason)


def answered_steps(link: PatientLink) -> dict[str, str]:
    return json.loads(link.answered_steps_json or "{}")


def save_patient_step(session: so.Session, discussion: Discussion, step_id: str, answers: dict,
                      expected_lock: int, *, link: PatientLink | None = None, user_id: int | None = None) -> None:
    """Save the patient's answers to one step over what it holds (the clinician's fields stay).

    Through a link (``link``): no user, the link is noted as having answered this step. On the
    tablet (``user_id``): the signed-in clinician's save, marked as the patient view's.
    """
    if discussion.status != STATUS_IN_PROGRESS:  # finished or paused while the patient typed
        raise Refused(ON_HOLD if discussion.status == STATUS_PAUSED else FINISHED, link)
    if expected_lock != discussion.lock_version:
        raise Conflict
    all_answers = discussion.answers
    all_answers[step_id] = {**all_answers.get(step_id, {}), **answers}
    discussion.answers = all_answers
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise Conflict from None
    if link is not None:
        now = utcnow()
        steps = answered_steps(link)
        steps[step_id] = now.isoformat(timespec="seconds")
        link.answered_steps_json = json.dumps(steps, sort_keys=True)
        link.answered_at = link.last_used_at = now
        audit_link(session, "patient_link_save", link, step_id)
    else:
        record(session, "update", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
               object_id=str(discussion.id), detail=f"{step_id} (patient view)")


def answered_by_patient(session: so.Session, discussion_id: uuid.UUID) -> dict[str, dt.datetime]:
    """Step id -> when the patient last saved it through any of the discussion's links."""
    found: dict[str, dt.datetime] = {}
    for (steps_json,) in session.execute(sa.select(PatientLink.answered_steps_json).where(
            PatientLink.discussion_id == discussion_id, PatientLink.purpose == PURPOSE_PREPARE,
            PatientLink.answered_at.is_not(None))):
        for step_id, at in json.loads(steps_json or "{}").items():
            moment = dt.datetime.fromisoformat(at)
            found[step_id] = max(found.get(step_id, moment), moment)
    return found


def discussion_prepared_by_patient(session: so.Session, discussion_id: uuid.UUID) -> dt.datetime | None:
    """When the patient first answered through a link made to prepare, or None (for the clinic's
    figures: "share prepared by the patient beforehand")."""
    return session.scalar(sa.select(sa.func.min(PatientLink.answered_at)).where(
        PatientLink.discussion_id == discussion_id, PatientLink.purpose == PURPOSE_PREPARE))


def prepared_by_patient(session: so.Session, discussion_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these discussions the patient prepared through a link (one query for a set)."""
    if not discussion_ids:
        return set()
    return set(session.scalars(sa.select(PatientLink.discussion_id).where(
        PatientLink.discussion_id.in_(discussion_ids), PatientLink.purpose == PURPOSE_PREPARE,
        PatientLink.answered_at.is_not(None)).distinct()))
