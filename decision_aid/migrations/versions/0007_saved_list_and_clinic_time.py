"""The saved list shows each discussion's decision and follow-up date; search finds any part of a
reference or name; each clinic has a time zone.

- discussion.decision and discussion.follow_up_date: copied from the decision step when it is
  saved or amended (filled here for the discussions saved before), so the list never loads the
  answers.
- clinic.time_zone: an IANA name, "Europe/London" for every existing clinic. Times stay UTC.
- Search by any part of a reference or name. PostgreSQL: pg_trgm trigram (GIN) indexes on the
  case-folded reference and name, for LIKE '%part%'. pg_trgm is a trusted extension (PostgreSQL
  13+): a role with CREATE on the database may create it; otherwise a DBA runs
  `CREATE EXTENSION pg_trgm` once beforehand. SQLite: one covering index of every searched
  column, read end to end. The reference-prefix index goes (nothing searches by prefix now).

Revision ID: 0007
Revises: 0006
"""
import datetime as dt
import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TRIGRAM_COLUMNS = ("patient_ref_key", "clinician_key")
SEARCH_COLUMNS = ["clinic_id", "patient_ref_key", "clinician_key", "discussion_date", "status", "created_at", "id"]
BATCH = 1000

discussion = sa.table("discussion", sa.column("id", sa.Uuid()), sa.column("answers_json", sa.Text()),
                      sa.column("decision", sa.String(32)), sa.column("follow_up_date", sa.Date()))


def _decision_fields(answers_json: str) -> dict:
    """The same fields operations._copy_decision_fields copies, from answers as saved."""
    try:
        decision = json.loads(answers_json or "{}").get("decision") or {}
    except (ValueError, AttributeError):
        decision = {}
    try:
        follow_up = dt.date.fromisoformat(decision.get("follow_up_date") or "")
    except (TypeError, ValueError):
        follow_up = None
    return {"decision": (decision.get("choice") or None) and str(decision["choice"])[:32],
            "follow_up_date": follow_up}


def _fill_decision_columns() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(discussion.c.id, discussion.c.answers_json)
                              .where(discussion.c.answers_json.like('%"decision"%'))).all()
    update = (sa.update(discussion).where(discussion.c.id == sa.bindparam("row_id"))
              .values(decision=sa.bindparam("decision"), follow_up_date=sa.bindparam("follow_up_date")))
    for start in range(0, len(rows), BATCH):
        changes = [{"row_id": row.id, **_decision_fields(row.answers_json)} for row in rows[start:start + BATCH]]
        changes = [c for c in changes if c["decision"] or c["follow_up_date"]]
        if changes:
            connection.execute(update, changes)


def upgrade():
    with op.batch_alter_table("discussion") as batch:
        batch.add_column(sa.Column("decision", sa.String(32), nullable=True))
        batch.add_column(sa.Column("follow_up_date", sa.Date(), nullable=True))
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(64), nullable=False, server_default="Europe/London"))
    _fill_decision_columns()
    op.drop_index("ix_discussion_clinic_patient_ref", table_name="discussion")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in TRIGRAM_COLUMNS:
            op.create_index(f"ix_discussion_{column}_trgm", "discussion", [column], postgresql_using="gin",
                            postgresql_ops={column: "gin_trgm_ops"})
    elif op.get_bind().dialect.name == "sqlite":
        op.create_index("ix_discussion_clinic_search", "discussion", SEARCH_COLUMNS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for column in TRIGRAM_COLUMNS:
            op.drop_index(f"ix_discussion_{column}_trgm", table_name="discussion")
    elif op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_discussion_clinic_search", table_name="discussion")
    op.create_index("ix_discussion_clinic_patient_ref", "discussion", ["clinic_id", "patient_ref_key", "created_at", "id"],
                    postgresql_ops={"patient_ref_key": "varchar_pattern_ops"})
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("time_zone")
    with op.batch_alter_table("discussion") as batch:
        batch.drop_column("follow_up_date")
        batch.drop_column("decision")
