"""Finding saved discussions: newest first, filtered, one page at a time."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..models import Discussion

PER_PAGE = 20
# The newest 1,000 matches can be paged through; past that, a search narrows it down. Counting
# stops there too, so neither a count nor a deep OFFSET ever walks 100,000 rows.
BROWSABLE = 1000


@dataclass(frozen=True)
class Criteria:
    patient_ref: str = ""
    clinician: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    status: str = ""

    @property
    def any(self) -> bool:
        return any((self.patient_ref, self.clinician, self.date_from, self.date_to, self.status))


@dataclass(frozen=True)
class Page:
    items: list[Discussion]
    number: int
    total: int  # at most BROWSABLE + 1: more than BROWSABLE reads as "more than 1,000"

    @property
    def more_than_browsable(self) -> bool:
        return self.total > BROWSABLE

    @property
    def browsable(self) -> int:
        return BROWSABLE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(min(self.total, BROWSABLE) / PER_PAGE))


def _prefix(session: so.Session, column, text: str):
    """column starts with text (the *_key columns are case-folded), in a form an index serves:
    LIKE on PostgreSQL (varchar_pattern_ops indexes), a range on SQLite (binary collation)."""
    key = text.casefold()
    if session.get_bind().dialect.name == "postgresql":
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(escaped + "%", escape="\\")
    return sa.and_(column >= key, column < key + "\U0010ffff")


def search(session: so.Session, clinic_id: int, criteria: Criteria, page: int = 1) -> Page:
    conditions = [Discussion.clinic_id == clinic_id]
    if criteria.patient_ref:
        conditions.append(_prefix(session, Discussion.patient_ref_key, criteria.patient_ref))
    if criteria.clinician:
        conditions.append(_prefix(session, Discussion.clinician_key, criteria.clinician))
    if criteria.date_from:
        conditions.append(Discussion.discussion_date >= criteria.date_from)
    if criteria.date_to:
        conditions.append(Discussion.discussion_date <= criteria.date_to)
    if criteria.status:
        conditions.append(Discussion.status == criteria.status)
    capped = sa.select(Discussion.id).where(*conditions).limit(BROWSABLE + 1).subquery()
    total = session.scalar(sa.select(sa.func.count()).select_from(capped))
    page = max(1, min(page, max(1, math.ceil(min(total, BROWSABLE) / PER_PAGE))))
    # Two steps: the page's 20 ids first, from an index that ends in (created_at, id), without
    # touching the rows; then just those 20 rows. Loading every matching row (answers and all)
    # only to keep 20 is what made broad searches slow.
    ids = list(session.scalars(
        sa.select(Discussion.id).where(*conditions)
        .order_by(Discussion.created_at.desc(), Discussion.id.desc())
        .limit(min(PER_PAGE, BROWSABLE - (page - 1) * PER_PAGE)).offset((page - 1) * PER_PAGE)))
    rows = session.scalars(sa.select(Discussion).where(Discussion.id.in_(ids))
                           .options(so.defer(Discussion.answers_json))).all() if ids else []
    by_id = {row.id: row for row in rows}
    return Page(items=[by_id[i] for i in ids], number=page, total=total)
