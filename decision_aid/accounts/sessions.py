"""Server-side sessions: start at sign-in, end at sign-out, after 15 idle minutes or 12 hours.

The signed cookie holds only a random token. Each request looks the token up, so a session
ended here (sign-out, timeout, account disabled) is refused even if its cookie was copied.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app, g, session
from flask_login import LoginManager, login_user, logout_user

from ..audit.log import record
from ..extensions import db
from ..models import utcnow
from .models import User, UserSession

login_manager = LoginManager()
TOUCH_EVERY = dt.timedelta(seconds=20)  # fewer writes; idle time is measured to this precision


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User) -> None:
    """A brand-new session for this user (the old cookie's contents are dropped)."""
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


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    row = _row()
    if row is None or row.ended_at is not None or str(row.user_id) != user_id:
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
    if now - row.last_seen > min(TOUCH_EVERY, idle / 10):
        row.last_seen = now
        db.session.commit()
    return row.user
