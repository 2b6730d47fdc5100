"""Discussions and their revisions (the first schema, before accounts).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "discussion",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("current_step", sa.String(32), nullable=False),
        sa.Column("patient_ref", sa.String(40), nullable=True),
        sa.Column("patient_ref_key", sa.String(40), nullable=True),
        sa.Column("clinician", sa.String(120), nullable=False),
        sa.Column("clinician_key", sa.String(120), nullable=False),
        sa.Column("discussion_date", sa.Date(), nullable=False),
        sa.Column("content_version", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_discussion"),
    )
    op.create_index("ix_discussion_created_at", "discussion", ["created_at"])
    op.create_index("ix_discussion_status_created", "discussion", ["status", "created_at"])
    op.create_index("ix_discussion_patient_ref_key", "discussion", ["patient_ref_key"])
    op.create_index("ix_discussion_clinician_key", "discussion", ["clinician_key"])
    op.create_index("ix_discussion_discussion_date", "discussion", ["discussion_date"])
    op.create_table(
        "revision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(120), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("answers_json", sa.Text(), nullable=False),
        sa.Column("content_version", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["discussion_id"], ["discussion.id"], ondelete="RESTRICT",
                                name="fk_revision_discussion_id_discussion"),
        sa.PrimaryKeyConstraint("id", name="pk_revision"),
        sa.UniqueConstraint("discussion_id", "number", name="uq_revision_number"),
    )
    op.create_index("ix_revision_discussion_id", "revision", ["discussion_id"])


def downgrade():
    op.drop_table("revision")
    op.drop_table("discussion")
