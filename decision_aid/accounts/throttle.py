"""Slowing and then refusing repeated failed sign-ins, per account and per address.

Counts live in the database, so every app server and worker applies the same limits. The
account is counted by a hash of the typed e-mail address whether or not it exists, so the
replies never reveal which addresses have accounts.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import utcnow
from .models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
SLOW_AFTER = 3          # failures before each further try must wait
REFUSE_AFTER = 10       # failures for one account before it is refused for the window
REFUSE_ADDRESS_AFTER = 30


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


def _failures(session: so.Session, column, value: str, since: dt.datetime) -> list[dt.datetime]:
    return list(session.scalars(
        sa.select(LoginAttempt.at).where(column == value, LoginAttempt.success.is_(False),
                                         LoginAttempt.at >= since).order_by(LoginAttempt.at)))


def wait_seconds(session: so.Session, email: str, address: str, now: dt.datetime | None = None) -> int:
    """0 when a sign-in may be tried now, else how long to wait."""
    now = now or utcnow()
    since = now - WINDOW
    account = _failures(session, LoginAttempt.email_key, email_key(email), since)
    by_address = _failures(session, LoginAttempt.address, address, since)
    if len(account) >= REFUSE_AFTER:
        return max(1, int((account[-REFUSE_AFTER] + WINDOW - now).total_seconds()))
    if len(by_address) >= REFUSE_ADDRESS_AFTER:
        return max(1, int((by_address[-REFUSE_ADDRESS_AFTER] + WINDOW - now).total_seconds()))
    if len(account) >= SLOW_AFTER:
        delay = dt.timedelta(seconds=min(60, 2 ** (len(account) - SLOW_AFTER)))
        remaining = (account[-1] + delay - now).total_seconds()
        if remaining > 0:
            return max(1, int(remaining + 0.999))
    return 0


def note_attempt(session: so.Session, email: str, address: str, success: bool) -> None:
    session.add(LoginAttempt(email_key=email_key(email), address=address, success=success))
    if success:
        # A good sign-in clears that account's failures.
        session.execute(sa.delete(LoginAttempt).where(
            LoginAttempt.email_key == email_key(email), LoginAttempt.success.is_(False)))
    # Keep the table small: nothing older than the window is ever needed.
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < utcnow() - 2 * WINDOW))
