"""What is recorded after the visit. Both tables are append-only (database triggers, 0021).

CollaboRATE answers are kept apart from the discussion on purpose: a row holds the clinic, the
clinic's day it was answered and who held the tablet, and nothing else, so no page or export
can put the answers beside a patient's reference. Which discussion was offered the questions
(so they are asked once) is a separate row that holds no answer.
"""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import MAX_CLINICIAN, utcnow

ANSWERED_BY = ("clinician", "patient")
OFFER_ANSWERED = "answered"
OFFER_SKIPPED = "skipped"
MAX_DONE_SINCE = 2000


class CollaborateResponse(db.Model):
    """One patient's three CollaboRATE answers (0–9). No patient, discussion or clinician."""

    __tablename__ = "collaborate_response"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinic.id"))
    # The clinic's calendar day only: a time of day would match the discussion's finish time.
    answered_on: so.Mapped[dt.date]
    answered_by: so.Mapped[str] = so.mapped_column(sa.String(16))
    collaborate_1: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    collaborate_2: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    collaborate_3: so.Mapped[int] = so.mapped_column(sa.SmallInteger)

    __table_args__ = (sa.Index("ix_collaborate_response_clinic_day", "clinic_id", "answered_on"),)


class CollaborateOffer(db.Model):
    """That a discussion's patient was offered CollaboRATE, and whether they answered or skipped."""

    __tablename__ = "collaborate_offer"

    discussion_id: so.Mapped[uuid.UUID] = so.mapped_column(
        sa.ForeignKey("discussion.id", ondelete="RESTRICT"), primary_key=True)
    outcome: so.Mapped[str] = so.mapped_column(sa.String(16))


class FollowUp(db.Model):
    """How it went after the decision. Never updated; a later follow-up is another row."""

    __tablename__ = "follow_up"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    discussion_id: so.Mapped[uuid.UUID] = so.mapped_column(sa.ForeignKey("discussion.id", ondelete="RESTRICT"))
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinic.id"))
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    author_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user_account.id"))
    author: so.Mapped[str] = so.mapped_column(sa.String(MAX_CLINICIAN))
    answered_by: so.Mapped[str] = so.mapped_column(sa.String(16))
    done_since: so.Mapped[str] = so.mapped_column(sa.Text)
    # An option id, or "none"; None when not said.
    option_tried: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    pain_now: so.Mapped[int] = so.mapped_column(sa.SmallInteger)
    regret_1: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    regret_2: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    regret_3: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    regret_4: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)
    regret_5: so.Mapped[int | None] = so.mapped_column(sa.SmallInteger)

    __table_args__ = (
        sa.Index("ix_follow_up_discussion", "discussion_id", "created_at"),
        sa.Index("ix_follow_up_clinic_created", "clinic_id", "created_at"),
    )

    def regret_answers(self) -> dict[str, int | None]:
        return {f"regret_{n}": getattr(self, f"regret_{n}") for n in range(1, 6)}
