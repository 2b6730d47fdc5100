"""Clinical sign-off of content versions: reviewer, role and date per version and content hash.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "content_signoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("content_version", sa.String(length=16), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("reviewer_name", sa.String(length=120), nullable=False),
        sa.Column("reviewer_role", sa.String(length=120), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_signoff")),
    )
    with op.batch_alter_table("content_signoff") as batch_op:
        batch_op.create_index(batch_op.f("ix_content_signoff_content_version"), ["content_version"], unique=False)


def downgrade():
    with op.batch_alter_table("content_signoff") as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_signoff_content_version"))
    op.drop_table("content_signoff")
