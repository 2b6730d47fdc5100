"""Creating and changing accounts. The caller commits."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..audit.log import record
from ..models import utcnow
from . import throttle
from .models import ROLES, Clinic, User, UserSession
from .passwords import hash_password, password_problem


class AccountError(ValueError):
    pass


def find_user(session: so.Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))


def create_user(session: so.Session, *, email: str, name: str, clinic_name: str | None = None,
                clinic: Clinic | None = None, role: str, password: str, by: User | None = None) -> User:
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    problem = password_problem(password, email=email, name=name)
    if problem:
        raise AccountError(problem)
    existing = find_user(session, email)
    if existing is not None:
        raise AccountError(_taken_message(existing, clinic))
    if clinic is None:
        clinic = session.scalar(sa.select(Clinic).where(Clinic.name == clinic_name))
        if clinic is None:
            clinic = Clinic(name=clinic_name)
            session.add(clinic)
            session.flush()
    user = User(email=email.strip().lower(), name=name.strip(), clinic=clinic, role=role,
                password_hash=hash_password(password))
    session.add(user)
    session.flush()
    record(session, "user_create", user_id=by.id if by else None, clinic_id=clinic.id,
           object_type="user", object_id=str(user.id), detail=role)
    return user


# An admin may learn only about their own clinic: an address taken elsewhere gets a message that
# names no account and no clinic (e-mail addresses are unique across clinics, so it is refused).
ADDRESS_UNAVAILABLE = "This e-mail address cannot be used for a new account. Check it, or use another address."


def _taken_message(existing: User, clinic: Clinic | None) -> str:
    if clinic is None:  # the command line and first run: the operator sees the whole database anyway
        return "An account with this e-mail address already exists."
    if existing.clinic_id == clinic.id:
        state = "" if existing.active else " (disabled: enable it in the list above)"
        return f"{existing.name} already has an account at this clinic with this address{state}."
    return ADDRESS_UNAVAILABLE


def set_active(session: so.Session, user: User, active: bool, by: User) -> None:
    """Disabling ends every session of the account at once, so enabling it again revives none."""
    user.active = active
    record(session, "user_enable" if active else "user_disable", user_id=by.id, clinic_id=by.clinic_id,
           object_type="user", object_id=str(user.id))
    if not active:
        end_sessions(session, user, "disabled")


def end_sessions(session: so.Session, user: User, reason: str, *, keep: int | None = None) -> int:
    """End every open session of ``user`` but the one with id ``keep``; how many were ended."""
    query = sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep)
    rows = session.scalars(query).all()
    for row in rows:
        row.ended_at, row.end_reason = utcnow(), reason
        record(session, "session_end", user_id=user.id, clinic_id=user.clinic_id,
               object_type="session", object_id=str(row.id), detail=reason)
    return len(rows)


def change_password(session: so.Session, user: User, password: str, *, keep_session: int | None) -> int:
    """The owner's own new password (already checked by the form). Their other sessions end, as
    someone who learnt the old password may be using one. Returns how many were ended."""
    user.password_hash = hash_password(password)
    user.password_changed_at, user.must_change_password = utcnow(), False
    record(session, "password_change", user_id=user.id, clinic_id=user.clinic_id,
           object_type="user", object_id=str(user.id))
    return end_sessions(session, user, "password_change", keep=keep_session)


def reset_password(session: so.Session, user: User, password: str, by: User) -> int:
    """An admin sets a first password that they pass on; the owner must replace it at their next
    sign-in. Every session of the account ends. Returns how many were ended."""
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(password)
    user.password_changed_at, user.must_change_password = utcnow(), True
    record(session, "password_reset", user_id=by.id, clinic_id=by.clinic_id, object_type="user",
           object_id=str(user.id))
    return end_sessions(session, user, "password_reset")


def clear_sign_in_failures(session: so.Session, user: User, by: User) -> None:
    """An admin lets a clinician try again at once after others' failed sign-ins held them up."""
    cleared = throttle.clear_failures(session, user.email)
    record(session, "user_unlock", user_id=by.id, clinic_id=by.clinic_id, object_type="user",
           object_id=str(user.id), detail=f"{cleared} failures cleared")


def any_user(session: so.Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def update_clinic_settings(session: so.Session, clinic: Clinic, *, time_zone: str, by: User,
                           patient_link_days: int | None = None) -> None:
    """Audited with the names of the settings changed (not their values: a setting may one day
    hold an address)."""
    values = {"time_zone": time_zone}
    if patient_link_days is not None:
        values["patient_link_days"] = patient_link_days
    changed = [name for name, value in values.items() if getattr(clinic, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(clinic, name, values[name])
    record(session, "clinic_update", user_id=by.id, clinic_id=clinic.id, object_type="clinic",
           object_id=str(clinic.id), detail=" ".join(changed))
