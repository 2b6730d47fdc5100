"""Creating and changing accounts. The caller commits."""
from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..audit.log import record
from .models import ROLES, Clinic, User
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
    if find_user(session, email) is not None:
        raise AccountError("An account with this e-mail address already exists.")
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


def set_active(session: so.Session, user: User, active: bool, by: User) -> None:
    user.active = active
    record(session, "user_enable" if active else "user_disable", user_id=by.id, clinic_id=by.clinic_id,
           object_type="user", object_id=str(user.id))


def any_user(session: so.Session) -> bool:
    return session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def update_clinic_settings(session: so.Session, clinic: Clinic, *, time_zone: str, by: User) -> None:
    """Audited with the names of the settings changed (not their values: a setting may one day
    hold an address)."""
    changed = [name for name, value in (("time_zone", time_zone),) if getattr(clinic, name) != value]
    if not changed:
        return
    clinic.time_zone = time_zone
    record(session, "clinic_update", user_id=by.id, clinic_id=clinic.id, object_type="clinic",
           object_id=str(clinic.id), detail=" ".join(changed))
