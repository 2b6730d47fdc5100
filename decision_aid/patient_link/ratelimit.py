"""How often a link's pages may be asked for: per link, and per address (whatever the link).

A patient reading and answering makes a few dozen requests; someone guessing tokens or
hammering one link makes many. Counts live in the database (patient_link_request), as failed
sign-ins do, so every app server and worker applies the same limits.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import utcnow
from .models import PatientLinkRequest

WINDOW = dt.timedelta(minutes=15)
PER_LINK = 120          # requests with one link in the window
PER_ADDRESS = 240       # requests from one address in the window, with any link or none
UNKNOWN_PER_ADDRESS = 10  # requests from one address with no valid link (guessing tokens)


def _count(session: so.Session, since: dt.datetime, *conditions) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(PatientLinkRequest)
                          .where(PatientLinkRequest.at >= since, *conditions)) or 0


def allowed(session: so.Session, address: str, link_id: int | None, limits: dict | None = None,
            now: dt.datetime | None = None) -> bool:
    """Whether one more request may be served (reads only). ``limits`` overrides the numbers."""
    limits = {"per_link": PER_LINK, "per_address": PER_ADDRESS, "unknown_per_address": UNKNOWN_PER_ADDRESS,
              **(limits or {})}
    since = (now or utcnow()) - WINDOW
    if _count(session, since, PatientLinkRequest.address == address) >= limits["per_address"]:
        return False
    if link_id is None:
        return _count(session, since, PatientLinkRequest.address == address,
                      PatientLinkRequest.link_id.is_(None)) < limits["unknown_per_address"]
    return _count(session, since, PatientLinkRequest.link_id == link_id) < limits["per_link"]


def note(session: so.Session, address: str, link_id: int | None) -> None:
    session.add(PatientLinkRequest(address=address[:64], link_id=link_id))
    # Keep the table small: nothing older than the window is ever counted.
    session.execute(sa.delete(PatientLinkRequest).where(PatientLinkRequest.at < utcnow() - 2 * WINDOW))
