"""Saving the clinic's printed details as a new version, and the plain dict pages and PDFs print.

The caller commits. A save that changes nothing adds no version, so an unchanged form never
makes every later handout render again.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..accounts.models import Clinic, User
from ..audit.log import record
from ..content import Content
from ..models import dump_answers
from .logo import Logo
from .models import ClinicDetails

TEXT_FIELDS = ("printed_name", "address", "phone", "contact", "opening_hours")
FACT_FIELDS = ("offered", "price", "booking", "waiting")
OFFERED, NOT_OFFERED = "yes", "no"


def latest(session: so.Session, clinic_id: int) -> ClinicDetails | None:
    return session.scalar(sa.select(ClinicDetails).where(ClinicDetails.clinic_id == clinic_id)
                          .order_by(ClinicDetails.version.desc()).limit(1))


def at_version(session: so.Session, clinic_id: int, version: int | None) -> ClinicDetails | None:
    if version is None:
        return None
    return session.scalar(sa.select(ClinicDetails).where(ClinicDetails.clinic_id == clinic_id,
                                                         ClinicDetails.version == version))


def current_version(session: so.Session, clinic_id: int) -> int | None:
    return session.scalar(sa.select(sa.func.max(ClinicDetails.version)).where(ClinicDetails.clinic_id == clinic_id))


def _dated_facts(entered: dict[str, dict], before: dict[str, dict], today: dt.date) -> dict[str, dict]:
    """Each option's facts keep the date they were set until one of them changes."""
    facts = {}
    for option_id, fact in entered.items():
        fact = {name: fact.get(name, "") for name in FACT_FIELDS}
        if not any(fact.values()):
            continue  # nothing said about this option
        if fact["offered"] == NOT_OFFERED:
            fact.update(price="", booking="", waiting="")
        old = before.get(option_id)
        same = old is not None and all(old.get(name, "") == fact[name] for name in FACT_FIELDS)
        facts[option_id] = {**fact, "set_on": old["set_on"] if same else today.isoformat()}
    return facts


def save_details(session: so.Session, clinic: Clinic, *, text: dict[str, str], facts: dict[str, dict],
                 logo: Logo | None, remove_logo: bool, by: User, today: dt.date) -> ClinicDetails | None:
    """Add the next version of the clinic's printed details, or None when nothing changed.

    :param text: the fields of TEXT_FIELDS, already checked by the form.
    :param facts: per option id, the FACT_FIELDS as typed.
    :param logo: a newly uploaded (already checked) logo, or None to keep the one there is.
    Audited with the names of what changed, never the values.
    """
    before = latest(session, clinic.id)
    kept_logo = None if remove_logo else (logo or (Logo(before.logo_type, before.logo)
                                                   if before is not None and before.logo else None))
    row = ClinicDetails(clinic_id=clinic.id, version=(before.version + 1) if before else 1, created_by_id=by.id,
                        **{name: text.get(name, "").strip() for name in TEXT_FIELDS},
                        logo=kept_logo.data if kept_logo else None,
                        logo_type=kept_logo.media_type if kept_logo else None,
                        local_facts_json=dump_answers(_dated_facts(facts, before.local_facts if before else {},
                                                                   today)))
    # A first version is compared with an empty one, so its audit entry names what was filled in.
    empty = {**dict.fromkeys(TEXT_FIELDS, ""), "logo": None, "logo_type": None, "local_facts_json": "{}"}
    changed = [name for name in empty
               if (getattr(before, name) if before else empty[name]) != getattr(row, name)]
    if not changed and before is not None:
        return None
    session.add(row)
    session.flush()
    detail = " ".join("local_facts" if name == "local_facts_json" else name for name in changed if name != "logo_type")
    record(session, "clinic_update", user_id=by.id, clinic_id=clinic.id, object_type="clinic_details",
           object_id=str(row.version), detail=detail[:200])
    return row


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def printed(clinic: Clinic, details: ClinicDetails | None, content: Content) -> dict[str, Any]:
    """What a page or PDF shows of the clinic: its details and, per option in the fixed order,
    its local facts. Without a saved version only the clinic's account name is known."""
    if details is None:
        return {"name": clinic.name, "version": 0, "address_lines": [], "phone": "", "contact": "",
                "hours_lines": [], "logo_src": None, "facts": [], "cache_key": f"clinic-details:{clinic.id}:none"}
    saved = json.loads(details.local_facts_json)
    facts = []
    if saved:
        for option in content.options:  # every option, in the fixed order, said about or not
            fact = saved.get(option.id)
            facts.append({"option_id": option.id, "option_name": option.short_name, "said": fact is not None,
                          "offered": fact is None or fact["offered"] != NOT_OFFERED,
                          **{name: (fact or {}).get(name, "") for name in ("price", "booking", "waiting")},
                          "set_on": dt.date.fromisoformat(fact["set_on"]) if fact else None})
    logo_src = None
    if details.logo:
        logo_src = f"data:{details.logo_type};base64,{base64.b64encode(details.logo).decode()}"
    return {"name": details.printed_name, "version": details.version, "address_lines": _lines(details.address),
            "phone": details.phone, "contact": details.contact, "hours_lines": _lines(details.opening_hours),
            "logo_src": logo_src, "facts": facts, "set_on": details.created_at.date(),
            "cache_key": f"clinic-details:{details.clinic_id}:{details.version}"}


def for_clinic(session: so.Session, clinic: Clinic, content: Content) -> dict[str, Any]:
    """The clinic's details as they are now (handouts, the guide, a new discussion)."""
    return printed(clinic, latest(session, clinic.id), content)


def for_discussion(session: so.Session, clinic: Clinic, version: int | None, content: Content) -> dict[str, Any]:
    """The details as they were when the discussion was held (its recorded version)."""
    return printed(clinic, at_version(session, clinic.id, version), content)
