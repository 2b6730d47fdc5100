"""Slowing and then refusing repeated failed sign-ins, per account *and* address.

Counts live in the database, so every app server and worker applies the same limits. The
account is counted by a hash of the typed e-mail address whether or not it exists, so the
replies never reveal which addresses have accounts.

The rules, so that knowing a clinician's e-mail address is not enough to lock them out:
- failures for one account from one address slow that address down for that account, then
  refuse it for the window;
- failures for one account from many addresses make every address that has failed for it
  wait longer (a growing delay, capped), but an address with no failure for the account is
  never held up by the others: the clinician signs in from their own computer;
- one address failing for many accounts is refused for the window (a password sprayer);
- an admin can clear an account's failures (admin/users).
"""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import utcnow
from .models import LoginAttempt

WINDOW = dt.timedelta(minutes=15)
SLOW_AFTER = 3               # failures of one account from one address before each further try waits
REFUSE_AFTER = 10            # ... before that address is refused for that account for the window
ACCOUNT_SLOW_AFTER = 10      # failures of one account from all addresses before failed addresses wait longer
MAX_DELAY_SECONDS = 60       # the longest a slowed try waits (refusals last the window)
REFUSE_ADDRESS_AFTER = 30    # failures from one address, whatever the account


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()


def _failures(session: so.Session, since: dt.datetime, *conditions) -> list[dt.datetime]:
    return list(session.scalars(
        sa.select(LoginAttempt.at).where(*conditions, LoginAttempt.success.is_(False),
                                         LoginAttempt.at >= since).order_by(LoginAttempt.at)))


def _delay(failures: int, free: int) -> int:
    """Seconds to wait after the latest failure: 1, 2, 4 ... up to the cap, once past ``free``."""
    if failures < free:
        return 0
    return min(MAX_DELAY_SECONDS, 2 ** min(failures - free, 10))


def _until(start: dt.datetime, length: dt.timedelta, now: dt.datetime) -> int:
    return max(1, int((start + length - now).total_seconds() + 0.999))


def wait_seconds(session: so.Session, email: str, address: str, now: dt.datetime | None = None) -> int:
    """0 when a sign-in may be tried now from ``address``, else how long to wait. Reads only."""
    now = now or utcnow()
    since = now - WINDOW
    key = email_key(email)
    by_address = _failures(session, since, LoginAttempt.address == address)
    if len(by_address) >= REFUSE_ADDRESS_AFTER:
        return _until(by_address[-REFUSE_ADDRESS_AFTER], WINDOW, now)
    pair = _failures(session, since, LoginAttempt.email_key == key, LoginAttempt.address == address)
    if not pair:
        return 0  # others' failures never hold up an address that has not failed for this account
    if len(pair) >= REFUSE_AFTER:
        return _until(pair[-REFUSE_AFTER], WINDOW, now)
    account = session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email_key == key, LoginAttempt.success.is_(False), LoginAttempt.at >= since))
    delay = max(_delay(len(pair), SLOW_AFTER), _delay(account, ACCOUNT_SLOW_AFTER))
    remaining = (pair[-1] + dt.timedelta(seconds=delay) - now).total_seconds()
    return max(1, int(remaining + 0.999)) if remaining > 0 else 0


def note_attempt(session: so.Session, email: str, address: str, success: bool) -> None:
    session.add(LoginAttempt(email_key=email_key(email), address=address, success=success))
    if success:
        # A good sign-in clears that account's failures from this address only: an attacker's
        # count from elsewhere stays, so signing in does not give them a fresh start.
        session.execute(sa.delete(LoginAttempt).where(
            LoginAttempt.email_key == email_key(email), LoginAttempt.address == address,
            LoginAttempt.success.is_(False)))
    # Keep the table small: nothing older than the window is ever needed.
    session.execute(sa.delete(LoginAttempt).where(LoginAttempt.at < utcnow() - 2 * WINDOW))


def recent_failures(session: so.Session, emails: list[str], now: dt.datetime | None = None) -> dict[str, int]:
    """Failed sign-ins in the window for each of these addresses (for the admin's account list)."""
    keys = {email_key(email): email for email in emails}
    rows = session.execute(
        sa.select(LoginAttempt.email_key, sa.func.count()).where(
            LoginAttempt.email_key.in_(keys), LoginAttempt.success.is_(False),
            LoginAttempt.at >= (now or utcnow()) - WINDOW).group_by(LoginAttempt.email_key))
    return {keys[key]: count for key, count in rows}


def clear_failures(session: so.Session, email: str) -> int:
    """Forget every failed sign-in of one account (an admin's unlock). Returns how many."""
    result = session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.email_key == email_key(email), LoginAttempt.success.is_(False)))
    return result.rowcount or 0
