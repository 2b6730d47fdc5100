"""Server-side sessions: start at sign-in, end at sign-out, after 15 idle minutes or 12 hours.

The signed cookie holds only a random token. Each request looks the token up, so a session
ended here (sign-out, timeout, account disabled) is refused even if its cookie was copied.
Only a signed-in page counts as activity: a public page (the sign-in page above all) never
renews a session nor shows anyone as signed in, and the page's idle countdown ending is not
activity either. The row also holds the tablet's patient view, so no cookie can undo it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid

import sqlalchemy as sa
from flask import current_app, g, has_request_context, request, session
from flask_login import LoginManager, login_user, logout_user

from ..audit.log import record
from ..extensions import db
from ..models import utcnow
from ..security import PUBLIC_ENDPOINTS
from .models import User, UserSession

login_manager = LoginManager()
TOUCH_EVERY = dt.timedelta(seconds=20)  # fewer writes; idle time is measured to this precision
NOT_ACTIVITY = frozenset({"accounts.idle_end"})  # signed-in requests that leave the idle clock alone


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    """A brand-new session for this user (the old cookie's contents are dropped, and a session
    it still held is ended: a sign-in at someone else's tab leaves nothing of theirs open)."""
    old = _row()
    if old is not None and old.ended_at is None:
        old.ended_at, old.end_reason = utcnow(), "replaced"
        record(db.session, "session_end", user_id=old.user_id, clinic_id=old.user.clinic_id, detail="replaced")
    token = secrets.token_urlsafe(32)
    session.clear()
    db.session.add(UserSession(token_hash=_hash(token), user_id=user.id))
    session["sid"] = token
    login_user(user)


def _row() -> UserSession | None:
    token = session.get("sid")
    if not token:
        return None
    return db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _hash(token)))


def current_id() -> int | None:
    row = _row()
    return row.id if row is not None else None


def loaded() -> UserSession | None:
    """The row this request's sign-in check found live (None when signed out or on a public page)."""
    return g.get("user_session")


def patient_view() -> uuid.UUID | None:
    """The discussion the tablet is showing to the patient, as held by the session row."""
    row = loaded()
    return row.patient_view_discussion_id if row is not None else None


def set_patient_view(discussion_id: uuid.UUID | None) -> None:
    """Hold the tablet to this discussion's patient view (None lets it go); the caller commits."""
    row = loaded()
    if row is None:  # only signed-in views call this, after the sign-in check loaded the row
        raise RuntimeError("no signed-in session")
    row.patient_view_discussion_id = discussion_id


def end(reason: str) -> None:
    row = _row()
    if row is not None and row.ended_at is None:
        row.ended_at, row.end_reason = utcnow(), reason
    logout_user()
    session.clear()


def timeouts() -> tuple[dt.timedelta, dt.timedelta]:
    config = current_app.config
    return (dt.timedelta(minutes=config["IDLE_TIMEOUT_MINUTES"]),
            dt.timedelta(minutes=config["ABSOLUTE_TIMEOUT_MINUTES"]))


def idle_seconds_left() -> int:
    """Seconds until this session's idle limit, by the server's clock (0 when it has none)."""
    row = _row()
    if row is None or row.ended_at is not None:
        return 0
    left = timeouts()[0] - (utcnow() - row.last_seen)
    return max(0, int(left.total_seconds()))


def typing_owner(user: User) -> str:
    """An opaque value per clinician and clinic, carried by each signed-in page: the page's script
    gives back typing kept in a tab only to the same value. Keyed, so it says nothing of the user."""
    key = current_app.config["SECRET_KEY"]
    key = key if isinstance(key, bytes) else key.encode()
    return hmac.new(key, f"kept-typing:{user.id}:{user.clinic_id}".encode(), hashlib.sha256).hexdigest()[:32]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    endpoint = request.endpoint if has_request_context() else None
    if endpoint in PUBLIC_ENDPOINTS:
        return None  # seen as signed out, and the session's idle clock is not reset
    row = _row()
    if row is None or str(row.user_id) != user_id:
        return None
    if row.ended_at is not None:  # ended elsewhere (disabled, a password change or reset): say why
        session.clear()
        g.session_ended = row.end_reason
        return None
    now = utcnow()
    idle, absolute = timeouts()
    reason = ("disabled" if not row.user.active else "idle" if now - row.last_seen > idle
              else "absolute" if now - row.created_at > absolute else None)
    if reason:
        row.ended_at, row.end_reason = now, reason
        record(db.session, "session_end", user_id=row.user_id, clinic_id=row.user.clinic_id, detail=reason)
        db.session.commit()
        session.clear()
        g.session_ended = reason
        return None
    if endpoint not in NOT_ACTIVITY and now - row.last_seen > min(TOUCH_EVERY, idle / 10):
        row.last_seen = now
        db.session.commit()
    g.user_session = row
    return row.user
