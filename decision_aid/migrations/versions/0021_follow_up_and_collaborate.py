"""After the visit: CollaboRATE answers (apart from the discussion), who was offered them, and
follow-ups with the Decision Regret Scale. All three tables are append-only, guarded the same
way as revisions (0002, 0006): UPDATE and DELETE refused by triggers; on SQLite a BEFORE INSERT
trigger refuses a row whose key already exists (REPLACE); on PostgreSQL, TRUNCATE is refused.

Revision ID: 0021
Revises: 0020
"""
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

GUARDED = {"follow_up": "id = NEW.id", "collaborate_response": "id = NEW.id",
           "collaborate_offer": "discussion_id = NEW.discussion_id"}


def _triggers(dialect: str) -> list[str]:
    if dialect == "sqlite":
        statements = [f"CREATE TRIGGER {t}_no_{v.lower()} BEFORE {v} ON {t} "
                      f"BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END"
                      for t in GUARDED for v in ("UPDATE", "DELETE")]
        # Table names and keys are the constants above, never input.
        return statements + [
            f"CREATE TRIGGER {t}_no_replace BEFORE INSERT ON {t} WHEN EXISTS (SELECT 1 FROM {t} WHERE {key}) "  # nosec B608
            f"BEGIN SELECT RAISE(ABORT, '{t} rows are append-only'); END" for t, key in GUARDED.items()]
    if dialect == "postgresql":
        # refuse_change() is made by 0002.
        return [f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                f"FOR EACH ROW EXECUTE FUNCTION refuse_change()" for t in GUARDED] + [
                f"CREATE TRIGGER {t}_no_truncate BEFORE TRUNCATE ON {t} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION refuse_change()" for t in GUARDED]
    return []


def upgrade():
    op.create_table(
        "collaborate_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=False),
        sa.Column("answered_by", sa.String(16), nullable=False),
        sa.Column("collaborate_1", sa.SmallInteger(), nullable=False),
        sa.Column("collaborate_2", sa.SmallInteger(), nullable=False),
        sa.Column("collaborate_3", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_collaborate_response_clinic_id_clinic"),
        sa.PrimaryKeyConstraint("id", name="pk_collaborate_response"),
    )
    op.create_index("ix_collaborate_response_clinic_day", "collaborate_response", ["clinic_id", "answered_on"])
    op.create_table(
        "collaborate_offer",
        sa.Column("discussion_id", sa.Uuid(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"], ondelete="RESTRICT",
                                name="fk_collaborate_offer_discussion_id_discussion"),
        sa.PrimaryKeyConstraint("discussion_id", name="pk_collaborate_offer"),
    )
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Uuid(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("answered_by", sa.String(16), nullable=False),
        sa.Column("done_since", sa.Text(), nullable=False),
        sa.Column("option_tried", sa.String(32), nullable=True),
        sa.Column("pain_now", sa.SmallInteger(), nullable=False),
        *[sa.Column(f"regret_{n}", sa.SmallInteger(), nullable=True) for n in range(1, 6)],
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"], ondelete="RESTRICT",
                                name="fk_follow_up_discussion_id_discussion"),
        sa.ForeignKeyConstraint(["clinic_id"], ["clinic.id"], name="fk_follow_up_clinic_id_clinic"),
        sa.ForeignKeyConstraint(["author_id"], ["user_account.id"], name="fk_follow_up_author_id_user_account"),
        sa.PrimaryKeyConstraint("id", name="pk_follow_up"),
    )
    op.create_index("ix_follow_up_discussion", "follow_up", ["discussion_id", "created_at"])
    op.create_index("ix_follow_up_clinic_created", "follow_up", ["clinic_id", "created_at"])
    for statement in _triggers(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    # Dropping a table drops its triggers.
    op.drop_table("follow_up")
    op.drop_table("collaborate_offer")
    op.drop_table("collaborate_response")
