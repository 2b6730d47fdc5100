"""Clinics, their clinicians, server-side sessions and sign-in attempts."""
from __future__ import annotations

import datetime as dt
import uuid

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from ..clinic_time import DEFAULT_TIME_ZONE
from ..extensions import db
from ..models import utcnow

ROLE_CLINICIAN = "clinician"
ROLE_ADMIN = "admin"
ROLES = (ROLE_CLINICIAN, ROLE_ADMIN)


class Clinic(db.Model):
    __tablename__ = "clinic"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120), unique=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # An IANA name: every stored time is UTC and shown on this clinic's clock (clinic_time.py).
    time_zone: so.Mapped[str] = so.mapped_column(sa.String(64), default=DEFAULT_TIME_ZONE,
                                                 server_default=DEFAULT_TIME_ZONE)
    # The URI under which the clinic's own patient references are identifiers (FHIR export).
    patient_identifier_system: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    # How long a patient's own link stays open (patient_link/operations.py).
    patient_link_days: so.Mapped[int] = so.mapped_column(default=7, server_default="7")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinic.id"), index=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[str] = so.mapped_column(sa.String(16), default=ROLE_CLINICIAN)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    password_changed_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    # Set when an admin resets the password: every page but changing it is closed until then.
    must_change_password: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    clinic: so.Mapped[Clinic] = so.relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN


class UserSession(db.Model):
    """A signed-in session. The cookie holds a random token; only its hash is stored here,
    so ending the row ends the session even for a copied cookie."""

    __tablename__ = "user_session"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    last_seen: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    ended_at: so.Mapped[dt.datetime | None]
    end_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # The discussion the tablet is showing to the patient (patient_link/clinic_views.py). Kept
    # here, not in the cookie, so putting back an older cookie cannot end the patient view; only
    # the clinician's password clears it. No foreign key: it is a hold on the tablet, not a link.
    patient_view_discussion_id: so.Mapped[uuid.UUID | None] = so.mapped_column(sa.Uuid)

    user: so.Mapped[User] = so.relationship()


class LoginAttempt(db.Model):
    """Recent sign-in attempts, kept in the database so every app server sees the same count."""

    __tablename__ = "login_attempt"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow, index=True)
    email_key: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)  # a hash, not the address
    address: so.Mapped[str] = so.mapped_column(sa.String(64), index=True)
    success: so.Mapped[bool]
