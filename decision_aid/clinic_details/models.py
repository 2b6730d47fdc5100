"""The clinic's printed details, one row per saved version (append-only: a trigger refuses
UPDATE and DELETE). The newest row is current; a discussion keeps the version it was held under,
so its reprint shows the phone number and local prices as they were."""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import utcnow

MAX_NAME = 120
MAX_PHONE = 40
MAX_CONTACT = 254
MAX_TEXT = 400  # address, opening hours, each local fact


class ClinicDetails(db.Model):
    __tablename__ = "clinic_details"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    clinic_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("clinic.id"))
    version: so.Mapped[int]
    created_at: so.Mapped[dt.datetime] = so.mapped_column(default=utcnow)
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user_account.id"))
    printed_name: so.Mapped[str] = so.mapped_column(sa.String(MAX_NAME))
    address: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    phone: so.Mapped[str] = so.mapped_column(sa.String(MAX_PHONE), default="")
    contact: so.Mapped[str] = so.mapped_column(sa.String(MAX_CONTACT), default="")  # e-mail or web address
    opening_hours: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    logo: so.Mapped[bytes | None] = so.mapped_column(sa.LargeBinary)
    logo_type: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    # Per option id: {"offered": bool, "price", "booking", "waiting": str, "set_on": ISO date}.
    local_facts_json: so.Mapped[str] = so.mapped_column(sa.Text, default="{}")

    __table_args__ = (sa.UniqueConstraint("clinic_id", "version", name="uq_clinic_details_version"),)

    @property
    def local_facts(self) -> dict[str, dict]:
        return json.loads(self.local_facts_json)
