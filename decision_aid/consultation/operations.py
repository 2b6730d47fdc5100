"""What changes a discussion. The caller commits; each function leaves one whole change.

Nothing here knows about requests: the views validate forms and pass plain answers in.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.orm.exc import StaleDataError

from .. import clinic_time
from ..accounts.models import Clinic
from ..audit.log import record
from ..clinic_details import operations as clinic_details
from ..content import Content
from ..models import (STATUS_COMPLETE, STATUS_IN_PROGRESS, STATUS_PAUSED, Discussion, Revision, dump_answers,
                      utcnow)
from .steps import STEP_IDS


class Conflict(Exception):
    """Someone else saved this discussion after the form was opened."""


class NotEditable(Exception):
    """A finished discussion changes only by amendment."""


# A paused discussion is still being worked on: its assessment can be changed, which resumes it.
EDITABLE = (STATUS_IN_PROGRESS, STATUS_PAUSED)


def _copy_start_fields(discussion: Discussion, start: dict) -> None:
    discussion.patient_ref = start.get("patient_ref") or None
    discussion.patient_ref_key = discussion.patient_ref.casefold() if discussion.patient_ref else None
    discussion.clinician = start["clinician"]
    discussion.clinician_key = start["clinician"].casefold()
    discussion.discussion_date = dt.date.fromisoformat(start["discussion_date"])


def _copy_decision_fields(discussion: Discussion, decision: dict) -> None:
    """What the saved list shows, copied out so it never has to load the answers."""
    discussion.decision = decision.get("choice") or None
    try:
        discussion.follow_up_date = dt.date.fromisoformat(decision.get("follow_up_date") or "")
    except (TypeError, ValueError):
        discussion.follow_up_date = None


def create_discussion(session: so.Session, start: dict, content: Content, next_step: str, *,
                      clinic_id: int, user_id: int, language: str = "en") -> Discussion:
    """A new discussion from the Start step, tied to the content version it is shown.

    The clinic comes from the signed-in user, never from the form.
    """
    discussion = Discussion(current_step=next_step, content_version=content.version, language=language,
                            content_hash=content.content_hash, clinic_id=clinic_id, created_by_id=user_id,
                            clinic_details_version=clinic_details.current_version(session, clinic_id))
    discussion.answers = {"start": start}
    _copy_start_fields(discussion, start)
    session.add(discussion)
    session.flush()
    record(session, "create", user_id=user_id, clinic_id=clinic_id, object_type="discussion",
           object_id=str(discussion.id))
    return discussion


def _flush(session: so.Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        # The row's lock_version moved between our read and our write: a true race.
        session.rollback()
        raise Conflict from None


def save_step(session: so.Session, discussion: Discussion, step_id: str, answers: dict,
              expected_lock: int, go_to: str, *, user_id: int, paused: bool | None = None) -> None:
    """Save one step's answers and where the discussion is now, or raise Conflict.

    ``paused`` (given for the assessment step) sets the status: paused, "needs assessment
    first", or back in progress when the assessment is now clear.
    """
    save_page(session, discussion, {step_id: answers}, expected_lock, go_to, user_id=user_id, paused=paused)


def save_page(session: so.Session, discussion: Discussion, parts: dict[str, dict],
              expected_lock: int, go_to: str, *, user_id: int, paused: bool | None = None) -> None:
    """Save the answers of every step a page asks (``{step id: answers}``) in one write."""
    if discussion.status not in EDITABLE:
        raise NotEditable
    if expected_lock != discussion.lock_version:
        raise Conflict
    all_answers = discussion.answers
    all_answers.update(parts)
    discussion.answers = all_answers
    if "start" in parts:
        _copy_start_fields(discussion, parts["start"])
    if "decision" in parts:
        _copy_decision_fields(discussion, parts["decision"])
    discussion.current_step = go_to
    if paused is not None:
        discussion.status = STATUS_PAUSED if paused else STATUS_IN_PROGRESS
    _flush(session)
    # The detail names the step and the status only: never an answer (the age is patient data).
    record(session, "update", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
           object_id=str(discussion.id), detail=", ".join(parts) + (" (paused)" if paused else ""))


def finish(session: so.Session, discussion: Discussion, expected_lock: int, *, user_id: int,
           user_name: str) -> Revision:
    """Close the discussion and record it as revision 1."""
    if discussion.status != STATUS_IN_PROGRESS:
        raise NotEditable
    if expected_lock != discussion.lock_version:
        raise Conflict
    now = utcnow()
    discussion.status = STATUS_COMPLETE
    discussion.finished_at = now
    discussion.current_step = STEP_IDS[-1]
    revision = Revision(discussion=discussion, number=1, created_at=now, author_id=user_id, author=user_name,
                        reason="Discussion finished", answers_json=discussion.answers_json,
                        content_version=discussion.content_version,
                        content_hash=discussion.content_hash, language=discussion.language)
    session.add(revision)
    _flush(session)
    record(session, "finish", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
           object_id=str(discussion.id), detail="revision 1", object_digest=revision.digest())
    return revision


def amend(session: so.Session, discussion: Discussion, decision: dict, note: str, reason: str,
          expected_revision: int, *, user_id: int, user_name: str, step_id: str = "decision") -> Revision:
    """Record a change to a finished discussion as the next revision; earlier ones stay as they were.

    ``decision`` is the new answers of ``step_id`` (the decision step unless another is named);
    every other step is copied from the latest revision unchanged. The audit detail stays
    "revision N": verify-audit finds each revision's sealed digest by that name.
    """
    if discussion.status != STATUS_COMPLETE:
        raise NotEditable
    latest = discussion.latest_revision
    if latest is None or latest.number != expected_revision:
        raise Conflict
    now = utcnow()
    answers = latest.answers
    answers[step_id] = decision
    if note:
        answers.setdefault("amendment_notes", []).append(
            {"revision": latest.number + 1, "author": user_name, "note": note,
             "date": clinic_time.today(session.get(Clinic, discussion.clinic_id).time_zone).isoformat()})
    revision = Revision(discussion=discussion, number=latest.number + 1, created_at=now, author_id=user_id,
                        author=user_name,
                        reason=reason, answers_json=dump_answers(answers),
                        content_version=latest.content_version, content_hash=latest.content_hash,
                        language=latest.language)  # an amendment reprints in the language it was held in
    session.add(revision)
    discussion.answers = answers
    # The list's columns follow the latest revision (start: reference, clinician, date).
    if step_id == "start":
        _copy_start_fields(discussion, decision)
    _copy_decision_fields(discussion, answers.get("decision", {}))
    discussion.updated_at = now
    try:
        _flush(session)
    except sa.exc.IntegrityError:
        # Another amendment took this revision number first.
        session.rollback()
        raise Conflict from None
    record(session, "amend", user_id=user_id, clinic_id=discussion.clinic_id, object_type="discussion",
           object_id=str(discussion.id), detail=f"revision {revision.number}", object_digest=revision.digest())
    return revision
