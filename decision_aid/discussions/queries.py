"""Finding saved discussions: newest first, filtered, one page at a time."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

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


def _contains(session: so.Session, column, text: str):
    """column holds text anywhere (the *_key columns are case-folded, so is text).

    PostgreSQL: LIKE '%text%', which the pg_trgm trigram indexes serve. SQLite: instr(), tested
    on ix_discussion_clinic_search without reading a row (see search() and README, Benchmarks)."""
    key = text.casefold()
    if session.get_bind().dialect.name == "postgresql":
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return column.like(f"%{escaped}%", escape="\\")
    return sa.func.instr(column, key) > 0


def _unindexed(column):
    """SQLite's unary plus: "+column" is the same value, but the planner may not use an index
    for that term (https://sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_)."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def search(session: so.Session, clinic_id: int, criteria: Criteria, page: int = 1) -> Page:
    # Part of a reference or name: SQLite has no index for it and reads ix_discussion_clinic_search,
    # which holds every searched column, end to end (about 15 ms at 100,000). Left alone, its
    # planner walks the newest-first index instead, reading every row to test it (over 100 ms when
    # few match), or a date range or status with a row read each: "+column" takes those out of its
    # choice. PostgreSQL has trigram indexes, but asked for only 20 it too may walk newest-first.
    scan = bool(criteria.patient_ref or criteria.clinician)
    sqlite = session.get_bind().dialect.name == "sqlite"
    plain = _unindexed if scan and sqlite else (lambda column: column)
    date = plain(Discussion.discussion_date)
    conditions = [Discussion.clinic_id == clinic_id]
    if criteria.patient_ref:
        conditions.append(_contains(session, Discussion.patient_ref_key, criteria.patient_ref))
    if criteria.clinician:
        conditions.append(_contains(session, Discussion.clinician_key, criteria.clinician))
    if criteria.date_from:
        conditions.append(date >= criteria.date_from)
    if criteria.date_to:
        conditions.append(date <= criteria.date_to)
    if criteria.status:
        conditions.append(plain(Discussion.status) == criteria.status)
    if scan:
        # One pass for count and page alike: the newest BROWSABLE + 1 matching ids, in order.
        matches = list(session.scalars(
            sa.select(Discussion.id).where(*conditions)
            .order_by(plain(Discussion.created_at).desc(), Discussion.id.desc()).limit(BROWSABLE + 1)))
        total = len(matches)
        page = _clamp(page, total)
        ids = matches[(page - 1) * PER_PAGE:min(page * PER_PAGE, BROWSABLE)]
    else:
        capped = sa.select(Discussion.id).where(*conditions).limit(BROWSABLE + 1).subquery()
        total = session.scalar(sa.select(sa.func.count()).select_from(capped))
        page = _clamp(page, total)
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


def _clamp(page: int, total: int) -> int:
    return max(1, min(page, max(1, math.ceil(min(total, BROWSABLE) / PER_PAGE))))
