"""The clinic's patient identifier system: the one clinic setting the FHIR export needs."""
from __future__ import annotations

import sqlalchemy.orm as so

from ..accounts.models import Clinic, User
from ..audit.log import record


class NotConfigured(Exception):
    """The clinic has not named its patient identifier system, so nothing can be exported."""

    MESSAGE = ("The FHIR export needs your clinic's patient identifier system: the URI under which "
               "your patient references are issued. An admin sets it in Clinic settings (/admin/clinic).")

    def __init__(self) -> None:
        super().__init__(self.MESSAGE)


def patient_identifier_system(clinic: Clinic) -> str:
    if not clinic.patient_identifier_system:
        raise NotConfigured
    return clinic.patient_identifier_system


def set_patient_identifier_system(session: so.Session, clinic: Clinic, system: str | None, *, by: User) -> None:
    """Audited like the other clinic settings: the setting's name, not its value."""
    system = (system or "").strip() or None
    if clinic.patient_identifier_system == system:
        return
    clinic.patient_identifier_system = system
    record(session, "clinic_update", user_id=by.id, clinic_id=clinic.id, object_type="clinic",
           object_id=str(clinic.id), detail="patient_identifier_system")
